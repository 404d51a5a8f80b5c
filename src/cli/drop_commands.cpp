// maestro drop: California's Delete Request and Opt-out Platform (DROP). A registered data broker
// imports each download of deletion lists, matches them against every store by hash, erases
// (or opts out) the consumers found, and writes the status files to upload.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/render.hpp"
#include "cli/session.hpp"
#include "desk/drop_service.hpp"

#include <vector>

namespace maestro::cli {

namespace {

DropRules rules_of(Session& s) { return must(load_drop_rules(s.installation().settings)); }

void add_download(CLI::App& drop, Session& s) {
  struct Options {
    std::string out;
    bool import = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = drop.add_subcommand("download", "Fetch the newest deletion lists from DROP's API");
  cmd->add_option("--out", o->out, "Where to save the ZIP")->required();
  cmd->add_flag("--import", o->import, "Import the ZIP right after (as 'drop import')");
  cmd->footer(
      "Calls GET /data/download on drop.api_url (maestro.yaml; default https://api.drop.privacy.ca.gov) with the "
      "broker's key from the variable drop.api_key_env names (default DROP_API_KEY). DROP may answer that it is "
      "still preparing the file (try again later, exit 5) or that there is nothing new (exit 0, no file). A 429 "
      "waits 30 seconds and tries again; during DROP's daily maintenance window (01:00-03:00 Pacific) the error "
      "says so. A refused key exits 7.\n\nExample:\n  DROP_API_KEY=... maestro drop download --out "
      "lists/2026-11-01.zip --import");
  cmd->callback([&s, o] {
    auto got = must(download_drop_lists(s.desk(), s.installation().settings, o->out));
    if (got.state == DropDownloadState::preparing) fail_command(Error{ErrorCode::unavailable, got.message});
    if (got.state == DropDownloadState::no_new_data) {
      s.out << got.message << ".\n";
      return;
    }
    s.out << "Saved " << o->out << ".\n";
    if (!o->import) return;
    auto out = must(import_drop_lists(s.desk(), o->out, rules_of(s)));
    s.out << out.new_items << " new work item(s), " << out.known_items << " imported before, " << out.withdrawn
          << " withdrawn. Next: maestro drop match\n";
  });
}

void add_upload(CLI::App& drop, Session& s) {
  struct Options {
    std::vector<std::string> files;
    bool amend = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = drop.add_subcommand("upload", "Send status files to DROP's API");
  cmd->add_option("files", o->files, "Status files written by 'drop respond'")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--amend", o->amend, "Send them as corrections of statuses sent before (POST /data/amend)");
  cmd->footer("Each file goes as POST /data/upload (multipart, field 'file'), with the same key, retries and "
              "maintenance-window message as 'drop download'. Each upload is recorded in the audit trail.\n\n"
              "Example:\n  maestro drop upload drop-status/*.csv");
  cmd->callback([&s, o] {
    for (const auto& file : o->files) {
      must(upload_drop_status(s.desk(), s.installation().settings, file, o->amend));
      s.out << "Sent " << file << ".\n";
    }
  });
}

void add_import(CLI::App& drop, Session& s) {
  struct Options {
    std::string zip;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = drop.add_subcommand("import", "Read a DROP download (the ZIP of deletion lists) into the work list");
  cmd->add_option("zip", o->zip, "The ZIP downloaded from DROP")->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "Every file and row is checked first: a file not named <YYYYMMDD>_<DataBrokerId>_<DataType>.csv, a list type "
      "the DROP rules do not know, a row without an ID, or a hash that is not 44 Base64 characters stops the import "
      "with the file and row named, and nothing is stored. Work items are kept by a keyed hash of DROP's hash only. "
      "Importing the same download twice adds nothing. A removed-identifiers file withdraws the pending work of "
      "consumers who cancelled.\n\nExample:\n  maestro drop import 20261101_B1234_download.zip");
  cmd->callback([&s, o] {
    DropRules rules = rules_of(s);
    auto out = must(import_drop_lists(s.desk(), o->zip, rules));
    if (o->json) {
      nlohmann::json files = nlohmann::json::array();
      for (const auto& f : out.files) files.push_back({{"file", f.name}, {"list", f.list}, {"rows", f.rows}});
      s.out << nlohmann::json{{"files", files}, {"new_items", out.new_items}, {"known_items", out.known_items},
                              {"withdrawn", out.withdrawn}}
                   .dump(2)
            << "\n";
      return;
    }
    for (const auto& f : out.files) s.out << "  " << f.name << ": " << f.rows << " row(s) (" << f.list << ")\n";
    s.out << out.new_items << " new work item(s), " << out.known_items << " imported before, " << out.withdrawn
          << " withdrawn. Next: maestro drop match\n";
  });
}

void add_match(CLI::App& drop, Session& s) {
  struct Options {
    std::string map;
    bool json = false, preview = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = drop.add_subcommand(
      "match", "Compare every store with the DROP lists by hash; erase (or opt out) the consumers found");
  cmd->add_option("--map", o->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_flag("--preview", o->preview,
                "Count what would match (matched, shared, not found) and change nothing: no case, no erasure");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "Reads every collection that holds an identity of a kind the lists name (email for Email, phone for Phone, "
      "maid, ctvid) once, hashes each value as DROP does and compares hashes only. A match opens a CCPA deletion "
      "case, verified by the platform, and erases as 'dsar delete' does (holds and retention apply: a consumer "
      "whose data is all kept is answered as exempt). An identifier held by several consumers opens an opt-out of "
      "sale/sharing case for each; fulfil them to answer 'opted out'. A store that cannot be read, or an erasure that "
      "could not complete, is listed (exit 5) and nothing is called 'not found' until every store was read; run the "
      "command again to complete. Records "
      "that appear after an item was answered are found by the next run and erased too.\n\nExample:\n"
      "  maestro drop match");
  cmd->callback([&s, o] {
    if (!o->preview && work_goes_to_workers(s)) {
      return print_queued(s, must(s.desk().enqueue_job({"drop-match", "", "{}", 3, ""})), o->json);
    }
    DropRules rules = rules_of(s);
    const DataMap& map = s.data_map(o->map);
    auto out = must(match_drop_lists(s.desk(), map, rules, o->preview));
    if (o->json) {
      nlohmann::json failures = nlohmann::json::array();
      for (const auto& f : out.failures) failures.push_back({{"system", f.system}, {"tenant", f.tenant}, {"message", f.message}});
      s.out << nlohmann::json{{"records_read", out.records_read}, {"identifiers_hashed", out.identifiers_hashed},
                              {"items", out.items_by_state}, {"cases_opened", out.cases_opened},
                              {"caught_later", out.caught_later}, {"stores_not_searched", failures},
                              {"lists_not_searchable", out.unsearchable}, {"problems", out.problems}, {"preview", o->preview}}
                   .dump(2)
            << "\n";
    } else {
      s.out << "Read " << out.records_read << " record(s), hashed " << out.identifiers_hashed << " identifier(s).\n";
      for (const auto& [state, n] : out.items_by_state) s.out << "  " << state << ": " << n << "\n";
      if (!out.cases_opened.empty()) s.out << out.cases_opened.size() << " case(s) opened.\n";
      if (out.caught_later > 0) s.out << out.caught_later << " answered item(s) found again and erased.\n";
      for (const auto& list : out.unsearchable)
        s.out << "List " << list << ": no field of the data map holds its kinds; its items stay pending.\n";
      s.out << store_failures_text(out.failures);
      for (const auto& p : out.problems) s.out << "PROBLEM " << p << "\n";
      s.out << (o->preview ? "A preview: nothing was changed.\n" : "Next: maestro drop respond --out DIR\n");
    }
    if (!out.failures.empty())
      fail_command(Error{ErrorCode::unavailable, std::to_string(out.failures.size()) + " store(s) could not be read"});
    if (!out.problems.empty())
      fail_command(Error{ErrorCode::unavailable, std::to_string(out.problems.size()) +
                                                     " erasure(s) not complete: run 'maestro drop match' again"});
  });
}

void add_respond(CLI::App& drop, Session& s) {
  struct Options {
    std::string out_dir;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = drop.add_subcommand("respond", "Write the status files to upload to DROP");
  cmd->add_option("--out", o->out_dir, "Folder for the status files")->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "One CSV per broker and list, named as the DROP rules say, with each answerable work item's status: 2 "
      "exempted (all data kept by a hold or the law), 3 deleted (only once the erasure's proof is clean), 4 opted "
      "out (a shared identifier; every consumer's opt-out case fulfilled), 5 not found (every store searched). Items "
      "still being worked on wait for the next run; items answered before are not written again, except when their "
      "outcome has changed since (not found then, found and erased in a later cycle): those corrections go in a "
      "file of their own ending in _Amend.csv, to upload with 'drop upload --amend'.\n\nExample:\n"
      "  maestro drop respond --out drop-status/");
  cmd->callback([&s, o] {
    DropRules rules = rules_of(s);
    auto out = must(respond_to_drop(s.desk(), rules, o->out_dir));
    nlohmann::json codes = nlohmann::json::object();
    for (const auto& [code, n] : out.codes) codes[std::to_string(code)] = n;
    if (o->json) {
      nlohmann::json files = nlohmann::json::array();
      for (const auto& f : out.files) files.push_back(f.string());
      nlohmann::json amend_files = nlohmann::json::array();
      for (const auto& f : out.amend_files) amend_files.push_back(f.string());
      s.out << nlohmann::json{{"files", files},
                              {"codes", codes},
                              {"waiting", out.waiting},
                              {"amend_files", amend_files},
                              {"amended", out.amended}}
                   .dump(2)
            << "\n";
      return;
    }
    for (const auto& f : out.files) s.out << "  " << f.string() << "\n";
    for (const auto& f : out.amend_files)
      s.out << "  " << f.string() << "  (corrections: upload with 'maestro drop upload --amend')\n";
    for (const auto& [code, n] : out.codes) s.out << "  status " << code << ": " << n << " work item(s)\n";
    s.out << out.waiting << " work item(s) not final yet.\n";
  });
}

void add_status(CLI::App& drop, Session& s) {
  auto json_output = std::make_shared<bool>(false);
  auto* cmd = drop.add_subcommand("status", "Count the DROP work items by state");
  cmd->add_flag("--json", *json_output, "Print JSON");
  cmd->footer("States: pending, matched (erasure running), shared, exempt, erased, unmatched, withdrawn; answered "
              "items count apart.\n\nExample:\n  maestro drop status");
  cmd->callback([&s, json_output] {
    auto items = must(s.desk().drop_items(""));
    std::map<std::string, std::size_t> states;
    std::size_t answered = 0;
    for (const auto& item : items) {
      ++states[item.state];
      if (item.code != 0) ++answered;
    }
    auto owed = must(drop_corrections_owed(s.desk()));
    if (*json_output) {
      nlohmann::json corrections = nlohmann::json::array();
      for (const auto& c : owed)
        corrections.push_back({{"id", c.id}, {"list", c.list}, {"sent", c.sent}, {"now", c.now}, {"case", c.case_number}});
      s.out << nlohmann::json{{"items", states}, {"answered", answered}, {"corrections_owed", corrections}}.dump(2)
            << "\n";
      return;
    }
    for (const auto& [state, n] : states) s.out << "  " << state << ": " << n << "\n";
    s.out << answered << " of " << items.size() << " work item(s) answered.\n";
    for (const auto& c : owed) {
      s.out << "CORRECTION OWED: " << c.list << " item " << c.id << " was answered " << c.sent << ", is now " << c.now
            << (c.case_number.empty() ? "" : " (case " + c.case_number + ")") << "\n";
    }
    if (!owed.empty())
      s.out << "Run 'maestro drop respond --out DIR', then upload its _Amend files with 'maestro drop upload --amend'.\n";
  });
}

}  // namespace

void add_drop_commands(CLI::App& app, Session& s) {
  auto* drop = app.add_subcommand(
      "drop", "California DROP (Delete Act): import deletion lists, match them by hash, erase, answer");
  drop->require_subcommand(1);
  drop->footer("The cycle, at least every 45 days: maestro drop download --out FILE.zip --import; maestro drop "
               "match; maestro drop respond --out DIR; maestro drop upload DIR/*.csv. docs/drop.md explains the rules.");
  add_download(*drop, s);
  add_import(*drop, s);
  add_match(*drop, s);
  add_respond(*drop, s);
  add_status(*drop, s);
  add_upload(*drop, s);
}

}  // namespace maestro::cli
