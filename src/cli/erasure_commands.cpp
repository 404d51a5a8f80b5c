// maestro dsar delete, maestro hold, maestro backup replay: erasing a person's data.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "cli/render.hpp"
#include "cli/session.hpp"
#include "desk/case_jobs.hpp"
#include "desk/case_resolution.hpp"
#include "desk/json_views.hpp"
#include "desk/erasure_service.hpp"
#include "desk/rectification_service.hpp"

namespace maestro::cli {

namespace {

using nlohmann::json;

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text + " ";
}

json summary_json(const std::vector<PlanSummaryLine>& lines) {
  json out = json::array();
  for (const auto& l : lines) {
    json line{{"collection", l.collection}, {"tenant", l.tenant}, {"records", l.records}, {"action", l.action}};
    if (!l.reason.empty()) line["reason"] = l.reason;
    if (l.erasable_from) line["erasable_from"] = format_date(*l.erasable_from);
    out.push_back(line);
  }
  return out;
}

void print_summary(std::ostream& out, const std::vector<PlanSummaryLine>& lines) {
  out << pad("COLLECTION", 28) << pad("TENANT", 10) << pad("RECORDS", 8) << "ACTION\n";
  for (const auto& l : lines) {
    out << pad(l.collection, 28) << pad(l.tenant.empty() ? "-" : l.tenant, 10) << pad(std::to_string(l.records), 8)
        << l.action;
    if (!l.reason.empty()) out << " (" << l.reason << "; may be erased from " << format_date(*l.erasable_from) << ")";
    out << "\n";
  }
  if (lines.empty()) out << "(no records of this person were found)\n";
}

json outcome_json(const ErasureOutcome& o) {
  json holds = json::array();
  for (const auto& h : o.holds) holds.push_back({{"hold", h.id}, {"reason", h.reason}});
  json failed = json::array();
  for (const auto& f : o.failed_steps)
    failed.push_back({{"system", f.system}, {"tenant", f.tenant}, {"error", f.message}});
  json unsearched = store_failures_json(o.plan.unsearched);
  json out{{"case", o.case_number},
           {"preview", o.preview},
           {"ad_hoc_case", o.ad_hoc_case},
           {"resumed", o.resumed},
           {"holds", holds},
           {"records_found", o.plan.records_found},
           {"changes", summary_json(o.summary)},
           {"failed_stores", failed},
           {"unsearched", unsearched}};
  if (o.proof) {
    out["proof"] = {{"clean", o.proof->clean()},
                    {"manual_pending", o.proof->manual_pending},
                    {"verified_rows", o.proof->verified_rows},
                    {"not_reread", o.proof->not_reread},
                    {"sent_by_identifier", o.proof->sent_by_identifier},
                    {"sent_to", o.proof->sent_to},
                    {"remaining", o.proof->remaining},
                    {"remaining_in", o.proof->remaining_in}};
  }
  return out;
}

}  // namespace

void print_erasure_outcome(std::ostream& out, const ErasureOutcome& o) {
  if (o.preview) {
    out << "PREVIEW" << (o.case_number.empty() ? "" : " for " + o.case_number)
        << ": nothing has been changed. What `maestro dsar delete` would do:\n\n";
  } else {
    out << "Erasure for " << o.case_number << (o.ad_hoc_case ? " (ad-hoc case)" : "")
        << (o.resumed ? ", completing an interrupted run" : "") << ":\n\n";
  }
  print_summary(out, o.summary);
  for (const auto& h : o.holds) {
    out << "\nLEGAL HOLD #" << h.id << " (" << h.reason << ") covers this person: an erasure would be refused.\n";
  }
  out << store_failures_text(o.plan.unsearched);
  for (const auto& f : o.failed_steps) {
    out << "NOT CHANGED: " << f.system << (f.tenant.empty() ? "" : " (tenant " + f.tenant + ")") << ": " << f.message
        << "\n";
  }
  if (o.proof) {
    out << "\nProof: locate ran again. " << o.proof->verified_rows << " planned row(s) re-read and found erased; "
        << "records still holding erasable data: " << o.proof->remaining << " (expected 0)\n";
    if (o.proof->sent_by_identifier > 0) {
      out << "  SENT BY IDENTIFIER: " << o.proof->sent_by_identifier << " delete(s) accepted by APIs that erase by "
          << "the person's identifiers and cannot be read (the acceptance is recorded as the evidence):";
      for (const auto& to : o.proof->sent_to) out << " " << to;
      out << "\n";
    }
    if (o.proof->not_reread > 0)
      out << "  NOT RE-READ: " << o.proof->not_reread << " row(s) of APIs that no read request reaches again, "
          << "so the erasure cannot be proven there (give the API a read request by id, or confirm by hand)\n";
    for (const auto& where : o.proof->remaining_in) out << "  LEFT: " << where << "\n";
    for (const auto& task : o.proof->manual_pending) out << "  WAITING for the owner of " << task << "\n";
    for (const auto& r : o.proof->retained) {
      out << "  Kept by law: " << r.records << " record(s) of " << r.collection
          << (r.fields.empty() ? "" : " (some fields)") << ": " << r.reason << "; erasable from "
          << format_date(r.erasable_from) << "\n";
    }
  }
}

