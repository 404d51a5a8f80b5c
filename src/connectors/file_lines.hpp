// Shared by the file connectors (jsonl, csv, textlog): which files a collection covers, and
// reading them line by line, gzip-compressed or not, without loading a whole file.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "datamap/datamap.hpp"

namespace maestro {

// The files of `collection`: its `source` glob under the store's `path` folder, sorted.
Result<std::vector<std::filesystem::path>> collection_files(const StoreSpec& store, const Collection& collection);

// Calls `visit` with each line (without its newline) and its 1-based number. Reads gzip files
// transparently. Stops at the first failure `visit` returns.
Status for_each_line(const std::filesystem::path& file,
                     const std::function<Status(std::string_view line, std::size_t number)>& visit);

// Rewrites `file` line by line: `transform` gets each line (without its line ending) and
// returns the new line, or nullopt to drop it. Only when some line changed is the file
// replaced, atomically: a temporary file beside it is written, fsynced and renamed over it, so
// a crash leaves either the old file or the new one. A gzip file stays gzip; line endings and
// the file's permissions are kept. Returns the number of lines changed or dropped.
struct RewriteCounts {
  std::size_t dropped = 0;
  std::size_t changed = 0;
};
Result<RewriteCounts> rewrite_lines(
    const std::filesystem::path& file,
    const std::function<std::optional<std::string>(const std::string& line)>& transform);

}  // namespace maestro
