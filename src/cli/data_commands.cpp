// maestro dsar locate (and, next, export and delete): finding a person's data.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <iomanip>
#include <set>
#include <sstream>

#include "cli/render.hpp"
#include "cli/session.hpp"
#include "desk/case_jobs.hpp"
#include "desk/case_resolution.hpp"
#include "desk/export_service.hpp"
#include "desk/locate_service.hpp"

namespace maestro::cli {

namespace {

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text + " ";
}

void print_locate(Session& s, const LocateOutcome& outcome, const DataMap& map, bool json) {
  const LocateResult& r = outcome.result;
  if (json) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : r.failures)
      failures.push_back({{"system", f.system}, {"tenant", f.tenant}, {"error", f.message}});
    s.out << nlohmann::json{{"case", outcome.case_number},
                            {"records", r.records_by_collection},
                            {"total", r.total()},
                            {"queries", r.queries},
                            {"failures", failures}}
                 .dump(2)
          << "\n";
    return;
  }
  s.out << pad("SYSTEM", 16) << pad("COLLECTION", 24) << "RECORDS\n";
  for (const auto& [key, collection] : map.collections) {
    auto count = r.records_by_collection.find(key);
    s.out << pad(collection.system, 16) << pad(collection.name, 24)
          << (count == r.records_by_collection.end() ? 0 : count->second) << "\n";
  }
  s.out << "\n"
        << r.total() << " record(s) in " << r.records_by_collection.size() << " collection(s), " << r.queries
        << " queries" << (outcome.case_number.empty() ? "" : ", for " + outcome.case_number) << "\n";
  s.out << store_failures_text(r.failures);
}

std::string seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << s;
  return out.str();
}

void print_store_stats(Session& s, const std::vector<StoreStats>& stores, double total) {
  s.out << "\n"
        << pad("STORE", 24) << pad("QUERIES", 9) << pad("REQUESTS", 10) << pad("BYTES READ", 14) << pad("RECORDS", 9)
        << "SECONDS\n";
  for (const auto& st : stores) {
    s.out << pad(st.system + (st.tenant.empty() ? "" : "/" + st.tenant), 24) << pad(std::to_string(st.queries), 9)
          << pad(std::to_string(st.requests), 10) << pad(std::to_string(st.bytes_read), 14)
          << pad(std::to_string(st.records), 9) << seconds(st.seconds) << "\n";
  }
  s.out << "total " << seconds(total) << " s\n";
}

nlohmann::json store_stats_json(const std::vector<StoreStats>& stores) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& st : stores) {
    out.push_back({{"system", st.system},
                   {"tenant", st.tenant},
                   {"queries", st.queries},
                   {"records", st.records},
                   {"requests", st.requests},
                   {"bytes_read", st.bytes_read},
                   {"seconds", st.seconds}});
  }
  return out;
}

// Collections in a package whose Article 15 information the map leaves unsaid: the requester's
// report says "not recorded" there, so the privacy team should hear of it first.
void warn_map_gaps(Session& s, const std::vector<std::string>& gaps) {
  for (const auto& gap : gaps) {
    auto colon = gap.find(':');
    s.err << "warning: the data map does not give the" << gap.substr(colon + 1) << " of " << gap.substr(0, colon)
          << ": the requester's report says \"not recorded\" there (add them to the map: docs/datamap.md)\n";
  }
}

// A store could not be searched and the incomplete package was not allowed: nothing went out.
// One JSON document (or the NOT SEARCHED lines), then exit 5 so that a script retries.
[[noreturn]] void refuse_incomplete_export(Session& s, const ExportOutcome& o, bool json) {
  if (json) {
    s.out << nlohmann::json{{"case", o.case_number},
                            {"ad_hoc_case", o.ad_hoc_case},
                            {"delivered", false},
                            {"complete", false},
                            {"failed_stores", store_failures_json(o.failures)}}
                 .dump(2)
          << "\n";
  } else {
    s.out << store_failures_text(o.failures);
  }
  fail_command(Error{ErrorCode::unavailable,
                     "nothing was delivered for " + o.case_number + ": " + std::to_string(o.failures.size()) +
                         " store(s) could not be searched. Run the same command again once they answer, or give "
                         "--allow-incomplete to deliver what was found (listed as incomplete)"});
}

