// maestro serve (the HTTP service with its own worker threads and daily sweep) and maestro token
// (API tokens for machine clients).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include "desk/mail_intake.hpp"
#include "desk/portal.hpp"
#include "jobs/job_handlers.hpp"
#include "server/service.hpp"

namespace maestro::cli {

namespace {

// Queues the day's sweep once it is past `hour` (UTC); the idempotency key makes it once a day,
// however many `maestro serve` processes share the store.
void queue_daily_sweep(Desk& desk, int hour, std::ostream& err) {
  Instant now = desk.clock().now();
  auto since_midnight = now - start_of(date_of(now));
  if (since_midnight < std::chrono::hours{hour}) return;
  auto queued = desk.enqueue_job({"sweep", "", "{}", 3, "daily-sweep-" + format_date(date_of(now))});
  if (!queued) err << "warning: the daily sweep could not be queued: " << queued.error().message << "\n";
}

// Where to go once the service is up, and what a fresh installation still lacks: somebody must be
// able to sign in to the dashboard, and without a data map an export finds nothing.
void print_what_next(Session& s, const std::string& base, bool has_data_map) {
  s.out << "  Requesters' portal:       " << base << "/portal\n"
        << "  Privacy team's dashboard: " << base << "/dashboard\n";
  auto accounts = s.desk().operators();
  bool can_sign_in = accounts && std::ranges::any_of(*accounts, [](const OperatorAccount& a) {
                       return !a.disabled_at && !a.password_hash.empty();
                     });
  if (!can_sign_in) {
    s.out << "There is no operator who can sign in to the dashboard yet. Open an account (it prints a one-time\n"
             "link for its owner to choose a password):\n"
             "  maestro user add --email you@example.com --role dpo\n";
  }
  if (!has_data_map) {
    s.out << "There is no data map (datamap: in maestro.yaml): requests can be taken in, but an export\n"
             "or erasure has no store to search. See docs/configuration.md.\n";
  }
  s.out << std::flush;
}

void add_serve(CLI::App& app, Session& s) {
  struct Options {
    std::string listen = "127.0.0.1:8080", tls_cert, tls_key, access_log;
    unsigned threads = 4;
    int workers = -1;  // unset: 2, or none with `workers: external`
    int sweep_hour = 6;
    bool no_sweep = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("serve", "Run the HTTP service: JSON API, health and metrics, with job workers");
  cmd->add_option("--listen", o->listen,
                  "Address to listen on, HOST:PORT (default: maestro.yaml's server.listen, else 127.0.0.1:8080)");
  cmd->add_option("--threads", o->threads, "Threads answering HTTP requests (default 4)")->check(CLI::Range(1, 256));
  cmd->add_option("--workers", o->workers,
                  "Threads running jobs (default 2, or 0 with 'workers: external' in maestro.yaml; 0: leave them to "
                  "'maestro worker')")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--tls-cert", o->tls_cert, "PEM certificate: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--access-log", o->access_log, "Write the access log (JSON lines) here (default: standard error)");
  cmd->add_option("--sweep-hour", o->sweep_hour, "Hour of the day (UTC) the daily sweep is queued (default 6)")
      ->check(CLI::Range(0, 23));
  cmd->add_flag("--no-daily-sweep", o->no_sweep, "Do not queue the daily sweep (maestro-sweep.timer or cron runs it)");
  cmd->footer(
      "Endpoints: /healthz, /readyz, /metrics (Prometheus), and the JSON API under /api/v1 (docs/api.md), which "
      "needs a bearer token from 'maestro token create'. Exports and erasures started through the API run as "
      "jobs on the worker threads. The access log holds routes, statuses and times, never identifiers, tokens "
      "or form values. Stop with Ctrl-C or SIGTERM: running jobs finish first.\n\nExample:\n"
      "  maestro token create --name ticketing --role operator\n  maestro serve --listen 127.0.0.1:8080");
  cmd->callback([&s, o, cmd] {
    Installation& inst = s.installation();
    // maestro.yaml's server: section gives the defaults; flags win.
    const ServerSettings& configured = inst.settings.server;
    if (!cmd->count("--listen")) o->listen = configured.listen;
    if (!cmd->count("--tls-cert") && !configured.tls_cert.empty()) o->tls_cert = configured.tls_cert.string();
    if (!cmd->count("--tls-key") && !configured.tls_key.empty()) o->tls_key = configured.tls_key.string();
    if (!cmd->count("--sweep-hour")) {
      if (configured.sweep_hour < 0) o->no_sweep = true;
      else o->sweep_hour = configured.sweep_hour;
    }
    const DataMap* map = inst.settings.datamap_file ? &s.data_map("") : nullptr;
    if (!inst.settings.server.portal_questions.empty()) {
      if (!map)
        fail_command(Error{ErrorCode::invalid_argument, "server.portal_questions needs a data map (datamap: in maestro.yaml)"});
      must(check_portal_questions(*map, inst.settings.server.portal_questions));
    }
    std::ofstream log_file;
    if (!o->access_log.empty()) {
      log_file.open(o->access_log, std::ios::app);
      if (!log_file) fail_command(Error{ErrorCode::permission_denied, "cannot write " + o->access_log});
    }
    std::ostream& access_log = o->access_log.empty() ? s.err : log_file;
    auto handlers = standard_job_handlers(inst.settings, map);
    WorkerEnvironment env{[&inst] { return open_store_connection(inst); }, inst.keys.get(), &inst.policy, &s.clock()};
    if (o->workers < 0) o->workers = inst.settings.workers_external ? 0 : 2;
    std::unique_ptr<WorkerPool> pool;
    if (o->workers > 0) {
      pool = std::make_unique<WorkerPool>(
          env, handlers, WorkerOptions{o->workers, std::chrono::seconds{300}, std::chrono::milliseconds{1000}, ""});
      must(pool->start());
    }
    Service service(inst, s.clock(), pool.get(), access_log, map);
    HttpOptions http;
    http.listen = o->listen;
    http.threads = o->threads;
    http.tls_cert_file = o->tls_cert;
    http.tls_key_file = o->tls_key;
    auto server = must(HttpServer::start(http, [&service](const HttpRequest& r) { return service.handle(r); }));
    std::string scheme = o->tls_cert.empty() ? "http" : "https";
    std::string host = o->listen.substr(0, o->listen.rfind(':'));
    std::string base = scheme + "://" + host + ":" + std::to_string(server->port());
    s.out << "Maestro is serving on " << base << "/ (" << o->workers << " job worker(s)); stop with Ctrl-C.\n";
    print_what_next(s, base, map != nullptr);
    auto next_check = std::chrono::steady_clock::now();
    WebhookTimer webhooks;
    run_until_stopped([&] {
      if (webhooks.tick(s) > 0 && pool) pool->wake();
      if (std::chrono::steady_clock::now() < next_check) return;
      if (!o->no_sweep) queue_daily_sweep(s.desk(), o->sweep_hour, s.err);
      if (!inst.settings.imap_url.empty()) {
        auto fetched = fetch_privacy_inbox(s);
        if (!fetched) s.err << "privacy inbox: " << fetched.error().message << " (tried again in a minute)\n";
      }
      if (pool) pool->wake();
      next_check += std::chrono::minutes{1};
    });
    s.out << "Stopping: no new requests; waiting for running jobs to finish...\n" << std::flush;
    server.reset();
    if (pool) pool->stop();
  });
}

void add_tokens(CLI::App& app, Session& s) {
  auto* token = app.add_subcommand("token", "API tokens for machine clients of 'maestro serve'");
  token->require_subcommand(1);
  struct CreateOptions {
    std::string name, role;
    bool json = false;
  };
  auto co = std::make_shared<CreateOptions>();
  auto* create = token->add_subcommand("create", "Create a token bound to a role; it is shown once");
  create->add_option("--name", co->name, "What the client is, e.g. ticketing-bridge")->required();
  create->add_option("--role", co->role, "auditor (reads), operator (runs requests) or dpo (also decides)")->required();
  create->add_flag("--json", co->json, "Print JSON");
  create->footer(
      "Only a keyed hash of the token is stored: keep the printed secret in your client's secret store. Send it "
      "as 'Authorization: Bearer <token>'.");
  create->callback([&s, co] {
    Role role = must(parse_role(co->role));
    NewToken made = must(s.desk().create_token(co->name, role));
    if (co->json) {
      s.out << nlohmann::json{{"id", made.token.id},
                              {"name", made.token.name},
                              {"role", made.token.role},
                              {"token", made.secret}}
                   .dump(2)
            << "\n";
      return;
    }
    s.out << "Token #" << made.token.id << " '" << made.token.name << "' (" << made.token.role << "), shown once:\n  "
          << made.secret << "\n";
  });
  auto* list = token->add_subcommand("list", "List tokens (never their secrets)");
  list->callback([&s] {
    for (const auto& t : must(s.desk().tokens())) {
      s.out << "#" << t.id << "  " << t.name << "  " << t.role << "  created " << format_instant(t.created_at) << " by "
            << t.created_by << (t.revoked_at ? "  REVOKED " + format_instant(*t.revoked_at) : "") << "\n";
    }
  });
  auto id = std::make_shared<std::int64_t>(0);
  auto* revoke = token->add_subcommand("revoke", "Revoke a token: it stops working at once");
  revoke->add_option("id", *id, "The token number (token list)")->required();
  revoke->callback([&s, id] {
    must(s.desk().revoke_token(*id));
    s.out << "Token #" << *id << " revoked.\n";
  });
}

// The address mailed and printed links use: server.public_url, else the listening address.
std::string public_url(const Settings& settings) {
  if (!settings.server.public_url.empty()) return settings.server.public_url;
  bool tls = !settings.server.tls_cert.empty();
  return std::string(tls ? "https://" : "http://") + settings.server.listen;
}

// Reads the password from standard input (never from the command line, where `ps` shows it).
std::string password_from_stdin(Session& s) {
  std::string password;
  std::getline(s.in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

void print_password_link(Session& s, const NewOperator& made, bool json) {
  std::string link = public_url(s.installation().settings) + "/dashboard/password?link=" + made.link_secret;
  if (json) {
    s.out << nlohmann::json{{"id", made.account.id}, {"email", made.account.email}, {"role", made.account.role},
                            {"password_link", link}}
                 .dump(2)
          << "\n";
    return;
  }
  s.out << "Account #" << made.account.id << " " << made.account.email << " (" << made.account.role
        << "). Send its owner this one-time link to choose a password (valid 72 hours, works once):\n  " << link
        << "\n";
}

void add_users(CLI::App& app, Session& s) {
  auto* user = app.add_subcommand("user", "Accounts of the privacy team for the dashboard of 'maestro serve'");
  user->require_subcommand(1);
  struct AddOptions {
    std::string email, role;
    bool json = false, password_stdin = false;
  };
  auto ao = std::make_shared<AddOptions>();
  auto* add = user->add_subcommand("add", "Open an account; prints a one-time link for its owner to set a password");
  add->add_option("--email", ao->email, "The person's work email address (their sign-in name)")->required();
  add->add_option("--role", ao->role,
                  "auditor (reads everything, changes nothing), operator (runs requests) or dpo (also refuses "
                  "requests, overrides verification, approves in review, releases holds)")
      ->required();
  add->add_flag("--json", ao->json, "Print JSON");
  add->add_flag("--password-stdin", ao->password_stdin,
                "Set the password now from the first line of standard input (scripts, the demo) instead of a link");
  add->footer(
      "Passwords are chosen by their owner through the link and stored as Argon2id hashes; Maestro never sees "
      "them in a command line or a file. The link's address comes from maestro.yaml's server.public_url.\n\n"
      "Example:\n  maestro user add --email olivia@example.com --role operator");
  add->callback([&s, ao] {
    Role role = must(parse_role(ao->role));
    if (!ao->password_stdin) return print_password_link(s, must(s.desk().add_operator(ao->email, role)), ao->json);
    OperatorAccount account = must(s.desk().add_operator_with_password(ao->email, role, password_from_stdin(s)));
    s.out << "Account #" << account.id << " " << account.email << " (" << account.role << ") can sign in.\n";
  });
  auto* list = user->add_subcommand("list", "List accounts: role, state, failed sign-ins");
  list->callback([&s] {
    for (const auto& a : must(s.desk().operators())) {
      std::string state = a.disabled_at                ? "disabled " + format_instant(*a.disabled_at)
                          : a.password_hash.empty()    ? "waiting for its password"
                          : a.locked_until             ? "locked until " + format_instant(*a.locked_until)
                                                       : "active";
      s.out << "#" << a.id << "  " << a.email << "  " << a.role << "  " << state << "  (created "
            << format_instant(a.created_at) << " by " << a.created_by << ")\n";
    }
  });
  auto email = std::make_shared<std::string>();
  auto* disable = user->add_subcommand("disable", "Disable an account: its sessions end at once");
  disable->add_option("--email", *email, "The account's email address")->required();
  disable->callback([&s, email] {
    must(s.desk().disable_operator(*email));
    s.out << "Account " << *email << " disabled; its sessions have ended.\n";
  });
  auto reset_email = std::make_shared<std::string>();
  auto reset_stdin = std::make_shared<bool>(false);
  auto* reset = user->add_subcommand("password-link", "A new one-time link to set a password (forgotten password)");
  reset->add_option("--email", *reset_email, "The account's email address")->required();
  reset->add_flag("--password-stdin", *reset_stdin, "Set the password now from standard input instead");
  reset->callback([&s, reset_email, reset_stdin] {
    NewOperator made = must(s.desk().password_link(*reset_email));
    if (!*reset_stdin) return print_password_link(s, made, false);
    must(s.desk().set_password(made.link_secret, password_from_stdin(s)));
    s.out << "Password of " << made.account.email << " set.\n";
  });
}

}  // namespace

void add_serve_commands(CLI::App& app, Session& s) {
  add_serve(app, s);
  add_tokens(app, s);
  add_users(app, s);
}

}  // namespace maestro::cli
