// California DROP (Delete Act): a data broker's cycle with the state's deletion lists.
//
//   import  -> the download's work items, kept by keyed hash only; a removed-identifiers file
//              withdraws pending work.
//   match   -> one pass over every store: each identity value of a kind a list names is
//              standardized and hashed as DROP does, and compared by hash (the consumer's raw value
//              is never known). A match opens a CCPA deletion case (verified by the platform) and
//              erases; a hold or a retention rule that keeps everything makes it exempt; an
//              identifier several consumers share opens an opt-out of sale/sharing per consumer.
//   respond -> the status file per list: 2 exempt, 3 deleted (only once the erasure's proof is
//              clean), 4 opted out, 5 not found (only when every store was searched).
// Every work item keeps its keyed hash after it is answered, so a record that appears later is
// caught by the next match.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "datamap/datamap.hpp"
#include "desk/desk.hpp"
#include "drop/drop_api.hpp"
#include "drop/drop_lists.hpp"
#include "drop/drop_rules.hpp"
#include "locate/locate.hpp"

namespace maestro {

struct DropImportOutcome {
  std::vector<DropListFile> files;
  std::size_t new_items = 0;
  std::size_t known_items = 0;  // imported before (a download read twice)
  std::size_t withdrawn = 0;
};

// Reads and checks the ZIP first: a bad file or row changes nothing.
Result<DropImportOutcome> import_drop_lists(Desk& desk, const std::filesystem::path& zip, const DropRules& rules);

struct DropMatchOutcome {
  std::size_t records_read = 0;
  std::size_t identifiers_hashed = 0;
  std::map<std::string, std::size_t> items_by_state;  // after the match
  std::size_t caught_later = 0;  // answered items whose consumer appeared again: erased again
  std::vector<std::string> cases_opened;
  std::vector<StoreFailure> failures;    // stores not searched: no item is called "not found"
  std::vector<std::string> unsearchable; // lists whose kinds no field of the data map holds
  std::vector<std::string> problems;     // per-item trouble (a failed erasure): re-run to complete
};

// With `preview`, reports what a match would find (items_by_state as they would become) and
// changes nothing: no case, no erasure, no item saved.
Result<DropMatchOutcome> match_drop_lists(Desk& desk, const DataMap& map, const DropRules& rules, bool preview = false,
                                          const ConnectorOpener& open = open_for_reading);

struct DropRespondOutcome {
  std::vector<std::filesystem::path> files;
  std::map<int, std::size_t> codes;  // status code -> work items
  std::size_t waiting = 0;           // items whose outcome is not final yet
  // Corrections of items answered before whose outcome has changed (not found then, found and
  // erased in a later cycle): one "_Amend" file per list, for `drop upload --amend`.
  std::vector<std::filesystem::path> amend_files;
  std::size_t amended = 0;
};

// Writes one status file per list file with answerable items into `out_dir`, and records each
// item's code. Items answered before are not written again, unless their outcome has changed:
// those go in the amend files.
Result<DropRespondOutcome> respond_to_drop(Desk& desk, const DropRules& rules, const std::filesystem::path& out_dir);

// An answered item whose outcome has changed since: the correction DROP is owed.
struct DropCorrection {
  std::string id, list;
  int sent = 0;  // the code DROP has
  int now = 0;   // the code the item's outcome calls for
  std::string case_number;
};
Result<std::vector<DropCorrection>> drop_corrections_owed(Desk& desk);

// The rules maestro.yaml names (drop.rules), else the built-in ones.
Result<DropRules> load_drop_rules(const Settings& settings);

// `drop download`: the newest lists from DROP's API into `zip` (the key from the variable
// drop.api_key_env names), recorded in the audit trail. Importing is a separate step.
Result<DropDownloadResult> download_drop_lists(Desk& desk, const Settings& settings, const std::filesystem::path& zip);

// `drop upload`: one status file to DROP (`amend`: a correction), recorded in the audit trail.
Status upload_drop_status(Desk& desk, const Settings& settings, const std::filesystem::path& file, bool amend);

}  // namespace maestro
