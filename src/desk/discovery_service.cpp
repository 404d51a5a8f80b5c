#include "desk/discovery_service.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

namespace maestro {

namespace {

Status check_draft_target(const std::filesystem::path& out, const DiscoverOptions& options, bool overwrite) {
  std::error_code ec;
  if (out.empty()) return invalid("name the draft's file: --out draft.yaml");
  if (options.sample == 0 || options.sample > 1000000) return invalid("--sample is 1 to 1,000,000 rows per table");
  if (std::filesystem::exists(out, ec) && !overwrite)
    return fail(ErrorCode::already_exists, out.string() + " exists: choose another --out, or --force to replace it");
  return {};
}

// Counts what was found and writes the draft.
Result<DiscoveryReport> write_draft(std::vector<Discovery> found, const std::filesystem::path& out) {
  DiscoveryReport report;
  for (const auto& store : found) {
    for (const auto& t : store.tables) {
      ++report.tables;
      for (const auto& c : t.columns) {
        ++report.columns;
        if (c.personal) {
          ++report.personal_columns;
          ++report.by_category[c.personal->category];
        }
        if (!c.identity.empty()) ++report.identities;
        if (!c.references.empty()) ++report.references;
      }
    }
  }
  // Written beside its final name and moved there: a failed write leaves no half draft.
  std::filesystem::path partial = out;
  partial += ".partial";
  {
    std::ofstream file(partial, std::ios::trunc);
    file << draft_datamap(found);
    if (!file.flush()) return fail(ErrorCode::permission_denied, "cannot write " + out.string());
  }
  std::error_code ec;
  std::filesystem::rename(partial, out, ec);
  if (ec) return fail(ErrorCode::permission_denied, "cannot write " + out.string() + ": " + ec.message());
  report.found = std::move(found);
  return report;
}

}  // namespace

Result<DiscoveryReport> discover_to_draft(const std::string& store, const DiscoverOptions& options,
                                          const std::filesystem::path& out, bool overwrite) {
  if (auto ok = check_draft_target(out, options, overwrite); !ok) return propagate(ok.error());
  auto found = discover_store(store, options);
  if (!found) return propagate(found.error());
  return write_draft({std::move(*found)}, out);
}

Result<DiscoveryReport> discover_map_to_draft(const DataMap& map, const DiscoverOptions& options,
                                              const std::filesystem::path& out, bool overwrite) {
  if (auto ok = check_draft_target(out, options, overwrite); !ok) return propagate(ok.error());
  std::vector<std::string> skipped;
  auto targets = discovery_targets(map, options, skipped);
  if (!targets) return propagate(targets.error());
  if (targets->empty()) return invalid("the data map has no store discovery can read (databases and file folders)");
  std::vector<Discovery> found;
  for (const auto& target : *targets) {
    auto one = discover_store(target.address, target.options);
    if (!one) return fail(one.error().code, target.system + ": " + one.error().message);
    found.push_back(std::move(*one));
  }
  auto report = write_draft(std::move(found), out);
  if (report) report->skipped = std::move(skipped);
  return report;
}

std::string drift_summary_json(const DriftReport& report, Instant at) {
  nlohmann::json columns = nlohmann::json::array(), changes = nlohmann::json::object();
  for (const auto& i : report.items) {
    changes[i.change] = changes.value(i.change, 0) + 1;
    if (i.personal && i.unmapped())
      columns.push_back(i.system + ": " + i.where() + " (" + i.personal->category + ")");
  }
  return nlohmann::json{{"at", format_instant(at)},
                        {"personal_unmapped", report.personal_unmapped()},
                        {"columns", columns},
                        {"changes", changes},
                        {"checked", report.checked},
                        {"not_checked", report.not_checked}}
      .dump();
}

Result<DriftReport> run_drift(Desk& desk, const DataMap& map, const DiscoverOptions& options) {
  auto report = check_drift(map, options);
  if (!report) return propagate(report.error());
  if (auto ok = desk.record_drift(drift_summary_json(*report, desk.clock().now()), report->personal_unmapped()); !ok)
    return propagate(ok.error());
  return report;
}

}  // namespace maestro
