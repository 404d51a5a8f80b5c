#include "connectors/sqlite_connector.hpp"
#include "connectors/sql_support.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace maestro {

namespace {

// Values per query: SQLite's default limit on bound parameters is 32766; stay well below it.
constexpr std::size_t k_batch_size = 500;

std::string quote_identifier(std::string_view name) {
  return quote_sql_identifier(name, '"');
}

// "payload.customerName" -> json_extract("payload", '$.customerName'), the path bound as a parameter.
struct FieldExpression {
  std::string sql;
  std::optional<std::string> json_path;
};

FieldExpression field_expression(const Collection& collection, const std::string& field) {
  auto dot = field.find('.');
  if (dot == std::string::npos || collection.field(field.substr(0, dot)) == nullptr)
    return {quote_identifier(field), {}};
  return {"json_extract(" + quote_identifier(field.substr(0, dot)) + ", ?)", "$." + field.substr(dot + 1)};
}

class SqliteConnector final : public Connector {
 public:
  SqliteConnector(sqlite3* db, std::string path) : m_db(db), m_path(std::move(path)) {}
  ~SqliteConnector() override { sqlite3_close_v2(m_db); }

  Status find(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
              const RecordVisitor& visit) override {
    for (std::size_t start = 0; start < values.size(); start += k_batch_size) {
      std::size_t end = std::min(values.size(), start + k_batch_size);
      if (auto ok = find_batch(collection, field, values, start, end, visit); !ok) return ok;
    }
    return {};
  }

  Status scan(const Collection& collection, const RecordVisitor& visit) override {
    Statement q(m_db, "SELECT * FROM " + quote_identifier(collection.source));
    if (!q.prepared()) return query_error(collection, "cannot read");
    return stream(q.get(), visit);
  }

  Result<ApplyCounts> apply(const std::vector<CollectionChanges>& changes) override {
    if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return propagate(ok.error());
    auto counts =
        apply_in_chunks(changes, [this](const Collection& c, const RowChange& change, const std::vector<std::string>& keys) {
          return apply_rows(c, change, keys);
        });
    if (!counts) {
      exec("ROLLBACK");
      return counts;
    }
    if (auto ok = exec("COMMIT"); !ok) {
      exec("ROLLBACK");
      return propagate(ok.error());
    }
    return counts;
  }

 private:
  // Owns a prepared statement.
  class Statement {
   public:
    Statement(sqlite3* db, const std::string& sql) { sqlite3_prepare_v2(db, sql.c_str(), -1, &m_stmt, nullptr); }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    bool prepared() const { return m_stmt != nullptr; }
    sqlite3_stmt* get() const { return m_stmt; }

   private:
    sqlite3_stmt* m_stmt = nullptr;
  };

  Status exec(const char* sql) {
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail(ErrorCode::unavailable, "store " + m_path + ": " + sqlite3_errmsg(m_db));
    }
    return {};
  }

  Unexpected<Error> query_error(const Collection& collection, const std::string& what) const {
    return fail(ErrorCode::invalid_argument,
                "store " + m_path + ": " + what + " " + collection.key() + ": " + sqlite3_errmsg(m_db));
  }

