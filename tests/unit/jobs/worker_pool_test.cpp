// Worker pools against a real SQLite case store: every job runs once, across threads and pools.
#include "jobs/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using namespace std::chrono_literals;

class WorkerPoolTest : public ::testing::Test {
 protected:
  WorkerPoolTest() : keys(std::string(32, 'w')) {
    store = std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true));
    desk = std::make_unique<Desk>(*store, keys, testing::default_policy(), clock, "dpo");
  }

  WorkerEnvironment environment() {
    return {[this]() { return open_sqlite_case_store(dir / "maestro.db", keys, false); }, &keys,
            &testing::default_policy(), &clock};
  }

  void queue(int n, const std::string& kind = "export") {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(desk->enqueue_job({kind, "", "{\"n\":" + std::to_string(i) + "}", 3, ""}));
    }
  }

  std::size_t jobs_in(const char* state) { return desk->jobs("", state, 1000)->size(); }

  testing::TempDir dir;
  SecretKeyRing keys;
  SystemClock clock;
  std::unique_ptr<CaseStore> store;
  std::unique_ptr<Desk> desk;
};

TEST_F(WorkerPoolTest, DrainRunsEveryReadyJobAndRecordsItsResult) {
  queue(3);
  std::vector<std::string> seen;
  WorkerPool pool(environment(),
                  {{"export",
                    [&](JobContext& c) -> Result<std::string> {
                      seen.push_back(c.parameters);
                      c.progress(1, 1, "done");
                      return std::string(R"({"ok":true})");
                    }}},
                  {.threads = 1});
  EXPECT_EQ(*pool.drain(), 3);
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(jobs_in("succeeded"), 3u);
  EXPECT_EQ(desk->jobs("", "succeeded", 1)->front().result, R"({"ok":true})");
  EXPECT_EQ(pool.counts().succeeded, 3);
}

TEST_F(WorkerPoolTest, TwoPoolsOnTwoThreadsEachRunEveryJobExactlyOnce) {
  queue(60);
  std::mutex mutex;
  std::multiset<std::string> runs;
  auto handler = [&](JobContext& c) -> Result<std::string> {
    std::lock_guard lock(mutex);
    runs.insert(c.parameters);
    return std::string("{}");
  };
  // Two pools stand for two processes (or machines) sharing the store.
  WorkerPool a(environment(), {{"export", handler}}, {.threads = 2, .idle_poll = 20ms, .name = "a"});
  WorkerPool b(environment(), {{"export", handler}}, {.threads = 2, .idle_poll = 20ms, .name = "b"});
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(b.start());
  for (int i = 0; i < 1000 && jobs_in("succeeded") < 60; ++i) std::this_thread::sleep_for(20ms);
  a.stop();
  b.stop();
  EXPECT_EQ(jobs_in("succeeded"), 60u);
  EXPECT_EQ(runs.size(), 60u);
  for (const auto& p : runs) EXPECT_EQ(runs.count(p), 1u) << p;
}

TEST_F(WorkerPoolTest, FailuresAreRecordedAndUnknownKindsFail) {
  queue(1, "export");
  queue(1, "erase");
  queue(1, "send-letters");
  WorkerPool pool(environment(),
                  {{"export", [](JobContext&) -> Result<std::string> { return invalid("the map is wrong"); }},
                   {"erase", [](JobContext&) -> Result<std::string> { throw std::runtime_error("boom"); }}},
                  {.threads = 1});
  EXPECT_EQ(*pool.drain(), 3);
  auto failed = *desk->jobs("", "failed", 10);
  ASSERT_EQ(failed.size(), 3u);
  std::set<std::string> errors;
  for (const auto& j : failed) errors.insert(*desk->job_error(j));
  EXPECT_TRUE(errors.count("the map is wrong"));
  EXPECT_TRUE(errors.count("the job stopped on an unexpected error: boom"));
  EXPECT_TRUE(errors.count("this worker cannot run 'send-letters' jobs"));
  EXPECT_EQ(pool.counts().failed, 3);
}

TEST_F(WorkerPoolTest, TheHeartbeatKeepsALongJobsLeaseAndWritesItsProgress) {
  queue(1);
  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  WorkerPool pool(environment(),
                  {{"export",
                    [&](JobContext& c) -> Result<std::string> {
                      c.progress(2, 5, "searching billing");
                      started = true;
                      while (!release) std::this_thread::sleep_for(10ms);
                      return std::string("{}");
                    }}},
                  {.threads = 1, .lease = 1s, .idle_poll = 20ms});
  ASSERT_TRUE(pool.start());
  for (int i = 0; i < 1000 && !started; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(started);
  Instant first_lease = *desk->jobs("", "running", 1)->front().lease_expires_at;
  // The heartbeat (every lease / 3) writes the progress and moves the lease on; wait for both,
  // bounded, without assuming how fast it is.
  JobRecord running;
  for (int i = 0; i < 1500; ++i) {
    running = desk->jobs("", "running", 1)->front();
    if (running.progress_note == "searching billing" && *running.lease_expires_at > first_lease) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(running.progress_done, 2);
  EXPECT_EQ(running.progress_total, 5);
  EXPECT_EQ(running.progress_note, "searching billing");
  EXPECT_GT(*running.lease_expires_at, first_lease);
  release = true;
  pool.stop();
  EXPECT_EQ(jobs_in("succeeded"), 1u);
}

}  // namespace
}  // namespace maestro
