// maestro dsar export (and export-batch): locate a person's data, seal it in an encrypted package, deliver it, and
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

#include "config/settings.hpp"
#include "desk/desk.hpp"
#include "locate/locate.hpp"
#include "package/package.hpp"

namespace maestro {

struct ExportRequest {
  std::vector<std::string> subjects;
  std::optional<std::string> case_number;
  std::string destination;  // a folder, or s3://bucket/prefix/
  std::string formats;  // json,csv,html,pdf; empty: the requester's choice on the case, else json,csv,html
  std::vector<std::string> tenants;
  std::string jurisdiction = "gdpr";  // for an ad-hoc case
  std::optional<std::string> override_reason;
  std::filesystem::path work_dir;  // scratch space, e.g. $MAESTRO_HOME/work
  std::filesystem::path exports_root = ".";
  // false (the default): when a store cannot be searched, nothing is delivered (the outcome says
  // which stores and why; a job retries later); true (`--allow-incomplete`): the incomplete
  // package is delivered and the failures are listed with it.
  bool deliver_incomplete = false;
  // true: the password is sealed with the case until the DPO approves, then goes in the password
  // letter after the fulfilment letter (`--notify`, jobs); false: the operator is shown it once.
  bool password_by_letter = false;
  PackageSender sender;  // package_sender(settings)
};

// How a finished package is handed on (ExportRequest's fields of the same names).
struct DeliveryChoice {
  bool deliver_incomplete = false;
  bool password_by_letter = false;
};

// Who answers and in which words, from maestro.yaml (organisation:, language:, templates_dir).
// Fails when the report texts of that language cannot be loaded (an unknown language, a
// broken override file): before any store is searched.
Result<PackageSender> package_sender(const Settings& settings);

struct ExportOutcome {
  std::string case_number;
  bool ad_hoc_case = false;
  std::string delivered_to;
  SealedPackage package;
  std::vector<StoreFailure> failures;  // stores that could not be searched: the package is incomplete
  Desk::TaskOpening manual;            // systems without a connector: their owners send their part by hand
  // false: a store could not be searched and the incomplete package was not allowed, so nothing
  // was sealed, delivered or recorded as delivered (`failures` say why).
  bool delivered = false;
};

// "shop.crm: the API answered 401 (check the token); web.log (tenant eu): no such file": every
// store that could not be searched, with its cause.
std::string describe_store_failures(const std::vector<StoreFailure>& failures);

Result<ExportOutcome> export_subject(Desk& desk, const DataMap& map, const ExportRequest& request);

// maestro dsar export-batch: the packages of many cases from one search of the stores. Each case
// gets its own package, `locate` and delivery events exactly as `dsar export --case` would give
// it; the stores are queried once per level for all the cases of a batch (locate_batch).
struct BatchExportRequest {
  std::vector<std::string> case_numbers;  // empty: every case waiting for its package
  std::string destination;
  std::string formats;  // as ExportRequest
  std::size_t batch_size = 200;  // cases searched together (each keeps a few files open)
  std::filesystem::path work_dir;
  std::filesystem::path exports_root = ".";
  bool deliver_incomplete = false;  // as ExportRequest
  bool password_by_letter = false;  // as ExportRequest
  PackageSender sender;
};

struct BatchExportOutcome {
  std::vector<ExportOutcome> cases;                          // delivered
  std::vector<std::pair<std::string, std::string>> refused;  // case, why nothing was delivered
  std::size_t queries = 0;                                   // sent to the stores for all cases
  std::vector<StoreStats> stores;
  double seconds = 0;
};

Result<BatchExportOutcome> export_cases(Desk& desk, const DataMap& map, const BatchExportRequest& request);

}  // namespace maestro
