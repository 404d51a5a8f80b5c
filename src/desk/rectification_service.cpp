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
      collections[c.collection] = std::count_if(c.rows.begin(), c.rows.end(), [](const RowChange& r) { return !r.set.empty(); });
    }
  }
  json fields = json::array();
  for (const auto& c : corrections) fields.push_back(c.collection + "." + c.field);
  return {{"fields", fields}, {"records", collections}};
}

bool requests_rectification(const Case& c) {
  return std::find(c.rights.begin(), c.rights.end(), Right::rectification) != c.rights.end();
}

}  // namespace

Result<RectifyOutcome> rectify_subject(Desk& desk, const DataMap& map, const RectifyRequest& r) {
  auto corrections = parse_corrections(map, r.corrections);
  if (!corrections) return propagate(corrections.error());
  if (r.case_number.empty()) return invalid("give the rectification case: --case ID");
  RectifyOutcome out;
  out.preview = r.preview;
  CaseView view;
  if (r.preview) {
    auto found = desk.find(r.case_number);
    if (!found) return propagate(found.error());
    view = std::move(*found);
  } else {
    CaseResolution resolution;
    resolution.case_number = r.case_number;
    auto resolved = resolve_working_case(desk, resolution, {});
    if (!resolved) return propagate(resolved.error());
    view = std::move(resolved->view);
  }
  out.case_number = view.c.number;
  if (!requests_rectification(view.c)) {
    return precondition("case " + view.c.number + " does not request rectification (rights: " +
                        join_rights(view.c.rights) + ")");
  }
  if (view.c.personal_data_purged_at) return precondition("case " + view.c.number + " has had its personal data purged");
  LocateScope scope{r.tenants.empty() ? view.c.tenants : r.tenants};
  auto plan = plan_rectification(map, view.c.identifiers, scope, *corrections);
  if (!plan) return propagate(plan.error());
  out.summary = summary_of(*plan);
  out.unsearched = plan->unsearched;
  out.recipients = recipients_to_notify(map, *corrections);
  json details = audit_details(*plan, *corrections);
  if (r.preview) {
    if (auto ok = desk.record_action(out.case_number, "rectify-preview", "ok", details.dump()); !ok) {
      return propagate(ok.error());
    }
    return out;
  }
  if (!plan->unsearched.empty()) {
    return fail(ErrorCode::unavailable, "cannot rectify: store " + plan->unsearched.front().system +
                                            " could not be searched; nothing was changed");
  }
  for (auto& step : plan->steps) {
    if (auto ok = execute_step(map, step); !ok) out.failed_steps.push_back({step.system, step.tenant, ok.error().message});
  }
  auto proof = prove_rectification(map, *plan);
  if (!proof) return propagate(proof.error());
  out.proof = *proof;
  details["verified_rows"] = proof->verified_rows;
  details["wrong"] = proof->wrong;
  details["failed_stores"] = out.failed_steps.size();
  details["recipients_to_notify"] = out.recipients.size();
  std::string outcome = out.failed_steps.empty() && proof->clean() ? "ok" : "incomplete";
  if (auto ok = desk.record_action(out.case_number, "rectify", outcome, details.dump()); !ok) return propagate(ok.error());
  return out;
}

}  // namespace maestro
