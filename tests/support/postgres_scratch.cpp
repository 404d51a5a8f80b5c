#include "support/postgres_scratch.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>

namespace maestro::testing {

std::string postgres_sql(const std::string& port, const std::string& database, const std::string& sql) {
  std::string conninfo = "host=127.0.0.1 port=" + port + " dbname=" + database + " user=postgres";
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  auto status = PQresultStatus(r);
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(c);
  std::string value = status == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  return value;
}

ScratchDatabase::ScratchDatabase(std::string port) : m_port(std::move(port)) {
  static std::atomic<int> counter{0};
  m_name = "scratch_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  postgres_sql(m_port, "postgres", "CREATE DATABASE " + m_name);
}

ScratchDatabase::~ScratchDatabase() {
  postgres_sql(m_port, "postgres", "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
}

std::string ScratchDatabase::url(const std::string& user) const {
  return "postgresql://" + user + "@127.0.0.1:" + m_port + "/" + m_name;
}

}  // namespace maestro::testing
