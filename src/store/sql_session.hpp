// SqlSession: the one connection a SQL case store talks through, whatever the engine.
//
// The case store's SQL is written once, with numbered parameters (?1, ?2, ...) in the subset
// that SQLite and PostgreSQL both speak (ON CONFLICT, RETURNING, FILTER, row values). A session
// runs it on its engine (PostgreSQL's session rewrites ?N to $N) and answers the few questions
// where the engines differ: how a write transaction begins, how a queue row is locked, what its
// last error meant. Values cross as text, 64-bit integers and blobs; times are ISO-8601 text.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

enum class Step { row, done, error };

// What a column of the current row holds (for copying a table whatever its columns are).
enum class ColumnKind { null, integer, text, blob };

// What the engine's last failure was, in the terms the store reports to its user.
enum class SqlFailure { none, busy, corrupt, no_permission, resources, constraint, other };

// A compiled statement: bind parameters (1-based), then step through rows (columns 0-based).
class SqlQuery {
 public:
  virtual ~SqlQuery() = default;
  virtual void bind_text(int i, std::string_view text) = 0;
  virtual void bind_integer(int i, std::int64_t value) = 0;
  virtual void bind_blob(int i, std::string_view bytes) = 0;
  virtual void bind_null(int i) = 0;
  virtual Step step() = 0;
  virtual bool is_null(int col) const = 0;
  virtual std::string text(int col) const = 0;
  virtual std::int64_t integer(int col) const = 0;
  virtual std::string blob(int col) const = 0;
  virtual int column_count() const = 0;
  virtual std::string column_name(int col) const = 0;
  virtual ColumnKind column_kind(int col) const = 0;
};

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual std::unique_ptr<SqlQuery> prepare(const std::string& sql) = 0;
  // Runs statements that bind nothing and return nothing (schema, transaction control).
  virtual Status exec(const std::string& sql) = 0;
  // Starts a transaction that will write, admitting one writer at a time (SQLite's BEGIN
  // IMMEDIATE, a transaction-scoped advisory lock on PostgreSQL): two writers never deadlock
  // halfway through, the audit chain stays one line (each event links to the one before it) and
  // case numbers stay gap-free however many processes share the store.
  virtual Status begin_write() = 0;
  // Rows the last INSERT, UPDATE or DELETE changed.
  virtual std::int64_t changes() const = 0;
  virtual SqlFailure last_failure() const = 0;
  // The engine's own words for the last failure.
  virtual std::string last_message() const = 0;
  // Appended to the SELECT that picks a queued job, so that concurrent workers skip each
  // other's rows instead of waiting ("" where the engine serialises writers anyway).
  virtual std::string_view skip_locked() const = 0;
  // Names the store in messages: a file path, or a server and database (never a password).
  virtual const std::string& name() const = 0;
};

// Maps the session's last failure to an error a user can act on; `what` says what failed.
Error store_error(const SqlSession& db, const std::string& what);

// A statement with a fluent binding API, over any session.
class Statement {
 public:
  Statement(SqlSession& db, const std::string& sql) : m_query(db.prepare(sql)) {}

  Statement& bind(int i, std::string_view text) {
    m_query->bind_text(i, text);
    return *this;
  }
  Statement& bind(int i, std::int64_t value) {
    m_query->bind_integer(i, value);
    return *this;
  }
  Statement& bind_blob(int i, const std::optional<std::string>& blob) {
    if (blob)
      m_query->bind_blob(i, *blob);
    else
      m_query->bind_null(i);
    return *this;
  }
  Statement& bind_null(int i) {
    m_query->bind_null(i);
    return *this;
  }
  Statement& bind_optional(int i, const std::optional<std::string>& text) {
    if (text)
      m_query->bind_text(i, *text);
    else
      m_query->bind_null(i);
    return *this;
  }
  Step step() { return m_query->step(); }
  bool is_null(int col) const { return m_query->is_null(col); }
  std::string text(int col) const { return m_query->text(col); }
  std::optional<std::string> optional_text(int col) const {
    if (m_query->is_null(col)) return std::nullopt;
    return m_query->text(col);
  }
  std::optional<std::string> blob(int col) const {
    if (m_query->is_null(col)) return std::nullopt;
    return m_query->blob(col);
  }
  std::int64_t integer(int col) const { return m_query->integer(col); }
  SqlQuery& query() { return *m_query; }

 private:
  std::unique_ptr<SqlQuery> m_query;
};

}  // namespace maestro
