// The desk's job queue: queueing, claiming with leases, retries, cancelling, sealing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "desk/desk.hpp"
#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;
using namespace std::chrono_literals;

class JobsTest : public ::testing::Test {
 protected:
  JobsTest()
      : keys(std::string(32, 'j')),
        clock(at("2026-03-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "dpo") {}

  JobRecord queue(const std::string& kind = "export",
                  const std::string& parameters = R"({"subject":"jane@example.com"})") {
    auto job = desk.enqueue_job({kind, "", parameters, 3, ""});
    EXPECT_TRUE(job) << (job ? "" : job.error().message);
    return job ? *job : JobRecord{};
  }

  std::vector<std::string> audit_actions() {
    std::vector<std::string> actions;
    (void)desk.audit_events("", [&](const AuditEvent& e) {
      actions.push_back(e.action);
      return Status{};
    });
    return actions;
  }

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
};

TEST_F(JobsTest, AQueuedJobIsClaimedOnceLeasedAndCompleted) {
  JobRecord queued = queue();
  EXPECT_EQ(queued.state, "queued");
  auto claimed = desk.claim_job("host:1/1", 300s);
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_EQ((*claimed)->id, queued.id);
  EXPECT_EQ((*claimed)->state, "running");
  EXPECT_EQ((*claimed)->attempts, 1);
  EXPECT_EQ((*claimed)->lease_owner, "host:1/1");
  EXPECT_EQ(*(*claimed)->lease_expires_at, at("2026-03-02T09:05:00Z"));
  EXPECT_EQ(*desk.job_parameters(**claimed), R"({"subject":"jane@example.com"})");
  // Nobody else gets it while the lease holds.
  auto second = desk.claim_job("host:2/1", 300s);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  ASSERT_TRUE(desk.complete_job(**claimed, "host:1/1", R"({"records":3})"));
  JobRecord done = *desk.job(queued.id);
  EXPECT_EQ(done.state, "succeeded");
  EXPECT_EQ(done.result, R"({"records":3})");
  EXPECT_TRUE(done.lease_owner.empty());
  EXPECT_EQ(audit_actions(), (std::vector<std::string>{"job-queued", "job-succeeded"}));
}

TEST_F(JobsTest, ParametersAndErrorsAreSealedInTheStore) {
  JobRecord job = queue("export", R"({"subject":"jane.secret@example.com"})");
  auto claimed = *desk.claim_job("w", 60s);
  ASSERT_TRUE(
      desk.fail_job(*claimed, "w", Error{ErrorCode::invalid_argument, "no such column: jane.secret@example.com"}));
  store.reset();  // flush and close before reading the file's bytes
  std::string bytes = testing::read_file(dir / "maestro.db");
  std::string wal = std::filesystem::exists(dir / "maestro.db-wal") ? testing::read_file(dir / "maestro.db-wal") : "";
  EXPECT_EQ(bytes.find("jane.secret"), std::string::npos);
  EXPECT_EQ(wal.find("jane.secret"), std::string::npos);
  (void)job;
}

TEST_F(JobsTest, AJobWhoseWorkerDiedIsClaimedAgainAfterItsLease) {
  JobRecord job = queue();
  ASSERT_TRUE(*desk.claim_job("dead-worker", 60s));
  clock.advance(59s);
  EXPECT_FALSE(*desk.claim_job("other", 60s));
  clock.advance(1s);
  auto again = desk.claim_job("other", 60s);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->id, job.id);
  EXPECT_EQ((*again)->attempts, 2);
  // The dead worker, if it wakes up, can no longer finish or renew it.
  JobRecord stale = **again;
  EXPECT_EQ(desk.complete_job(stale, "dead-worker", "{}").error().code, ErrorCode::failed_precondition);
  EXPECT_EQ(desk.report_job_progress(stale, "dead-worker", 60s).error().code, ErrorCode::failed_precondition);
  EXPECT_TRUE(desk.report_job_progress(stale, "other", 60s));
}

TEST_F(JobsTest, AJobWhoseWorkersKeepDyingFailsInsteadOfRunningForever) {
  JobRecord job = queue();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(*desk.claim_job("w" + std::to_string(i), 60s));
    clock.advance(61s);
  }
  EXPECT_FALSE(*desk.claim_job("w3", 60s));
  JobRecord failed = *desk.job(job.id);
  EXPECT_EQ(failed.state, "failed");
  EXPECT_NE(desk.job_error(failed)->find("gave up after 3 attempts"), std::string::npos);
}

