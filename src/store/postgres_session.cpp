#include "store/postgres_session.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <regex>
#include <vector>

namespace maestro {

namespace {

constexpr Oid k_text_oid = 25, k_int8_oid = 20, k_int4_oid = 23, k_int2_oid = 21, k_bytea_oid = 17;
// Any number, the same in every Maestro: the lock a write transaction holds until it ends.
constexpr long long k_writer_lock = 0x4d414553;

std::string trimmed_message(PGconn* conn) {
  std::string message = conn ? PQerrorMessage(conn) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// "?12" becomes "$12" outside quoted text: the shared SQL's parameters in PostgreSQL's spelling.
std::string dollar_parameters(const std::string& sql) {
  std::string out;
  out.reserve(sql.size());
  bool quoted = false;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (!quoted && c == '?' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out += '$';
      continue;
    }
    out += c;
  }
  return out;
}

class PostgresSession;

class PostgresQuery final : public SqlQuery {
 public:
  PostgresQuery(PostgresSession& db, std::string sql) : m_db(db), m_sql(dollar_parameters(sql)) {}
  ~PostgresQuery() override { PQclear(m_result); }
  PostgresQuery(const PostgresQuery&) = delete;
  PostgresQuery& operator=(const PostgresQuery&) = delete;

  void bind_text(int i, std::string_view text) override { set(i, std::string(text), k_text_oid, 0); }
  void bind_integer(int i, std::int64_t value) override { set(i, std::to_string(value), k_int8_oid, 0); }
  void bind_blob(int i, std::string_view bytes) override { set(i, std::string(bytes), k_bytea_oid, 1); }
  void bind_null(int i) override {
    grow(i);
    m_null[static_cast<std::size_t>(i - 1)] = true;
  }
  Step step() override;
  bool is_null(int col) const override { return PQgetisnull(m_result, m_row, col) != 0; }
  std::string text(int col) const override {
    return std::string(PQgetvalue(m_result, m_row, col), static_cast<std::size_t>(PQgetlength(m_result, m_row, col)));
  }
  std::int64_t integer(int col) const override {
    const char* v = PQgetvalue(m_result, m_row, col);
    return v && *v ? std::strtoll(v, nullptr, 10) : 0;
  }
  std::string blob(int col) const override {
    std::size_t length = 0;
    unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(m_result, m_row, col)),
                                           &length);
    if (!bytes) return {};
    std::string out(reinterpret_cast<const char*>(bytes), length);
    PQfreemem(bytes);
    return out;
  }
  int column_count() const override { return PQnfields(m_result); }
  std::string column_name(int col) const override { return PQfname(m_result, col); }
  ColumnKind column_kind(int col) const override {
    if (is_null(col)) return ColumnKind::null;
    switch (PQftype(m_result, col)) {
      case k_int8_oid:
      case k_int4_oid:
      case k_int2_oid: return ColumnKind::integer;
      case k_bytea_oid: return ColumnKind::blob;
      default: return ColumnKind::text;
    }
  }

 private:
  void grow(int i) {
    auto n = static_cast<std::size_t>(i);
    if (m_values.size() < n) {
      m_values.resize(n);
      m_types.resize(n, 0);
      m_formats.resize(n, 0);
      m_null.resize(n, true);
    }
  }
  void set(int i, std::string value, Oid type, int format) {
    grow(i);
    auto k = static_cast<std::size_t>(i - 1);
    m_values[k] = std::move(value);
    m_types[k] = type;
    m_formats[k] = format;
    m_null[k] = false;
  }

  PostgresSession& m_db;
  std::string m_sql;
  std::vector<std::string> m_values;
  std::vector<Oid> m_types;
  std::vector<int> m_formats;
  std::vector<bool> m_null;
  PGresult* m_result = nullptr;
  int m_row = -1;
  bool m_ran = false;
};

class PostgresSession final : public SqlSession {
 public:
  PostgresSession(PGconn* conn, std::string name) : m_conn(conn), m_name(std::move(name)) {}
  ~PostgresSession() override { PQfinish(m_conn); }
  PostgresSession(const PostgresSession&) = delete;
  PostgresSession& operator=(const PostgresSession&) = delete;