namespace {

void add_delete(CLI::App& dsar, Session& s) {
  struct Options {
    ErasureRequest request;
    std::string case_number, map, override_reason;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand("delete", "Erase or anonymize a person's data everywhere (preview it first)");
  cmd->add_option("--subject", opts->request.subjects,
                  "An identifier of the person, KIND:VALUE or a bare email (repeatable)");
  cmd->add_option("--case", opts->case_number, "The erasure case (default: the subject's open verified case)");
  cmd->add_flag("--preview", opts->request.preview, "Show what would change, and change nothing");
  cmd->add_option("--tenant", opts->request.tenants, "Only this tenant (repeatable; default: the case's, else all)");
  cmd->add_option("--map", opts->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_option("--jurisdiction", opts->request.jurisdiction,
                  "For an ad-hoc case: the law that applies (default gdpr)");
  cmd->add_option("--override-verification", opts->override_reason,
                  "Erase without a verified case: logs an ad-hoc erasure case and records this reason");
  cmd->add_flag("--json", opts->json, "Print the outcome as JSON");
  cmd->footer(
      "Each collection's erasure strategy comes from the data map: delete the row, or change fields (null, redact, "
      "hash, hmac, random, generalize); records the law requires you to keep (strategy 'retain') are listed with "
      "their reason and the date they may be erased. Run with --preview first: it lists every collection, how many "
      "records and what would happen, and changes nothing.\n\n"
      "An erasure needs a verified case that requests erasure, and is refused while a legal hold covers the person "
      "(maestro hold). Each store changes in one transaction; files are rewritten atomically. If the run stops for "
      "any reason, run the same command again: it completes the work without doing anything twice. Afterwards "
      "Maestro searches again and prints the proof: records still holding erasable data (expected 0) and what was "
      "kept by law. Every step is in the audit trail; an erasure ledger (keyed hashes only) lets 'maestro backup "
      "replay' re-apply it to a restored backup.\n\n"
      "Exit status: 0 done and proven; 4 refused (hold, unverified case); 5 a store could not be searched or changed, or manual "
      "systems wait for their owners, in a preview too (re-run); "
      "6 the proof found data left.\n\nExamples:\n"
      "  maestro dsar delete --subject email:jane@example.com --preview\n"
      "  maestro dsar delete --subject email:jane@example.com");
  cmd->callback([&s, opts] {
    const DataMap& map = s.data_map(opts->map);
    ErasureRequest request = opts->request;
    if (!opts->case_number.empty()) request.case_number = opts->case_number;
    if (!opts->override_reason.empty()) request.override_reason = opts->override_reason;
    if (!request.preview && work_goes_to_workers(s)) {
      return queue_case_work(s, resolution_of(request, "erasure", k_erasure_serves), CaseJobRequest{.kind = "erase"},
                             opts->json);
    }
    ErasureOutcome o = must(erase_subject(s.desk(), map, request));
    if (opts->json)
      s.out << outcome_json(o).dump(2) << "\n";
    else
      print_erasure_outcome(s.out, o);
    if (!o.preview) report_manual_tasks(s, o.manual, opts->json);
    if (!o.plan.unsearched.empty()) {
      // A preview or erasure that could not search everywhere is not the whole answer: exit 5.
      fail_command(Error{ErrorCode::unavailable,
                         std::to_string(o.plan.unsearched.size()) + " store(s) could not be searched (see NOT SEARCHED" +
                             std::string(opts->json ? " in the JSON" : " above") + "); the " +
                             (o.preview ? "preview is incomplete" : "erasure is incomplete") +
                             ": run the same command again once they answer"});
    }
    if (!o.failed_steps.empty()) {
      fail_command(Error{ErrorCode::unavailable, std::to_string(o.failed_steps.size()) +
                                                     " store(s) could not be changed; run the same command again to "
                                                     "complete the erasure"});
    }
    if (o.proof && o.proof->remaining == 0 && o.proof->unsearched.empty() && !o.proof->manual_pending.empty()) {
      // Not a refusal: the automatic part is done and on record. Like a store that is down, the
      // rest needs time (people), then the same command again: "unavailable", exit 5.
      fail_command(Error{ErrorCode::unavailable,
                         "waiting for " + std::to_string(o.proof->manual_pending.size()) +
                             " manual system(s); their owners confirm with 'maestro tasks done', then run this "
                             "command again"});
    }
    if (o.proof && o.proof->remaining == 0 && o.proof->not_reread > 0) {
      fail_command(Error{ErrorCode::data_loss, std::to_string(o.proof->not_reread) +
                                                   " record(s) could not be read again, so their erasure is not "
                                                   "proven; see NOT RE-READ above"});
    }
    if (o.proof && !o.proof->clean()) {
      fail_command(Error{ErrorCode::data_loss, "the proof found erasable data left (" +
                                                   std::to_string(o.proof->remaining) +
                                                   " record(s)); see LEFT above and check the data map's strategies"});
    }
  });
}

void add_delete_batch(CLI::App& dsar, Session& s) {
  struct Options {
    std::vector<std::string> cases;
    std::string map;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand(
      "delete-batch", "Carry out every erasure that is due, changing each store once for all the cases");
  cmd->add_option("--case", opts->cases,
                  "Only this case (repeatable; default: every verified erasure case not yet erased)");
  cmd->add_option("--map", opts->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_flag("--json", opts->json, "Print the outcome as JSON, one entry per case");
  cmd->footer(
      "Each case gets what 'dsar delete --case' would give it: its own plan, audit events, ledger entries and "
      "proof, and the same refusals (a legal hold, an unverified case). But the stores are searched once for all "
      "the cases, each log or CSV file is rewritten once for all of them, each database changes in one "
      "transaction, and the proofs come from one more search: a thousand erasures cost about what one does. A "
      "case that cannot be erased is listed and the others go on. If the run stops, run it again: it completes "
      "the interrupted cases without doing anything twice.\n\n"
      "Exit status: 0 every case erased and proven; 5 a case was refused, a store could not be changed, or a "
      "proof is not clean yet (see the lines marked NOT DONE).\n\nExamples:\n"
      "  maestro dsar delete-batch\n"
      "  maestro dsar delete-batch --case DSAR-2026-014 --case DSAR-2026-015 --json");
  cmd->callback([&s, opts] {
    if (work_goes_to_workers(s)) {
      nlohmann::json p = nlohmann::json::object();
      if (!opts->cases.empty()) p["cases"] = opts->cases;
      return print_queued(s, must(s.desk().enqueue_job({"erase-batch", "", p.dump(), 3, ""})), opts->json);
    }
    const DataMap& map = s.data_map(opts->map);
    std::vector<std::string> numbers = opts->cases.empty() ? must(cases_waiting_for_erasure(s.desk())) : opts->cases;
    std::vector<ErasureRequest> requests;
    for (const auto& number : numbers) {
      ErasureRequest r;
      r.case_number = number;
      requests.push_back(r);
    }
    BatchErasureOutcome o = must(erase_cases(s.desk(), map, requests));
    std::size_t not_done = o.refused.size();
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& c : o.cases) {
      bool done = c.failed_steps.empty() && c.proof && c.proof->clean();
      if (!done) ++not_done;
      if (opts->json) {
        cases.push_back(outcome_json(c));
        continue;
      }
      std::size_t deleted = 0, changed = 0;
      for (const auto& step : c.plan.steps) {
        deleted += step.applied.rows_deleted;
        changed += step.applied.rows_changed;
      }
      s.out << c.case_number << (done ? "  erased: " : "  NOT DONE: ") << deleted << " record(s) deleted, " << changed
            << " changed";
      for (const auto& f : c.failed_steps) s.out << "; " << f.system << " could not be changed: " << f.message;
      if (c.proof && !c.proof->clean()) {
        s.out << "; proof not clean (" << c.proof->remaining << " record(s) left, " << c.proof->manual_pending.size()
              << " manual task(s) waiting, " << c.proof->unsearched.size() << " store(s) not searched)";
      }
      s.out << "\n";
    }
    for (const auto& [number, why] : o.refused) {
      if (opts->json)
        cases.push_back({{"case", number}, {"refused", why}});
      else
        s.out << (number.empty() ? "(no case)" : number) << "  NOT DONE: " << why << "\n";
    }
    if (opts->json) s.out << cases.dump(2) << "\n";
    if (numbers.empty() && !opts->json) s.out << "No erasure is due.\n";
    if (not_done > 0) {
      fail_command(Error{ErrorCode::unavailable, std::to_string(not_done) + " of " + std::to_string(numbers.size()) +
                                                     " erasure(s) are not done; run the command again once the "
                                                     "cause is mended"});
    }
  });
}

void print_rectify_outcome(Session& s, const RectifyOutcome& r, bool as_json);

void add_rectify(CLI::App& dsar, Session& s) {
  struct Options {
    RectifyRequest request;
    std::string map;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand("rectify", "Correct a person's inaccurate data in every system");
  cmd->add_option("--case", o->request.case_number, "The rectification case")->required();
  cmd->add_option("--set", o->request.corrections,
                  "A correction, collection.field=right value (repeatable), e.g. customer.Phone=\"+44 20 7946 0000\"")
      ->required();
  cmd->add_flag("--preview", o->request.preview, "Show what would change, and change nothing");
  cmd->add_option("--tenant", o->request.tenants, "Only this tenant (repeatable; default: the case's, else all)");
  cmd->add_option("--map", o->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "Finds the person's records (from the case's identifiers) and sets each named field to the right value, one "
      "transaction per store, then reads every changed row again. Needs a verified case that requests "
      "rectification. The audit trail names the fields and counts, never the values. Lists the recipients of the "
      "corrected data, who must be told (Art. 19). 'dsar fulfil' then sends the confirmation letter.\n\nExample:\n"
      "  maestro dsar rectify --case DSAR-2026-004 --set customer.Phone=\"+44 20 7946 0000\" --preview");
  cmd->callback([&s, o] {
    const DataMap& map = s.data_map(o->map);
    print_rectify_outcome(s, must(rectify_subject(s.desk(), map, o->request)), o->json);
  });
}

void add_marker(CLI::App& dsar, Session& s, MarkerKind kind) {
  struct Options {
    MarkRequest request;
    std::string map;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  o->request.kind = kind;
  bool restriction = kind == MarkerKind::restriction;
  auto* cmd = dsar.add_subcommand(
      restriction ? "restrict" : "object",
      restriction ? "Restrict processing of a person's data (Art. 18): mark their records in every system"
                  : "Apply an objection or opt-out (Art. 21, AI/automated decisions, CCPA sale): mark their records");
  cmd->add_option("--case", o->request.case_number, "The case")->required();
  cmd->add_flag("--lift", o->request.lift, "Set the marker back (the restriction or objection ends)");
  cmd->add_flag("--preview", o->request.preview, "Show what would change, and change nothing");
  cmd->add_option("--tenant", o->request.tenants, "Only this tenant (repeatable; default: the case's, else all)");
  cmd->add_option("--map", o->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(std::string("Sets the field that the data map's '") + (restriction ? "restriction" : "objection") +
              ": {field, value, lifted}' names on the person's records in every collection that has one, so those "
              "systems stop the processing (seed 002: 'data-restricted' label; ai_enabled = false). The policy's "
              "target is immediately." +
              (restriction ? std::string()
                           : std::string(" An API whose Fides config has consent requests is sent its opt-out "
                                         "requests with the person's identifiers (--lift: its opt-in requests).")) +
              " Then 'dsar fulfil' sends the confirmation letter.\n\nExample:\n  maestro dsar " +
              (restriction ? "restrict" : "object") + " --case DSAR-2026-005");
  cmd->callback([&s, o] {
    const DataMap& map = s.data_map(o->map);
    print_rectify_outcome(s, must(mark_subject(s.desk(), map, o->request)), o->json);
  });
}

// Prints a correction's outcome (rectify, restrict, object) and fails the command when a store
// could not be changed or a row does not hold the right value.
void print_rectify_outcome(Session& s, const RectifyOutcome& r, bool as_json) {
  if (as_json) {
    json out{{"case", r.case_number},
             {"preview", r.preview},
             {"changes", summary_json(r.summary)},
             {"recipients_to_notify", r.recipients}};
    json consent = json::array();
    for (const auto& c : r.consent)
      consent.push_back({{"system", c.system}, {"sent", c.sent}, {"skipped", c.skipped}, {"failure", c.failure}});
    if (!r.consent.empty()) out["consent_requests"] = consent;
    if (r.proof) {
      out["proof"] = {
          {"verified_rows", r.proof->verified_rows}, {"wrong", r.proof->wrong}, {"clean", r.proof->clean()}};
    }
    s.out << out.dump(2) << "\n";
  } else {
    s.out << (r.preview ? "PREVIEW: nothing has been changed.\n\n" : "Changes for " + r.case_number + ":\n\n");
    print_summary(s.out, r.summary);
    if (r.proof) {
      s.out << "\nRead again: " << r.proof->verified_rows << " record(s) hold the right value; " << r.proof->wrong
            << " do not (expected 0).\n";
    }
    for (const auto& c : r.consent) {
      s.out << (r.preview ? "Would send to " : "Sent to ") << c.system << ": " << c.sent << " consent request(s)"
            << (r.preview ? "" : " accepted by the API");
      if (c.skipped > 0) s.out << ", " << c.skipped << " skipped (no identifier of the kind it needs, or nothing there)";
      s.out << "\n";
    }
    if (!r.recipients.empty()) {
      s.out << "Tell these recipients (Art. 19):";
      for (const auto& who : r.recipients) s.out << " " << who << ";";
      s.out << "\n";
    }
  }
  s.out << store_failures_text(r.unsearched);
  for (const auto& f : r.failed_steps) s.out << "NOT CHANGED: " << f.system << ": " << f.message << "\n";
  for (const auto& c : r.consent)
    if (!c.failure.empty()) s.out << "NOT SENT: " << c.system << ": " << c.failure << "\n";
  bool consent_failed =
      std::any_of(r.consent.begin(), r.consent.end(), [](const ConsentSent& c) { return !c.failure.empty(); });
  if (!r.failed_steps.empty() || consent_failed) {
    fail_command(Error{ErrorCode::unavailable, "some stores could not be changed; run it again"});
  }
  if (r.proof && !r.proof->clean()) {
    fail_command(Error{ErrorCode::data_loss, "some records do not hold the right value"});
  }
}

void add_hold(CLI::App& app, Session& s) {
  auto* hold = app.add_subcommand("hold", "Legal holds: keep a person's data from being erased, with a reason");
  hold->require_subcommand(1);
  std::string reasons;
  for (const auto& r : hold_reasons()) reasons += (reasons.empty() ? "" : ", ") + r;

  struct AddOptions {
    std::vector<std::string> subjects;
    std::string reason, details;
  };
  auto add = std::make_shared<AddOptions>();
  auto* add_cmd = hold->add_subcommand("add", "Place a person under legal hold: their erasure is refused");
  add_cmd->add_option("--subject", add->subjects, "An identifier of the person (repeatable)")->required();
  add_cmd->add_option("--reason", add->reason, "Why: " + reasons)->required();
  add_cmd->add_option("--details", add->details, "Free text (kept encrypted), e.g. the matter or regulation");
  add_cmd->footer(
      "Example:\n  maestro hold add --subject email:jane@example.com --reason litigation --details \"Claim 2026/114\"");
  add_cmd->callback([&s, add] {
    std::vector<SubjectIdentifier> ids;
    for (const auto& text : add->subjects) ids.push_back(must(parse_identifier(text)));
    std::int64_t id = must(s.desk().add_hold(ids, add->reason, add->details));
    s.out << "Legal hold #" << id << " (" << add->reason << ") placed; erasures of this person are refused until it "
          << "is released (maestro hold release " << id << ").\n";
  });

  struct ListOptions {
    bool all = false, json = false;
  };
  auto list = std::make_shared<ListOptions>();
  auto* list_cmd = hold->add_subcommand("list", "List legal holds");
  list_cmd->add_flag("--all", list->all, "Include released holds");
  list_cmd->add_flag("--json", list->json, "Print JSON");
  list_cmd->callback([&s, list] {
    auto holds = must(s.desk().list_holds(list->all));
    if (list->json) {
      s.out << holds_json(holds) << "\n";
      return;
    }
    s.out << pad("ID", 5) << pad("REASON", 24) << pad("PLACED", 22) << pad("RELEASED", 22) << "DETAILS\n";
    for (const auto& h : holds) {
      s.out << pad(std::to_string(h.hold.id), 5) << pad(h.hold.reason, 24) << pad(format_instant(h.hold.created_at), 22)
            << pad(h.hold.released_at ? format_instant(*h.hold.released_at) : "-", 22) << h.details << "\n";
    }
  });

  auto release_id = std::make_shared<std::int64_t>(0);
  auto* release_cmd = hold->add_subcommand("release", "Release a legal hold: erasure is possible again");
  release_cmd->add_option("ID", *release_id, "The hold's number (maestro hold list)")->required();
  release_cmd->callback([&s, release_id] {
    must(s.desk().release_hold(*release_id));
    s.out << "Legal hold #" << *release_id << " released.\n";
  });
}

void add_backup(CLI::App& app, Session& s) {
  auto* backup = app.add_subcommand("backup", "Backups: re-apply erasures to a restored copy");
  backup->require_subcommand(1);
  struct Options {
    std::string since, map;
    bool preview = false, json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* replay = backup->add_subcommand("replay", "Re-apply every erasure since a date to restored stores");
  replay->add_option("--since", opts->since, "Erasures recorded on or after this date (YYYY-MM-DD or ISO 8601)")
      ->required();
  replay->add_option("--map", opts->map, "A data map pointing at the restored stores");
  replay->add_flag("--preview", opts->preview, "Show what would change, and change nothing");
  replay->add_flag("--json", opts->json, "Print JSON");
  replay->footer(
      "When a backup taken before an erasure is restored, the erased people's data comes back. The erasure ledger "
      "keeps, for every erased row, only a keyed hash of its key; replay scans the restored stores, finds the rows "
      "whose keys hash to a ledger entry, and applies the data map's strategies again.\n\nExample:\n"
      "  maestro backup replay --since 2026-01-01 --map restored/datamap.yaml");
  replay->callback([&s, opts] {
    auto since = parse_instant(opts->since);
    if (!since) fail_command(Error{ErrorCode::invalid_argument, "--since: " + since.error().message});
    const DataMap& map = s.data_map(opts->map);
    ReplayOutcome o = must(replay_erasures(s.desk(), map, *since, opts->preview));
    if (opts->json) {
      s.out << json{{"ledger_entries", o.ledger_entries},
                    {"rows_deleted", o.rows_deleted},
                    {"rows_changed", o.rows_changed},
                    {"changes", summary_json(o.summary)},
                    {"failed_stores", o.failed_steps.size()}}
                   .dump(2)
            << "\n";
    } else {
      s.out << (opts->preview ? "PREVIEW: nothing has been changed.\n" : "") << o.ledger_entries
            << " ledger entr(ies) since " << format_instant(*since) << ".\n\n";
      print_summary(s.out, o.summary);
      if (!opts->preview) s.out << "\n" << o.rows_deleted << " row(s) deleted, " << o.rows_changed << " changed.\n";
      for (const auto& f : o.failed_steps) s.out << "NOT CHANGED: " << f.system << ": " << f.message << "\n";
    }
    if (!o.failed_steps.empty()) {
      fail_command(Error{ErrorCode::unavailable, "some restored stores could not be changed; run it again"});
    }
  });
}

}  // namespace

void add_erasure_commands(CLI::App& app, CLI::App& dsar, Session& s) {
  add_delete(dsar, s);
  add_delete_batch(dsar, s);
  add_rectify(dsar, s);
  add_marker(dsar, s, MarkerKind::restriction);
  add_marker(dsar, s, MarkerKind::objection);
  add_hold(app, s);
  add_backup(app, s);
}

}  // namespace maestro::cli
