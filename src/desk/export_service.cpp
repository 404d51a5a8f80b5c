#include "desk/export_service.hpp"

#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "desk/case_resolution.hpp"
#include "desk/locate_service.hpp"
#include "sinks/sink.hpp"

namespace maestro {

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
  CaseResolution resolution{r.subjects, r.case_number, r.tenants, r.jurisdiction, "access", r.override_reason};
  auto resolved = resolve_working_case(desk, resolution, *ids);
  if (!resolved) return propagate(resolved.error());
  outcome.ad_hoc_case = resolved->ad_hoc;
  CaseView view = std::move(resolved->view);
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
  if (!outcome.failures.empty() && !r.deliver_incomplete) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
    return fail(ErrorCode::unavailable, std::to_string(outcome.failures.size()) +
                                            " store(s) could not be searched (first: " + outcome.failures[0].system +
                                            "); nothing was delivered");
  }
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
  auto manual = desk.manual_tasks_for(*recorded, map, "export");
  if (!manual) return propagate(manual.error());
  outcome.manual = std::move(*manual);
  return outcome;
}

}  // namespace maestro
