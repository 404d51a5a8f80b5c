// The job queue: claims with a lease, renewals, finishing, and reading jobs back.
#include "store/sql_case_store.hpp"

#include <array>

namespace maestro {

namespace {

using namespace sql_rows;

// The columns of a job, in the order read_job expects.
constexpr const char* k_job_columns =
    "id, kind, case_number, state, created_by, created_at, not_before, attempts, max_attempts, lease_owner, "
    "lease_expires_at, progress_done, progress_total, progress_note, parameters, result, error, finished_at, "
    "idempotency_key";

Unexpected<Error> lost_lease(std::int64_t id) {
  return fail(ErrorCode::failed_precondition,
              "job #" + std::to_string(id) + " is no longer held by this worker (its lease ran out)");
}

Result<JobRecord> read_job(const Statement& q) {
  JobRecord j;
  j.id = q.integer(0);
  auto corrupt = [&] { return fail(ErrorCode::data_loss, "job #" + std::to_string(j.id) + " has a corrupt date"); };
  j.kind = q.text(1);
  j.case_number = q.text(2);
  j.state = q.text(3);
  j.created_by = q.text(4);
  auto created = instant_column(q, 5);
  auto not_before = instant_column(q, 6);
  if (!created || !not_before) return corrupt();
  j.created_at = *created;
  j.not_before = *not_before;
  j.attempts = static_cast<int>(q.integer(7));
  j.max_attempts = static_cast<int>(q.integer(8));
  j.lease_owner = q.text(9);
  if (q.optional_text(10)) {
    auto lease = instant_column(q, 10);
    if (!lease) return corrupt();
    j.lease_expires_at = *lease;
  }
  j.progress_done = q.integer(11);
  j.progress_total = q.integer(12);
  j.progress_note = q.text(13);
  j.sealed_parameters = q.blob(14).value_or("");
  j.result = q.text(15);
  j.sealed_error = q.blob(16).value_or("");
  if (q.optional_text(17)) {
    auto finished = instant_column(q, 17);
    if (!finished) return corrupt();
    j.finished_at = *finished;
  }
  j.idempotency_key = q.optional_text(18).value_or("");
  return j;
}

}  // namespace

Result<std::int64_t> SqlCaseStore::add_job(const JobRecord& j) {
  Statement put(m_db,
                "INSERT INTO jobs(kind, case_number, state, created_by, created_at, not_before, attempts, "
                "max_attempts, lease_owner, lease_expires_at, progress_done, progress_total, progress_note, "
                "parameters, result, error, finished_at, idempotency_key) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', NULL, 0, 0, '', ?9, '', ?11, NULL, ?10) RETURNING id");
  put.bind(1, j.kind).bind(2, j.case_number).bind(3, j.state).bind(4, j.created_by);
  put.bind(5, format_instant(j.created_at)).bind(6, format_instant(j.not_before));
  put.bind(7, std::int64_t{j.attempts}).bind(8, std::int64_t{j.max_attempts}).bind_blob(9, j.sealed_parameters);
  put.bind_optional(10, j.idempotency_key.empty() ? std::nullopt : std::optional<std::string>(j.idempotency_key));
  put.bind_blob(11, std::string());  // no error yet
  if (put.step() != Step::row) {
    if (m_db.last_failure() == SqlFailure::constraint) {
      return fail(ErrorCode::already_exists, "a job with this idempotency key exists already");
    }
    return propagate(error("cannot queue the job"));
  }
  return put.integer(0);
}

Result<std::optional<JobRecord>> SqlCaseStore::claim_job(const std::string& worker, Instant now, Instant lease_until) {
  // A dead worker's job (its lease ran out), then the earliest queued job that is due: each picked
  // by its own index, since one query over both kinds could use neither. Each claim is one
  // statement: SQLite's write lock makes it atomic across processes; on PostgreSQL the inner
  // SELECT locks its row and skips rows another worker is claiming at that moment.
  static constexpr std::array<const char*, 2> k_picks{
      "SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at <= ?2 ORDER BY lease_expires_at, id LIMIT 1",
      "SELECT id FROM jobs WHERE state = 'queued' AND not_before <= ?2 ORDER BY not_before, id LIMIT 1"};
  for (const char* pick : k_picks) {
    std::string sql = "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?1, "
                      "lease_expires_at = ?3 WHERE id = (" +
                      std::string(pick) + std::string(m_db.skip_locked()) + ") RETURNING " + k_job_columns;
    Statement claim(m_db, sql);
    claim.bind(1, worker).bind(2, format_instant(now)).bind(3, format_instant(lease_until));
    Step rc = claim.step();
    if (rc == Step::done) continue;
    if (rc != Step::row) return propagate(error("cannot claim a job"));
    auto job = read_job(claim);
    if (!job) return propagate(job.error());
    if (claim.step() != Step::done) return propagate(error("cannot claim a job"));
    return std::optional<JobRecord>{std::move(*job)};
  }
  return std::optional<JobRecord>{};
}

Result<std::optional<JobRecord>> SqlCaseStore::claim_job_by_id(std::int64_t id, const std::string& worker, Instant now,
                                                               Instant lease_until) {
  Statement claim(m_db, std::string("UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?1, "
                                    "lease_expires_at = ?3 WHERE id = ?4 AND ((state = 'queued' AND not_before <= ?2) "
                                    "OR (state = 'running' AND lease_expires_at <= ?2)) RETURNING ") +
                            k_job_columns);
  claim.bind(1, worker).bind(2, format_instant(now)).bind(3, format_instant(lease_until)).bind(4, id);
  Step rc = claim.step();
  if (rc == Step::done) return std::optional<JobRecord>{};
  if (rc != Step::row) return propagate(error("cannot claim job #" + std::to_string(id)));
  auto job = read_job(claim);
  if (!job) return propagate(job.error());
  if (claim.step() != Step::done) return propagate(error("cannot claim job #" + std::to_string(id)));
  return std::optional<JobRecord>{std::move(*job)};
}

Status SqlCaseStore::renew_job(const JobRecord& j, const std::string& worker, Instant lease_until) {
  Statement put(m_db,
                "UPDATE jobs SET lease_expires_at = ?1, progress_done = ?2, progress_total = ?3, "
                "progress_note = ?4 WHERE id = ?5 AND state = 'running' AND lease_owner = ?6");
  put.bind(1, format_instant(lease_until)).bind(2, j.progress_done).bind(3, j.progress_total);
  put.bind(4, j.progress_note).bind(5, j.id).bind(6, worker);
  if (put.step() != Step::done) return propagate(error("cannot renew job #" + std::to_string(j.id)));
  if (m_db.changes() == 0) return lost_lease(j.id);
  return {};
}

Status SqlCaseStore::finish_job(const JobRecord& j, const std::string& worker) {
  Statement put(m_db,
                "UPDATE jobs SET state = ?1, result = ?2, error = ?3, not_before = ?4, finished_at = ?5, "
                "progress_done = ?6, progress_total = ?7, progress_note = ?8, lease_owner = '', "
                "lease_expires_at = NULL WHERE id = ?9 AND (?10 = '' OR (state = 'running' AND lease_owner = ?10))");
  put.bind(1, j.state).bind(2, j.result).bind_blob(3, j.sealed_error).bind(4, format_instant(j.not_before));
  put.bind_optional(5, j.finished_at ? std::optional<std::string>(format_instant(*j.finished_at)) : std::nullopt);
  put.bind(6, j.progress_done).bind(7, j.progress_total).bind(8, j.progress_note).bind(9, j.id).bind(10, worker);
  if (put.step() != Step::done) return propagate(error("cannot finish job #" + std::to_string(j.id)));
  if (m_db.changes() == 0) return lost_lease(j.id);
  return {};
}

Result<std::optional<JobRecord>> SqlCaseStore::load_job(std::int64_t id) {
  Statement q(m_db, std::string("SELECT ") + k_job_columns + " FROM jobs WHERE id = ?1");
  q.bind(1, id);
  return single_job(q);
}

Result<std::map<std::string, std::int64_t>> SqlCaseStore::count_jobs() {
  Statement q(m_db, "SELECT state, count(*) FROM jobs GROUP BY state");
  std::map<std::string, std::int64_t> out;
  Step rc;
  while ((rc = q.step()) == Step::row) out[q.text(0)] = q.integer(1);
  if (rc != Step::done) return propagate(error("cannot count the jobs"));
  return out;
}

Result<std::optional<JobRecord>> SqlCaseStore::job_with_key(std::string_view key) {
  Statement q(m_db, std::string("SELECT ") + k_job_columns + " FROM jobs WHERE idempotency_key = ?1");
  q.bind(1, key);
  return single_job(q);
}

Result<std::vector<JobRecord>> SqlCaseStore::load_jobs(std::string_view case_number, std::string_view state, int limit) {
  Statement q(m_db, std::string("SELECT ") + k_job_columns +
                        " FROM jobs WHERE (?1 = '' OR case_number = ?1) AND (?2 = '' OR state = ?2) "
                        "ORDER BY id DESC LIMIT ?3");
  q.bind(1, case_number).bind(2, state).bind(3, std::int64_t{limit});
  std::vector<JobRecord> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto job = read_job(q);
    if (!job) return propagate(job.error());
    out.push_back(std::move(*job));
  }
  if (rc != Step::done) return propagate(error("cannot read the jobs"));
  return out;
}

Result<std::optional<JobRecord>> SqlCaseStore::single_job(Statement& q) {
  Step rc = q.step();
  if (rc == Step::done) return std::optional<JobRecord>{};
  if (rc != Step::row) return propagate(error("cannot read the job"));
  auto job = read_job(q);
  if (!job) return propagate(job.error());
  return std::optional<JobRecord>{std::move(*job)};
}

}  // namespace maestro
