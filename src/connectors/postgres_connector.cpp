#include "connectors/postgres_connector.hpp"
#include "connectors/sql_support.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>

namespace maestro {

namespace {

constexpr std::size_t k_batch_size = 1000;

// OIDs of the built-in types that are returned as numbers.
constexpr Oid k_int8 = 20, k_int2 = 21, k_int4 = 23, k_float4 = 700, k_float8 = 701, k_numeric = 1700;

std::string quote_identifier(std::string_view name) {
  return quote_sql_identifier(name, '"');
}

// "schema.table" or "table", each part quoted.
std::string quote_table(const std::string& source) {
  auto dot = source.find('.');
  if (dot == std::string::npos) return quote_identifier(source);
  return quote_identifier(source.substr(0, dot)) + "." + quote_identifier(source.substr(dot + 1));
}

class PostgresConnector final : public Connector {
 public:
  PostgresConnector(PGconn* conn, std::string label) : m_conn(conn), m_label(std::move(label)) {}
  ~PostgresConnector() override { PQfinish(m_conn); }

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
    return stream_query("SELECT * FROM " + quote_table(collection.source), {}, collection, "*", visit);
  }

  Result<ApplyCounts> apply(const std::vector<CollectionChanges>& changes) override {
    if (auto ok = command("BEGIN", {}); !ok) return propagate(ok.error());
    auto counts =
        apply_in_chunks(changes, [this](const Collection& c, const RowChange& change, const std::vector<std::string>& keys) {
          return apply_rows(c, change, keys);
        });
    if (!counts) {
      command("ROLLBACK", {});
      return counts;
    }
    if (auto ok = command("COMMIT", {}); !ok) return propagate(ok.error());
    return counts;
  }

 private:
  // Runs one statement with text parameters (nullopt: SQL NULL); returns the rows it touched.
  Result<std::size_t> command(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* res =
        PQexecParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string message = PQresultErrorMessage(res);
      PQclear(res);
      bool lost = PQstatus(m_conn) != CONNECTION_OK;
      return fail(lost ? ErrorCode::unavailable : ErrorCode::invalid_argument, m_label + ": " + trim(message));
    }
    std::string touched = PQcmdTuples(res);
    PQclear(res);
    return touched.empty() ? std::size_t{0} : static_cast<std::size_t>(std::stoull(touched));
  }

  // {"a","b"} for a dotted path below its JSON column.
  static std::vector<std::string> json_path(const std::string& field, std::size_t dot) {
    std::vector<std::string> path;
    for (std::size_t start = dot + 1; start <= field.size();) {
      std::size_t next = field.find('.', start);
      path.push_back(field.substr(start, next == std::string::npos ? std::string::npos : next - start));
      if (next == std::string::npos) break;
      start = next + 1;
    }
    return path;
  }

  static std::optional<std::string> text_or_null(const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
    return value_text(v);
  }

  // DELETE or UPDATE the rows found by `keys` with `row`'s change; returns the rows touched.
  Result<std::size_t> apply_rows(const Collection& collection, const RowChange& row, const std::vector<std::string>& keys) {
    std::vector<std::optional<std::string>> params;
    auto placeholder = [&](std::optional<std::string> value) {
      params.push_back(std::move(value));
      return "$" + std::to_string(params.size());
    };
    std::string sql;
    if (row.delete_row) {
      sql = "DELETE FROM " + quote_table(collection.source);
    } else {
      if (row.set.empty()) return std::size_t{0};
      sql = "UPDATE " + quote_table(collection.source) + " SET ";
      for (std::size_t i = 0; i < row.set.size(); ++i) {
        const FieldChange& f = row.set[i];
        if (i) sql += ", ";
        auto dot = f.field.find('.');
        if (dot != std::string::npos && collection.field(f.field.substr(0, dot))) {
          // Only the value at the path changes; a JSON null stands in for SQL NULL.
          std::string column = quote_identifier(f.field.substr(0, dot));
          std::string path = placeholder(postgres_array_literal(json_path(f.field, dot)));
          std::string value = placeholder(text_or_null(f.to));
          sql += column + " = jsonb_set(" + column + "::jsonb, " + path + "::text[], COALESCE(to_jsonb(" + value +
                 "::text), 'null'::jsonb))";
        } else {
          sql += quote_identifier(f.field) + " = " + placeholder(text_or_null(f.to));
        }
      }
    }
    auto dot = row.key_field.find('.');
    if (dot != std::string::npos && collection.field(row.key_field.substr(0, dot))) {
      std::string path = placeholder(postgres_array_literal(json_path(row.key_field, dot)));
      sql += " WHERE jsonb_extract_path_text(" + quote_identifier(row.key_field.substr(0, dot)) + "::jsonb, VARIADIC " +
             path + "::text[]) IN (";
    } else {
      sql += " WHERE " + quote_identifier(row.key_field) + "::text IN (";
    }
    for (std::size_t i = 0; i < keys.size(); ++i) sql += (i ? ", " : "") + placeholder(keys[i]);
    sql += ")";
    return command(sql, params);
  }

