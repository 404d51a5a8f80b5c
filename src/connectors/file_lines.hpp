// Shared by the file connectors (jsonl, csv, textlog): which files a collection covers, and
// reading them line by line, gzip-compressed or not, without loading a whole file.
#pragma once

#include <filesystem>
#include <functional>
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

// Whether `value` occurs in `text` as a whole token: the characters around it are not letters,
// digits or any of "._-@" (so 10.0.0.1 does not match inside 10.0.0.12).
bool contains_token(std::string_view text, std::string_view value);

}  // namespace maestro
