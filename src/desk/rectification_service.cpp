#include "desk/rectification_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "desk/case_resolution.hpp"

namespace maestro {

using nlohmann::json;

namespace {

std::vector<PlanSummaryLine> summary_of(const ErasurePlan& plan) {
  std::vector<PlanSummaryLine> out;
  for (const auto& step : plan.steps) {
    for (const auto& c : step.collections) {
      std::set<std::string> fields;
      std::size_t changing = 0;
      for (const auto& row : c.rows) {
        if (!row.set.empty()) ++changing;
        for (const auto& f : row.set) fields.insert(f.field);
      }
      std::string action = fields.empty() ? "already correct" : "correct:";
      for (const auto& f : fields) action += " " + f;
      out.push_back({c.collection, step.tenant, changing, action, "", std::nullopt});
    }
  }
  return out;
}

json audit_details(const ErasurePlan& plan, const std::vector<Correction>& corrections) {
  json collections = json::object();
  for (const auto& step : plan.steps) {
    for (const auto& c : step.collections) {
      collections[c.collection] =
          std::count_if(c.rows.begin(), c.rows.end(), [](const RowChange& r) { return !r.set.empty(); });
    }
  }
  json fields = json::array();
  for (const auto& c : corrections) fields.push_back(c.collection + "." + c.field);
  return {{"fields", fields}, {"records", collections}};
}

// Per system: requests sent and skipped, whether it failed (not why: an API's message may
// echo what it was sent).
json consent_details(const std::vector<ConsentSent>& sent) {
  json out = json::array();
  for (const auto& s : sent)
    out.push_back({{"system", s.system}, {"sent", s.sent}, {"skipped", s.skipped}, {"failed", !s.failure.empty()}});
  return out;
}

bool requests_rectification(const Case& c) {
  return std::find(c.rights.begin(), c.rights.end(), Right::rectification) != c.rights.end();
}

// The case to act for: any state for a preview, else verified (moved to in_progress).
Result<CaseView> case_for(Desk& desk, const std::string& number, bool preview, std::vector<Right> serves) {
  if (number.empty()) return invalid("give the case: --case ID");
  if (preview) return desk.find(number);
  CaseResolution resolution;
  resolution.case_number = number;
  resolution.serves = std::move(serves);
  auto resolved = resolve_working_case(desk, resolution, {});
  if (!resolved) return propagate(resolved.error());
  return std::move(resolved->view);
}

// Plans the corrections, previews or applies them, reads them back, and audits `action`.
Result<RectifyOutcome> apply_corrections(Desk& desk, const DataMap& map, const CaseView& view,
                                         const std::vector<Correction>& corrections,
                                         const std::vector<std::string>& tenants, bool preview,
                                         const std::string& action, std::optional<ConsentChoice> consent);

bool requests_any(const Case& c, std::initializer_list<Right> rights) {
  return std::any_of(c.rights.begin(), c.rights.end(),
                     [&](Right r) { return std::find(rights.begin(), rights.end(), r) != rights.end(); });
}

}  // namespace

Result<RectifyOutcome> rectify_subject(Desk& desk, const DataMap& map, const RectifyRequest& r) {
  auto corrections = parse_corrections(map, r.corrections);
  if (!corrections) return propagate(corrections.error());
  auto view = case_for(desk, r.case_number, r.preview, {Right::rectification});
  if (!view) return propagate(view.error());
  if (!requests_rectification(view->c)) {
    return precondition("case " + view->c.number +
                        " does not request rectification (rights: " + join_rights(view->c.rights) + ")");
  }
  return apply_corrections(desk, map, *view, *corrections, r.tenants, r.preview, "rectify", std::nullopt);
}

Result<RectifyOutcome> mark_subject(Desk& desk, const DataMap& map, const MarkRequest& request) {
  MarkRequest r = request;
  bool restriction = r.kind == MarkerKind::restriction;
  // A case that renews consent to sale can only end the objection: it lifts without being told.
  if (!restriction && !r.case_number.empty()) {
    auto asked = desk.find(r.case_number);
    if (asked && requests_any(asked->c, {Right::ccpa_opt_in_to_sale})) r.lift = true;
  }
  std::string what = restriction ? "restriction" : "objection";
  std::vector<Correction> corrections;
  for (const auto& [key, c] : map.collections) {
    const auto& marker = restriction ? c.restriction : c.objection;
    if (!marker) continue;
    if (r.lift && !marker->lifted) {
      return precondition("collection " + key + " has no 'lifted' value for its " + what +
                          " marker: lift it there by hand");
    }
    corrections.push_back({key, marker->field, r.lift ? *marker->lifted : marker->value});
  }
  // An objection is also told to the APIs that record consent (opt-out; opt-in when lifted).
  std::optional<ConsentChoice> consent;
  ConsentChoice choice = r.lift ? ConsentChoice::opt_in : ConsentChoice::opt_out;
  if (!restriction && !systems_taking_consent(map, choice).empty()) consent = choice;
  if (corrections.empty() && !consent) {
    return precondition("the data map marks no collection for " + what + ": add '" + what +
                        ": {field: ..., value: ..., lifted: ...}' to the collections whose processing must stop" +
                        (restriction ? "" : ", or give an API's consent requests (a Fides config's consent_requests)"));
  }
  std::vector<Right> serves = restriction ? std::vector<Right>{Right::restriction}
                                          : std::vector<Right>{Right::objection, Right::automated_decision_opt_out,
                                                               Right::ccpa_opt_out_of_sale, Right::ccpa_opt_in_to_sale};
  auto view = case_for(desk, r.case_number, r.preview, serves);
  if (!view) return propagate(view.error());
  bool requested =
      restriction
          ? requests_any(view->c, {Right::restriction})
          : requests_any(view->c, {Right::objection, Right::automated_decision_opt_out, Right::ccpa_opt_out_of_sale,
                                   Right::ccpa_opt_in_to_sale});
  if (!requested) {
    return precondition("case " + view->c.number + " does not request " + what +
                        " (rights: " + join_rights(view->c.rights) + ")");
  }
  return apply_corrections(desk, map, *view, corrections, r.tenants, r.preview,
                           std::string(restriction ? "restrict" : "object") + (r.lift ? "-lift" : ""), consent);
}

namespace {

// The case work an action does (closing_blockers looks for it).
std::string work_of_action(const std::string& action) {
  if (action == "restrict") return "restriction";
  if (action.starts_with("object")) return "objection";  // object, or object-lift for renewed consent
  return "rectification";
}

Result<RectifyOutcome> apply_corrections(Desk& desk, const DataMap& map, const CaseView& v,
                                         const std::vector<Correction>& corrections,
                                         const std::vector<std::string>& tenants, bool preview,
                                         const std::string& action, std::optional<ConsentChoice> consent) {
  RectifyOutcome out;
  out.preview = preview;
  out.case_number = v.c.number;
  if (v.c.personal_data_purged_at) return precondition("case " + v.c.number + " has had its personal data purged");
  LocateScope scope{tenants.empty() ? v.c.tenants : tenants};
  // A map whose only objection is an API's consent requests has no rows to mark.
  auto plan = corrections.empty() ? Result<ErasurePlan>(ErasurePlan{})
                                  : plan_rectification(map, v.c.identifiers, scope, corrections);
  if (!plan) return propagate(plan.error());
  out.summary = summary_of(*plan);
  out.unsearched = plan->unsearched;
  out.recipients = recipients_to_notify(map, corrections);
  json details = audit_details(*plan, corrections);
  if (consent && preview) out.consent = send_consent(map, v.c.identifiers, *consent, true, open_for_writing);
  if (preview) {
    details["consent"] = consent_details(out.consent);
    if (auto ok = desk.record_action(out.case_number, action + "-preview", "ok", details.dump()); !ok) {
      return propagate(ok.error());
    }
    return out;
  }
  if (!plan->unsearched.empty()) {
    return fail(ErrorCode::unavailable, "cannot " + action + ": store " + plan->unsearched.front().system +
                                            " could not be searched; nothing was changed");
  }
  for (auto& step : plan->steps) {
    if (auto ok = execute_step(map, step); !ok)
      out.failed_steps.push_back({step.system, step.tenant, ok.error().message});
  }
  auto proof = prove_rectification(map, *plan);
  if (!proof) return propagate(proof.error());
  out.proof = *proof;
  if (consent) out.consent = send_consent(map, v.c.identifiers, *consent, false, open_for_writing);
  bool consent_failed = std::any_of(out.consent.begin(), out.consent.end(),
                                    [](const ConsentSent& s) { return !s.failure.empty(); });
  details["verified_rows"] = proof->verified_rows;
  details["wrong"] = proof->wrong;
  details["failed_stores"] = out.failed_steps.size();
  details["recipients_to_notify"] = out.recipients.size();
  details["consent"] = consent_details(out.consent);
  std::string outcome = out.failed_steps.empty() && proof->clean() && !consent_failed ? "ok" : "incomplete";
  // Lifting a restriction or objection ends it: the case's work is not done by that, unless the
  // case renews consent to sale, whose work is the lifting.
  if (action.ends_with("-lift") && !requests_any(v.c, {Right::ccpa_opt_in_to_sale})) {
    if (auto ok = desk.record_action(out.case_number, action, outcome, details.dump()); !ok)
      return propagate(ok.error());
    return out;
  }
  WorkOutcome work{desk.clock().now(), work_of_action(action), outcome == "ok" ? "done" : "incomplete"};
  if (auto ok = desk.record_work(out.case_number, action, outcome, details.dump(), work); !ok)
    return propagate(ok.error());
  return out;
}

}  // namespace

}  // namespace maestro
