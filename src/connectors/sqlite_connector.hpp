// The SQLite connector: a database file (`path`), opened read-only for locating.
#pragma once

#include "connectors/connector.hpp"

namespace maestro {

Result<std::unique_ptr<Connector>> open_sqlite_connector(const StoreSpec& store, AccessMode mode);

}  // namespace maestro
