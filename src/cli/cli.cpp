#include "cli/cli.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/session.hpp"
#include "common/build_info.hpp"

namespace maestro::cli {

namespace {

// Exit statuses, documented in docs/cli.md.
int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 2;
    case ErrorCode::not_found: return 3;
    case ErrorCode::failed_precondition:
    case ErrorCode::already_exists: return 4;
    case ErrorCode::unavailable: return 5;
    case ErrorCode::data_loss: return 6;
    case ErrorCode::permission_denied: return 7;
    case ErrorCode::internal: return 70;
  }
  return 70;
}

std::unique_ptr<Clock> make_clock(std::ostream& err) {
  // MAESTRO_NOW pins "now" for rehearsals and tests (e.g. to replay a case at a past date).
  if (const char* pinned = std::getenv("MAESTRO_NOW"); pinned && *pinned) {
    auto at = parse_instant(pinned);
    if (!at) fail_command(Error{ErrorCode::invalid_argument, "MAESTRO_NOW: " + at.error().message});
    (void)err;
    return std::make_unique<FixedClock>(*at);
  }
  return std::make_unique<SystemClock>();
}

}  // namespace

SettingsOverrides Session::overrides() const {
  SettingsOverrides o;
  if (!home_option.empty()) o.home = home_option;
  if (!config_option.empty()) o.config = config_option;
  return o;
}

Installation& Session::installation() {
  if (!m_installation) {
    m_installation.emplace(must(open_installation(overrides())));
    for (const auto& warning : m_installation->settings.warnings) err << "warning: " << warning << "\n";
  }
  return *m_installation;
}

const DataMap& Session::data_map(const std::string& map_option) {
  if (m_data_map) return *m_data_map;
  const Settings& settings = installation().settings;
  std::optional<std::filesystem::path> file = settings.datamap_file;
  if (!map_option.empty()) file = map_option;
  if (!file) {
    fail_command(Error{ErrorCode::failed_precondition,
                       "no data map: give --map FILE or set 'datamap:' in maestro.yaml (see docs/datamap.md)"});
  }
  std::optional<Taxonomy> taxonomy;
  if (settings.taxonomy_file) taxonomy = must(Taxonomy::load(*settings.taxonomy_file));
  m_data_map = must(load_data_map(*file, taxonomy ? &*taxonomy : nullptr));
  return *m_data_map;
}

const Clock& Session::clock() {
  if (!m_clock) m_clock = make_clock(err);
  return *m_clock;
}

std::string Session::actor() const {
  if (!actor_option.empty()) return actor_option;
  for (const char* name : {"MAESTRO_ACTOR", "USER", "LOGNAME"}) {
    if (const char* value = std::getenv(name); value && *value) return value;
  }
  return "operator";
}

Desk& Session::desk() {
  if (!m_desk) {
    Installation& inst = installation();
    m_desk = std::make_unique<Desk>(*inst.store, *inst.keys, inst.policy, clock(), actor());
  }
  return *m_desk;
}

Correspondence& Session::correspondence() {
  if (!m_correspondence) {
    m_correspondence = must(Correspondence::open(desk(), installation().settings));
  }
  return *m_correspondence;
}

namespace {
volatile std::sig_atomic_t g_stop_requested = 0;
extern "C" void request_stop(int) {
  g_stop_requested = 1;
}
}  // namespace

void run_until_stopped(const std::function<void()>& tick) {
  g_stop_requested = 0;
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  while (!g_stop_requested) {
    tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int run(int argc, char** argv, std::istream& in, std::ostream& out, std::ostream& err) {
  Session session(in, out, err);
  CLI::App app{
      "Maestro handles data subject requests (GDPR, UK GDPR, CCPA and more): it logs each request as a "
      "case with its legal deadlines, tracks identity checks and every step, and keeps a tamper-evident "
      "audit trail.",
      "maestro"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("maestro ") + version() + " (git " + git_revision() + ")");
  app.add_option("--home", session.home_option, "Folder for Maestro's state (default: $MAESTRO_HOME, else ./.maestro)");
  app.add_option("--config", session.config_option,
                 "A maestro.yaml to use (default: $MAESTRO_CONFIG, else <home>/maestro.yaml if present)");
  app.add_option("--actor", session.actor_option,
                 "Who is acting, for the audit trail (default: $MAESTRO_ACTOR, else $USER)");
  add_dsar_commands(app, session);
  add_audit_commands(app, session);
  add_report_commands(app, session);
  add_demo_command(app, session);
  add_outbox_commands(app, session);
  add_task_commands(app, session);
  add_datamap_commands(app, session);
  add_drop_commands(app, session);
  add_job_commands(app, session);
  add_serve_commands(app, session);
  add_store_commands(app, session);
  add_webhook_commands(app, session);
  add_agent_commands(app, session);
  add_mail_commands(app, session);
  add_manual_commands(app, session);
  app.footer("Run 'maestro COMMAND --help' for a command's options. Documentation: docs/cli.md");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --version
      out << e.what() << "\n";
      return 0;
    }
    // CLI11 reports a mistyped command as a missing one; name the word it did not know.
    std::vector<std::string> unknown = app.remaining();
    if (!unknown.empty())
      err << "maestro: error: unknown command or argument '" << unknown.front() << "'\n";
    else
      err << "maestro: error: " << e.what() << "\n";
    err << "Run with --help for usage.\n";
    return 2;
  } catch (const CommandFailed& failure) {
    out.flush();
    err << "maestro: error: " << failure.error.message << "\n";
    return failure.exit_code != 0 ? failure.exit_code : exit_code_for(failure.error.code);
  } catch (const std::exception& e) {
    err << "maestro: internal error: " << e.what() << "\n";
    return 70;
  }
  return 0;
}

}  // namespace maestro::cli
