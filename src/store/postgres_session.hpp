// The PostgreSQL session of the production case store (libpq).
#pragma once

#include <memory>
#include <string>

#include "store/sql_session.hpp"

namespace maestro {

// Where a PostgreSQL case store is: a libpq URI (postgresql://user@host:port/db?sslmode=require,
// every libpq parameter honoured) and its password ("" when libpq finds it itself: PGPASSWORD,
// ~/.pgpass, a client certificate).
struct PostgresLocation {
  std::string url;
  std::string password;
};

// The URI without any password it carries, to name the store in messages and logs.
std::string redacted_postgres_url(const std::string& url);

// Connects: unavailable when the server cannot be reached, permission_denied when it refuses
// the credentials.
Result<std::unique_ptr<SqlSession>> open_postgres_session(const PostgresLocation& where);

}  // namespace maestro
