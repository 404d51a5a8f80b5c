#include "jobs/worker_pool.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "connectors/object_parts.hpp"

namespace maestro {

namespace {

std::string default_worker_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "localhost") + ":" + std::to_string(::getpid());
}

}  // namespace

class WorkerPool::Impl {
 public:
  Impl(WorkerEnvironment environment, std::map<std::string, JobHandler> handlers, WorkerOptions options)
      : m_env(std::move(environment)), m_handlers(std::move(handlers)), m_options(std::move(options)) {
    if (m_options.name.empty()) m_options.name = default_worker_name();
    if (m_options.threads < 1) m_options.threads = 1;
  }

  ~Impl() { stop(); }

  Status start() {
    std::vector<std::unique_ptr<Seat>> seats;
    for (int i = 0; i <= m_options.threads; ++i) {  // one more seat: the heartbeat's
      auto seat = open_seat(m_options.name + "/" + std::to_string(i + 1));
      if (!seat) return propagate(seat.error());
      seats.push_back(std::move(*seat));
    }
    m_stopping = false;
    auto heartbeat_seat = std::move(seats.back());
    seats.pop_back();
    m_threads.emplace_back([this, seat = std::move(heartbeat_seat)]() mutable { heartbeat_loop(*seat); });
    for (auto& seat : seats) {
      m_threads.emplace_back([this, seat = std::move(seat)]() mutable { worker_loop(*seat); });
    }
    return {};
  }

  void stop() {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_wake.notify_all();
    for (auto& t : m_threads) t.join();
    m_threads.clear();
  }

  void wake() { m_wake.notify_all(); }

  Result<int> drain() {
    auto seat = open_seat(m_options.name + "/drain");
    if (!seat) return propagate(seat.error());
    int ran = 0;
    for (;;) {
      auto next = run_one(**seat);
      if (!next) return propagate(next.error());
      if (!*next) return ran;
      ++ran;
    }
  }

  Counts counts() const {
    std::lock_guard lock(m_mutex);
    return m_counts;
  }

 private:
  // One thread's own connection and desk.
  struct Seat {
    std::string worker;
    std::unique_ptr<CaseStore> store;
    std::unique_ptr<Desk> desk;
  };

  // A running job as the heartbeat sees it: its latest progress, written at the next beat.
  struct Running {
    JobRecord job;
    std::string worker;
    bool lost = false;
  };

  Result<std::unique_ptr<Seat>> open_seat(std::string worker) {
    auto store = m_env.open_store();
    if (!store) return propagate(store.error());
    auto seat = std::make_unique<Seat>();
    seat->worker = std::move(worker);
    seat->store = std::move(*store);
    seat->desk =
        std::make_unique<Desk>(*seat->store, *m_env.keys, *m_env.policy, *m_env.clock, "worker:" + seat->worker);
    return seat;
  }

  void worker_loop(Seat& seat) {
    while (!stopping()) {
      auto ran = run_one(seat);
      if (ran && *ran) continue;  // there may be more: look again at once
      std::unique_lock lock(m_mutex);
      m_wake.wait_for(lock, m_options.idle_poll, [this] { return m_stopping; });
    }
  }

  // Claims and runs one job; false when none was ready.
  Result<bool> run_one(Seat& seat) {
    auto claimed = seat.desk->claim_job(seat.worker, m_options.lease);
    if (!claimed) return propagate(claimed.error());
    if (!*claimed) return false;
    run_claimed(seat, std::move(**claimed));
    return true;
  }

  // Runs a job this seat claimed and records its outcome.
  void run_claimed(Seat& seat, JobRecord job) {
    track(job, seat.worker);
    Result<std::string> outcome = execute(seat, job);
    JobRecord latest = untrack(job.id);
    if (outcome) {
      auto done = seat.desk->complete_job(latest, seat.worker, *outcome);
      count(done ? &Counts::succeeded : nullptr);
    } else {
      auto failed = seat.desk->fail_job(latest, seat.worker, outcome.error());
      if (failed) count(failed->state == "queued" ? &Counts::retried : &Counts::failed);
    }
  }

