// The work an operator starts on a case as a job (the API and the dashboard share this, so the
// parameters a worker reads are built and checked in one place):
//
//   locate    find the person's records in every system; the result counts them per collection
//   export    build the encrypted package and stage it for review (destination, formats)
//   erase     carry out the erasure (the preview is a separate, synchronous call)
//   rectify   apply corrections "collection.field=value"
//   restrict  set (or, with lift, clear) the data map's restriction markers
//   object    the same for objection markers
//
//   auto job = queue_case_job(desk, "DSAR-2026-001", {.kind = "export", .destination = "s3://b/p/"});
#pragma once

#include <string>
#include <vector>

#include "desk/desk.hpp"

namespace maestro {

struct CaseJobRequest {
  std::string kind;
  std::string destination;  // export: a folder inside exports_root, or s3://bucket/prefix/
  std::string formats;      // export: empty for the requester's choice on the case, else json,csv,html
  bool notify = false;      // kept for old clients: letters now go when the case is approved
  // export: stage the package even when a store cannot be searched (it says it is incomplete);
  // default: nothing is staged and the job tries again.
  bool allow_incomplete = false;
  std::vector<std::string> tenants;
  std::vector<std::string> corrections;  // rectify: "collection.field=value"
  bool lift = false;                     // restrict, object: end it
  std::vector<std::string> subjects;     // further identifiers of the person ("kind:value")
  int attempts = 3;                      // how often a passing failure is tried
  std::string idempotency_key;
};

// The kinds queue_case_job accepts.
const std::vector<std::string>& case_job_kinds();

// Checks the request for its kind and queues the job for the case; invalid_argument names what
// is wrong. The case must exist; the worker checks its state when it runs.
Result<JobRecord> queue_case_job(Desk& desk, std::string_view number, const CaseJobRequest& request);

}  // namespace maestro
