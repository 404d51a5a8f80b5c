#include "store/sqlite_session.hpp"

#include <sqlite3.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace maestro {

namespace {

constexpr int k_busy_timeout_ms = 5000;

// The connection, with its compiled statements kept for reuse: compiling the queue's SELECT
// cost more than running it. A statement in use is never handed out twice (a query run while
// another of the same text is being read gets a fresh one).
class SqliteSession final : public SqlSession {
 public:
  SqliteSession(sqlite3* db, std::string name) : m_db(db), m_name(std::move(name)) {}
  ~SqliteSession() override {
    for (auto& [sql, idle] : m_idle) {
      for (sqlite3_stmt* stmt : idle) sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(m_db);
  }
  SqliteSession(const SqliteSession&) = delete;
  SqliteSession& operator=(const SqliteSession&) = delete;

  std::unique_ptr<SqlQuery> prepare(const std::string& sql) override;

  Status exec(const std::string& sql) override {
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return propagate(store_error(*this, "case store operation failed"));
    }
    return {};
  }
  Status begin_write() override { return exec("BEGIN IMMEDIATE"); }
  std::int64_t changes() const override { return sqlite3_changes64(m_db); }
  SqlFailure last_failure() const override {
    switch (sqlite3_errcode(m_db) & 0xff) {
      case SQLITE_OK:
      case SQLITE_ROW:
      case SQLITE_DONE: return SqlFailure::none;
      case SQLITE_BUSY:
      case SQLITE_LOCKED: return SqlFailure::busy;
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB: return SqlFailure::corrupt;
      case SQLITE_READONLY:
      case SQLITE_CANTOPEN:
      case SQLITE_PERM: return SqlFailure::no_permission;
      case SQLITE_FULL:
      case SQLITE_IOERR: return SqlFailure::resources;
      case SQLITE_CONSTRAINT: return SqlFailure::constraint;
      default: return SqlFailure::other;
    }
  }
  std::string last_message() const override { return sqlite3_errmsg(m_db); }
  // BEGIN IMMEDIATE already admits one writer at a time.
  std::string_view skip_locked() const override { return ""; }
  const std::string& name() const override { return m_name; }

  // A compiled statement for `sql` (SQLITE_OK), or the compile error.
  int acquire(const std::string& sql, sqlite3_stmt** out) {
    auto it = m_idle.find(sql);
    if (it != m_idle.end() && !it->second.empty()) {
      *out = it->second.back();
      it->second.pop_back();
      return SQLITE_OK;
    }
    return sqlite3_prepare_v3(m_db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, out, nullptr);
  }
  void release(sqlite3_stmt* stmt) {
    if (!stmt) return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    auto& idle = m_idle[sqlite3_sql(stmt)];
    if (idle.size() < 4)
      idle.push_back(stmt);
    else
      sqlite3_finalize(stmt);
  }

 private:
  sqlite3* m_db;
  std::string m_name;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> m_idle;
};

class SqliteQuery final : public SqlQuery {
 public:
  SqliteQuery(SqliteSession& db, const std::string& sql) : m_db(db), m_prepare_rc(db.acquire(sql, &m_stmt)) {}
  ~SqliteQuery() override { m_db.release(m_stmt); }
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  void bind_text(int i, std::string_view text) override {
    sqlite3_bind_text(m_stmt, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind_integer(int i, std::int64_t value) override { sqlite3_bind_int64(m_stmt, i, value); }
  void bind_blob(int i, std::string_view bytes) override {
    sqlite3_bind_blob(m_stmt, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  }
  void bind_null(int i) override { sqlite3_bind_null(m_stmt, i); }
  Step step() override {
    if (m_prepare_rc != SQLITE_OK) return Step::error;
    switch (sqlite3_step(m_stmt)) {
      case SQLITE_ROW: return Step::row;
      case SQLITE_DONE: return Step::done;
      default: return Step::error;
    }
  }
  bool is_null(int col) const override { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
  std::string text(int col) const override {
    auto p = sqlite3_column_text(m_stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)))
             : std::string();
  }
  std::int64_t integer(int col) const override { return sqlite3_column_int64(m_stmt, col); }
  std::string blob(int col) const override {
    auto p = static_cast<const char*>(sqlite3_column_blob(m_stmt, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col))) : std::string();
  }
  int column_count() const override { return sqlite3_column_count(m_stmt); }
  std::string column_name(int col) const override { return sqlite3_column_name(m_stmt, col); }
  ColumnKind column_kind(int col) const override {
    switch (sqlite3_column_type(m_stmt, col)) {
      case SQLITE_NULL: return ColumnKind::null;
      case SQLITE_INTEGER: return ColumnKind::integer;
      case SQLITE_BLOB: return ColumnKind::blob;
      default: return ColumnKind::text;
    }
  }

 private:
  SqliteSession& m_db;
  sqlite3_stmt* m_stmt = nullptr;
  int m_prepare_rc;
};

std::unique_ptr<SqlQuery> SqliteSession::prepare(const std::string& sql) {
  return std::make_unique<SqliteQuery>(*this, sql);
}

}  // namespace

Result<std::unique_ptr<SqlSession>> open_sqlite_session(const std::filesystem::path& path, bool create) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail(ErrorCode::unavailable, "cannot open case store " + path.string() + ": " + detail);
  }
  auto session = std::make_unique<SqliteSession>(db, path.string());
  if (auto ok = session->exec("PRAGMA busy_timeout = " + std::to_string(k_busy_timeout_ms)); !ok)
    return propagate(ok.error());
  if (auto ok = session->exec("PRAGMA foreign_keys = ON"); !ok) return propagate(ok.error());
  return std::unique_ptr<SqlSession>(std::move(session));
}

}  // namespace maestro
