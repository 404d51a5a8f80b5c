#include "desk/export_service.hpp"

#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "desk/locate_service.hpp"
#include "sinks/sink.hpp"

namespace maestro {

namespace {

bool ready_for_export(CaseState s) {
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

// The case to export for: given, found, or opened ad hoc (with the operator's override).
Result<CaseView> resolve_case(Desk& desk, const ExportRequest& r, const std::vector<SubjectIdentifier>& ids,
                              bool& ad_hoc) {
  if (r.case_number) return desk.find(*r.case_number);
  auto open = desk.open_cases_for(ids);
  if (!open) return propagate(open.error());
  std::vector<CaseView> ready;
  for (auto& v : *open) {
    if (ready_for_export(v.c.state)) ready.push_back(std::move(v));
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
  intake.rights = "access";
  intake.jurisdiction = r.jurisdiction;
  intake.channel = "other";
  intake.tenants = r.tenants;
  auto created = desk.intake(intake);
  if (!created) return propagate(created.error());
  ad_hoc = true;
  return desk.override_verification(created->c.number, *r.override_reason);
}

}  // namespace

Result<ExportOutcome> export_subject(Desk& desk, const DataMap& map, const ExportRequest& r) {
  // Check everything that can be checked before anything is written.
  auto formats = parse_package_formats(r.formats);
  if (!formats) return propagate(formats.error());
  auto sink = open_sink(r.destination, SinkOptions{r.exports_root});
  if (!sink) return propagate(sink.error());
  auto ids = parse_subjects(r.subjects);
  if (!ids) return propagate(ids.error());
  if (ids->empty() && !r.case_number) return invalid("give --subject KIND:VALUE or --case ID");

  ExportOutcome outcome;
  auto resolved = resolve_case(desk, r, *ids, outcome.ad_hoc_case);
  if (!resolved) return propagate(resolved.error());
  CaseView view = std::move(*resolved);
  if (view.c.state == CaseState::verified) {
    auto started = desk.start(view.c.number);
    if (!started) return propagate(started.error());
    view = std::move(*started);
  }
  if (!ready_for_export(view.c.state)) {
    return precondition("cannot export for " + view.c.number + ": it is " + std::string(state_name(view.c.state)) +
                        "; the requester's identity must be verified first");
  }
  outcome.case_number = view.c.number;

  PackageInfo info;
  info.case_number = view.c.number;
  info.request_date = view.c.received_at;
  info.fulfilment_date = desk.clock().now();
  info.subject_name = view.c.subject_name;
  info.identifiers = view.c.identifiers;
  for (const auto& id : *ids) {
    if (std::find(info.identifiers.begin(), info.identifiers.end(), id) == info.identifiers.end())
      info.identifiers.push_back(id);
  }
  auto jurisdiction = desk.policy().jurisdiction(view.c.jurisdiction);
  info.jurisdiction = view.c.jurisdiction;
  if (jurisdiction) {
    info.jurisdiction_name = (*jurisdiction)->name;
    info.complaint_authority = (*jurisdiction)->authority;
  }

  std::filesystem::path work = r.work_dir / (view.c.number + "-" + to_hex(random_bytes(6)));
  PackageWriter writer(work, map, info, *formats);
  LocateRequest locate_request{r.subjects, view.c.number, r.tenants};
  auto located = locate_subject(desk, map, locate_request, [&](const FoundRecord& f) { return writer.add(f); });
  if (!located) return propagate(located.error());
  outcome.failures = located->result.failures;
  auto sealed = writer.seal();
  if (!sealed) return propagate(sealed.error());
  outcome.package = std::move(*sealed);

  auto delivered = (*sink)->put(outcome.package.zip_path, outcome.package.zip_path.filename().string());
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  if (!delivered) return propagate(delivered.error());
  outcome.delivered_to = *delivered;

  nlohmann::json failures = nlohmann::json::array();
  for (const auto& f : outcome.failures) failures.push_back({{"system", f.system}, {"tenant", f.tenant}});
  nlohmann::json details{{"sha256", outcome.package.sha256},
                         {"bytes", outcome.package.size},
                         {"records", outcome.package.records_by_collection},
                         {"redacted_values", outcome.package.redacted_values},
                         {"formats", r.formats},
                         {"destination", r.destination.starts_with("s3://") ? "s3" : "folder"},
                         {"complete", outcome.failures.empty()},
                         {"failed_stores", failures}};
  PackageDelivery delivery{desk.clock().now(), outcome.package.sha256, outcome.package.size, outcome.delivered_to};
  auto recorded = desk.record_delivery(view.c.number, delivery, details.dump());
  if (!recorded) return propagate(recorded.error());
  return outcome;
}

}  // namespace maestro
