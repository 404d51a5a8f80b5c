// The SQLite session of the embedded case store: one file, statements compiled once and reused.
#pragma once

#include <filesystem>
#include <memory>

#include "store/sql_session.hpp"

namespace maestro {

// Opens the SQLite file at `path` (creating it when `create`), with a busy timeout so that a
// writer waits a while for another process's lock before failing as `unavailable`.
Result<std::unique_ptr<SqlSession>> open_sqlite_session(const std::filesystem::path& path, bool create);

}  // namespace maestro
