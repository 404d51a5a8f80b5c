// The files DROP exchanges: the deletion lists it hands out (a ZIP with one CSV per list type,
// each row a work item ID and a hash) and the status file Maestro sends back. Reading validates
// every file and row before anything is used, so a bad download changes nothing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "drop/drop_rules.hpp"

namespace maestro {

// One CSV of a download: <YYYYMMDD>_<DataBrokerId>_<DataType>[_<OptionalSuffix>].csv
struct DropListFile {
  std::string name;
  std::string date;    // YYYYMMDD
  std::string broker;  // the data broker's DROP id
  std::string list;    // Email, Phone, ... or the removed-identifiers list
  std::size_t rows = 0;
};

struct DropListItem {
  std::string id;    // DROP's work item ID
  std::string list;
  std::string hash;  // Base64 SHA-256 of the consumer's standardized identifier
  std::string file;
};

struct DropDownload {
  std::vector<DropListFile> files;
  std::vector<DropListItem> items;        // work to do
  std::vector<std::string> removed_ids;   // work items whose consumers cancelled
  std::vector<std::string> removed_hashes;
};

// Reads and checks a download ZIP: every file named as DROP names them, of a list the rules
// know, with ID and Hash columns, every ID present and unique, every hash 44 Base64 characters.
// Errors name the ZIP, the file and the row.
Result<DropDownload> read_drop_download(const std::filesystem::path& zip, const DropRules& rules);

// A status file: the header the rules name, then one "ID,code" row per work item.
struct DropStatusRow {
  std::string id;
  int code = 0;  // 2 exempted, 3 deleted, 4 opted out (shared identifier), 5 not found
};
Status write_drop_status_file(const std::filesystem::path& file, const DropRules& rules,
                              const std::vector<DropStatusRow>& rows);

}  // namespace maestro
