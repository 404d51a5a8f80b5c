#include "desk/export_service.hpp"

#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include <chrono>

#include "crypto/keyring.hpp"
#include "desk/case_resolution.hpp"
#include "desk/locate_service.hpp"
#include "sinks/sink.hpp"

namespace maestro {

namespace {

// A case whose package is being written: what the package says about the case, and its writer.
struct PreparedExport {
  CaseView view;
  bool ad_hoc = false;
  std::vector<SubjectIdentifier> identifiers;  // searched for
  std::filesystem::path work;
  std::string formats;  // as written in the package: the operator's, else the requester's choice
  std::unique_ptr<PackageWriter> writer;
};

// The formats a package is written in: those the operator gave, else those the requester chose
// (the portal asks; kept on the case), else the usual three.
std::string formats_for(const Case& c, const std::string& asked) {
  if (!asked.empty()) return asked;
  return c.formats.empty() ? "json,csv,html" : c.formats;
}

PackageInfo package_info(Desk& desk, const CaseView& view, const std::vector<SubjectIdentifier>& identifiers,
                         const PackageSender& sender) {
  PackageInfo info;
  info.sender = sender;
  // The requester's own language, where the case has one.
  if (!view.c.language.empty() && (!sender.texts || sender.texts->language() != view.c.language)) {
    if (auto texts = ReportTexts::load(view.c.language, sender.templates_dir))
      info.sender.texts = std::make_shared<const ReportTexts>(std::move(*texts));
  }
  info.case_number = view.c.number;
  info.request_date = view.c.received_at;
  info.fulfilment_date = desk.clock().now();
  info.subject_name = view.c.subject_name;
  info.identifiers = identifiers;
  info.restored_values = view.c.restored_values;
  auto jurisdiction = desk.policy().jurisdiction(view.c.jurisdiction);
  info.jurisdiction = view.c.jurisdiction;
  if (jurisdiction) {
    info.jurisdiction_name = (*jurisdiction)->name;
    info.complaint_authority =
        (*jurisdiction)->authority_in(info.sender.texts ? info.sender.texts->language() : std::string("en"));
  }
  return info;
}

PreparedExport prepare(Desk& desk, const DataMap& map, CaseView view, bool ad_hoc,
                       const std::vector<SubjectIdentifier>& extra, const std::filesystem::path& work_dir,
                       const std::string& asked_formats, const PackageSender& sender) {
  PreparedExport p;
  p.formats = formats_for(view.c, asked_formats);
  // Checked at intake (the case's) or by the caller before anything was written (the operator's).
  auto formats = parse_package_formats(p.formats).value_or(std::set<PackageFormat>{PackageFormat::json});
  p.identifiers = view.c.identifiers;
  for (const auto& id : extra) {
    if (std::find(p.identifiers.begin(), p.identifiers.end(), id) == p.identifiers.end()) p.identifiers.push_back(id);
  }
  p.work = work_dir / (view.c.number + "-" + to_hex(random_bytes(6)));
  p.writer = std::make_unique<PackageWriter>(p.work, map, package_info(desk, view, p.identifiers, sender),
                                             std::move(formats));
  p.view = std::move(view);
  p.ad_hoc = ad_hoc;
  return p;
}

// Seals, delivers and records one case's package once its records are in the writer.
Result<ExportOutcome> finish(Desk& desk, const DataMap& map, PreparedExport& p,
                             const std::vector<StoreFailure>& failures, Sink& sink, const DeliveryChoice& choice,
                             const std::string& destination) {
  ExportOutcome outcome;
  outcome.case_number = p.view.c.number;
  outcome.ad_hoc_case = p.ad_hoc;
  outcome.failures = failures;
  // The systems only, never identifiers: this goes on the audit trail.
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& f : outcome.failures) failed.push_back({{"system", f.system}, {"tenant", f.tenant}});
  std::error_code ec;
  if (!outcome.failures.empty() && !choice.deliver_incomplete) {
    // An incomplete package reaches nobody unless the operator allowed it: the attempt goes on
    // the case's trail, and the case waits for a re-run.
    p.writer.reset();
    std::filesystem::remove_all(p.work, ec);
    if (auto ok = desk.record_action(p.view.c.number, "export", "not-delivered",
                                     nlohmann::json{{"failed_stores", failed}, {"complete", false}}.dump());
        !ok)
      return propagate(ok.error());
    return outcome;
  }
  // Other people whose email address the requester's records hold: their records give their
  // names, which are then redacted too (Art. 15(4)). A store that fails here only means fewer
  // names are known; emails and phone numbers are redacted by their form regardless.
  if (auto contacts = p.writer->other_people_contacts(); !contacts.empty()) {
    auto looked_up = locate(map, contacts, LocateScope{p.view.c.tenants}, [&](const FoundRecord& found) -> Status {
      p.writer->learn_other_person(found);
      return {};
    });
    (void)looked_up;
  }
  std::vector<std::string> unsearched;
  for (const auto& f : outcome.failures) unsearched.push_back(f.system + (f.tenant.empty() ? "" : " (" + f.tenant + ")"));
  p.writer->mark_incomplete(unsearched);
  auto sealed = p.writer->seal();
  if (!sealed) return propagate(sealed.error());
  outcome.package = std::move(*sealed);

