// The MariaDB / MySQL connector (libmariadb). Settings: host, port, database, user, and the
// password from `password_env` or `password_file`. Values are bound to a prepared statement and
// rows are fetched unbuffered, one at a time.
#pragma once

#include "connectors/connector.hpp"

namespace maestro {

Result<std::unique_ptr<Connector>> open_mysql_connector(const StoreSpec& store, AccessMode mode);

}  // namespace maestro
