// `maestro datamap discover` behind the front ends: runs discovery on a store and writes the
// draft data map, refusing to overwrite a file unless told to.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "discover/discovery.hpp"

namespace maestro {

struct DiscoveryReport {
  Discovery found;
  std::size_t tables = 0, columns = 0, personal_columns = 0, identities = 0, references = 0;
  std::map<std::string, std::size_t> by_category;  // personal columns per category
};

// Writes the draft to `out` (refused when it exists and `overwrite` is false).
Result<DiscoveryReport> discover_to_draft(const std::string& store, const DiscoverOptions& options,
                                          const std::filesystem::path& out, bool overwrite);

}  // namespace maestro
