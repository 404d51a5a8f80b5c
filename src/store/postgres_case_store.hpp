// The production case store: PostgreSQL, shared by every `maestro serve` and `maestro worker`
// of an installation, on as many machines as needed. Its schema is created and upgraded only by
// `maestro store migrate` (a database team wants to know when a schema changes); every other
// command refuses a database whose schema is missing, older or newer than this Maestro's.
#pragma once

#include <memory>

#include "crypto/keyring.hpp"
#include "store/case_store.hpp"
#include "store/postgres_session.hpp"

namespace maestro {

enum class PostgresOpen {
  use,      // the schema must be this Maestro's
  migrate,  // creates the schema in an empty database or upgrades an older one
};

// Opens the store. failed_precondition: no Maestro schema yet, or an older or newer one;
// data_loss: the database holds other tables and no Maestro schema; permission_denied: `keys`
// are not the store's. `keys` must outlive the store.
Result<std::unique_ptr<CaseStore>> open_postgres_case_store(const PostgresLocation& where, const KeyRing& keys,
                                                            PostgresOpen mode);

// The same, as the SQL store itself: for store/ code that writes its tables (store_copy.cpp).
class SqlCaseStore;
Result<std::unique_ptr<SqlCaseStore>> open_postgres_sql_store(const PostgresLocation& where, const KeyRing& keys,
                                                              PostgresOpen mode);

// The schema version this Maestro writes.
int postgres_schema_version();

}  // namespace maestro
