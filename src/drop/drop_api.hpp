// The DROP platform's API (California's Delete Request and Opt-out Platform): download the
// deletion lists, upload the status files. Every call sends the broker's key in X-API-KEY (from
// the environment; never logged). A 429 waits 30 seconds (or Retry-After) and tries again; a
// 5xx or a refused connection is retried with backoff, and during DROP's daily maintenance
// window (01:00-03:00 Pacific) the error says to try after it.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.hpp"
#include "common/time.hpp"

namespace maestro {

struct DropApiSettings {
  std::string base_url = "https://api.drop.privacy.ca.gov";  // the sandbox: .../sandbox
  std::string api_key;
  int attempts = 4;            // tries of a call that DROP refuses for now (429, 5xx, no connection)
  double max_wait_seconds = 60;
  long timeout_seconds = 120;
  std::string ca_file;          // a CA bundle; TLS certificates are always verified
};

enum class DropDownloadState { saved, no_new_data, preparing };

struct DropDownloadResult {
  DropDownloadState state = DropDownloadState::saved;
  std::string message;  // DROP's own words for no data / preparing
};

// GET /data/download into `zip` (written whole: a partial file is never left behind).
Result<DropDownloadResult> drop_download(const DropApiSettings& settings, const std::filesystem::path& zip,
                                         Instant now);

// POST /data/upload (or /data/amend for corrections) of one status file.
Status drop_upload(const DropApiSettings& settings, const std::filesystem::path& status_file, bool amend, Instant now);

// Whether `at` falls in DROP's daily maintenance window, 01:00-03:00 in California (US Pacific,
// with daylight saving time from the second Sunday of March to the first Sunday of November).
bool in_drop_maintenance_window(Instant at);

}  // namespace maestro
