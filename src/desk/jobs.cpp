// The desk's side of jobs: queue, claim, progress, outcome. Workers (jobs/worker_pool) call these;
// the work itself is the same desk call the command line makes.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "desk/desk.hpp"

namespace maestro {

using nlohmann::json;

namespace {

// Retries of work that failed for a passing reason (a store down, a lock): 30 s, 1 min, 2 min ...
// at most an hour.
std::chrono::seconds retry_delay(int attempts) {
  std::chrono::seconds delay{30};
  for (int i = 1; i < attempts && delay < std::chrono::hours{1}; ++i) delay *= 2;
  return std::min<std::chrono::seconds>(delay, std::chrono::hours{1});
}

std::string job_details(const JobRecord& job) {
  return json{{"job", job.id}, {"kind", job.kind}, {"attempts", job.attempts}}.dump();
}

}  // namespace

const std::vector<std::string>& job_kinds() {
  static const std::vector<std::string> kinds{"locate", "export", "erase", "rectify", "restrict", "object",
                                              "send-letters", "sweep", "drop-match", "export-batch", "erase-batch",
                                              "scan-objects", "webhook", "drp-callback"};
  return kinds;
}

Result<JobRecord> Desk::enqueue_job(const JobRequest& request) {
  const auto& kinds = job_kinds();
  if (std::find(kinds.begin(), kinds.end(), request.kind) == kinds.end()) {
    return invalid("unknown job kind '" + request.kind + "' (known: locate, export, erase, rectify, restrict, object, send-letters, sweep, drop-match, export-batch, erase-batch, scan-objects, webhook, drp-callback)");
  }
  if (request.max_attempts < 1 || request.max_attempts > 20) return invalid("max_attempts must be 1 to 20");
  if (request.idempotency_key.size() > 200) return invalid("an idempotency key is at most 200 characters");
  if (!json::accept(request.parameters_json)) return invalid("job parameters must be JSON");
  if (!request.idempotency_key.empty()) {
    auto existing = m_store.job_with_key(request.idempotency_key);
    if (!existing) return propagate(existing.error());
    if (*existing) return **existing;
  }
  if (!request.case_number.empty()) {
    auto c = load(request.case_number);
    if (!c) return propagate(c.error());
  }
  JobRecord job;
  job.kind = request.kind;
  job.case_number = request.case_number;
  job.state = "queued";
  job.created_by = m_actor;
  job.created_at = m_clock.now();
  job.not_before = job.created_at;
  job.max_attempts = request.max_attempts;
  job.sealed_parameters = m_keys.seal(request.parameters_json);
  job.idempotency_key = request.idempotency_key;
  Status done = m_store.transaction([&]() -> Status {
    auto id = m_store.add_job(job);
    if (!id) return propagate(id.error());
    job.id = *id;
    return append_audit(job.case_number, "job-queued", "ok", job_details(job));
  });
  if (!done) return propagate(done.error());
  return job;
}

Result<std::optional<JobRecord>> Desk::claim_job(const std::string& worker, std::chrono::seconds lease) {
  return claim_ready_job(worker, [&](Instant now) { return m_store.claim_job(worker, now, now + lease); });
}

Result<std::optional<JobRecord>> Desk::claim_job(std::int64_t id, const std::string& worker,
                                                 std::chrono::seconds lease) {
  return claim_ready_job(worker, [&](Instant now) { return m_store.claim_job_by_id(id, worker, now, now + lease); });
}

// Claims through `claim` in a transaction; a job whose worker died once too often is failed
// instead, and the next one is claimed.
Result<std::optional<JobRecord>> Desk::claim_ready_job(
    const std::string& worker, const std::function<Result<std::optional<JobRecord>>(Instant now)>& claim) {
  for (;;) {
    Instant now = m_clock.now();
    std::optional<JobRecord> claimed;
    Status done = m_store.transaction([&]() -> Status {
      auto job = claim(now);
      if (!job) return propagate(job.error());
      claimed = std::move(*job);
      if (!claimed || claimed->attempts <= claimed->max_attempts) return {};
      // Claimed again after its worker stopped each time: running it once more would not help.
      claimed->state = "failed";
      claimed->finished_at = now;
      claimed->sealed_error = m_keys.seal("gave up after " + std::to_string(claimed->max_attempts) +
                                          " attempts: the worker running it stopped each time");
      if (auto ok = m_store.finish_job(*claimed, worker); !ok) return ok;
      return append_audit(claimed->case_number, "job-failed", "error", job_details(*claimed));
    });
    if (!done) return propagate(done.error());
    if (!claimed || claimed->state == "running") return claimed;
  }
}

Result<std::optional<JobRecord>> Desk::job_with_key(std::string_view idempotency_key) {
  return m_store.job_with_key(idempotency_key);
}

Result<std::string> Desk::job_parameters(const JobRecord& job) const {
  return m_keys.open(job.sealed_parameters);
}

Result<std::string> Desk::job_error(const JobRecord& job) const {
  if (job.sealed_error.empty()) return std::string();
  return m_keys.open(job.sealed_error);
}

Status Desk::report_job_progress(const JobRecord& job, const std::string& worker, std::chrono::seconds lease) {
  return m_store.renew_job(job, worker, m_clock.now() + lease);
}

Status Desk::complete_job(JobRecord job, const std::string& worker, std::string result_json) {
  if (!json::accept(result_json)) return fail(ErrorCode::internal, "a job's result must be JSON");
  job.state = "succeeded";
  job.result = std::move(result_json);
  job.finished_at = m_clock.now();
  job.sealed_error.clear();
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.finish_job(job, worker); !ok) return ok;
    return append_audit(job.case_number, "job-succeeded", "ok", job_details(job));
  });
}

