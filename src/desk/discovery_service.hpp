// `maestro datamap discover` behind the front ends: runs discovery on a store and writes the
// draft data map, refusing to overwrite a file unless told to.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "desk/desk.hpp"
#include "discover/discovery.hpp"
#include "discover/drift.hpp"

namespace maestro {

struct DiscoveryReport {
  std::vector<Discovery> found;     // one per store
  std::vector<std::string> skipped;  // --map: systems discovery cannot read, with the reason
  std::size_t tables = 0, columns = 0, personal_columns = 0, identities = 0, references = 0;
  std::map<std::string, std::size_t> by_category;  // personal columns per category
};

// Writes the draft to `out` (refused when it exists and `overwrite` is false).
Result<DiscoveryReport> discover_to_draft(const std::string& store, const DiscoverOptions& options,
                                          const std::filesystem::path& out, bool overwrite);
// The same for every store of a map that discovery reads (databases and file folders), one
// system each under the map's names: a draft to compare with the map, or to start a new one.
Result<DiscoveryReport> discover_map_to_draft(const DataMap& map, const DiscoverOptions& options,
                                              const std::filesystem::path& out, bool overwrite);

// `maestro datamap drift`: compares every database store of the map with it and records the
// summary (the dashboard warns on every case while personal data is unmapped).
Result<DriftReport> run_drift(Desk& desk, const DataMap& map, const DiscoverOptions& options);

// The summary kept in the store and shown on the dashboard: when, how many, which columns.
std::string drift_summary_json(const DriftReport& report, Instant at);

}  // namespace maestro
