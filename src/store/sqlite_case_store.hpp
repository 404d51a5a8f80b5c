// The embedded case store: one SQLite file in WAL mode, schema applied by numbered migrations.
#pragma once

#include <filesystem>
#include <memory>

#include "crypto/keyring.hpp"
#include "store/case_store.hpp"

namespace maestro {

// Opens (creating when `create` is true and the file is absent) the store at `path`. Refuses a
// file that is not a Maestro store, is corrupt, or was created under another key. `keys` must
// outlive the store.
Result<std::unique_ptr<CaseStore>> open_sqlite_case_store(const std::filesystem::path& path, const KeyRing& keys,
                                                          bool create);

// The same, as the SQL store itself: for store/ code that reads its tables (store_copy.cpp).
class SqlCaseStore;
Result<std::unique_ptr<SqlCaseStore>> open_sqlite_sql_store(const std::filesystem::path& path, const KeyRing& keys,
                                                            bool create);

}  // namespace maestro
