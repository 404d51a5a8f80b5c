#include "connectors/mysql_connector.hpp"
#include "connectors/sql_support.hpp"

#include <mysql.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

namespace maestro {

namespace {

constexpr std::size_t k_batch_size = 500;

std::string quote_identifier(std::string_view name) {
  return quote_sql_identifier(name, '`');
}

// Closes a prepared statement however the query ends.
struct StatementGuard {
  MYSQL_STMT* stmt;
  ~StatementGuard() { mysql_stmt_close(stmt); }
};

class MysqlConnector final : public Connector {
 public:
  MysqlConnector(MYSQL* conn, std::string label) : m_conn(conn), m_label(std::move(label)) {}
  ~MysqlConnector() override { mysql_close(m_conn); }

  Status find(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
              const RecordVisitor& visit) override {
    for (std::size_t start = 0; start < values.size(); start += k_batch_size) {
      std::vector<std::string> batch(
          values.begin() + static_cast<std::ptrdiff_t>(start),
          values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), start + k_batch_size)));
      if (auto ok = find_batch(collection, field, batch, visit); !ok) return ok;
    }
    return {};
  }

  Status scan(const Collection& collection, const RecordVisitor& visit) override {
    MYSQL_STMT* stmt = mysql_stmt_init(m_conn);
    if (!stmt) return error("cannot prepare a query", nullptr);
    StatementGuard guard{stmt};
    std::string sql = "SELECT * FROM " + quote_identifier(collection.source);
    if (mysql_stmt_prepare(stmt, sql.c_str(), sql.size()) != 0 || execute(stmt) != 0) {
      return error("cannot read " + collection.key(), stmt);
    }
    return fetch_rows(stmt, collection, visit);
  }

  Result<ApplyCounts> apply(const std::vector<CollectionChanges>& changes) override {
    if (mysql_query(m_conn, "START TRANSACTION") != 0)
      return propagate(error("cannot start a transaction", nullptr).error());
    auto counts =
        apply_in_chunks(changes, [this](const Collection& c, const RowChange& change, const std::vector<std::string>& keys) {
          return apply_rows(c, change, keys);
        });
    if (!counts) {
      mysql_query(m_conn, "ROLLBACK");
      return counts;
    }
    if (mysql_query(m_conn, "COMMIT") != 0) return propagate(error("cannot commit", nullptr).error());
    return counts;
  }

 private:
  // Runs a prepared statement: one round trip to the server.
  int execute(MYSQL_STMT* stmt) {
    ++m_traffic.requests;
    return mysql_stmt_execute(stmt);
  }

  // Runs one statement with string parameters (nullopt: NULL); returns the rows it touched.
  Result<std::size_t> execute(const std::string& sql, std::vector<std::optional<std::string>> params,
                              const Collection& collection) {
    MYSQL_STMT* stmt = mysql_stmt_init(m_conn);
    if (!stmt) return propagate(error("cannot prepare a statement", nullptr).error());
    StatementGuard guard{stmt};
    if (mysql_stmt_prepare(stmt, sql.c_str(), sql.size()) != 0)
      return propagate(error("cannot change " + collection.key(), stmt).error());
    std::vector<MYSQL_BIND> binds(params.size());
    std::vector<unsigned long> lengths(params.size());
    std::vector<my_bool> nulls(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::memset(&binds[i], 0, sizeof(MYSQL_BIND));
      nulls[i] = !params[i].has_value();
      lengths[i] = params[i] ? static_cast<unsigned long>(params[i]->size()) : 0;
      binds[i].buffer_type = MYSQL_TYPE_STRING;
      binds[i].buffer = params[i] ? params[i]->data() : nullptr;
      binds[i].buffer_length = lengths[i];
      binds[i].length = &lengths[i];
      binds[i].is_null = &nulls[i];
    }
    if (mysql_stmt_bind_param(stmt, binds.data()) != 0 || execute(stmt) != 0) {
      return propagate(error("cannot change " + collection.key(), stmt).error());
    }
    return static_cast<std::size_t>(mysql_stmt_affected_rows(stmt));
  }

  // DELETE or UPDATE the rows found by `keys` with `row`'s change; returns the rows touched.
  Result<std::size_t> apply_rows(const Collection& collection, const RowChange& row, const std::vector<std::string>& keys) {
    std::vector<std::optional<std::string>> params;
    auto json_column = [&](const std::string& field) -> std::optional<std::size_t> {
      auto dot = field.find('.');
      if (dot != std::string::npos && collection.field(field.substr(0, dot))) return dot;
      return std::nullopt;
    };
    std::string sql;
    if (row.delete_row) {
      sql = "DELETE FROM " + quote_identifier(collection.source);
    } else {
      if (row.set.empty()) return std::size_t{0};
      sql = "UPDATE " + quote_identifier(collection.source) + " SET ";
      for (std::size_t i = 0; i < row.set.size(); ++i) {
        const FieldChange& f = row.set[i];
        if (i) sql += ", ";
        std::optional<std::string> to;
        if (!std::holds_alternative<std::monostate>(f.to)) to = value_text(f.to);
        if (auto dot = json_column(f.field)) {
          std::string column = quote_identifier(f.field.substr(0, *dot));
          sql += column + " = JSON_SET(" + column + ", ?, ?)";
          params.push_back("$." + f.field.substr(*dot + 1));
        } else {
          sql += quote_identifier(f.field) + " = ?";
        }
        params.push_back(std::move(to));
      }
    }
    if (auto dot = json_column(row.key_field)) {
      sql += " WHERE JSON_UNQUOTE(JSON_EXTRACT(" + quote_identifier(row.key_field.substr(0, *dot)) + ", ?)) IN (";
      params.push_back("$." + row.key_field.substr(*dot + 1));
    } else {
      sql += " WHERE CAST(" + quote_identifier(row.key_field) + " AS CHAR) IN (";
    }
    for (std::size_t i = 0; i < keys.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
    params.insert(params.end(), keys.begin(), keys.end());
    return execute(sql, std::move(params), collection);
  }

  Status error(const std::string& what, MYSQL_STMT* stmt) const {
    unsigned code = stmt ? mysql_stmt_errno(stmt) : mysql_errno(m_conn);
    std::string message = stmt ? mysql_stmt_error(stmt) : mysql_error(m_conn);
    // 2000-2999 are client errors (lost connection, server gone): the store is unavailable.
    bool lost = code >= 2000 && code < 3000;
    return fail(lost ? ErrorCode::unavailable : ErrorCode::invalid_argument, m_label + ": " + what + ": " + message);
  }

  Status find_batch(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
                    const RecordVisitor& visit) {
    std::vector<std::string> params;
    std::string expression;
    auto dot = field.find('.');
    if (dot != std::string::npos && collection.field(field.substr(0, dot))) {
      expression = "JSON_UNQUOTE(JSON_EXTRACT(" + quote_identifier(field.substr(0, dot)) + ", ?))";
      params.push_back("$." + field.substr(dot + 1));
    } else {
      expression = "CAST(" + quote_identifier(field) + " AS CHAR)";
    }
    std::string sql = "SELECT * FROM " + quote_identifier(collection.source) + " WHERE " + expression + " IN (";
    for (std::size_t i = 0; i < values.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";
    params.insert(params.end(), values.begin(), values.end());

    MYSQL_STMT* stmt = mysql_stmt_init(m_conn);
    if (!stmt) return error("cannot prepare a query", nullptr);
    StatementGuard guard{stmt};
    if (mysql_stmt_prepare(stmt, sql.c_str(), sql.size()) != 0) return error("cannot query " + collection.key(), stmt);
    std::vector<MYSQL_BIND> binds(params.size());
    std::vector<unsigned long> lengths(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::memset(&binds[i], 0, sizeof(MYSQL_BIND));
      lengths[i] = static_cast<unsigned long>(params[i].size());
      binds[i].buffer_type = MYSQL_TYPE_STRING;
      binds[i].buffer = params[i].data();
      binds[i].buffer_length = lengths[i];
      binds[i].length = &lengths[i];
    }
    if (mysql_stmt_bind_param(stmt, binds.data()) != 0 || execute(stmt) != 0) {
      return error("cannot query " + collection.key(), stmt);
    }
    return fetch_rows(stmt, collection, visit);
  }

  // Unbuffered fetch: each column is bound with no buffer, then read at its real length.
  Status fetch_rows(MYSQL_STMT* stmt, const Collection& collection, const RecordVisitor& visit) {
    MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
    if (!meta) return error("cannot read " + collection.key(), stmt);
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    std::vector<MYSQL_BIND> out(n);
    std::vector<unsigned long> lengths(n);
    std::vector<my_bool> nulls(n);
    for (unsigned i = 0; i < n; ++i) {
      std::memset(&out[i], 0, sizeof(MYSQL_BIND));
      out[i].buffer_type = MYSQL_TYPE_STRING;
      out[i].length = &lengths[i];
      out[i].is_null = &nulls[i];
    }
    Status result;
    if (mysql_stmt_bind_result(stmt, out.data()) != 0) result = error("cannot read " + collection.key(), stmt);
    while (result) {
      int rc = mysql_stmt_fetch(stmt);
      if (rc == MYSQL_NO_DATA) break;
      if (rc == 1) {
        result = error("cannot read " + collection.key(), stmt);
        break;
      }
      Record r;
      for (unsigned i = 0; i < n; ++i) {
        Value v;
        if (!nulls[i]) {
          std::string text(lengths[i], '\0');
          MYSQL_BIND column{};
          column.buffer_type = MYSQL_TYPE_STRING;
          column.buffer = text.data();
          column.buffer_length = lengths[i];
          if (lengths[i] > 0) mysql_stmt_fetch_column(stmt, &column, i, 0);
          v = typed(fields[i].type, std::move(text));
        }
        r.columns.emplace_back(fields[i].name, std::move(v));
      }
      result = visit(r);
    }
    mysql_free_result(meta);
    return result;
  }

  static Value typed(enum_field_types type, std::string text) {
    switch (type) {
      case MYSQL_TYPE_TINY:
      case MYSQL_TYPE_SHORT:
      case MYSQL_TYPE_LONG:
      case MYSQL_TYPE_INT24:
      case MYSQL_TYPE_LONGLONG: return static_cast<std::int64_t>(std::strtoll(text.c_str(), nullptr, 10));
      case MYSQL_TYPE_FLOAT:
      case MYSQL_TYPE_DOUBLE:
      case MYSQL_TYPE_DECIMAL:
      case MYSQL_TYPE_NEWDECIMAL: return std::strtod(text.c_str(), nullptr);
      default: return text;
    }
  }

  MYSQL* m_conn;
  std::string m_label;
};

}  // namespace

