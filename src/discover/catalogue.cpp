#include "discover/catalogue.hpp"

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <filesystem>
#include <regex>

namespace maestro {

namespace {

std::string double_quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string backquoted(std::string_view name) {
  std::string out = "`";
  for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
  return out + "`";
}

// ---- SQLite ----

class SqliteCatalogue final : public CatalogueSource {
 public:
  explicit SqliteCatalogue(sqlite3* db) : m_db(db) { sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr); }
  ~SqliteCatalogue() override {
    sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(m_db);
  }
  std::string type() const override { return "sqlite"; }

  Result<std::vector<std::string>> tables() override {
    std::vector<std::string> out;
    auto ok = query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", "",
                    [&](sqlite3_stmt* s) { out.push_back(text(s, 0)); });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::vector<CatalogueColumn>> columns(const std::string& table) override {
    std::vector<CatalogueColumn> out;
    auto ok = query("SELECT name, type, pk FROM pragma_table_info(?1)", table, [&](sqlite3_stmt* s) {
      out.push_back({text(s, 0), text(s, 1), sqlite3_column_int(s, 2) > 0});
    });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::vector<CatalogueForeignKey>> foreign_keys(const std::string& table) override {
    std::vector<CatalogueForeignKey> out;
    auto ok = query("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1)", table,
                    [&](sqlite3_stmt* s) { out.push_back({text(s, 0), text(s, 1), text(s, 2)}); });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::int64_t> rows(const std::string& table) override {
    std::int64_t n = 0;
    auto ok = query("SELECT count(*) FROM " + double_quoted(table), "", [&](sqlite3_stmt* s) { n = sqlite3_column_int64(s, 0); });
    if (!ok) return propagate(ok.error());
    return n;
  }
  Status sample(const std::string& table, const std::vector<CatalogueColumn>& columns, std::size_t limit,
                const std::function<void(const SampledRow&)>& visit) override {
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + double_quoted(c.name);
    return query("SELECT " + list + " FROM " + double_quoted(table) + " LIMIT " + std::to_string(limit), "",
                 [&](sqlite3_stmt* s) {
                   SampledRow row;
                   for (int i = 0; i < static_cast<int>(columns.size()); ++i)
                     row.push_back(sqlite3_column_type(s, i) == SQLITE_NULL ? std::nullopt : std::optional(text(s, i)));
                   visit(row);
                 });
  }

 private:
  static std::string text(sqlite3_stmt* s, int col) {
    auto* t = sqlite3_column_text(s, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  Status query(const std::string& sql, const std::string& parameter, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
      return fail(ErrorCode::unavailable, std::string("SQLite: ") + sqlite3_errmsg(m_db));
    if (!parameter.empty()) sqlite3_bind_text(s, 1, parameter.c_str(), -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return fail(ErrorCode::unavailable, std::string("SQLite: ") + sqlite3_errmsg(m_db));
    return {};
  }
  sqlite3* m_db;
};

// ---- PostgreSQL ----

class PostgresCatalogue final : public CatalogueSource {
 public:
  explicit PostgresCatalogue(PGconn* conn) : m_conn(conn) {}
  ~PostgresCatalogue() override {
    PQclear(PQexec(m_conn, "COMMIT"));
    PQfinish(m_conn);
  }
  std::string type() const override { return "postgres"; }

  Status begin(int budget_seconds) {
    if (auto ok = exec("BEGIN TRANSACTION READ ONLY", {}, nullptr); !ok) return ok;
    return exec("SELECT set_config('statement_timeout', $1, true)", {std::to_string(budget_seconds * 1000)}, nullptr);
  }

  Result<std::vector<std::string>> tables() override {
    std::vector<std::string> out;
    auto ok = exec(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND "
        "table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_schema <> 'public', 1, 2",
        {}, [&](PGresult* r, int i) {
          std::string schema = PQgetvalue(r, i, 0), name = PQgetvalue(r, i, 1);
          out.push_back(schema == "public" ? name : schema + "." + name);
        });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::vector<CatalogueColumn>> columns(const std::string& table) override {
    std::vector<CatalogueColumn> out;
    auto ok = exec(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
        "coalesce(a.attnum = ANY (SELECT unnest(conkey) FROM pg_constraint WHERE conrelid = a.attrelid AND contype = 'p'), false) "
        "FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {qualified(table)}, [&](PGresult* r, int i) {
          out.push_back({PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), std::string(PQgetvalue(r, i, 2)) == "t"});
        });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::vector<CatalogueForeignKey>> foreign_keys(const std::string& table) override {
    std::vector<CatalogueForeignKey> out;
    auto ok = exec(
        "SELECT a.attname, CASE WHEN n.nspname = 'public' THEN t.relname ELSE n.nspname || '.' || t.relname END, "
        "af.attname FROM pg_constraint c JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.conrelid = to_regclass($1) AND array_length(c.conkey, 1) = 1",
        {qualified(table)}, [&](PGresult* r, int i) {
          out.push_back({PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2)});
        });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::int64_t> rows(const std::string& table) override {
    // The planner's estimate: counting a large table would read all of it.
    std::int64_t n = -1, pages = 0;
    auto ok = exec("SELECT reltuples::bigint, relpages FROM pg_class WHERE oid = to_regclass($1)", {qualified(table)},
                   [&](PGresult* r, int i) {
                     n = std::atoll(PQgetvalue(r, i, 0));
                     pages = std::atoll(PQgetvalue(r, i, 1));
                   });
    if (!ok) return propagate(ok.error());
    if (n < 0)
      ok = exec("SELECT count(*) FROM " + quoted(table), {}, [&](PGresult* r, int i) { n = std::atoll(PQgetvalue(r, i, 0)); });
    if (!ok) return propagate(ok.error());
    m_estimates[table] = {n, pages};
    return n;
  }
  // A large table's sample is spread over it: random pages (TABLESAMPLE SYSTEM, a fixed seed so
  // that a run is repeatable) holding about three times the rows wanted and at least 64 pages
  // (a narrow table's rows wanted fit on a few pages, which may all fall in one part of it),
  // shuffled before the
  // limit (else it would keep the lowest of those pages), not its first rows, which are often the
  // oldest and least like today's. A stale estimate that yields too few rows falls back to the
  // first rows.
  Status sample(const std::string& table, const std::vector<CatalogueColumn>& columns, std::size_t limit,
                const std::function<void(const SampledRow&)>& visit) override {
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + double_quoted(c.name) + "::text";
    std::vector<SampledRow> rows;
    auto collect = [&](PGresult* r, int i) {
      SampledRow row;
      for (int c = 0; c < PQnfields(r); ++c)
        row.push_back(PQgetisnull(r, i, c) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, c)));
      rows.push_back(std::move(row));
    };
    std::string tail = " LIMIT " + std::to_string(limit);
    auto [estimate, pages] = m_estimates[table];
    bool spread = estimate > 10 * static_cast<std::int64_t>(limit) && pages > 64;
    if (spread) {
      double percent = std::clamp(std::max(300.0 * static_cast<double>(limit) / static_cast<double>(estimate),
                                           6400.0 / static_cast<double>(pages)),
                                  0.001, 100.0);
      char clause[80];
      std::snprintf(clause, sizeof clause, " TABLESAMPLE SYSTEM (%.4f) REPEATABLE (31)", percent);
      if (auto ok = exec("SELECT setseed(0.31)", {}, [](PGresult*, int) {}); !ok) return ok;
      if (auto ok = exec("SELECT " + list + " FROM " + quoted(table) + clause + " ORDER BY random()" + tail, {}, collect);
          !ok)
        return ok;
    }
    if (!spread || rows.size() * 2 < limit) {
      rows.clear();
      if (auto ok = exec("SELECT " + list + " FROM " + quoted(table) + tail, {}, collect); !ok) return ok;
    }
    for (const auto& row : rows) visit(row);
    return {};
  }

 private:
  static std::string quoted(const std::string& table) {
    auto dot = table.find('.');
    return dot == std::string::npos ? double_quoted(table)
                                    : double_quoted(table.substr(0, dot)) + "." + double_quoted(table.substr(dot + 1));
  }
  static std::string qualified(const std::string& table) {
    return table.find('.') == std::string::npos ? "public." + double_quoted(table) : quoted(table);
  }
  Status exec(const std::string& sql, const std::vector<std::string>& parameters,
              const std::function<void(PGresult*, int)>& row) {
    std::vector<const char*> values;
    for (const auto& p : parameters) values.push_back(p.c_str());
    PGresult* r = PQexecParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0);
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string message = PQresultErrorMessage(r);
      PQclear(r);
      while (!message.empty() && message.back() == '\n') message.pop_back();
      return fail(ErrorCode::unavailable, "PostgreSQL: " + message);
    }
    if (row)
      for (int i = 0; i < PQntuples(r); ++i) row(r, i);
    PQclear(r);
    return {};
  }
  PGconn* m_conn;
  // rows(): the planner's rows and pages of each table, for the sample's spread
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> m_estimates;
};

// ---- MariaDB / MySQL ----

class MysqlCatalogue final : public CatalogueSource {
 public:
  explicit MysqlCatalogue(MYSQL* conn) : m_conn(conn) {}
  ~MysqlCatalogue() override {
    mysql_query(m_conn, "COMMIT");
    mysql_close(m_conn);
  }
  std::string type() const override { return "mysql"; }

