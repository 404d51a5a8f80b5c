// The PostgreSQL connector (libpq). Settings: host, port, database, user, and the password
// from `password_env` (an environment variable) or `password_file`; optional `sslmode`.
// Rows stream in libpq's single-row mode, so memory does not grow with a large result.
#pragma once

#include "connectors/connector.hpp"

namespace maestro {

Result<std::unique_ptr<Connector>> open_postgres_connector(const StoreSpec& store, AccessMode mode);

// A PostgreSQL text[] literal: {"a","b \"c\""}; used to bind lists as one parameter.
std::string postgres_array_literal(const std::vector<std::string>& items);

}  // namespace maestro
