#include "desk/case_jobs.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace maestro {

const std::vector<std::string>& case_job_kinds() {
  static const std::vector<std::string> kinds{"locate", "export", "erase", "rectify", "restrict", "object"};
  return kinds;
}

namespace {

Status only_for(const CaseJobRequest& r) {
  bool exporting = r.kind == "export";
  bool marking = r.kind == "restrict" || r.kind == "object";
  if (!exporting && (!r.destination.empty() || !r.formats.empty() || r.notify || r.allow_incomplete))
    return invalid("destination, formats, notify and allow_incomplete belong to an export job, not " + r.kind);
  if (r.kind != "rectify" && !r.corrections.empty()) return invalid("corrections belong to a rectify job");
  if (!marking && r.lift) return invalid("lift belongs to a restrict or object job");
  return {};
}

}  // namespace

Result<JobRecord> queue_case_job(Desk& desk, std::string_view number, const CaseJobRequest& r) {
  const auto& kinds = case_job_kinds();
  if (std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end())
    return invalid("kind must be one of locate, export, erase, rectify, restrict, object");
  if (auto ok = only_for(r); !ok) return propagate(ok.error());
  auto view = desk.find(number);
  if (!view) return propagate(view.error());
  nlohmann::json parameters{{"case", view->c.number}};
  if (!r.tenants.empty()) parameters["tenants"] = r.tenants;
  if (!r.subjects.empty()) parameters["subjects"] = r.subjects;
  if (r.kind == "export") {
    if (r.destination.empty()) return invalid("an export needs a destination (a folder or s3://bucket/prefix/)");
    parameters["destination"] = r.destination;
    if (!r.formats.empty()) parameters["formats"] = r.formats;  // else the requester's choice on the case
    parameters["notify"] = r.notify;
    if (r.allow_incomplete) parameters["allow_incomplete"] = true;
  } else if (r.kind == "rectify") {
    if (r.corrections.empty()) return invalid("a rectification needs at least one correction collection.field=value");
    for (const auto& c : r.corrections) {
      auto eq = c.find('=');
      auto dot = c.find('.');
      if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 || dot + 1 == eq)
        return invalid("a correction is written collection.field=value");
    }
    parameters["corrections"] = r.corrections;  // sealed with the job: it is personal data
  } else if (r.kind == "restrict" || r.kind == "object") {
    parameters["lift"] = r.lift;
  }
  return desk.enqueue_job({r.kind, view->c.number, parameters.dump(), r.attempts, r.idempotency_key});
}

}  // namespace maestro
