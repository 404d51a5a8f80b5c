// Worker threads that claim queued jobs from the case store and run them (ARCHITECTURE.md
// section 4). Each thread opens its own store connection and desk, so several pools, in one
// process or in `maestro worker` processes on several machines, can share one queue: a claim is
// atomic and leased, a heartbeat renews the leases of running jobs, and a job whose worker died is
// claimed again once its lease runs out. The work must be resumable (erasure plans are sealed
// before anything changes), since a job may run more than once.
//
//   WorkerPool pool(environment, {{"export", run_export}}, {.threads = 2});
//   pool.start();         // threads poll the queue; pool.wake() after queueing a job
//   ...
//   pool.stop();          // running jobs finish first
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "desk/desk.hpp"

namespace maestro {

// What each worker thread opens for itself. `keys`, `policy` and `clock` are shared and must
// outlive the pool; `open_store` is called once per thread.
struct WorkerEnvironment {
  std::function<Result<std::unique_ptr<CaseStore>>()> open_store;
  const KeyRing* keys = nullptr;
  const Policy* policy = nullptr;
  const Clock* clock = nullptr;
};

// What a handler gets: its worker's desk, the job, and its opened parameters.
struct JobContext {
  Desk& desk;
  const JobRecord& job;
  std::string parameters;  // JSON
  // Records progress for the dashboard (`note` must hold no personal data). Cheap: the heartbeat
  // writes it to the store.
  std::function<void(std::int64_t done, std::int64_t total, const std::string& note)> progress;
};

// Runs one job and returns its result as JSON without personal data. An `unavailable` error is
// retried later; any other error fails the job.
using JobHandler = std::function<Result<std::string>(JobContext&)>;

struct WorkerOptions {
  int threads = 2;
  std::chrono::seconds lease{300};  // renewed every lease / 3 while the job runs
  std::chrono::milliseconds idle_poll{1000};
  std::string name;  // prefix of the worker names in the jobs table; default host:pid
};

class WorkerPool {
 public:
  WorkerPool(WorkerEnvironment environment, std::map<std::string, JobHandler> handlers, WorkerOptions options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts the worker threads and the heartbeat. Fails when a thread cannot open the store.
  Status start();
  // Asks the threads to stop and waits for the jobs they are running to end.
  void stop();
  // A job was queued: idle threads look at the queue now instead of at their next poll.
  void wake();
  // Runs ready jobs on the calling thread until none is left; returns how many ran. For
  // `maestro worker --once` and tests. Does not need start().
  Result<int> drain();

  struct Counts {
    std::int64_t succeeded = 0, failed = 0, retried = 0;
  };
  Counts counts() const;

 private:
  class Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace maestro