  Status stream_query(const std::string& sql, const std::vector<std::string>& params, const Collection& collection,
                      const std::string& field, const RecordVisitor& visit) {
    std::vector<const char*> param_values;
    for (const auto& p : params) param_values.push_back(p.c_str());
    ++m_traffic.requests;
    if (!PQsendQueryParams(m_conn, sql.c_str(), static_cast<int>(param_values.size()), nullptr, param_values.data(),
                           nullptr, nullptr, 0) ||
        !PQsetSingleRowMode(m_conn)) {
      return connection_error();
    }
    Status result;
    m_last_sqlstate.clear();
    while (PGresult* res = PQgetResult(m_conn)) {
      ExecStatusType status = PQresultStatus(res);
      if (status == PGRES_SINGLE_TUPLE && result) {
        result = visit(row(res));
      } else if (status != PGRES_TUPLES_OK && status != PGRES_SINGLE_TUPLE && result) {
        const char* sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        m_last_sqlstate = sqlstate ? sqlstate : "";
        std::string message = PQresultErrorMessage(res);
        bool lost = PQstatus(m_conn) != CONNECTION_OK;
        result = fail(lost ? ErrorCode::unavailable : ErrorCode::invalid_argument,
                      m_label + ": cannot query " + collection.key() + "." + field + ": " + trim(message));
      }
      PQclear(res);  // drain every result so the connection stays usable
    }
    return result;
  }

  Status find_batch(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
                    const RecordVisitor& visit) {
    std::string expression;
    std::vector<std::string> params{postgres_array_literal(values)};
    auto dot = field.find('.');
    if (dot != std::string::npos && collection.field(field.substr(0, dot))) {
      // A path into a JSON column: payload.customerName -> jsonb_extract_path_text(payload, 'customerName').
      params.push_back(postgres_array_literal(json_path(field, dot)));
      expression =
          "jsonb_extract_path_text(" + quote_identifier(field.substr(0, dot)) + "::jsonb, VARIADIC $2::text[])";
    } else {
      // Compared in the column's own type first, so that its index is used (a cast to text
      // would read every row). Values that are not of that type ('abc' for an integer key), or
      // a type without equality (json), are compared as text instead.
      std::string typed =
          "SELECT * FROM " + quote_table(collection.source) + " WHERE " + quote_identifier(field) + " = ANY($1)";
      bool visited = false;
      Status found = stream_query(typed, params, collection, field, [&](const Record& r) {
        visited = true;
        return visit(r);
      });
      bool wrong_type = m_last_sqlstate.starts_with("22") || m_last_sqlstate == "42883";
      if (found || visited || !wrong_type) return found;
      expression = quote_identifier(field) + "::text";
    }
    std::string sql = "SELECT * FROM " + quote_table(collection.source) + " WHERE " + expression + " = ANY($1::text[])";
    return stream_query(sql, params, collection, field, visit);
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  Status connection_error() const {
    return fail(ErrorCode::unavailable, m_label + ": " + trim(PQerrorMessage(m_conn)));
  }

  static Record row(PGresult* res) {
    Record r;
    int n = PQnfields(res);
    for (int i = 0; i < n; ++i) {
      Value v;
      if (!PQgetisnull(res, 0, i)) {
        const char* text = PQgetvalue(res, 0, i);
        Oid type = PQftype(res, i);
        if (type == k_int8 || type == k_int2 || type == k_int4)
          v = static_cast<std::int64_t>(std::strtoll(text, nullptr, 10));
        else if (type == k_float4 || type == k_float8 || type == k_numeric)
          v = std::strtod(text, nullptr);
        else
          v = std::string(text);
      }
      r.columns.emplace_back(PQfname(res, i), std::move(v));
    }
    return r;
  }

  PGconn* m_conn;
  std::string m_label;
  std::string m_last_sqlstate;  // of the last failed query ("22P02": a value not of the column's type)
};

}  // namespace

std::string postgres_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

Result<std::unique_ptr<Connector>> open_postgres_connector(const StoreSpec& store, AccessMode) {
  auto setting = [&](const char* key, const char* fallback) {
    auto it = store.settings.find(key);
    return it == store.settings.end() ? std::string(fallback) : it->second;
  };
  auto password = store_password(store);
  if (!password) return propagate(password.error());
  std::string host = setting("host", "127.0.0.1"), port = setting("port", "5432"), database = setting("database", ""),
              user = setting("user", "postgres"), sslmode = setting("sslmode", "prefer");
  if (database.empty()) return invalid("a postgres store needs a 'database'");
  const char* keys[] = {"host", "port", "dbname", "user", "password", "sslmode", "connect_timeout", "application_name",
                        nullptr};
  const char* values[] = {host.c_str(),    port.c_str(), database.c_str(), user.c_str(), password->c_str(),
                          sslmode.c_str(), "5",          "maestro",        nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 0);
  std::string label = "postgres " + host + ":" + port + "/" + database;
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn ? PQerrorMessage(conn) : "out of memory";
    PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return fail(ErrorCode::unavailable, "cannot connect to " + label + ": " + message);
  }
  return std::unique_ptr<Connector>(std::make_unique<PostgresConnector>(conn, label));
}

}  // namespace maestro
