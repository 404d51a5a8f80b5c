// Drift: the live stores compared with the data map. What is new or gone (tables, columns; files,
// JSON-lines keys, CSV columns) and
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
  // new-table, gone-table, new-column, gone-column, new-reference (a declared foreign key between
  // two mapped tables that no reference of the map follows); for file stores new-file, gone-file (a family
  // of files no collection's glob covers, or a glob matching no file), new-key, gone-key (jsonl)
  // and new-column, gone-column (csv)
  std::string change;
  std::string table;
  std::string column;  // empty for a table
  std::optional<ColumnClass> personal;  // for a new column, or each personal column of a new table
  bool file = false;                    // table is a glob of files, column a key or CSV column
  bool unmapped() const { return change.starts_with("new-"); }
  // "Invoice.ContactEmail"; for files "app-*.jsonl: user.ip"
  std::string where() const { return column.empty() ? table : table + (file ? ": " : ".") + column; }
};

struct DriftReport {
  std::vector<DriftItem> items;
  std::vector<std::string> checked;      // systems compared
  std::vector<std::string> not_checked;  // systems of other store types, with the reason
  std::size_t personal_unmapped() const;
};

// One store of a map as discovery reads it: its system, its address (sqlite:PATH, a server's URL,
// jsonl:FOLDER, ...) and the options with its password and known file globs.
struct DiscoveryTarget {
  std::string system;
  std::string address;
  DiscoverOptions options;
};

// The map's stores discovery can read (a templated store's first tenant); the others are named
// in `skipped` with the reason.
Result<std::vector<DiscoveryTarget>> discovery_targets(const DataMap& map, const DiscoverOptions& options,
                                                       std::vector<std::string>& skipped);

// Reads every database and file store of the map (sqlite, postgres, mysql, jsonl, csv, textlog;
// a templated store's first tenant) as discovery does, and compares. A store that cannot be read
// is an error; object stores (s3) and APIs are listed as not checked.
Result<DriftReport> check_drift(const DataMap& map, const DiscoverOptions& options);

// The same, for one store already discovered (the tests' and the command's common part).
void compare_with_map(const DataMap& map, const System& system, const Discovery& found, DriftReport& report);

}  // namespace maestro
