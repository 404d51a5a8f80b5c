// Drift: the live stores compared with the data map. What is new or gone (tables, columns) and
// every unmapped column that holds personal data, which no request can see: a search misses it
// and an erasure's proof says "clean" while a copy survives.
//
//   auto drift = check_drift(map, {.sample = 1000});
//   if (drift->personal_unmapped() > 0) ...   // `maestro datamap drift` exits 3
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "datamap/datamap.hpp"
#include "discover/discovery.hpp"

namespace maestro {

struct DriftItem {
  std::string system;
  std::string change;  // new-table, gone-table, new-column, gone-column
  std::string table;
  std::string column;  // empty for a table
  std::optional<ColumnClass> personal;  // for a new column, or each personal column of a new table
};

struct DriftReport {
  std::vector<DriftItem> items;
  std::vector<std::string> checked;      // systems compared
  std::vector<std::string> not_checked;  // systems of other store types, with the reason
  std::size_t personal_unmapped() const;
};

// Reads every database store of the map (sqlite, postgres, mysql; a templated store's first
// tenant) as discovery does, and compares. A store that cannot be read is an error.
Result<DriftReport> check_drift(const DataMap& map, const DiscoverOptions& options);

// The same, for one store already discovered (the tests' and the command's common part).
void compare_with_map(const DataMap& map, const System& system, const Discovery& found, DriftReport& report);

}  // namespace maestro