  Status stream(sqlite3_stmt* stmt, const RecordVisitor& visit) {
    ++m_traffic.requests;
    Status result;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (result = visit(row(stmt)); !result) break;
    }
    if (result && rc != SQLITE_DONE)
      result = fail(ErrorCode::unavailable, "store " + m_path + ": " + sqlite3_errmsg(m_db));
    return result;
  }

  static void bind_value(sqlite3_stmt* stmt, int index, const Value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
      sqlite3_bind_int64(stmt, index, *i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      sqlite3_bind_double(stmt, index, *d);
    } else if (const auto* text = std::get_if<std::string>(&v)) {
      sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
    } else if (const auto* json_text = std::get_if<JsonText>(&v)) {
      sqlite3_bind_text(stmt, index, json_text->text.data(), static_cast<int>(json_text->text.size()),
                        SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt, index);
    }
  }

  // DELETE or UPDATE the rows found by `keys` with `row`'s change; returns the rows touched.
  Result<std::size_t> apply_rows(const Collection& collection, const RowChange& row, const std::vector<std::string>& keys) {
    FieldExpression key = field_expression(collection, row.key_field);
    std::string sql;
    std::vector<const Value*> params;
    std::vector<Value> owned;  // JSON paths and the key, kept alive for binding
    owned.reserve(row.set.size() * 2 + 1 + keys.size());
    if (row.delete_row) {
      sql = "DELETE FROM " + quote_identifier(collection.source);
    } else {
      if (row.set.empty()) return std::size_t{0};
      sql = "UPDATE " + quote_identifier(collection.source) + " SET ";
      for (std::size_t i = 0; i < row.set.size(); ++i) {
        const FieldChange& f = row.set[i];
        auto dot = f.field.find('.');
        if (i) sql += ", ";
        if (dot != std::string::npos && collection.field(f.field.substr(0, dot))) {
          // A path into a JSON column: json_set keeps the rest of the document as it is.
          std::string column = quote_identifier(f.field.substr(0, dot));
          sql += column + " = json_set(" + column + ", ?, ?)";
          owned.emplace_back("$." + f.field.substr(dot + 1));
          params.push_back(&owned.back());
        } else {
          sql += quote_identifier(f.field) + " = ?";
        }
        params.push_back(&f.to);
      }
    }
    sql += " WHERE " + key.sql + " IN (";
    for (std::size_t i = 0; i < keys.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
    if (key.json_path) {
      owned.emplace_back(*key.json_path);
      params.push_back(&owned.back());
    }
    for (const auto& k : keys) {
      owned.emplace_back(k);
      params.push_back(&owned.back());
    }
    Statement q(m_db, sql);
    if (!q.prepared()) return query_error(collection, "cannot change");
    for (std::size_t i = 0; i < params.size(); ++i) bind_value(q.get(), static_cast<int>(i + 1), *params[i]);
    if (sqlite3_step(q.get()) != SQLITE_DONE) return query_error(collection, "cannot change");
    return static_cast<std::size_t>(sqlite3_changes(m_db));
  }

  Status find_batch(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
                    std::size_t start, std::size_t end, const RecordVisitor& visit) {
    FieldExpression expr = field_expression(collection, field);
    std::string sql = "SELECT * FROM " + quote_identifier(collection.source) + " WHERE " + expr.sql + " IN (";
    for (std::size_t i = start; i < end; ++i) sql += i == start ? "?" : ", ?";
    sql += ")";
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return fail(ErrorCode::invalid_argument,
                  "store " + m_path + ": cannot query " + collection.key() + "." + field + ": " + sqlite3_errmsg(m_db));
    }
    int index = 1;
    if (expr.json_path) sqlite3_bind_text(stmt, index++, expr.json_path->c_str(), -1, SQLITE_TRANSIENT);
    for (std::size_t i = start; i < end; ++i) {
      sqlite3_bind_text(stmt, index++, values[i].data(), static_cast<int>(values[i].size()), SQLITE_TRANSIENT);
    }
    ++m_traffic.requests;
    Status result;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (result = visit(row(stmt)); !result) break;
    }
    if (result && rc != SQLITE_DONE) {
      result = fail(ErrorCode::unavailable, "store " + m_path + ": " + sqlite3_errmsg(m_db));
    }
    sqlite3_finalize(stmt);
    return result;
  }

  static Record row(sqlite3_stmt* stmt) {
    Record r;
    int n = sqlite3_column_count(stmt);
    r.columns.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      Value v;
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER: v = static_cast<std::int64_t>(sqlite3_column_int64(stmt, i)); break;
        case SQLITE_FLOAT: v = sqlite3_column_double(stmt, i); break;
        case SQLITE_NULL: break;
        default: {
          auto text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          v = std::string(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
        }
      }
      r.columns.emplace_back(sqlite3_column_name(stmt, i), std::move(v));
    }
    return r;
  }

  sqlite3* m_db;
  std::string m_path;
};

// A writer that died in a transaction (a worker killed mid-erasure, a crash) leaves a hot rollback
// journal, which only a connection that may write can roll back: a read-only one would fail
// with "attempt to write a readonly database" until something else opened the file. So before a
// read-only opening finds one, a short read-write opening reads the schema, which rolls it back
// (SQLite does that itself on first read) and restores the database as it was before the dead
// transaction. Nothing else is written.
void roll_back_dead_writer(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path + "-journal", ec)) return;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  }
  sqlite3_close_v2(db);
}

}  // namespace

Result<std::unique_ptr<Connector>> open_sqlite_connector(const StoreSpec& store, AccessMode mode) {
  auto path = store.settings.find("path");
  if (path == store.settings.end() || path->second.empty()) return invalid("a sqlite store needs a 'path'");
  std::error_code ec;
  if (!std::filesystem::exists(path->second, ec)) {
    return fail(ErrorCode::unavailable, "sqlite store " + path->second + " does not exist");
  }
  if (mode != AccessMode::read_write) roll_back_dead_writer(path->second);
  sqlite3* db = nullptr;
  int flags = mode == AccessMode::read_write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path->second.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail(ErrorCode::unavailable, "cannot open sqlite store " + path->second + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Connector>(std::make_unique<SqliteConnector>(db, path->second));
}

}  // namespace maestro