TEST_F(JobsTest, APassingFailureIsRetriedWithBackoffThenFails) {
  JobRecord job = queue();
  auto first = *desk.claim_job("w", 60s);
  auto retried = desk.fail_job(*first, "w", Error{ErrorCode::unavailable, "billing is down"});
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->state, "queued");
  EXPECT_EQ(retried->not_before, at("2026-03-02T09:00:30Z"));
  EXPECT_FALSE(*desk.claim_job("w", 60s));  // not before its retry time
  clock.advance(30s);
  auto second = *desk.claim_job("w", 60s);
  ASSERT_TRUE(second);
  EXPECT_EQ(desk.fail_job(*second, "w", Error{ErrorCode::unavailable, "still down"})->not_before,
            at("2026-03-02T09:01:30Z"));
  clock.advance(60s);
  auto third = *desk.claim_job("w", 60s);
  ASSERT_TRUE(third);
  auto last = desk.fail_job(*third, "w", Error{ErrorCode::unavailable, "down for good"});
  EXPECT_EQ(last->state, "failed");
  EXPECT_EQ(*desk.job_error(*desk.job(job.id)), "down for good");
}

TEST_F(JobsTest, APermanentFailureIsNotRetried) {
  queue();
  auto claimed = *desk.claim_job("w", 60s);
  auto failed = desk.fail_job(*claimed, "w", Error{ErrorCode::invalid_argument, "bad map"});
  EXPECT_EQ(failed->state, "failed");
  EXPECT_EQ(audit_actions().back(), "job-failed");
}

TEST_F(JobsTest, OnlyAQueuedJobCanBeCancelled) {
  JobRecord a = queue();
  JobRecord b = queue();
  ASSERT_TRUE(desk.cancel_job(a.id));
  EXPECT_EQ(desk.job(a.id)->state, "cancelled");
  auto claimed = *desk.claim_job("w", 60s);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->id, b.id);  // the cancelled one is never claimed
  EXPECT_EQ(desk.cancel_job(b.id).error().code, ErrorCode::failed_precondition);
  EXPECT_EQ(desk.cancel_job(999).error().code, ErrorCode::not_found);
}

TEST_F(JobsTest, AnIdempotencyKeyReturnsTheFirstJob) {
  auto first = desk.enqueue_job({"export", "", "{}", 3, "key-1"});
  auto again = desk.enqueue_job({"export", "", "{}", 3, "key-1"});
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->id, again->id);
  EXPECT_EQ(desk.jobs("", "", 10)->size(), 1u);
}

TEST_F(JobsTest, BadRequestsChangeNothing) {
  EXPECT_EQ(desk.enqueue_job({"mine-bitcoin", "", "{}", 3, ""}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.enqueue_job({"export", "", "{not json", 3, ""}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.enqueue_job({"export", "", "{}", 0, ""}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.enqueue_job({"export", "DSAR-2026-404", "{}", 3, ""}).error().code, ErrorCode::not_found);
  EXPECT_EQ(desk.jobs("", "", 10)->size(), 0u);
  EXPECT_TRUE(audit_actions().empty());
}

TEST_F(JobsTest, JobsAreListedNewestFirstByCaseAndState) {
  IntakeRequest r;
  r.subjects = {"jane@example.com"};
  r.name = "Jane";
  r.rights = "access";
  r.jurisdiction = "gdpr";
  std::string number = desk.intake(r)->c.number;
  ASSERT_TRUE(desk.enqueue_job({"export", number, "{}", 3, ""}));
  ASSERT_TRUE(desk.enqueue_job({"send-letters", "", "{}", 3, ""}));
  ASSERT_TRUE(desk.enqueue_job({"erase", number, "{}", 3, ""}));
  auto of_case = *desk.jobs(number, "", 10);
  ASSERT_EQ(of_case.size(), 2u);
  EXPECT_EQ(of_case[0].kind, "erase");
  EXPECT_EQ(desk.jobs("", "queued", 10)->size(), 3u);
  EXPECT_EQ(desk.jobs("", "running", 10)->size(), 0u);
  EXPECT_EQ(desk.jobs("", "", 0).error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace maestro
