// The standard job kinds, each running the same desk call as its command:
//
//   export        dsar export: parameters {"case", "subjects", "destination", "formats", "tenants",
//                 "notify"}; the password always goes to the requester in a letter of its own
//                 (a job has no terminal to print it on), template C too with "notify": true
//   erase         dsar delete: {"case", "subjects", "tenants"}; a store that failed is retried
//   erase-batch   dsar delete-batch: {"cases"} (optional: only these of the due erasures); every
//                 erasure due, together; fails (and is retried) while any case is not done
//   send-letters  outbox send: {}
//   sweep         dsar sweep: {}
//   drop-match    drop match: {}; California DROP's lists against every store
//   scan-objects  one part of a search of an s3 prefix larger than its store's objects_per_job
//                 (connectors/object_parts.hpp): queued by the worker running the search, which
//                 takes its share and waits for the rest; answers which objects may hold a match
//   webhook       one event to one receiver of `webhooks:` (desk/webhooks.hpp): {"hook", "event"}
//
// A store that could not be reached fails the job with `unavailable`, so it is retried later;
// the work resumes where it stopped (erasure plans are sealed before anything changes).
#pragma once

#include <map>
#include <string>

#include "config/settings.hpp"
#include "datamap/datamap.hpp"
#include "jobs/worker_pool.hpp"

namespace maestro {

// `map` may be null when no data map is configured: export and erase jobs then fail with a
// clear message. `settings` and `map` must outlive the handlers.
std::map<std::string, JobHandler> standard_job_handlers(const Settings& settings, const DataMap* map);

}  // namespace maestro