  std::unique_ptr<SqlQuery> prepare(const std::string& sql) override {
    return std::make_unique<PostgresQuery>(*this, sql);
  }
  Status exec(const std::string& sql) override {
    PGresult* r = PQexec(m_conn, sql.c_str());
    bool ok = record(r);
    PQclear(r);
    if (!ok) return propagate(store_error(*this, "case store operation failed"));
    return {};
  }
  Status begin_write() override {
    if (auto ok = exec("BEGIN"); !ok) return ok;
    if (auto ok = exec("SELECT pg_advisory_xact_lock(" + std::to_string(k_writer_lock) + ")"); !ok) {
      exec("ROLLBACK");
      return ok;
    }
    return {};
  }
  std::int64_t changes() const override { return m_changes; }
  SqlFailure last_failure() const override {
    if (m_sqlstate.empty()) return PQstatus(m_conn) == CONNECTION_OK ? SqlFailure::none : SqlFailure::resources;
    auto is = [&](const char* prefix) { return m_sqlstate.rfind(prefix, 0) == 0; };
    if (is("23")) return SqlFailure::constraint;
    if (is("40") || is("55P03") || is("57014")) return SqlFailure::busy;  // serialisation, deadlock, lock wait
    if (is("42501") || is("28")) return SqlFailure::no_permission;
    if (is("53") || is("08") || is("57P")) return SqlFailure::resources;  // disk, memory, connection, shutdown
    if (is("XX001") || is("XX002")) return SqlFailure::corrupt;
    return SqlFailure::other;
  }
  std::string last_message() const override { return m_message; }
  std::string_view skip_locked() const override { return " FOR UPDATE SKIP LOCKED"; }
  const std::string& name() const override { return m_name; }

  PGconn* connection() { return m_conn; }
  // Keeps what a result says of success, changed rows and failure; true when it succeeded.
  bool record(PGresult* r) {
    auto status = PQresultStatus(r);
    bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (ok) {
      const char* n = PQcmdTuples(r);
      m_changes = n && *n ? std::strtoll(n, nullptr, 10) : 0;
      m_sqlstate.clear();
      m_message.clear();
      return true;
    }
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    m_sqlstate = state ? state : "";
    const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    m_message = primary ? primary : trimmed_message(m_conn);
    return false;
  }

 private:
  PGconn* m_conn;
  std::string m_name;
  std::int64_t m_changes = 0;
  std::string m_sqlstate, m_message;
};

Step PostgresQuery::step() {
  if (!m_ran) {
    m_ran = true;
    std::vector<const char*> values(m_values.size());
    std::vector<int> lengths(m_values.size());
    for (std::size_t i = 0; i < m_values.size(); ++i) {
      values[i] = m_null[i] ? nullptr : m_values[i].data();
      lengths[i] = static_cast<int>(m_values[i].size());
    }
    m_result = PQexecParams(m_db.connection(), m_sql.c_str(), static_cast<int>(values.size()), m_types.data(),
                            values.data(), lengths.data(), m_formats.data(), 0);
    if (!m_db.record(m_result)) return Step::error;
  }
  if (PQresultStatus(m_result) != PGRES_TUPLES_OK) return Step::done;
  if (m_row + 1 >= PQntuples(m_result)) return Step::done;
  ++m_row;
  return Step::row;
}

}  // namespace

std::string redacted_postgres_url(const std::string& url) {
  // postgresql://user:secret@host/db -> postgresql://user@host/db; password=... parameters too.
  static const std::regex userinfo_password(R"(^([a-z]+://[^:/@?]*):[^@/?]*@)");
  static const std::regex password_parameter(R"(([?&]password=)[^&]*)");
  std::string out = std::regex_replace(url, userinfo_password, "$1@");
  return std::regex_replace(out, password_parameter, "$1***");
}

Result<std::unique_ptr<SqlSession>> open_postgres_session(const PostgresLocation& where) {
  // Parameters are applied in order: the URI's own (application_name, connect_timeout) win over
  // these defaults, and the password from Maestro's settings over the URI's.
  std::vector<const char*> keys{"application_name", "connect_timeout", "dbname"};
  std::vector<const char*> values{"maestro", "5", where.url.c_str()};
  if (!where.password.empty()) {
    keys.push_back("password");
    values.push_back(where.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname: the URI in "dbname" sets every parameter it names.
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
  const std::string name = redacted_postgres_url(where.url);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trimmed_message(conn);
    bool refused = PQconnectionNeedsPassword(conn) || message.find("authentication failed") != std::string::npos ||
                   message.find("password") != std::string::npos;
    PQfinish(conn);
    return fail(refused ? ErrorCode::permission_denied : ErrorCode::unavailable,
                "cannot connect to case store " + name + ": " + message);
  }
  // Quiet the server's notices (an IF NOT EXISTS that found the object) on Maestro's stderr.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<SqlSession>(std::make_unique<PostgresSession>(conn, name));
}

}  // namespace maestro