void add_export(CLI::App& dsar, Session& s) {
  struct Options {
    ExportRequest request;
    std::string case_number, map, override_reason;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand("export", "Find a person's data and deliver it as an encrypted access package");
  cmd->add_option("--subject", opts->request.subjects,
                  "An identifier of the person, KIND:VALUE or a bare email (repeatable)");
  cmd->add_option("--out", opts->request.destination, "Where to deliver the package: a folder (inside exports_root)")
      ->required();
  cmd->add_option("--case", opts->case_number, "The case to export for (default: the subject's open verified case)");
  cmd->add_option("--format", opts->request.formats, "Files in the package: json,csv,html,pdf (default: what the requester chose, else json,csv,html; json always). pdf adds report.pdf, a report to read and keep");
  cmd->add_option("--tenant", opts->request.tenants, "Search only this tenant (repeatable; default: every tenant)");
  cmd->add_option("--map", opts->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_option("--jurisdiction", opts->request.jurisdiction,
                  "For an ad-hoc case: the law that applies (default gdpr)");
  cmd->add_option("--override-verification", opts->override_reason,
                  "Export without a verified case: logs an ad-hoc case and records this reason for the override");
  cmd->add_flag("--json", opts->json, "Print the outcome as JSON (the password included)");
  cmd->add_flag("--allow-incomplete", opts->request.deliver_incomplete,
                "When a store cannot be searched, deliver what was found anyway (default: deliver nothing, exit 5)");
  cmd->add_flag("--notify", opts->request.password_by_letter,
                "Let Maestro write to the requester: the password is kept sealed with the case, and when the DPO "
                "approves (dsar fulfil) the fulfilment letter goes, then the password in a separate message");
  cmd->footer(
      "The package holds <CASE>_DSAR_PACKAGE.json (every record, grouped by system and collection, with purposes, "
      "categories, recipients, retention, sources, your rights and the complaint authority), one CSV per collection, "
      "report.html (the same for a person to read: labels, dates in words, each place's purpose, legal basis, "
      "recipients, source, retention, automated decisions and transfers, their rights and whom to contact), "
      "schema.json and manifest.json (SHA-256 of every file), sealed in an AES-256 encrypted ZIP. A warning names "
      "each collection whose purpose, legal basis, retention, recipients or source the map does not give. Other "
      "people's data is left out. The ZIP's SHA-256 is recorded on the case and in the audit trail.\n\nThe package "
      "is staged for review (seed 001 step 5): nothing reaches the requester until the DPO approves with 'dsar "
      "fulfil', which sends the fulfilment letter. Without --notify the password is printed once and never stored: "
      "send it by a different channel from the package. With --notify it is sealed with the case until approval "
      "sends it in a letter of its own, after the fulfilment letter.\n\nWhen a store cannot be "
      "searched, nothing is delivered: the stores and their causes are listed (in the JSON too) and the command "
      "exits 5; run it again once they answer. --allow-incomplete delivers what was found, still exiting 5.\n\n"
      "Example:\n"
      "  maestro dsar export --subject email:jane@example.com --out exports/DSAR-2026-001/");
  cmd->callback([&s, opts] {
    const DataMap& map = s.data_map(opts->map);
    ExportRequest request = opts->request;
    if (!opts->case_number.empty()) request.case_number = opts->case_number;
    if (!opts->override_reason.empty()) request.override_reason = opts->override_reason;
    if (work_goes_to_workers(s)) {
      CaseJobRequest job{.kind = "export",
                         .destination = request.destination,
                         .formats = request.formats,
                         .allow_incomplete = request.deliver_incomplete};
      return queue_case_work(s, resolution_of(request, "access", k_export_serves), job, opts->json);
    }
    request.work_dir = s.installation().settings.home / "work";
    request.exports_root = s.installation().settings.exports_root;
    request.sender = must(package_sender(s.installation().settings));
    ExportOutcome o = must(export_subject(s.desk(), map, request));
    if (!o.delivered) return refuse_incomplete_export(s, o, opts->json);
    std::size_t records = 0;
    for (const auto& [key, n] : o.package.records_by_collection) records += n;
    bool by_letter = request.password_by_letter;
    if (opts->json) {
      s.out << nlohmann::json{{"case", o.case_number},
                              {"ad_hoc_case", o.ad_hoc_case},
                              {"package", o.delivered_to},
                              {"status", "staged"},
                              {"sha256", o.package.sha256},
                              {"bytes", o.package.size},
                              {"password", by_letter ? nlohmann::json(nullptr) : nlohmann::json(o.package.password)},
                              {"password_by_letter", by_letter},
                              {"records", o.package.records_by_collection},
                              {"redacted_values", o.package.redacted_values},
                              {"map_gaps", o.package.map_gaps},
                              {"complete", o.failures.empty()},
                              {"delivered", true},
                              {"failed_stores", store_failures_json(o.failures)}}
                   .dump(2)
            << "\n";
    } else {
      s.out << "Package for " << o.case_number << (o.ad_hoc_case ? " (ad-hoc case)" : "") << " written to "
            << o.delivered_to << "\n  " << records << " record(s) from " << o.package.records_by_collection.size()
            << " collection(s); " << o.package.redacted_values << " value(s) about other people left out\n  SHA-256 "
            << o.package.sha256 << " (recorded on the case and in the audit trail)\n\n"
            << "Staged for review: the requester hears of it when the DPO approves (maestro dsar fulfil "
            << o.case_number << ").\n";
      if (by_letter) {
        s.out << "The password is sealed with the case: approval sends it in a letter of its own, after the "
                 "fulfilment letter.\n";
      } else {
        s.out << "Password (shown once, never stored): " << o.package.password << "\n"
              << "Send it to the requester by a different channel from the package (seed 001, step 7).\n"
              << "The requester opens the package with 7-Zip or any AES-capable unzip tool, e.g. 7z x "
              << std::filesystem::path(o.delivered_to).filename().string() << "\n";
      }
    }
    warn_map_gaps(s, o.package.map_gaps);
    report_manual_tasks(s, o.manual, opts->json);
    if (!opts->json) s.out << store_failures_text(o.failures);
    if (!o.failures.empty()) {
      fail_command(Error{ErrorCode::unavailable, "the package is INCOMPLETE (delivered with --allow-incomplete): " +
                                                     std::to_string(o.failures.size()) +
                                                     " store(s) could not be searched"});
    }
  });
}

void add_export_batch(CLI::App& dsar, Session& s) {
  struct Options {
    BatchExportRequest request;
    std::string map;
    bool json = false, stats = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand(
      "export-batch", "Deliver the access packages of every case waiting for one, searching the stores once for all");
  cmd->add_option("--out", opts->request.destination, "Where to deliver the packages: a folder (inside exports_root)")
      ->required();
  cmd->add_option("--case", opts->request.case_numbers,
                  "Only this case (repeatable; default: every verified access case without a package)");
  cmd->add_option("--format", opts->request.formats, "Files in each package: json,csv,html,pdf (default: what each requester chose, else json,csv,html; json always)");
  cmd->add_option("--batch-size", opts->request.batch_size,
                  "Cases searched together (default 200; each keeps a few files open while it is written)");
  cmd->add_option("--map", opts->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_flag("--notify", opts->request.password_by_letter,
                "Let Maestro write to each requester: passwords are sealed with their cases, and each approval "
                "(dsar fulfil) sends the fulfilment letter, then the password apart");
  cmd->add_flag("--stats", opts->stats, "Print each store's queries, requests it received (chunks, pages), bytes of files read, records and time");
  cmd->add_flag("--allow-incomplete", opts->request.deliver_incomplete,
                "Deliver a case's package even when a store could not be searched (default: that case gets nothing)");
  cmd->add_flag("--json", opts->json, "Print the outcome as JSON (the passwords included)");
  cmd->footer(
      "Each case gets the same package, audit events and delivery record as 'dsar export --case' would give it, "
      "but each collection is queried once per step of the search with the keys of all the cases of a batch, and "
      "log files are read once. Cases scoped to tenants are searched with the cases of the same tenants. A case "
      "that cannot be exported (not verified, a store down) is listed and the others are delivered; the command "
      "then exits 5. Each package is staged for the DPO's review: its requester hears of it when the case is approved "
      "(dsar fulfil). Without --notify each package's password is printed once: send it by another channel.\n\n"
      "Example:\n  maestro dsar export-batch --out exports/ --notify --stats");
  cmd->callback([&s, opts] {
    if (work_goes_to_workers(s)) {
      nlohmann::json p{{"destination", opts->request.destination}};
      if (!opts->request.formats.empty()) p["formats"] = opts->request.formats;
      return print_queued(s, must(s.desk().enqueue_job({"export-batch", "", p.dump(), 3, ""})), opts->json);
    }
    const DataMap& map = s.data_map(opts->map);
    BatchExportRequest request = opts->request;
    request.work_dir = s.installation().settings.home / "work";
    request.exports_root = s.installation().settings.exports_root;
    request.sender = must(package_sender(s.installation().settings));
    BatchExportOutcome o = must(export_cases(s.desk(), map, request));
    if (opts->json) {
      nlohmann::json cases = nlohmann::json::array(), refused = nlohmann::json::array();
      for (const auto& c : o.cases) {
        cases.push_back({{"case", c.case_number},
                         {"package", c.delivered_to},
                         {"sha256", c.package.sha256},
                         {"password", request.password_by_letter ? nlohmann::json(nullptr) : nlohmann::json(c.package.password)},
                         {"records", c.package.records_by_collection},
                         {"map_gaps", c.package.map_gaps},
                         {"complete", c.failures.empty()}});
      }
      for (const auto& [number, why] : o.refused) refused.push_back({{"case", number}, {"error", why}});
      s.out << nlohmann::json{{"delivered", cases},
                              {"refused", refused},
                              {"queries", o.queries},
                              {"stores", store_stats_json(o.stores)},
                              {"seconds", o.seconds}}
                   .dump(2)
            << "\n";
    } else {
      for (const auto& c : o.cases) {
        std::size_t records = 0;
        for (const auto& [key, n] : c.package.records_by_collection) records += n;
        s.out << pad(c.case_number, 16) << pad(std::to_string(records) + " record(s)", 14) << c.delivered_to
              << (request.password_by_letter ? "" : "  password: " + c.package.password) << "\n";
      }
      s.out << "\n"
            << o.cases.size() << " package(s) staged for review, " << o.refused.size() << " case(s) not exported, " << o.queries
            << " queries\n";
      if (!request.password_by_letter && !o.cases.empty())
        s.out << "Passwords are shown once and never stored: send each by a different channel from its package.\n";
    }
    if (opts->stats && !opts->json) print_store_stats(s, o.stores, o.seconds);
    std::set<std::string> gaps;
    for (const auto& c : o.cases) gaps.insert(c.package.map_gaps.begin(), c.package.map_gaps.end());
    warn_map_gaps(s, {gaps.begin(), gaps.end()});
    for (const auto& c : o.cases) {
      report_manual_tasks(s, c.manual, opts->json);
    }
    for (const auto& [number, why] : o.refused) s.err << "NOT EXPORTED: " << number << ": " << why << "\n";
    bool incomplete =
        std::any_of(o.cases.begin(), o.cases.end(), [](const ExportOutcome& c) { return !c.failures.empty(); });
    if (!o.refused.empty() || incomplete) {
      fail_command(Error{ErrorCode::unavailable, std::to_string(o.refused.size()) + " case(s) not exported" +
                                                     (incomplete ? ", some packages INCOMPLETE" : "")});
    }
  });
}

// Several cases: one batched search, a line per case.
void print_cases_located(Session& s, const CasesLocateOutcome& o, bool json, bool stats) {
  std::size_t failed = 0;
  for (const auto& c : o.cases) failed += c.result.failures.empty() ? 0 : 1;
  if (json) {
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : o.cases) {
      cases.push_back({{"case", c.case_number},
                       {"records", c.result.records_by_collection},
                       {"total", c.result.total()},
                       {"complete", c.result.failures.empty()}});
    }
    s.out << nlohmann::json{{"cases", cases},
                            {"queries", o.queries},
                            {"stores", store_stats_json(o.stores)},
                            {"seconds", o.seconds}}
                 .dump(2)
          << "\n";
  } else {
    s.out << pad("CASE", 16) << pad("RECORDS", 9) << "COLLECTIONS\n";
    for (const auto& c : o.cases) {
      s.out << pad(c.case_number, 16) << pad(std::to_string(c.result.total()), 9)
            << c.result.records_by_collection.size() << (c.result.failures.empty() ? "" : "  (INCOMPLETE)") << "\n";
    }
    s.out << "\n" << o.cases.size() << " case(s) searched together, " << o.queries << " queries\n";
    if (stats) print_store_stats(s, o.stores, o.seconds);
  }
  if (failed > 0) {
    fail_command(
        Error{ErrorCode::unavailable, std::to_string(failed) + " case(s) could not be searched in every store"});
  }
}

void add_locate(CLI::App& dsar, Session& s) {
  struct Options {
    std::vector<std::string> subjects, tenants, cases;
    std::string map;
    std::size_t batch_size = 200;
    bool json = false, stats = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand("locate", "Find where a person's data is, without exporting it");
  cmd->add_option("--subject", opts->subjects, "An identifier of the person, KIND:VALUE or a bare email (repeatable)");
  cmd->add_option("--case", opts->cases,
                  "The case the search is for; its identifiers and tenants are used (repeatable: the cases are "
                  "searched together)");
  cmd->add_option("--tenant", opts->tenants, "Search only this tenant (repeatable; default: the case's, else all)");
  cmd->add_option("--map", opts->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_option("--batch-size", opts->batch_size, "With several cases: how many are searched together (default 200)");
  cmd->add_flag("--stats", opts->stats, "With several cases: print each store's queries, requests it received (chunks, pages), bytes of files read, records and time");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->footer(
      "Searches every system of the data map, following references (customer -> invoice -> invoice line), and "
      "prints how many records each collection holds. The search is recorded in the audit trail (counts and keyed "
      "hashes only). Exits 5 when a store could not be searched; the other stores' results are still printed.\n\n"
      "Several --case options search those cases together: each collection is queried once per step for all of "
      "them and log files are read once; each case gets its own audit event, as if searched alone.\n\n"
      "Examples:\n  maestro dsar locate --subject email:jane@example.com --map datamap.yaml\n"
      "  maestro dsar locate --case DSAR-2026-001 --case DSAR-2026-002 --stats");
  cmd->callback([&s, opts] {
    const DataMap& map = s.data_map(opts->map);
    if (opts->cases.size() > 1) {
      if (!opts->subjects.empty() || !opts->tenants.empty()) {
        fail_command(Error{ErrorCode::invalid_argument,
                           "several cases are searched with their own identifiers and tenants: leave out --subject "
                           "and --tenant"});
      }
      print_cases_located(s, must(locate_cases(s.desk(), map, opts->cases, opts->batch_size)), opts->json, opts->stats);
      return;
    }
    LocateRequest request{opts->subjects, std::nullopt, opts->tenants};
    if (!opts->cases.empty()) request.case_number = opts->cases.front();
    LocateOutcome outcome = must(locate_subject(s.desk(), map, request, [](const FoundRecord&) { return Status{}; }));
    print_locate(s, outcome, map, opts->json);
    if (!outcome.result.failures.empty()) {
      fail_command(Error{ErrorCode::unavailable, std::to_string(outcome.result.failures.size()) +
                                                     " store(s) could not be searched; see NOT SEARCHED above"});
    }
  });
}

}  // namespace

void add_data_commands(CLI::App& dsar, Session& s) {
  add_export(dsar, s);
  add_export_batch(dsar, s);
  add_locate(dsar, s);
}

}  // namespace maestro::cli