  Result<std::string> execute(Seat& seat, const JobRecord& job) {
    auto handler = m_handlers.find(job.kind);
    if (handler == m_handlers.end()) {
      return fail(ErrorCode::failed_precondition, "this worker cannot run '" + job.kind + "' jobs");
    }
    auto parameters = seat.desk->job_parameters(job);
    if (!parameters) return propagate(parameters.error());
    JobContext context{*seat.desk, job, std::move(*parameters),
                       [this, id = job.id](std::int64_t done, std::int64_t total, const std::string& note) {
                         std::lock_guard lock(m_mutex);
                         auto it = m_running.find(id);
                         if (it == m_running.end()) return;
                         it->second.job.progress_done = done;
                         it->second.job.progress_total = total;
                         it->second.job.progress_note = note;
                       }};
    PartSplitter splitter(*this, seat);
    ObjectPartScope scope(&splitter);  // an s3 store opened by the handler hands large searches out
    try {
      return handler->second(context);
    } catch (const std::exception& e) {
      return fail(ErrorCode::internal, std::string("the job stopped on an unexpected error: ") + e.what());
    }
  }

  // Hands the parts of a large object search out as `scan-objects` jobs that any worker may
  // claim, takes its own share (a part nobody has claimed yet is searched here, so a search
  // never waits on a pool whose threads are all busy), then waits for the parts other workers
  // hold. A part whose worker dies is claimed again after its lease, here or elsewhere.
  class PartSplitter final : public ObjectPartSplitter {
   public:
    PartSplitter(Impl& pool, Seat& seat) : m_pool(pool), m_seat(seat) {}

    Result<std::vector<bool>> objects_holding(const ObjectQuestion& question, std::size_t per_part) override {
      std::lock_guard lock(m_mutex);  // the stores of one search may ask from several threads
      auto parts = queue_parts(question, per_part);
      if (!parts) return propagate(parts.error());
      m_pool.wake();
      std::vector<bool> holding;
      for (std::int64_t id : *parts) {
        auto answer = part_answer(id, question.collection);
        if (!answer) return propagate(answer.error());
        holding.insert(holding.end(), answer->begin(), answer->end());
      }
      return holding;
    }

   private:
    // One job per part. A part searched before (the same objects, versions and tokens, say by
    // this job's earlier attempt) is found by its key and not searched again, unless it failed.
    Result<std::vector<std::int64_t>> queue_parts(const ObjectQuestion& question, std::size_t per_part) {
      std::vector<std::int64_t> ids;
      for (std::size_t first = 0; first < question.objects.size(); first += per_part) {
        ObjectQuestion part = question;
        auto begin = question.objects.begin() + static_cast<std::ptrdiff_t>(first);
        part.objects.assign(begin, begin + static_cast<std::ptrdiff_t>(
                                               std::min(per_part, question.objects.size() - first)));
        JobRequest request{"scan-objects", "", question_json(part), 5, ""};
        std::string key = "scan-objects:" + m_pool.m_env.keys->pseudonym(request.parameters_json);
        for (int round = 0;; ++round) {
          request.idempotency_key = key + ":" + std::to_string(round);
          auto job = m_seat.desk->enqueue_job(request);
          if (!job) return propagate(job.error());
          if (job->state == "failed" || job->state == "cancelled") continue;
          ids.push_back(job->id);
          break;
        }
      }
      return ids;
    }