  auto delivered = sink.put(outcome.package.zip_path, outcome.package.zip_path.filename().string());
  p.writer.reset();
  std::filesystem::remove_all(p.work, ec);
  if (!delivered) return propagate(delivered.error());
  outcome.delivered_to = *delivered;

  nlohmann::json details{{"sha256", outcome.package.sha256},
                         {"bytes", outcome.package.size},
                         {"records", outcome.package.records_by_collection},
                         {"redacted_values", outcome.package.redacted_values},
                         {"redactions_by_field", outcome.package.redactions_by_field},
                         {"formats", p.formats},
                         {"destination", destination.starts_with("s3://") ? "s3" : "folder"},
                         {"complete", outcome.failures.empty()},
                         {"failed_stores", failed},
                         {"map_gaps", outcome.package.map_gaps}};
  PackageDelivery delivery{desk.clock().now(), outcome.package.sha256, outcome.package.size, outcome.delivered_to,
                           outcome.package.map_gaps};
  delivery.unsearched = unsearched;
  details["password"] = choice.password_by_letter ? "held for the letter" : "shown to the operator";
  auto recorded = desk.record_delivery(p.view.c.number, delivery, details.dump(), outcome.package.redactions,
                                       choice.password_by_letter ? outcome.package.password : std::string());
  if (!recorded) return propagate(recorded.error());
  auto manual = desk.manual_tasks_for(*recorded, map, "export");
  if (!manual) return propagate(manual.error());
  outcome.manual = std::move(*manual);
  outcome.delivered = true;
  return outcome;
}

// Whether a case waits for its access package: verified, asks for access or portability, and
// has none delivered yet.
bool waits_for_package(const CaseView& v) {
  bool wants_copy = std::any_of(v.c.rights.begin(), v.c.rights.end(), [](Right r) {
    return r == Right::access || r == Right::portability || r == Right::ccpa_know;
  });
  return wants_copy && (v.c.state == CaseState::verified || v.c.state == CaseState::in_progress) &&
         v.c.deliveries.empty() && !v.c.personal_data_purged_at;
}

// Each case's package keeps a few files open while records arrive: let a batch have them.
void allow_open_files(std::size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(wanted));
  setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

std::string describe_store_failures(const std::vector<StoreFailure>& failures) {
  std::string out;
  for (const auto& f : failures) {
    out += (out.empty() ? "" : "; ") + f.system + (f.tenant.empty() ? "" : " (tenant " + f.tenant + ")") + ": " +
           f.message;
  }
  return out;
}

Result<PackageSender> package_sender(const Settings& settings) {
  PackageSender sender{settings.organisation,       settings.organisation_address,
                       settings.organisation_email, settings.dpo_name,
                       settings.dpo_email,          nullptr,
                       settings.templates_dir};
  auto texts = ReportTexts::load(settings.language, settings.templates_dir);
  if (!texts) return propagate(texts.error());
  sender.texts = std::make_shared<const ReportTexts>(std::move(*texts));
  return sender;
}

Result<ExportOutcome> export_subject(Desk& desk, const DataMap& map, const ExportRequest& r) {
  // Check everything that can be checked before anything is written.
  if (!r.formats.empty()) {
    if (auto given = parse_package_formats(r.formats); !given) return propagate(given.error());
  }
  auto sink = open_sink(r.destination, SinkOptions{r.exports_root});
  if (!sink) return propagate(sink.error());
  auto ids = parse_subjects(r.subjects);
  if (!ids) return propagate(ids.error());
  if (ids->empty() && !r.case_number) return invalid("give --subject KIND:VALUE or --case ID");

  CaseResolution resolution{r.subjects, r.case_number,     r.tenants,
                            r.jurisdiction, "access", r.override_reason, k_export_serves};
  auto resolved = resolve_working_case(desk, resolution, *ids);
  if (!resolved) return propagate(resolved.error());
  PreparedExport p =
      prepare(desk, map, std::move(resolved->view), resolved->ad_hoc, *ids, r.work_dir, r.formats, r.sender);
  LocateRequest locate_request{r.subjects, p.view.c.number, r.tenants};
  auto located = locate_subject(desk, map, locate_request, [&](const FoundRecord& f) { return p.writer->add(f); });
  if (!located) return propagate(located.error());
  return finish(desk, map, p, located->result.failures, **sink,
                DeliveryChoice{r.deliver_incomplete, r.password_by_letter}, r.destination);
}

Result<BatchExportOutcome> export_cases(Desk& desk, const DataMap& map, const BatchExportRequest& r) {
  if (!r.formats.empty()) {
    if (auto given = parse_package_formats(r.formats); !given) return propagate(given.error());
  }
  auto sink = open_sink(r.destination, SinkOptions{r.exports_root});
  if (!sink) return propagate(sink.error());
  if (auto ok = check_batch_size(r.batch_size); !ok) return propagate(ok.error());

  std::vector<CaseView> cases;
  if (r.case_numbers.empty()) {
    auto open = desk.list(CaseQuery{});
    if (!open) return propagate(open.error());
    for (auto& v : *open) {
      if (waits_for_package(v)) cases.push_back(std::move(v));
    }
  } else {
    for (const auto& number : r.case_numbers) {
      auto v = desk.find(number);
      if (!v) return propagate(v.error());
      cases.push_back(std::move(*v));
    }
  }

  BatchExportOutcome outcome;
  allow_open_files(r.batch_size * 8 + 256);
  auto start = std::chrono::steady_clock::now();
  for (const auto& positions : case_batches(cases, r.batch_size)) {
    std::vector<PreparedExport> batch;
    for (std::size_t i : positions) {
      CaseResolution resolution{{}, cases[i].c.number, {}, cases[i].c.jurisdiction, "access", std::nullopt,
                                k_export_serves};
      auto resolved = resolve_working_case(desk, resolution, {});
      if (!resolved) {
        outcome.refused.push_back({cases[i].c.number, resolved.error().message});
        continue;
      }
      batch.push_back(prepare(desk, map, std::move(resolved->view), false, {}, r.work_dir, r.formats, r.sender));
    }
    std::vector<CaseView> views;
    for (const auto& p : batch) views.push_back(p.view);
    auto located = locate_case_batch(desk, map, views,
                                     [&](std::size_t i, const FoundRecord& f) { return batch[i].writer->add(f); });
    if (!located) return propagate(located.error());
    outcome.queries += located->queries;
    add_store_stats(outcome.stores, located->stores);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const LocateResult& mine = located->subjects[i];
      auto done = finish(desk, map, batch[i], mine.failures, **sink,
                         DeliveryChoice{r.deliver_incomplete, r.password_by_letter}, r.destination);
      if (!done) {
        outcome.refused.push_back({batch[i].view.c.number, done.error().message});
        continue;
      }
      if (!done->delivered) {
        outcome.refused.push_back({batch[i].view.c.number, "not delivered: could not search " +
                                                               describe_store_failures(done->failures)});
        continue;
      }
      outcome.cases.push_back(std::move(*done));
    }
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace maestro
