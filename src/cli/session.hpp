// What every command shares: the global options, the installation (opened on first use), the
// desk, and the streams. Failures are thrown as CommandFailed and turned into an exit status in
// one place (cli.cpp).
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "config/settings.hpp"
#include "datamap/datamap.hpp"
#include "desk/correspondence.hpp"
#include "desk/desk.hpp"

namespace CLI {
class App;
}

namespace maestro {
struct CaseResolution;
struct CaseJobRequest;
struct MailFetchReport;
}  // namespace maestro

namespace maestro::cli {

struct CommandFailed {
  Error error;
  int exit_code = 0;  // 0: derive from the error code
};

[[noreturn]] inline void fail_command(Error error, int exit_code = 0) {
  throw CommandFailed{std::move(error), exit_code};
}

template <typename T>
T must(Result<T> result) {
  if (!result) fail_command(result.error());
  return std::move(*result);
}
inline void must(const Status& status) {
  if (!status) fail_command(status.error());
}

class Session {
 public:
  Session(std::istream& input, std::ostream& output, std::ostream& errors) : in(input), out(output), err(errors) {}

  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  std::string home_option;    // --home
  std::string config_option;  // --config
  std::string actor_option;   // --actor

  // --home and --config, for the commands that open more than the installation.
  SettingsOverrides overrides() const;
  Installation& installation();
  // The data map from `map_option` or maestro.yaml's `datamap:`, loaded once and validated.
  const DataMap& data_map(const std::string& map_option);
  Desk& desk();
  // Letters through the outbox, with the mailer maestro.yaml names (SMTP, or .eml files).
  Correspondence& correspondence();
  const Clock& clock();
  // The operator named in the audit trail: --actor, $MAESTRO_ACTOR, $USER, else "operator".
  std::string actor() const;

 private:
  std::optional<Installation> m_installation;
  std::unique_ptr<Clock> m_clock;
  std::unique_ptr<Desk> m_desk;
  std::unique_ptr<Correspondence> m_correspondence;
  std::optional<DataMap> m_data_map;
};

void add_dsar_commands(CLI::App& app, Session& session);
void add_audit_commands(CLI::App& app, Session& session);
void add_report_commands(CLI::App& app, Session& session);
void add_demo_command(CLI::App& app, Session& session);
void add_data_commands(CLI::App& dsar, Session& session);
void add_erasure_commands(CLI::App& app, CLI::App& dsar, Session& session);
void add_verify_commands(CLI::App& dsar, Session& session);
void add_outbox_commands(CLI::App& app, Session& session);

// Sends a letter of the case to its requester unless `skip`, and says what became of it.
void send_case_letter(Session& s, const CaseView& view, std::string_view letter, const LetterFields& extra = {});
// Sends every letter a case action calls for, in order (desk/case_actions.hpp), and says what
// became of each; a letter that cannot go is a warning (the case change stands).
void send_action_letters(Session& s, const CaseView& view, std::string_view action);
// The closing letter's own fields (desk's Correspondence::closing_fields), failing the command on error.
LetterFields confirmation_fields(Session& s, const CaseView& view, std::string_view letter);
// Prints the case's manual tasks and mails the owners of the newly opened ones.
// Prints the tasks (unless `quiet`: the caller prints JSON) and mails the ones just opened.
void report_manual_tasks(Session& s, const Desk::TaskOpening& opening, bool quiet = false);
void add_task_commands(CLI::App& app, Session& session);
void add_datamap_commands(CLI::App& app, Session& session);
void add_drop_commands(CLI::App& app, Session& session);
// Blocks until SIGINT or SIGTERM, calling `tick` about every 200 ms (long-running commands).
void run_until_stopped(const std::function<void()>& tick);
// maestro jobs ... and maestro worker (cli/job_commands.cpp).
void add_job_commands(CLI::App& app, Session& session);
// "Queued job #N ...": what a command prints when it queues its work for the workers.
void print_queued(Session& s, const JobRecord& job, bool as_json);
// Whether long work goes to the workers (`workers: external` in maestro.yaml): the command then
// queues a job and says so.
bool work_goes_to_workers(Session& s);
// Queues `request` for the case the command would work for (the one given, the subject's open
// verified case, or an ad-hoc case with a verification override), and prints the job. The job
// searches for the subjects and in the tenants the resolution names.
void queue_case_work(Session& s, const maestro::CaseResolution& resolution, maestro::CaseJobRequest request,
                     bool as_json);
// Queues the deliveries of every configured webhook's new events (desk/webhooks.hpp), with
// `deadlines` the due-soon and overdue ones too; returns how many. A failure is printed and
// tried again at the next call.
int dispatch_webhooks_now(Session& s, bool deadlines = true);
// Says when webhooks are to be dispatched in serve and worker: the trail every two seconds, the
// deadlines every minute.
class WebhookTimer {
 public:
  bool due() {
    auto now = std::chrono::steady_clock::now();
    if (now < m_next) return false;
    m_next = now + std::chrono::seconds{2};
    return true;
  }
  bool deadlines_due() {
    auto now = std::chrono::steady_clock::now();
    if (now < m_next_deadlines) return false;
    m_next_deadlines = now + std::chrono::minutes{1};
    return true;
  }
  // One round if due: how many deliveries it queued.
  int tick(Session& s) { return due() ? dispatch_webhooks_now(s, deadlines_due()) : 0; }

 private:
  std::chrono::steady_clock::time_point m_next{}, m_next_deadlines{};
};
// maestro agents import, list, enable, disable (cli/agent_commands.cpp).
void add_agent_commands(CLI::App& app, Session& session);
// maestro mail fetch, list, show, ignore (cli/mail_commands.cpp).
void add_mail_commands(CLI::App& app, Session& session);
// Reads the privacy inbox once (mail fetch, and serve every minute).
Result<maestro::MailFetchReport> fetch_privacy_inbox(Session& s);
// maestro webhooks list, test and dispatch (cli/webhook_commands.cpp).
void add_webhook_commands(CLI::App& app, Session& session);
// maestro serve and maestro token (cli/serve_command.cpp).
void add_serve_commands(CLI::App& app, Session& session);
// maestro store migrate (cli/store_commands.cpp).
void add_store_commands(CLI::App& app, Session& session);
// maestro completion bash, and the hidden maestro manpage (cli/manual.cpp).
void add_manual_commands(CLI::App& app, Session& session);
std::string render_man_page(const CLI::App& app);
std::string render_bash_completion(const CLI::App& app);

}  // namespace maestro::cli
namespace maestro {
struct ErasureOutcome;
}
namespace maestro::cli {
// The preview table, failures and proof of an erasure, as `maestro dsar delete` prints them.
void print_erasure_outcome(std::ostream& out, const maestro::ErasureOutcome& outcome);

}  // namespace maestro::cli