Result<JobRecord> Desk::fail_job(JobRecord job, const std::string& worker, const Error& error) {
  Instant now = m_clock.now();
  bool retry = error.code == ErrorCode::unavailable && job.attempts < job.max_attempts;
  job.sealed_error = m_keys.seal(error.message);
  if (retry) {
    job.state = "queued";
    job.not_before = now + retry_delay(job.attempts);
  } else {
    job.state = "failed";
    job.finished_at = now;
  }
  Status done = m_store.transaction([&]() -> Status {
    if (auto ok = m_store.finish_job(job, worker); !ok) return ok;
    json details = json::parse(job_details(job));
    details["code"] = error_code_name(error.code);
    if (retry) details["retry_at"] = format_instant(job.not_before);
    return append_audit(job.case_number, retry ? "job-retry" : "job-failed", "error", details.dump());
  });
  if (!done) return propagate(done.error());
  return job;
}

Result<JobRecord> Desk::cancel_job(std::int64_t id) {
  auto job = this->job(id);
  if (!job) return job;
  if (job->state != "queued") {
    return precondition("job #" + std::to_string(id) + " is " + job->state + ": only a queued job can be cancelled");
  }
  job->state = "cancelled";
  job->finished_at = m_clock.now();
  Status done = m_store.transaction([&]() -> Status {
    // Only while still queued: a worker may have claimed it since it was read.
    auto current = m_store.load_job(id);
    if (!current) return propagate(current.error());
    if (!*current || (*current)->state != "queued") {
      return precondition("job #" + std::to_string(id) + " was claimed by a worker meanwhile");
    }
    if (auto ok = m_store.finish_job(*job, ""); !ok) return ok;
    return append_audit(job->case_number, "job-cancelled", "ok", job_details(*job));
  });
  if (!done) return propagate(done.error());
  return job;
}

Result<JobRecord> Desk::job(std::int64_t id) {
  auto job = m_store.load_job(id);
  if (!job) return propagate(job.error());
  if (!*job) return not_found("no job #" + std::to_string(id));
  return **job;
}

Result<std::vector<JobRecord>> Desk::jobs(std::string_view case_number, std::string_view state, int limit) {
  if (limit < 1 || limit > 1000) return invalid("a job list holds 1 to 1000 jobs");
  return m_store.load_jobs(case_number, state, limit);
}

}  // namespace maestro
