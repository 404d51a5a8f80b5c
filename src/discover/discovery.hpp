// Discovery: reads a store's catalogue and a sample of its rows, classifies every column
// (discover/classify.hpp), proposes identities and references, and drafts a data map with every
// proposal marked for review. Nothing personal leaves the scan: the draft and the report hold
// counts, names and categories, never a sampled value.
//
//   auto found = discover_store("sqlite:shop.db", {.sample = 1000});
//   std::string yaml = draft_datamap(*found);    // `maestro datamap check` loads it
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "discover/classify.hpp"

namespace maestro {

struct DiscoverOptions {
  std::size_t sample = 1000;                 // rows read per table
  std::chrono::seconds budget{60};           // for the whole store; tables past it are listed unsampled
  std::string system;                        // the draft's system name; default: from the store
  std::string password;                      // a server's password (else $MAESTRO_DISCOVER_PASSWORD)
  // A file store's globs that a data map already gives: their files are read as those collections.
  std::vector<std::string> known_sources;
};

struct DiscoveredColumn {
  std::string name;
  std::string type;
  bool primary_key = false;
  std::optional<ColumnClass> personal;  // nullopt: nothing personal seen
  std::string identity;                 // a proposed identity kind ("email", "customer_id"), or ""
  std::string references;               // "collection.field" this column points at, or ""
  std::string reference_evidence;       // "declared foreign key", "name and 100% of 59 values match"
  // It points at another person's record (a person table's key from another person table): the
  // draft marks it other_person and does not follow it. references_other names the target.
  bool other_person = false;
  std::string references_other;
};

struct DiscoveredTable {
  std::string name;        // as the store names it
  std::string collection;  // the draft's collection name (lower snake case)
  std::int64_t rows = 0;
  bool sampled = false;    // false when the time budget ran out before it
  std::vector<DiscoveredColumn> columns;
  bool personal() const;
};

struct Discovery {
  std::string system;
  std::string store_type;  // sqlite, postgres, mysql, jsonl, csv, textlog
  std::vector<std::pair<std::string, std::string>> store_settings;  // path, or host/port/database/user
  std::vector<DiscoveredTable> tables;
};

// `store` is sqlite:PATH (or a path), postgresql://USER@HOST:PORT/DB or mysql://USER@HOST:PORT/DB
// (discover/catalogue.hpp), read-only, in one read transaction; or a folder of files,
// jsonl:FOLDER, csv:FOLDER or textlog:FOLDER (discover/file_catalogue.hpp): each family of files
// a collection, its keys, header or line the columns. In a file store every email, phone or IP
// column is proposed as an identity (files are searched by value, not by key).
Result<Discovery> discover_store(const std::string& store, const DiscoverOptions& options);

// The draft data map: one system, every table a collection, personal columns with their
// categories, proposals marked `# discovered: ...` for review. Valid for `maestro datamap check`.
std::string draft_datamap(const Discovery& found);
// One draft of several stores (`datamap discover --map`): one system each.
std::string draft_datamap(const std::vector<Discovery>& found);

}  // namespace maestro