    // Waits for part `id`, searching it here whenever it is ready to be claimed.
    Result<std::vector<bool>> part_answer(std::int64_t id, const std::string& collection) {
      for (;;) {
        auto claimed = m_seat.desk->claim_job(id, m_seat.worker, m_pool.m_options.lease);
        if (!claimed) return propagate(claimed.error());
        if (*claimed) m_pool.run_claimed(m_seat, std::move(**claimed));
        auto job = m_seat.desk->job(id);
        if (!job) return propagate(job.error());
        if (job->state == "succeeded") return holding_of(*job);
        if (job->state == "failed" || job->state == "cancelled") {
          auto why = m_seat.desk->job_error(*job);
          return fail(ErrorCode::unavailable, "part job #" + std::to_string(id) + " of the search of " + collection +
                                                  " " + job->state + (why && !why->empty() ? ": " + *why : ""));
        }
        if (m_pool.stopping()) return fail(ErrorCode::unavailable, "the worker stopped while other workers searched");
        std::unique_lock lock(m_pool.m_mutex);
        m_pool.m_wake.wait_for(lock, std::chrono::milliseconds{200});
      }
    }

    static Result<std::vector<bool>> holding_of(const JobRecord& job) {
      auto result = nlohmann::json::parse(job.result, nullptr, false);
      if (!result.is_object() || !result["holding"].is_array() || !result["objects"].is_number_unsigned()) {
        return fail(ErrorCode::internal, "part job #" + std::to_string(job.id) + " left no answer");
      }
      std::vector<bool> holding(result["objects"].get<std::size_t>(), false);
      for (const auto& index : result["holding"]) {
        if (!index.is_number_unsigned() || index.get<std::size_t>() >= holding.size()) {
          return fail(ErrorCode::internal, "part job #" + std::to_string(job.id) + " answered for another object");
        }
        holding[index.get<std::size_t>()] = true;
      }
      return holding;
    }

    Impl& m_pool;
    Seat& m_seat;
    std::mutex m_mutex;
  };

  // Renews the lease of every running job (with its progress) every lease / 3.
  void heartbeat_loop(Seat& seat) {
    auto period = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(m_options.lease) / 3,
                                                      std::chrono::milliseconds{100});
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
      m_wake.wait_for(lock, period, [this] { return m_stopping; });
      std::vector<Running> beats;
      for (const auto& [id, running] : m_running) beats.push_back(running);
      lock.unlock();
      for (const auto& beat : beats) {
        if (beat.lost) continue;
        auto renewed = seat.desk->report_job_progress(beat.job, beat.worker, m_options.lease);
        if (!renewed && renewed.error().code == ErrorCode::failed_precondition) mark_lost(beat.job.id);
      }
      lock.lock();
    }
  }

  void track(const JobRecord& job, const std::string& worker) {
    std::lock_guard lock(m_mutex);
    m_running[job.id] = Running{job, worker, false};
  }

  JobRecord untrack(std::int64_t id) {
    std::lock_guard lock(m_mutex);
    JobRecord job = m_running[id].job;
    m_running.erase(id);
    return job;
  }

  void mark_lost(std::int64_t id) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_running.find(id); it != m_running.end()) it->second.lost = true;
  }

  void count(std::int64_t Counts::*which) {
    if (!which) return;
    std::lock_guard lock(m_mutex);
    ++(m_counts.*which);
  }

  bool stopping() {
    std::lock_guard lock(m_mutex);
    return m_stopping;
  }

  WorkerEnvironment m_env;
  std::map<std::string, JobHandler> m_handlers;
  WorkerOptions m_options;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::map<std::int64_t, Running> m_running;
  Counts m_counts;
  std::vector<std::thread> m_threads;
};

WorkerPool::WorkerPool(WorkerEnvironment environment, std::map<std::string, JobHandler> handlers, WorkerOptions options)
    : m_impl(std::make_unique<Impl>(std::move(environment), std::move(handlers), std::move(options))) {}
WorkerPool::~WorkerPool() = default;
Status WorkerPool::start() {
  return m_impl->start();
}
void WorkerPool::stop() {
  m_impl->stop();
}
void WorkerPool::wake() {
  m_impl->wake();
}
Result<int> WorkerPool::drain() {
  return m_impl->drain();
}
WorkerPool::Counts WorkerPool::counts() const {
  return m_impl->counts();
}

}  // namespace maestro