  Status begin(int budget_seconds) {
    // max_statement_time is MariaDB's (seconds); MySQL ignores it with an error we do not need.
    (void)exec("SET SESSION max_statement_time = " + std::to_string(budget_seconds), nullptr);
    return exec("START TRANSACTION READ ONLY", nullptr);
  }

  Result<std::vector<std::string>> tables() override {
    std::vector<std::string> out;
    auto ok = exec("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND "
                   "table_type = 'BASE TABLE' ORDER BY table_name",
                   [&](MYSQL_ROW r, unsigned long*) { out.push_back(r[0]); });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::vector<CatalogueColumn>> columns(const std::string& table) override {
    std::vector<CatalogueColumn> out;
    auto ok = exec("SELECT column_name, column_type, column_key FROM information_schema.columns WHERE table_schema = "
                   "DATABASE() AND table_name = " + literal(table) + " ORDER BY ordinal_position",
                   [&](MYSQL_ROW r, unsigned long*) { out.push_back({r[0], r[1], std::string(r[2] ? r[2] : "") == "PRI"}); });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::vector<CatalogueForeignKey>> foreign_keys(const std::string& table) override {
    std::vector<CatalogueForeignKey> out;
    auto ok = exec("SELECT column_name, referenced_table_name, referenced_column_name FROM "
                   "information_schema.key_column_usage WHERE table_schema = DATABASE() AND table_name = " +
                       literal(table) + " AND referenced_table_name IS NOT NULL",
                   [&](MYSQL_ROW r, unsigned long*) { out.push_back({r[0], r[1], r[2] ? r[2] : ""}); });
    if (!ok) return propagate(ok.error());
    return out;
  }
  Result<std::int64_t> rows(const std::string& table) override {
    std::int64_t n = 0;
    auto ok = exec("SELECT coalesce(table_rows, 0) FROM information_schema.tables WHERE table_schema = DATABASE() AND "
                   "table_name = " + literal(table),
                   [&](MYSQL_ROW r, unsigned long*) { n = std::atoll(r[0] ? r[0] : "0"); });
    if (!ok) return propagate(ok.error());
    return n;
  }
  Status sample(const std::string& table, const std::vector<CatalogueColumn>& columns, std::size_t limit,
                const std::function<void(const SampledRow&)>& visit) override {
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + backquoted(c.name);
    return exec("SELECT " + list + " FROM " + backquoted(table) + " LIMIT " + std::to_string(limit),
                [&](MYSQL_ROW r, unsigned long* lengths) {
                  SampledRow row;
                  for (std::size_t i = 0; i < columns.size(); ++i)
                    row.push_back(r[i] ? std::optional<std::string>(std::string(r[i], lengths[i])) : std::nullopt);
                  visit(row);
                });
  }

 private:
  std::string literal(const std::string& text) {
    std::string out(text.size() * 2 + 1, '\0');
    out.resize(mysql_real_escape_string(m_conn, out.data(), text.c_str(), text.size()));
    return "'" + out + "'";
  }
  Status exec(const std::string& sql, const std::function<void(MYSQL_ROW, unsigned long*)>& row) {
    if (mysql_real_query(m_conn, sql.c_str(), sql.size()) != 0)
      return fail(ErrorCode::unavailable, std::string("MariaDB: ") + mysql_error(m_conn));
    MYSQL_RES* result = mysql_use_result(m_conn);  // streamed: a large sample is never held twice
    if (!result) return {};
    while (MYSQL_ROW r = mysql_fetch_row(result))
      if (row) row(r, mysql_fetch_lengths(result));
    mysql_free_result(result);
    return {};
  }
  MYSQL* m_conn;
};

struct UrlParts {
  std::string user, password, host, port, database;
};

std::optional<UrlParts> parse_url(const std::string& url) {
  static const std::regex pattern(R"(^[a-z]+://(?:([^:@/]*)(?::([^@/]*))?@)?([^:/]+)(?::([0-9]+))?/([^/?]+)$)");
  std::smatch m;
  if (!std::regex_match(url, m, pattern)) return std::nullopt;
  return UrlParts{m[1], m[2], m[3], m[4], m[5]};
}

std::string password_for(const UrlParts& parts) {
  if (!parts.password.empty()) return parts.password;
  const char* env = std::getenv("MAESTRO_DISCOVER_PASSWORD");
  return env ? env : "";
}

}  // namespace

Result<std::unique_ptr<CatalogueSource>> open_catalogue(const std::string& store, int budget_seconds,
                                                        const std::string& given_password) {
  if (store.starts_with("postgresql://") || store.starts_with("postgres://")) {
    auto parts = parse_url(store);
    if (!parts) return invalid("a PostgreSQL store is postgresql://USER@HOST:PORT/DATABASE");
    std::string port = parts->port.empty() ? "5432" : parts->port;
    std::string password = given_password.empty() ? password_for(*parts) : given_password;
    const char* keys[] = {"host", "port", "dbname", "user", "password", "connect_timeout", "application_name", nullptr};
    const char* values[] = {parts->host.c_str(), port.c_str(), parts->database.c_str(), parts->user.c_str(),
                            password.c_str(),    "10",         "maestro-discover",      nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, 0);
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn);
      PQfinish(conn);
      while (!message.empty() && message.back() == '\n') message.pop_back();
      return fail(ErrorCode::unavailable, "cannot connect to PostgreSQL " + parts->host + ":" + port + "/" +
                                              parts->database + ": " + message);
    }
    auto source = std::make_unique<PostgresCatalogue>(conn);
    if (auto ok = source->begin(budget_seconds); !ok) return propagate(ok.error());
    return std::unique_ptr<CatalogueSource>(std::move(source));
  }
  if (store.starts_with("mysql://") || store.starts_with("mariadb://")) {
    auto parts = parse_url(store);
    if (!parts) return invalid("a MariaDB store is mysql://USER@HOST:PORT/DATABASE");
    MYSQL* conn = mysql_init(nullptr);
    unsigned timeout = 10;
    mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    std::string password = given_password.empty() ? password_for(*parts) : given_password;
    unsigned port = parts->port.empty() ? 3306u : static_cast<unsigned>(std::stoul(parts->port));
    if (!mysql_real_connect(conn, parts->host.c_str(), parts->user.c_str(), password.c_str(),
                            parts->database.c_str(), port, nullptr, 0)) {
      std::string message = mysql_error(conn);
      mysql_close(conn);
      return fail(ErrorCode::unavailable, "cannot connect to MariaDB " + parts->host + ":" + std::to_string(port) +
                                              "/" + parts->database + ": " + message);
    }
    mysql_set_character_set(conn, "utf8mb4");
    auto source = std::make_unique<MysqlCatalogue>(conn);
    if (auto ok = source->begin(budget_seconds); !ok) return propagate(ok.error());
    return std::unique_ptr<CatalogueSource>(std::move(source));
  }
  std::string path = store.starts_with("sqlite:") ? store.substr(7) : store;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return not_found("no SQLite database at " + path);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return fail(ErrorCode::not_found, "cannot open SQLite store " + path + " for reading");
  }
  return std::unique_ptr<CatalogueSource>(std::make_unique<SqliteCatalogue>(db));
}

}  // namespace maestro
