// Moving an installation from its SQLite file to PostgreSQL, with every case, letter, job and
// its whole audit trail (the chain and its anchor are copied as they are, so `audit verify`
// passes on the new store).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keyring.hpp"
#include "store/postgres_session.hpp"

namespace maestro {

struct StoreCopy {
  std::vector<std::pair<std::string, std::int64_t>> rows;  // table, rows copied, in copy order
  std::int64_t audit_events = 0;                           // verified on the new store
  std::string audit_head;                                  // the hash of its newest event
};

// Creates the schema in the PostgreSQL database (empty, or with an empty Maestro schema) and
// copies every row of the SQLite store there in one transaction, which commits only when the
// audit trail verifies on the new store: a failure copies nothing.
// failed_precondition when the target holds cases or audit events already. Both stores must be
// under `keys` (the SQLite store is checked; the PostgreSQL one takes them).
Result<StoreCopy> copy_sqlite_store_to_postgres(const std::filesystem::path& from, const PostgresLocation& to,
                                                const KeyRing& keys);

// The tables copied, in order (parents before the rows that refer to them).
const std::vector<std::string>& copied_store_tables();

}  // namespace maestro
