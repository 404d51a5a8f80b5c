// maestro jobs (queue, list, show, cancel) and maestro worker: long work run in the background,
// by worker threads or by worker processes on other machines sharing the case store.
#include <CLI/CLI.hpp>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include "desk/case_jobs.hpp"
#include "desk/case_resolution.hpp"
#include "desk/json_views.hpp"
#include "desk/drp.hpp"
#include "desk/webhooks.hpp"
#include "jobs/job_handlers.hpp"

namespace maestro::cli {

namespace {

using nlohmann::json;

std::string job_line(const JobRecord& j) {
  std::string progress = j.progress_total > 0 ? " " + std::to_string(j.progress_done) + "/" +
                                                    std::to_string(j.progress_total) + " " + j.progress_note
                                              : "";
  return "#" + std::to_string(j.id) + "  " + j.kind + "  " + (j.case_number.empty() ? "-" : j.case_number) + "  " +
         j.state + (j.state == "running" && !j.lease_owner.empty() ? " on " + j.lease_owner : "") + " (attempt " +
         std::to_string(j.attempts) + " of " + std::to_string(j.max_attempts) + ")" + progress;
}

void add_queue(CLI::App& jobs, Session& s) {
  struct Options {
    std::string kind, case_number, destination, formats, key;
    std::vector<std::string> subjects, tenants, corrections;
    bool notify = false, lift = false, json = false, allow_incomplete = false;
    int attempts = 3;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = jobs.add_subcommand("queue",
                                  "Queue long work for a worker: locate, export, erase, rectify, restrict, object, "
                                  "send-letters, sweep, drop-match, "
                                  "export-batch, erase-batch");
  cmd->add_option("kind", o->kind,
                  "locate, export, erase, rectify, restrict, object, send-letters, sweep, drop-match (DROP's lists), "
                  "export-batch (every case waiting for its package) or erase-batch (every erasure that is due, "
                  "together)")
      ->required();
  cmd->add_option(
      "--case", o->case_number,
      "The case the work is for (needed by every kind but send-letters, sweep, drop-match, export-batch and "
      "erase-batch; an "
      "export may name "
      "--subject instead)");
  cmd->add_option("--subject", o->subjects, "An identifier of the person, KIND:VALUE (default: the case's)");
  cmd->add_option("--out", o->destination, "export, export-batch: the folder or s3://bucket/prefix/ to deliver to");
  cmd->add_option("--format", o->formats, "export: files in the package: json,csv,html,pdf (default: the requester's choice, else json,csv,html)");
  cmd->add_option("--tenant", o->tenants, "Only this tenant (repeatable)");
  cmd->add_flag("--notify", o->notify, "(accepted for old scripts) letters go when the DPO approves the case: dsar fulfil");
  cmd->add_flag("--allow-incomplete", o->allow_incomplete,
                "export: stage the package even when a store cannot be searched (it says so); default: wait and retry");
  cmd->add_option("--set", o->corrections, "rectify: a correction COLLECTION.FIELD=VALUE (repeatable)");
  cmd->add_flag("--lift", o->lift, "restrict, object: end the restriction or objection instead");
  cmd->add_option("--attempts", o->attempts, "How often a passing failure is tried (default 3)")
      ->check(CLI::Range(1, 20));
  cmd->add_option("--idempotency-key", o->key, "Queue at most once per key (a second call returns the first job)");
  cmd->add_flag("--json", o->json, "Print the job as JSON");
  cmd->footer(
      "The job runs in 'maestro worker' (or 'maestro serve') as the same command would: an export job stages the "
      "package for review and seals its password with the case, since no one sees a terminal; approving the case "
      "(dsar fulfil) sends the fulfilment letter, then the password in a letter of its own. A store that "
      "cannot be reached is tried again later (30 s, 1 min, 2 min ...); the work resumes where it stopped.\n\n"
      "Examples:\n  maestro jobs queue export --case DSAR-2026-001 --out exports/DSAR-2026-001/\n"
      "  maestro jobs queue rectify --case DSAR-2026-002 --set 'customers.phone=+44 20 7946 0000'\n"
      "  maestro jobs queue locate --case DSAR-2026-003\n"
      "  maestro jobs queue export-batch --out exports/ --notify\n"
      "  maestro jobs queue erase-batch");
  cmd->callback([&s, o] {
    if (o->kind == "scan-objects")
      fail_command(Error{ErrorCode::invalid_argument,
                         "scan-objects jobs are parts of a worker's own search of an s3 prefix: workers queue them"});
    const auto& case_kinds = case_job_kinds();
    bool case_work = std::find(case_kinds.begin(), case_kinds.end(), o->kind) != case_kinds.end();
    if (case_work && !o->case_number.empty()) {
      // The same checks and parameters as the API and the dashboard.
      CaseJobRequest request;
      request.kind = o->kind;
      if (o->kind == "export") {
        request.destination = o->destination;
        request.formats = o->formats;
        request.notify = o->notify;
        request.allow_incomplete = o->allow_incomplete;
      }
      request.tenants = o->tenants;
      request.subjects = o->subjects;
      request.corrections = o->corrections;
      request.lift = o->lift;
      request.attempts = o->attempts;
      request.idempotency_key = o->key;
      print_queued(s, must(queue_case_job(s.desk(), o->case_number, request)), o->json);
      return;
    }
    if (case_work && o->kind != "export")
      fail_command(Error{ErrorCode::invalid_argument, "a " + o->kind + " job needs --case"});
    json p = json::object();
    if (!o->case_number.empty()) p["case"] = o->case_number;
    if (!o->subjects.empty()) p["subjects"] = o->subjects;
    if (!o->tenants.empty()) p["tenants"] = o->tenants;
    if (o->kind == "export" || o->kind == "export-batch") {
      if (o->destination.empty())
        fail_command(Error{ErrorCode::invalid_argument, "an " + o->kind + " job needs --out"});
      p["destination"] = o->destination;
      if (!o->formats.empty()) p["formats"] = o->formats;
      p["notify"] = o->notify;
      if (o->allow_incomplete) p["allow_incomplete"] = true;
    }
    if ((o->kind == "export" || o->kind == "erase") && o->case_number.empty()) {
      fail_command(Error{ErrorCode::invalid_argument, "an " + o->kind + " job needs --case"});
    }
    print_queued(s, must(s.desk().enqueue_job({o->kind, o->case_number, p.dump(), o->attempts, o->key})), o->json);
  });
}

void add_list_show_cancel(CLI::App& jobs, Session& s) {
  struct ListOptions {
    std::string case_number, state;
    int limit = 50;
    bool json = false;
  };
  auto lo = std::make_shared<ListOptions>();
  auto* list = jobs.add_subcommand("list", "List jobs, newest first");
  list->add_option("--case", lo->case_number, "Only this case's jobs");
  list->add_option("--state", lo->state, "Only jobs in this state")
      ->check(CLI::IsMember({"queued", "running", "succeeded", "failed", "cancelled"}));
  list->add_option("--limit", lo->limit, "At most this many (default 50)")->check(CLI::Range(1, 1000));
  list->add_flag("--json", lo->json, "Print JSON");
  list->callback([&s, lo] {
    auto found = must(s.desk().jobs(lo->case_number, lo->state, lo->limit));
    if (lo->json) {
      s.out << jobs_json(s.desk(), found) << "\n";
      return;
    }
    for (const auto& j : found) s.out << job_line(j) << "\n";
    if (found.empty()) s.out << "(no jobs)\n";
  });

  auto id = std::make_shared<std::int64_t>(0);
  auto as_json = std::make_shared<bool>(false);
  auto* show = jobs.add_subcommand("show", "One job: state, attempts, progress, result or error");
  show->add_option("id", *id, "The job number")->required();
  show->add_flag("--json", *as_json, "Print JSON");
  show->callback([&s, id, as_json] {
    JobRecord j = must(s.desk().job(*id));
    json view = json::parse(job_json(s.desk(), j));
    if (*as_json) {
      s.out << view.dump(2) << "\n";
      return;
    }
    s.out << job_line(j) << "\n";
    if (view.contains("worker")) s.out << "  worker: " << view["worker"].get<std::string>() << "\n";
    if (view.contains("retry_at")) s.out << "  next try: " << view["retry_at"].get<std::string>() << "\n";
    if (view.contains("result")) s.out << "  result: " << view["result"].dump() << "\n";
    if (view.contains("error")) s.out << "  error: " << view["error"].get<std::string>() << "\n";
  });

  auto cancel_id = std::make_shared<std::int64_t>(0);
  auto* cancel = jobs.add_subcommand("cancel", "Cancel a job that has not started");
  cancel->add_option("id", *cancel_id, "The job number")->required();
  cancel->callback([&s, cancel_id] {
    JobRecord j = must(s.desk().cancel_job(*cancel_id));
    s.out << "Cancelled job " << job_line(j) << "\n";
  });
}

void add_worker(CLI::App& app, Session& s) {
  struct Options {
    int threads = 2;
    int lease = 300;
    bool once = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("worker", "Run queued jobs (exports, erasures, letters, sweeps) until stopped");
  cmd->add_option("--threads", o->threads, "Jobs run at once (default 2)")->check(CLI::Range(1, 64));
  cmd->add_option("--lease", o->lease,
                  "Seconds a job is held without a heartbeat before another worker may "
                  "take it over (default 300)")
      ->check(CLI::Range(10, 86400));
  cmd->add_flag("--once", o->once, "Run every ready job, then exit");
  cmd->footer(
      "Several workers, on this machine or others sharing the case store, may run at once: each job is claimed "
      "by one of them and leased; a worker that dies leaves its job to another once the lease runs out. Stop "
      "with Ctrl-C or SIGTERM: running jobs finish first.");
  cmd->callback([&s, o] {
    Installation& inst = s.installation();
    const DataMap* map = inst.settings.datamap_file ? &s.data_map("") : nullptr;
    auto handlers = standard_job_handlers(inst.settings, map);
    WorkerEnvironment env{[&inst] { return open_store_connection(inst); }, inst.keys.get(), &inst.policy, &s.clock()};
    WorkerOptions options{o->threads, std::chrono::seconds{o->lease}, std::chrono::milliseconds{1000}, ""};
    WorkerPool pool(env, handlers, options);
    if (o->once) {
      dispatch_webhooks_now(s);
      int ran = must(pool.drain());
      auto c = pool.counts();
      s.out << ran << " job(s) run: " << c.succeeded << " succeeded, " << c.retried << " to retry, " << c.failed
            << " failed\n";
      return;
    }
    must(pool.start());
    s.out << "Worker running " << o->threads << " thread(s); stop with Ctrl-C.\n" << std::flush;
    WebhookTimer webhooks;
    run_until_stopped([&] {
      if (webhooks.tick(s) > 0) pool.wake();
    });
    s.out << "Stopping: waiting for running jobs to finish...\n" << std::flush;
    pool.stop();
    auto c = pool.counts();
    s.out << c.succeeded << " succeeded, " << c.retried << " to retry, " << c.failed << " failed\n";
  });
}

}  // namespace

void print_queued(Session& s, const JobRecord& job, bool as_json) {
  if (as_json)
    s.out << job_json(s.desk(), job) << "\n";
  else
    s.out << "Queued job " << job_line(job) << "\nRun 'maestro worker' (or 'maestro serve') to process it; "
          << "follow it with 'maestro jobs show " << job.id << "'.\n";
}

bool work_goes_to_workers(Session& s) {
  return s.installation().settings.workers_external;
}

void queue_case_work(Session& s, const CaseResolution& resolution, CaseJobRequest request, bool as_json) {
  request.tenants = resolution.tenants;
  request.subjects = resolution.subjects;
  auto given = must(parse_subjects(resolution.subjects));
  ResolvedCase resolved = must(resolve_working_case(s.desk(), resolution, given));
  print_queued(s, must(queue_case_job(s.desk(), resolved.view.c.number, request)), as_json);
}

int dispatch_webhooks_now(Session& s, bool deadlines) {
  int total = 0;
  // Authorized agents' status callbacks: one job per change of a request's DRP status.
  if (!s.installation().settings.agents.business_id.empty()) {
    auto callbacks = dispatch_agent_callbacks(s.desk(), s.installation().settings);
    if (!callbacks)
      s.err << "agent status callbacks: " << callbacks.error().message << " (tried again shortly)\n";
    else
      total += *callbacks;
  }
  const auto& hooks = s.installation().settings.webhooks;
  if (hooks.empty()) return total;
  auto queued = dispatch_webhooks(s.desk(), hooks, deadlines);
  if (!queued) {
    s.err << "webhooks: " << queued.error().message << " (tried again shortly)\n";
    return total;
  }
  return total + queued->queued;
}

void add_job_commands(CLI::App& app, Session& s) {
  auto* jobs = app.add_subcommand("jobs", "Background work: queue it, follow it, cancel it");
  jobs->require_subcommand(1);
  add_queue(*jobs, s);
  add_list_show_cancel(*jobs, s);
  add_worker(app, s);
}

}  // namespace maestro::cli
