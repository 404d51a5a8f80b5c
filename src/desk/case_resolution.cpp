#include "desk/case_resolution.hpp"

#include <algorithm>

namespace maestro {

bool ready_for_work(CaseState s) {
  return s == CaseState::verified || s == CaseState::in_progress || s == CaseState::in_review;
}

Result<std::vector<SubjectIdentifier>> parse_subjects(const std::vector<std::string>& subjects) {
  std::vector<SubjectIdentifier> out;
  for (const auto& text : subjects) {
    auto id = parse_identifier(text);
    if (!id) return propagate(id.error());
    out.push_back(*id);
  }
  return out;
}

namespace {

Result<CaseView> find_or_open(Desk& desk, const CaseResolution& r, const std::vector<SubjectIdentifier>& ids,
                              bool& ad_hoc) {
  if (r.case_number) return desk.find(*r.case_number);
  auto open = desk.open_cases_for(ids);
  if (!open) return propagate(open.error());
  std::vector<CaseView> ready;
  for (auto& v : *open) {
    if (ready_for_work(v.c.state)) ready.push_back(std::move(v));
  }
  if (ready.size() == 1) return std::move(ready.front());
  if (ready.size() > 1) {
    return precondition("the subject has " + std::to_string(ready.size()) + " open verified cases (" +
                        ready[0].c.number + ", " + ready[1].c.number + ", ...): give --case");
  }
  if (!r.override_reason) {
    return precondition(
        "no verified case for this subject: log and verify one first (maestro dsar intake, then dsar verify), give "
        "--case, or record why identity was verified elsewhere with --override-verification REASON");
  }
  IntakeRequest intake;
  intake.subjects = r.subjects;
  intake.rights = r.rights;
  intake.jurisdiction = r.jurisdiction;
  intake.channel = "other";
  intake.tenants = r.tenants;
  auto created = desk.intake_verified_elsewhere(intake, *r.override_reason);
  if (created) ad_hoc = true;
  return created;
}

}  // namespace

Result<ResolvedCase> resolve_working_case(Desk& desk, const CaseResolution& r,
                                          const std::vector<SubjectIdentifier>& ids) {
  ResolvedCase out;
  auto found = find_or_open(desk, r, ids, out.ad_hoc);
  if (!found) return propagate(found.error());
  out.view = std::move(*found);
  bool asked = r.serves.empty() || std::any_of(r.serves.begin(), r.serves.end(), [&](Right wanted) {
                 return std::find(out.view.c.rights.begin(), out.view.c.rights.end(), wanted) != out.view.c.rights.end();
               });
  if (!asked) {
    std::string served;
    for (Right s : r.serves) served += (served.empty() ? "" : " or ") + std::string(right_name(s));
    return precondition("case " + out.view.c.number + " does not request " + served + " (rights: " +
                        join_rights(out.view.c.rights) + "); log that request as its own case");
  }
  if (out.view.c.state == CaseState::verified) {
    auto started = desk.start(out.view.c.number);
    if (!started) return propagate(started.error());
    out.view = std::move(*started);
  }
  if (!ready_for_work(out.view.c.state)) {
    return precondition("cannot act for " + out.view.c.number + ": it is " + std::string(state_name(out.view.c.state)) +
                        "; the requester's identity must be verified first");
  }
  return out;
}

}  // namespace maestro
