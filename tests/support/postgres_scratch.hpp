// A database of its own on the test PostgreSQL server (tests/servers/postgres), for a test that
// writes: created empty, dropped (with any connection left) when the test ends.
#pragma once

#include <string>

namespace maestro::testing {

// Runs SQL on a database of the fixture's server as its superuser; returns the first value of
// the first row, if any. A failure fails the calling test.
std::string postgres_sql(const std::string& port, const std::string& database, const std::string& sql);

class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string port);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  // postgresql://USER@127.0.0.1:PORT/NAME
  std::string url(const std::string& user = "postgres") const;
  std::string sql(const std::string& statement) const { return postgres_sql(m_port, m_name, statement); }
  const std::string& port() const { return m_port; }
  const std::string& name() const { return m_name; }

 private:
  std::string m_port, m_name;
};

}  // namespace maestro::testing
