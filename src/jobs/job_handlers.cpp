#include "jobs/job_handlers.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include "connectors/object_parts.hpp"
#include "desk/correspondence.hpp"
#include "desk/drop_service.hpp"
#include "desk/erasure_service.hpp"
#include "desk/export_service.hpp"
#include "desk/locate_service.hpp"
#include "desk/rectification_service.hpp"
#include "desk/sweep.hpp"
#include "desk/drp.hpp"
#include "desk/webhooks.hpp"
#include "notify/mailer.hpp"

namespace maestro {

namespace {

using nlohmann::json;

// The parameters' JSON, with a message naming the job when it is not what the kind expects.
Result<json> parameters_of(const JobContext& c) {
  json p = json::parse(c.parameters, nullptr, false);
  if (p.is_discarded() || !p.is_object()) {
    return invalid("job #" + std::to_string(c.job.id) + ": parameters must be a JSON object");
  }
  return p;
}

Result<std::vector<std::string>> string_list(const json& p, const char* key) {
  std::vector<std::string> out;
  if (!p.contains(key)) return out;
  if (!p[key].is_array()) return invalid(std::string("'") + key + "' must be a list of strings");
  for (const auto& v : p[key]) {
    if (!v.is_string()) return invalid(std::string("'") + key + "' must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

// Whom an export or erasure is for: the case (the parameters', else the job's), the subjects
// and the tenants.
struct Scope {
  std::optional<std::string> case_number;
  std::vector<std::string> subjects, tenants;
};

Result<Scope> scope_of(const JobContext& c, const json& p) {
  Scope scope;
  auto subjects = string_list(p, "subjects");
  if (!subjects) return propagate(subjects.error());
  auto tenants = string_list(p, "tenants");
  if (!tenants) return propagate(tenants.error());
  scope.subjects = std::move(*subjects);
  scope.tenants = std::move(*tenants);
  if (p.contains("case") && p["case"].is_string())
    scope.case_number = p["case"].get<std::string>();
  else if (!c.job.case_number.empty())
    scope.case_number = c.job.case_number;
  return scope;
}

Status need_map(const DataMap* map) {
  if (!map) return precondition("no data map: set 'datamap:' in maestro.yaml (see docs/datamap.md)");
  return {};
}

Result<std::string> run_export(const Settings& settings, const DataMap* map, JobContext& c) {
  if (auto ok = need_map(map); !ok) return propagate(ok.error());
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  auto scope = scope_of(c, *p);
  if (!scope) return propagate(scope.error());
  if (!scope->case_number && scope->subjects.empty()) return invalid("an export job needs a case or subjects");
  ExportRequest request;
  request.subjects = scope->subjects;
  request.tenants = scope->tenants;
  request.case_number = scope->case_number;
  request.destination = p->value("destination", "");
  if (request.destination.empty()) return invalid("an export job needs a 'destination'");
  request.formats = p->value("formats", request.formats);
  request.work_dir = settings.home / "work" / ("job-" + std::to_string(c.job.id));
  request.exports_root = settings.exports_root;
  // An incomplete package only when the caller said so (it then says so itself); else the job
  // waits for the stores and tries again.
  request.deliver_incomplete = p->value("allow_incomplete", false);
  // No one sees a terminal: the password is sealed with the case until the DPO approves, then
  // goes to the requester in a letter of its own, after the fulfilment letter.
  request.password_by_letter = true;
  auto sender = package_sender(settings);
  if (!sender) return propagate(sender.error());
  request.sender = std::move(*sender);
  c.progress(0, 1, "searching every system");
  auto outcome = export_subject(c.desk, *map, request);
  if (!outcome) return propagate(outcome.error());
  if (!outcome->delivered) {
    return fail(ErrorCode::unavailable, "nothing was delivered: these stores could not be searched: " +
                                            describe_store_failures(outcome->failures) + " (the job tries again)");
  }
  c.progress(1, 1, "package staged for review");
  return json{{"case", outcome->case_number},
              {"package", outcome->delivered_to},
              {"sha256", outcome->package.sha256},
              {"bytes", outcome->package.size},
              {"records", outcome->package.records_by_collection},
              {"redacted_values", outcome->package.redacted_values},
              {"map_gaps", outcome->package.map_gaps},
              {"status", "staged"},
              {"complete", outcome->failures.empty()},
              {"password", "sealed with the case: approval sends it in a letter of its own"},
              {"manual_tasks", outcome->manual.tasks.size()}}
      .dump();
}

// export-batch: the packages of every case waiting for one, from one batched search; each
// requester gets their password in a letter of its own. A case not exported (a store down) fails
// the job as unavailable: the next attempt takes the cases still waiting, and only those.
Result<std::string> run_export_batch(const Settings& settings, const DataMap* map, JobContext& c) {
  if (auto ok = need_map(map); !ok) return propagate(ok.error());
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  BatchExportRequest request;
  request.destination = p->value("destination", "");
  if (request.destination.empty()) return invalid("an export-batch job needs a 'destination'");
  request.formats = p->value("formats", request.formats);
  request.work_dir = settings.home / "work" / ("job-" + std::to_string(c.job.id));
  request.exports_root = settings.exports_root;
  request.deliver_incomplete = false;
  request.password_by_letter = true;
  auto sender = package_sender(settings);
  if (!sender) return propagate(sender.error());
  request.sender = std::move(*sender);
  c.progress(0, 1, "searching every system for every waiting case");
  auto outcome = export_cases(c.desk, *map, request);
  if (!outcome) return propagate(outcome.error());
  c.progress(1, 1, std::to_string(outcome->cases.size()) + " package(s) staged for review");
  if (!outcome->refused.empty()) {
    return fail(ErrorCode::unavailable, std::to_string(outcome->cases.size()) + " package(s) staged, " +
                                            std::to_string(outcome->refused.size()) +
                                            " case(s) not exported (first: " + outcome->refused.front().first + ": " +
                                            outcome->refused.front().second + ")");
  }
  return json{{"staged", outcome->cases.size()}, {"queries", outcome->queries}}.dump();
}

// A retried erase job whose erasure was proven already (its worker died after recording the
// proof, before finishing the job) is done: it does not erase and prove a second time.
Result<std::optional<std::string>> proven_by_this_job(JobContext& c, const std::string& case_number) {
  if (c.job.attempts <= 1) return std::optional<std::string>{};
  auto proven = erasure_proven_since(c.desk, case_number, c.job.created_at);
  if (!proven) return propagate(proven.error());
  if (!*proven) return std::optional<std::string>{};
  c.progress(1, 1, "erased and proven (before the worker stopped)");
  return std::optional<std::string>{
      json{{"case", case_number}, {"resumed", true}, {"already_proven", true}, {"clean", **proven == "clean"}}.dump()};
}

Result<std::string> run_erase(const DataMap* map, JobContext& c) {
  if (auto ok = need_map(map); !ok) return propagate(ok.error());
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  auto scope = scope_of(c, *p);
  if (!scope) return propagate(scope.error());
  if (!scope->case_number) return invalid("an erase job needs a case");
  ErasureRequest request;
  request.subjects = scope->subjects;
  request.tenants = scope->tenants;
  request.case_number = scope->case_number;
  if (auto done = proven_by_this_job(c, *scope->case_number); !done) {
    return propagate(done.error());
  } else if (*done) {
    return std::move(**done);
  }
  c.progress(0, 1, "erasing");
  auto outcome = erase_subject(c.desk, *map, request);
  if (!outcome) return propagate(outcome.error());
  if (!outcome->failed_steps.empty()) {
    return fail(ErrorCode::unavailable, std::to_string(outcome->failed_steps.size()) +
                                            " store(s) could not be changed; the erasure resumes on the next try");
  }
  c.progress(1, 1, "erased and proven");
  json result{
      {"case", outcome->case_number}, {"resumed", outcome->resumed}, {"manual_tasks", outcome->manual.tasks.size()}};
  if (outcome->proof) {
    result["verified_rows"] = outcome->proof->verified_rows;
    result["sent_by_identifier"] = outcome->proof->sent_by_identifier;
    result["remaining"] = outcome->proof->remaining;
    result["clean"] = outcome->proof->clean();
  }
  return result.dump();
}

// Every erasure that is due (or the named cases among them) together. A case proven already
// (a retry after the worker died) is not due any more, so nothing is erased or proven twice.
Result<std::string> run_erase_batch(const DataMap* map, JobContext& c) {
  if (auto ok = need_map(map); !ok) return propagate(ok.error());
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  auto due = cases_waiting_for_erasure(c.desk);
  if (!due) return propagate(due.error());
  std::vector<ErasureRequest> requests;
  std::set<std::string> named;
  if (p->contains("cases")) {
    if (!(*p)["cases"].is_array()) return invalid("an erase-batch job's 'cases' is a list of case numbers");
    for (const auto& n : (*p)["cases"]) named.insert(n.get<std::string>());
  }
  for (const auto& number : *due) {
    if (!named.empty() && !named.contains(number)) continue;
    ErasureRequest r;
    r.case_number = number;
    requests.push_back(r);
  }
  c.progress(0, requests.size(), "erasing " + std::to_string(requests.size()) + " case(s) together");
  auto outcome = erase_cases(c.desk, *map, requests);
  if (!outcome) return propagate(outcome.error());
  std::size_t clean = 0;
  for (const auto& o : outcome->cases)
    if (o.failed_steps.empty() && o.proof && o.proof->clean()) ++clean;
  c.progress(clean, requests.size(), "erased and proven");
  if (clean < requests.size()) {
    std::string first = outcome->refused.empty() ? "" : " (first refused: " + outcome->refused.front().first + ": " +
                                                           outcome->refused.front().second + ")";
    return fail(ErrorCode::unavailable, std::to_string(clean) + " of " + std::to_string(requests.size()) +
                                            " erasure(s) done and proven; the rest resume on the next try" + first);
  }
  return json{{"erased", clean}}.dump();
}

json failures_json(const std::vector<StoreFailure>& failures) {
  json out = json::array();
  for (const auto& f : failures) out.push_back({{"system", f.system}, {"tenant", f.tenant}, {"message", f.message}});
  return out;
}

// The result names collections and counts, never a value found: it is shown to every operator.
Result<std::string> run_locate(const DataMap* map, JobContext& c) {
  if (auto ok = need_map(map); !ok) return propagate(ok.error());
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  auto scope = scope_of(c, *p);
  if (!scope) return propagate(scope.error());
  if (!scope->case_number) return invalid("a locate job needs a case");
  c.progress(0, 1, "searching every system");
  LocateRequest request{scope->subjects, scope->case_number, scope->tenants};
  auto outcome = locate_subject(c.desk, *map, request, [](const FoundRecord&) { return Status{}; });
  if (!outcome) return propagate(outcome.error());
  c.progress(1, 1, "searched");
  return json{{"case", outcome->case_number},
              {"records", outcome->result.records_by_collection},
              {"total", outcome->result.total()},
              {"queries", outcome->result.queries},
              {"not_searched", failures_json(outcome->result.failures)}}
      .dump();
}

json change_result(const RectifyOutcome& r) {
  json lines = json::array();
  for (const auto& line : r.summary)
    lines.push_back(
        {{"collection", line.collection}, {"tenant", line.tenant}, {"records", line.records}, {"action", line.action}});
  json out{{"case", r.case_number},
           {"changes", lines},
           {"recipients_to_notify", r.recipients},
           {"not_searched", failures_json(r.unsearched)}};
  for (const auto& sent : r.consent)
    out["consent_requests"].push_back({{"system", sent.system}, {"sent", sent.sent}, {"skipped", sent.skipped}});
  if (r.proof) {
    out["verified_rows"] = r.proof->verified_rows;
    out["wrong"] = r.proof->wrong;
    out["clean"] = r.proof->clean();
  }
  return out;
}

Status change_failed(const RectifyOutcome& r) {
  for (const auto& sent : r.consent)
    if (!sent.failure.empty())
      return fail(ErrorCode::unavailable, "the consent requests of " + sent.system + " could not be sent; tried again");
  if (r.failed_steps.empty()) return {};
  return fail(ErrorCode::unavailable,
              std::to_string(r.failed_steps.size()) + " store(s) could not be changed; the change is tried again");
}

Result<std::string> run_rectify(const DataMap* map, JobContext& c) {
  if (auto ok = need_map(map); !ok) return propagate(ok.error());
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  auto scope = scope_of(c, *p);
  if (!scope) return propagate(scope.error());
  if (!scope->case_number) return invalid("a rectify job needs a case");
  auto corrections = string_list(*p, "corrections");
  if (!corrections) return propagate(corrections.error());
  c.progress(0, 1, "correcting");
  auto outcome = rectify_subject(c.desk, *map, {*scope->case_number, *corrections, scope->tenants, false});
  if (!outcome) return propagate(outcome.error());
  if (auto ok = change_failed(*outcome); !ok) return propagate(ok.error());
  c.progress(1, 1, "corrected and read again");
  return change_result(*outcome).dump();
}

Result<std::string> run_mark(const DataMap* map, MarkerKind kind, JobContext& c) {
  if (auto ok = need_map(map); !ok) return propagate(ok.error());
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  auto scope = scope_of(c, *p);
  if (!scope) return propagate(scope.error());
  if (!scope->case_number) return invalid("a restrict or object job needs a case");
  MarkRequest request;
  request.case_number = *scope->case_number;
  request.kind = kind;
  request.lift = p->value("lift", false);
  request.tenants = scope->tenants;
  c.progress(0, 1, request.lift ? "lifting the markers" : "setting the markers");
  auto outcome = mark_subject(c.desk, *map, request);
  if (!outcome) return propagate(outcome.error());
  if (auto ok = change_failed(*outcome); !ok) return propagate(ok.error());
  c.progress(1, 1, "markers set and read again");
  return change_result(*outcome).dump();
}

Result<std::string> run_send_letters(const Settings& settings, JobContext& c) {
  auto opened = Correspondence::open(c.desk, settings);
  if (!opened) return propagate(opened.error());
  Correspondence& mail = **opened;
  auto report = mail.send_due();
  if (!report) return propagate(report.error());
  return json{{"sent", report->sent}, {"waiting", report->waiting}, {"failed", report->failed}}.dump();
}

Result<std::string> run_sweep_job(const Settings& settings, JobContext& c) {
  auto opened = Correspondence::open(c.desk, settings);
  if (!opened) return propagate(opened.error());
  Correspondence& mail = **opened;
  auto report = run_sweep(c.desk, mail);
  if (!report) return propagate(report.error());
  return json{{"cases_acted_on", report->actions.size()},
              {"sent", report->outbox.sent},
              {"waiting", report->outbox.waiting},
              {"warnings", report->warnings.size()}}
      .dump();
}

// drop match: every store compared with the DROP lists; a store not read or an erasure not
// complete fails the job as unavailable, so a worker runs it again later.
Result<std::string> run_drop_match(const Settings& settings, const DataMap* map, JobContext& c) {
  if (!map) return precondition("a drop-match job needs a data map ('datamap:' in maestro.yaml)");
  auto rules = load_drop_rules(settings);
  if (!rules) return propagate(rules.error());
  auto out = match_drop_lists(c.desk, *map, *rules);
  if (!out) return propagate(out.error());
  if (!out->failures.empty() || !out->problems.empty())
    return fail(ErrorCode::unavailable, std::to_string(out->failures.size()) + " store(s) not read, " +
                                            std::to_string(out->problems.size()) + " erasure(s) not complete");
  return json{{"records_read", out->records_read},
              {"identifiers_hashed", out->identifiers_hashed},
              {"items", out->items_by_state},
              {"cases_opened", out->cases_opened.size()},
              {"caught_later", out->caught_later}}
      .dump();
}

// Whether `store` is one of the map's s3 stores (for one of its tenants): a part searches only
// where the data map says personal data is, with the keys the map names.
bool is_mapped_object_store(const DataMap& map, const StoreSpec& store) {
  for (const auto& system : map.systems) {
    if (system.store.type != "s3") continue;
    std::vector<std::string> tenants = system.store.tenants.empty() ? std::vector<std::string>{""} : system.store.tenants;
    for (const auto& tenant : tenants) {
      if (for_tenant(system.store, tenant).settings == store.settings) return true;
    }
  }
  return false;
}

// scan-objects: which objects of one part of a large search may hold the tokens
// (connectors/object_parts.hpp). The answer names objects by their place in the part.
Result<std::string> run_scan_objects(const DataMap* map, JobContext& c) {
  if (!map) return precondition("a scan-objects job needs a data map ('datamap:' in maestro.yaml)");
  auto question = question_from_json(c.parameters);
  if (!question) return propagate(question.error());
  if (!is_mapped_object_store(*map, question->store)) {
    return precondition("job #" + std::to_string(c.job.id) + " names an s3 store the data map does not have");
  }
  c.progress(0, static_cast<std::int64_t>(question->objects.size()), "searching objects of " + question->collection);
  auto holding = search_object_part(*question);
  if (!holding) return propagate(holding.error());
  json found = json::array();
  for (std::size_t i = 0; i < holding->size(); ++i) {
    if ((*holding)[i]) found.push_back(i);
  }
  c.progress(static_cast<std::int64_t>(holding->size()), static_cast<std::int64_t>(holding->size()),
             "searched objects of " + question->collection);
  return json{{"objects", holding->size()}, {"holding", found}}.dump();
}

// webhook: one event to one receiver (desk/webhooks.hpp), queued by dispatch_webhooks.
Result<std::string> run_webhook(const Settings& settings, JobContext& c) {
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  std::string name = p->value("hook", "");
  auto hook = std::find_if(settings.webhooks.begin(), settings.webhooks.end(),
                           [&](const WebhookSettings& h) { return h.name == name; });
  if (hook == settings.webhooks.end()) {
    return precondition("webhook '" + name + "' is no longer in maestro.yaml: the event is not sent");
  }
  auto sent = deliver_webhook(*hook, (*p)["event"].dump());
  if (!sent) return propagate(sent.error());
  return json{{"hook", name}, {"status", sent->status}, {"tries", sent->tries}}.dump();
}

// drp-callback: an agent's request's status POSTed to its status_callback (desk/drp.hpp).
Result<std::string> run_drp_callback(const Settings& settings, JobContext& c) {
  auto p = parameters_of(c);
  if (!p) return propagate(p.error());
  return send_agent_callback(c.desk, settings, p->value("request_id", ""));
}

}  // namespace

std::map<std::string, JobHandler> standard_job_handlers(const Settings& settings, const DataMap* map) {
  return {
      {"export", [&settings, map](JobContext& c) { return run_export(settings, map, c); }},
      {"erase", [map](JobContext& c) { return run_erase(map, c); }},
      {"erase-batch", [map](JobContext& c) { return run_erase_batch(map, c); }},
      {"locate", [map](JobContext& c) { return run_locate(map, c); }},
      {"rectify", [map](JobContext& c) { return run_rectify(map, c); }},
      {"restrict", [map](JobContext& c) { return run_mark(map, MarkerKind::restriction, c); }},
      {"object", [map](JobContext& c) { return run_mark(map, MarkerKind::objection, c); }},
      {"send-letters", [&settings](JobContext& c) { return run_send_letters(settings, c); }},
      {"sweep", [&settings](JobContext& c) { return run_sweep_job(settings, c); }},
      {"drop-match", [&settings, map](JobContext& c) { return run_drop_match(settings, map, c); }},
      {"export-batch", [&settings, map](JobContext& c) { return run_export_batch(settings, map, c); }},
      {"scan-objects", [map](JobContext& c) { return run_scan_objects(map, c); }},
      {"webhook", [&settings](JobContext& c) { return run_webhook(settings, c); }},
      {"drp-callback", [&settings](JobContext& c) { return run_drp_callback(settings, c); }},
  };
}

}  // namespace maestro
