// maestro dsar export: locate a person's data, seal it in an encrypted package, deliver it, and
// record the package's SHA-256 on the case and in the audit trail (seed 001 steps 6 to 8).
//
// The case: --case, else the subject's one open verified case, else an ad-hoc case, which
// needs an explicit verification override with a reason (nothing is exported for an unverified
// requester: ARCHITECTURE.md section 1).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "desk/desk.hpp"
#include "locate/locate.hpp"
#include "package/package.hpp"

namespace maestro {

struct ExportRequest {
  std::vector<std::string> subjects;
  std::optional<std::string> case_number;
  std::string destination;  // a folder, or s3://bucket/prefix/
  std::string formats = "json,csv,html";
  std::vector<std::string> tenants;
  std::string jurisdiction = "gdpr";  // for an ad-hoc case
  std::optional<std::string> override_reason;
  std::filesystem::path work_dir;  // scratch space, e.g. $MAESTRO_HOME/work
  std::filesystem::path exports_root = ".";
  // false: when a store cannot be searched, deliver nothing and fail with `unavailable` (a job
  // retries later); true: deliver the incomplete package and list the failures (the CLI).
  bool deliver_incomplete = true;
};

struct ExportOutcome {
  std::string case_number;
  bool ad_hoc_case = false;
  std::string delivered_to;
  SealedPackage package;
  std::vector<StoreFailure> failures;  // stores that could not be searched: the package is incomplete
  Desk::TaskOpening manual;            // systems without a connector: their owners send their part by hand
};

Result<ExportOutcome> export_subject(Desk& desk, const DataMap& map, const ExportRequest& request);

}  // namespace maestro