Result<std::unique_ptr<Connector>> open_mysql_connector(const StoreSpec& store, AccessMode) {
  auto setting = [&](const char* key, const char* fallback) {
    auto it = store.settings.find(key);
    return it == store.settings.end() ? std::string(fallback) : it->second;
  };
  auto password = store_password(store);
  if (!password) return propagate(password.error());
  std::string host = setting("host", "127.0.0.1"), database = setting("database", ""), user = setting("user", "root");
  std::string port_text = setting("port", "3306");
  if (database.empty()) return invalid("a mysql store needs a 'database'");
  unsigned port = static_cast<unsigned>(std::strtoul(port_text.c_str(), nullptr, 10));
  std::string label = "mysql " + host + ":" + port_text + "/" + database;
  MYSQL* conn = mysql_init(nullptr);
  if (!conn) return fail(ErrorCode::internal, "cannot start the MariaDB client library");
  unsigned timeout = 5;
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(conn, host.c_str(), user.c_str(), password->c_str(), database.c_str(), port, nullptr, 0)) {
    std::string message = mysql_error(conn);
    mysql_close(conn);
    return fail(ErrorCode::unavailable, "cannot connect to " + label + ": " + message);
  }
  return std::unique_ptr<Connector>(std::make_unique<MysqlConnector>(conn, label));
}

}  // namespace maestro
