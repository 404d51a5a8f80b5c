#include "server/service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>

#include "desk/case_jobs.hpp"
#include "desk/drp.hpp"
#include "desk/json_views.hpp"
#include "server/api_cases.hpp"
#include "server/dashboard.hpp"
#include "server/portal.hpp"
#include "server/web_support.hpp"
#include "server/api_support.hpp"

namespace maestro {

namespace {

using nlohmann::json;
using Clockwork = std::chrono::steady_clock;

// Connections to the case store, one per request at a time (a CaseStore is single-threaded).
class StorePool {
 public:
  explicit StorePool(const Installation& installation) : m_installation(installation) {}

  class Lease {
   public:
    Lease(StorePool& pool, std::unique_ptr<CaseStore> store) : m_pool(pool), m_store(std::move(store)) {}
    ~Lease() {
      if (m_store) m_pool.give_back(std::move(m_store));
    }
    Lease(Lease&&) = default;
    CaseStore& operator*() { return *m_store; }

   private:
    StorePool& m_pool;
    std::unique_ptr<CaseStore> m_store;
  };

  Result<Lease> borrow() {
    {
      std::lock_guard lock(m_mutex);
      if (!m_free.empty()) {
        auto store = std::move(m_free.back());
        m_free.pop_back();
        return Lease(*this, std::move(store));
      }
    }
    auto store = open_store_connection(m_installation);
    if (!store) return propagate(store.error());
    return Lease(*this, std::move(*store));
  }

 private:
  void give_back(std::unique_ptr<CaseStore> store) {
    std::lock_guard lock(m_mutex);
    m_free.push_back(std::move(store));
  }

  const Installation& m_installation;
  std::mutex m_mutex;
  std::vector<std::unique_ptr<CaseStore>> m_free;
};

// Request counts and latency per route for /metrics: route patterns only, never paths with
// case numbers or queries in them.
class HttpMetrics {
 public:
  static constexpr std::array<double, 10> k_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};

  void record(const std::string& route, const std::string& method, int status, double seconds) {
    std::lock_guard lock(m_mutex);
    ++m_requests[{route, method, status}];
    Histogram& h = m_latency[route];
    for (std::size_t i = 0; i < k_buckets.size(); ++i) {
      if (seconds <= k_buckets[i]) ++h.buckets[i];
    }
    ++h.count;
    h.sum += seconds;
  }

  void write(std::ostream& out) const {
    std::lock_guard lock(m_mutex);
    out << "# HELP maestro_http_requests_total HTTP requests by route, method and status.\n"
        << "# TYPE maestro_http_requests_total counter\n";
    for (const auto& [key, n] : m_requests) {
      out << "maestro_http_requests_total{route=\"" << std::get<0>(key) << "\",method=\"" << std::get<1>(key)
          << "\",status=\"" << std::get<2>(key) << "\"} " << n << "\n";
    }
    out << "# HELP maestro_http_request_duration_seconds Time to answer, by route.\n"
        << "# TYPE maestro_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : m_latency) {
      for (std::size_t i = 0; i < k_buckets.size(); ++i) {
        out << "maestro_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << k_buckets[i] << "\"} "
            << h.buckets[i] << "\n";
      }
      out << "maestro_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << "\n"
          << "maestro_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n"
          << "maestro_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
    }
  }

 private:
  struct Histogram {
    std::array<std::uint64_t, k_buckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex m_mutex;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> m_requests;
  std::map<std::string, Histogram> m_latency;
};

}  // namespace

class Service::Impl {
 public:
  Impl(const Installation& installation, const Clock& clock, WorkerPool* pool, std::ostream& access_log,
       const DataMap* map)
      : m_installation(installation), m_clock(clock), m_pool(pool), m_map(map), m_stores(installation),
        m_access_log(access_log) {}

  HttpResponse handle(const HttpRequest& request) {
    auto started = Clockwork::now();
    std::string route = "unmatched";
    HttpResponse response = dispatch(request, route);
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Cache-Control", "no-store");
    // Under TLS (ours, or a trusted proxy's), browsers are told to never come back over plain HTTP.
    if (request.tls || effective_client(request, m_installation.settings.server.trusted_proxies).second)
      response.headers.emplace_back("Strict-Transport-Security", "max-age=31536000");
    double seconds = std::chrono::duration<double>(Clockwork::now() - started).count();
    m_metrics.record(route, request.method, response.status, seconds);
    log_access(request.method, route, response, seconds);
    return response;
  }

 private:
  HttpResponse dispatch(const HttpRequest& r, std::string& route) {
    if (r.body_too_large) {
      route = "too-large";
      return problem(413, "the request body is larger than the server accepts");
    }
    if (!r.malformed.empty()) {
      route = "malformed";
      return problem(400, r.malformed);
    }
    auto parts = split_path(r.path);
    for (const auto& p : parts) {
      if (p == ".." || p == ".") return problem(404, "no such resource");
    }
    if (parts.size() == 1 && parts[0] == "healthz") {
      route = "/healthz";
      return only_get(r, [&] { return healthz(); });
    }
    if (parts.size() == 1 && parts[0] == "readyz") {
      route = "/readyz";
      return only_get(r, [&] { return readyz(); });
    }
    if (parts.size() == 1 && parts[0] == "metrics") {
      route = "/metrics";
      return only_get(r, [&] { return metrics(); });
    }
    if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "v1") return api(r, parts, route);
    if (auto answered = drp(r, route)) return std::move(*answered);
    if (parts.empty()) {
      route = "/";
      return redirect_to("/dashboard");
    }
    if (parts[0] == "portal") {
      auto store = m_stores.borrow();
      if (!store) return problem(503, store.error().message);
      auto [client, secure] = effective_client(r, m_installation.settings.server.trusted_proxies);
      (void)client;
      return m_portal.handle(r, **store, secure || r.tls, route);
    }
    if (parts[0] == "dashboard" || r.path == "/static/maestro.css") {
      auto store = m_stores.borrow();
      if (!store) return problem(503, store.error().message);
      auto [client, secure] = effective_client(r, m_installation.settings.server.trusted_proxies);
      return m_dashboard.handle(r, **store, client, secure || r.tls, route);
    }
    return problem(404, "no such resource");
  }

  template <typename F>
  HttpResponse only_get(const HttpRequest& r, F&& answer) {
    if (r.method != "GET" && r.method != "HEAD") return problem(405, "use GET");
    return answer();
  }

  HttpResponse healthz() { return json_response(200, R"({"status":"ok"})"); }

  HttpResponse readyz() {
    auto store = m_stores.borrow();
    if (!store) return problem(503, "the case store cannot be opened: " + store.error().message);
    auto probe = (**store).load_jobs("", "", 1);
    if (!probe) return problem(503, "the case store does not answer: " + probe.error().message);
    return json_response(200, R"({"status":"ready"})");
  }

  HttpResponse metrics() {
    auto store = m_stores.borrow();
    if (!store) return problem(503, store.error().message);
    Desk desk(**store, *m_installation.keys, m_installation.policy, m_clock, "metrics");
    std::ostringstream out;
    auto counts = desk.queue_counts(7);
    if (!counts) return problem(counts.error());
    out << "# HELP maestro_cases Cases by state.\n# TYPE maestro_cases gauge\n";
    for (const auto& [state, n] : counts->by_state) out << "maestro_cases{state=\"" << state << "\"} " << n << "\n";
    out << "# HELP maestro_cases_overdue Open cases past their legal due date.\n# TYPE maestro_cases_overdue gauge\n"
        << "maestro_cases_overdue " << counts->overdue << "\n"
        << "# HELP maestro_cases_due_within_7_days Open cases due in the next 7 days, not yet overdue.\n"
        << "# TYPE maestro_cases_due_within_7_days gauge\nmaestro_cases_due_within_7_days " << counts->due_soon << "\n";
    std::int64_t waiting = counts->letters_waiting;  // counted in SQL, not by reading the outbox
    out << "# HELP maestro_letters_waiting Letters waiting to be sent or retried.\n"
        << "# TYPE maestro_letters_waiting gauge\nmaestro_letters_waiting " << waiting << "\n";
    auto jobs = (**store).count_jobs();
    if (!jobs) return problem(jobs.error());
    out << "# HELP maestro_jobs Jobs by state.\n# TYPE maestro_jobs gauge\n";
    for (const char* state : {"queued", "running", "succeeded", "failed", "cancelled"}) {
      auto it = jobs->find(state);
      out << "maestro_jobs{state=\"" << state << "\"} " << (it == jobs->end() ? 0 : it->second) << "\n";
    }
    m_metrics.write(out);
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", out.str(), {}};
  }

  // The token of an `Authorization: Bearer <token>` header, or "" when there is none. The
  // scheme's name is case-insensitive (RFC 9110 11.1): "bearer" is as good as "Bearer".
  static std::string bearer_token(const HttpRequest& r) {
    auto header = r.headers.find("authorization");
    if (header == r.headers.end()) return "";
    const std::string& value = header->second;
    bool is_bearer = value.size() > 7 && value[6] == ' ' &&
                     std::equal(value.begin(), value.begin() + 6, "bearer", [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) == b;
                     });
    return is_bearer ? value.substr(7) : "";
  }

  // The Data Rights Protocol under agents.base_path (desk/drp.hpp); null when the path is not there.
  std::optional<HttpResponse> drp(const HttpRequest& r, std::string& route) {
    const AgentSettings& agents = m_installation.settings.agents;
    if (agents.business_id.empty() || !r.path.starts_with(agents.base_path + "/")) return std::nullopt;
    auto parts = split_path(r.path.substr(agents.base_path.size()));
    auto store = m_stores.borrow();
    if (!store) return problem(503, store.error().message);
    Desk desk(**store, *m_installation.keys, m_installation.policy, m_clock, "agent");
    DrpService service(desk, m_installation.settings);
    auto answer = [](const DrpReply& reply) {
      return HttpResponse{reply.status, "application/json", reply.body, {}};
    };
    std::string token = bearer_token(r);
    if (parts.size() == 3 && parts[0] == "v1" && parts[1] == "agent") {
      route = agents.base_path + "/v1/agent/{id}";
      if (r.method == "POST") return answer(service.key_setup(parts[2], r.body));
      if (r.method == "GET") return answer(service.agent_check(parts[2], token));
      return answer({405, R"({"code":"405","message":"use POST or GET","fatal":false})"});
    }
    if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "data-rights-request") {
      route = agents.base_path + "/v1/data-rights-request";
      if (r.method == "POST") return answer(service.exercise(token, r.body));
      return answer({405, R"({"code":"405","message":"use POST","fatal":false})"});
    }
    if (parts.size() == 3 && parts[0] == "v1" && parts[1] == "data-rights-request") {
      route = agents.base_path + "/v1/data-rights-request/{id}";
      if (r.method == "GET") return answer(service.status(token, parts[2]));
      if (r.method == "DELETE") return answer(service.revoke(token, parts[2], r.body));
      return answer({405, R"({"code":"405","message":"use GET or DELETE","fatal":false})"});
    }
    route = agents.base_path + " (unknown)";
    return answer({404, R"({"code":"404","message":"no such DRP endpoint","fatal":false})"});
  }

  Result<Caller> authenticate(const HttpRequest& r, Desk& desk) {
    std::string bearer = bearer_token(r);
    if (bearer.empty()) {
      return fail(ErrorCode::permission_denied, "401:send 'Authorization: Bearer <token>' (maestro token create)");
    }
    auto token = desk.authenticate_token(bearer);
    if (!token) return propagate(token.error());
    if (!*token) return fail(ErrorCode::permission_denied, "401:the token is unknown or revoked");
    auto role = parse_role((*token)->role);
    if (!role) return propagate(role.error());
    return Caller{(*token)->name, *role};
  }

  HttpResponse api(const HttpRequest& r, const std::vector<std::string>& parts, std::string& route) {
    if (parts.size() == 3 && parts[2] == "openapi.json") {
      route = "/api/v1/openapi.json";
      if (r.method != "GET" && r.method != "HEAD") return problem(405, "use GET");
      return json_response(200, web_file("openapi.json"));
    }
    auto store = m_stores.borrow();
    if (!store) return problem(503, store.error().message);
    Desk anonymous(**store, *m_installation.keys, m_installation.policy, m_clock, "api");
    auto caller = authenticate(r, anonymous);
    route = "/api/v1/" + (parts.size() > 2 ? parts[2] : std::string());
    if (!caller) {
      const std::string& message = caller.error().message;
      if (message.starts_with("401:")) return problem(401, message.substr(4));
      return problem(caller.error());
    }
    Desk desk(**store, *m_installation.keys, m_installation.policy, m_clock, "token:" + caller->name);
    std::vector<std::string> rest(parts.begin() + 2, parts.end());
    auto need = [&](Role role) { return refuse_unless(*caller, role); };

    if (rest.size() == 1 && rest[0] == "cases") {
      route = "/api/v1/cases";
      if (r.method == "GET") return list_cases(r, desk);
      if (r.method == "POST") {
        if (auto denied = need(Role::operator_)) return *denied;
        return create_case(r, desk);
      }
      return problem(405, "use GET or POST");
    }
    if (rest.size() == 2 && rest[0] == "cases") {
      route = "/api/v1/cases/{number}";
      if (r.method != "GET") return problem(405, "use GET");
      auto view = desk.find(rest[1]);
      if (!view) return problem(view.error());
      return json_response(200, case_json(*view));
    }
    if (rest.size() == 3 && rest[0] == "cases" && rest[2] == "audit") {
      route = "/api/v1/cases/{number}/audit";
      if (r.method != "GET") return problem(405, "use GET");
      return case_audit(rest[1], desk);
    }
    if (rest.size() == 3 && rest[0] == "cases" && rest[2] == "jobs") {
      route = "/api/v1/cases/{number}/jobs";
      if (r.method == "GET") {
        auto jobs = desk.jobs(rest[1], "", 100);
        if (!jobs) return problem(jobs.error());
        return json_response(200, jobs_json(desk, *jobs));
      }
      if (r.method != "POST") return problem(405, "use GET or POST");
      if (auto denied = need(Role::operator_)) return *denied;
      return start_job(r, rest[1], desk);
    }
    if (rest.size() == 3 && rest[0] == "cases" && rest[2] == "appeal") {
      route = "/api/v1/cases/{number}/appeal";
      if (r.method != "POST") return problem(405, "use POST");
      if (auto denied = need(Role::operator_)) return *denied;
      return open_appeal(r, rest[1], desk);
    }
    if (rest.size() == 4 && rest[0] == "cases" && rest[2] == "actions") {
      route = "/api/v1/cases/{number}/actions/{action}";
      return case_action_route(r, desk, m_installation.settings, *caller, rest[1], rest[3]);
    }
    if (rest.size() == 3 && rest[0] == "cases" && rest[2] == "checks") {
      route = "/api/v1/cases/{number}/checks";
      return check_route(r, desk, m_installation.settings, m_map, *caller, rest[1]);
    }
    if (!rest.empty() && rest[0] == "holds") {
      route = rest.size() == 1 ? "/api/v1/holds" : "/api/v1/holds/{id}/release";
      return holds_route(r, desk, *caller, rest);
    }
    if (rest.size() == 1 && rest[0] == "outbox") {
      route = "/api/v1/outbox";
      return outbox_route(r, desk);
    }
    if (rest.size() == 2 && rest[0] == "reports" && rest[1] == "metrics") {
      route = "/api/v1/reports/metrics";
      return metrics_report_route(r, desk);
    }
    if (rest.size() == 1 && rest[0] == "jobs") {
      route = "/api/v1/jobs";
      if (r.method != "GET") return problem(405, "use GET");
      auto state = r.query.count("state") ? r.query.at("state") : "";
      auto jobs = desk.jobs("", state, 100);
      if (!jobs) return problem(jobs.error());
      return json_response(200, jobs_json(desk, *jobs));
    }
    if (rest.size() == 2 && rest[0] == "jobs") {
      route = "/api/v1/jobs/{id}";
      if (r.method != "GET") return problem(405, "use GET");
      if (rest[1].empty() || rest[1].size() > 18 || rest[1].find_first_not_of("0123456789") != std::string::npos)
        return problem(404, "no such job");
      auto job = desk.job(std::stoll(rest[1]));
      if (!job) return problem(job.error());
      return json_response(200, job_json(desk, *job));
    }
    if (rest.size() == 2 && rest[0] == "audit" && rest[1] == "verify") {
      route = "/api/v1/audit/verify";
      if (r.method != "GET") return problem(405, "use GET");
      auto check = desk.verify_audit();
      if (!check) return problem(check.error());
      json out{{"intact", check->intact}, {"events", check->events}, {"head_hash", check->head_hash}};
      if (!check->intact) {
        out["first_broken"] = check->first_broken.value_or(0);
        out["problem"] = check->problem;
      }
      return json_response(200, out.dump(2));
    }
    return problem(404, "no such resource");
  }

  HttpResponse list_cases(const HttpRequest& r, Desk& desk) {
    CaseQuery query;
    auto q = [&](const char* key) { return r.query.count(key) ? r.query.at(key) : std::string(); };
    if (auto state = q("state"); !state.empty()) {
      auto parsed = parse_state(state);
      if (!parsed) return problem(parsed.error());
      query.state = *parsed;
    }
    if (auto right = q("right"); !right.empty()) {
      auto parsed = parse_right(right);
      if (!parsed) return problem(parsed.error());
      query.right = *parsed;
    }
    if (auto j = q("jurisdiction"); !j.empty()) query.jurisdiction = j;
    if (auto overdue = q("overdue"); !overdue.empty()) {
      if (overdue != "true" && overdue != "false") return problem(400, "overdue is true or false");
      query.overdue_only = overdue == "true";
    }
    if (r.query.count("assignee")) query.assignee = q("assignee");
    if (auto subject = q("subject"); !subject.empty()) {
      // Found through the keyed index of pseudonyms: no case is opened to search.
      auto id = parse_identifier(subject);
      if (!id) return problem(id.error());
      query.subject = *id;
    }
    int limit = 50;
    if (auto l = q("limit"); !l.empty()) {
      if (l.size() > 4 || l.find_first_not_of("0123456789") != std::string::npos || std::stoi(l) < 1 ||
          std::stoi(l) > 500)
        return problem(400, "limit is a number from 1 to 500");
      limit = std::stoi(l);
    }
    auto page = desk.queue(query, limit, q("cursor"));
    if (!page) return problem(page.error());
    return json_response(200, queue_json(*page));
  }

  HttpResponse create_case(const HttpRequest& r, Desk& desk) {
    if (auto refused = not_json(r)) return *refused;
    auto request = parse_intake_json(r.body);
    if (!request) return problem(request.error());
    if (request->channel == "email") request->channel = "api";
    auto key = r.headers.find("idempotency-key");
    if (key != r.headers.end()) {
      // A retried request (a lost answer, a client restart) gets the case the first one made.
      auto once = desk.intake_once(*request, key->second, r.body);
      if (!once) return problem(once.error());
      HttpResponse response =
          json_response(once->replayed ? 200 : 201, case_json(CaseView{once->made.c, once->made.deadlines}));
      response.headers.emplace_back("Location", "/api/v1/cases/" + once->made.c.number);
      if (once->replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
      return response;
    }
    auto made = desk.intake(*request);
    if (!made) return problem(made.error());
    HttpResponse response = json_response(201, case_json(CaseView{made->c, made->deadlines}));
    response.headers.emplace_back("Location", "/api/v1/cases/" + made->c.number);
    return response;
  }

  // The requester's appeal against a refusal: a case of its own (Desk::open_appeal).
  HttpResponse open_appeal(const HttpRequest& r, const std::string& number, Desk& desk) {
    if (auto refused = not_json_if_any(r)) return *refused;
    auto body = strict_body(r, {"received"});
    if (!body) return problem(body.error());
    auto received = optional_string(*body, "received");
    if (!received) return problem(received.error());
    auto made = desk.open_appeal(number, received->empty() ? std::nullopt : std::optional<std::string>(*received));
    if (!made) return problem(made.error());
    HttpResponse response = json_response(201, case_json(CaseView{made->c, made->deadlines}));
    response.headers.emplace_back("Location", "/api/v1/cases/" + made->c.number);
    return response;
  }

  HttpResponse case_audit(const std::string& number, Desk& desk) {
    auto view = desk.find(number);
    if (!view) return problem(view.error());
    json events = json::array();
    auto visited = desk.audit_events(view->c.number, [&](const AuditEvent& e) {
      events.push_back({{"sequence", e.sequence},
                        {"at", format_instant(e.at)},
                        {"actor", e.actor},
                        {"action", e.action},
                        {"outcome", e.outcome},
                        {"details", json::parse(e.details, nullptr, false)}});
      return Status{};
    });
    if (!visited) return problem(visited.error());
    return json_response(200, json{{"case", view->c.number}, {"events", events}}.dump());
  }

  HttpResponse start_job(const HttpRequest& r, const std::string& number, Desk& desk) {
    if (auto refused = not_json(r)) return *refused;
    auto body =
        strict_body(r, {"kind", "destination", "formats", "notify", "allow_incomplete", "tenants", "corrections", "lift"});
    if (!body) return problem(body.error());
    CaseJobRequest request;
    auto kind = optional_string(*body, "kind");
    if (!kind) return problem(kind.error());
    request.kind = *kind;
    auto destination = optional_string(*body, "destination");
    if (!destination) return problem(destination.error());
    request.destination = *destination;
    auto formats = optional_string(*body, "formats");
    if (!formats) return problem(formats.error());
    request.formats = *formats;
    auto notify = optional_bool(*body, "notify", false);
    if (!notify) return problem(notify.error());
    request.notify = *notify;
    auto allow_incomplete = optional_bool(*body, "allow_incomplete", false);
    if (!allow_incomplete) return problem(allow_incomplete.error());
    request.allow_incomplete = *allow_incomplete;
    auto lift = optional_bool(*body, "lift", false);
    if (!lift) return problem(lift.error());
    request.lift = *lift;
    auto tenants = optional_strings(*body, "tenants");
    if (!tenants) return problem(tenants.error());
    request.tenants = *tenants;
    auto corrections = optional_strings(*body, "corrections");
    if (!corrections) return problem(corrections.error());
    request.corrections = *corrections;
    request.idempotency_key = r.headers.count("idempotency-key") ? r.headers.at("idempotency-key") : "";
    auto job = queue_case_job(desk, number, request);
    if (!job) return problem(job.error());
    if (m_pool) m_pool->wake();
    HttpResponse response = json_response(202, job_json(desk, *job));
    response.headers.emplace_back("Location", "/api/v1/jobs/" + std::to_string(job->id));
    return response;
  }

  void log_access(const std::string& method, const std::string& route, const HttpResponse& response, double seconds) {
    // Route patterns only: a path may carry a case number, a query an identifier.
    json line{{"time", format_instant(m_clock.now())},
              {"method", method},
              {"route", route},
              {"status", response.status},
              {"bytes", response.body.size()},
              {"ms", static_cast<long>(seconds * 1000.0 + 0.5)}};
    std::lock_guard lock(m_log_mutex);
    m_access_log << line.dump() << "\n" << std::flush;
  }

  const Installation& m_installation;
  const Clock& m_clock;
  WorkerPool* m_pool;
  const DataMap* m_map;
  StorePool m_stores;
  Dashboard m_dashboard{m_installation, m_clock, m_pool, m_map};
  Portal m_portal{m_installation, m_clock, m_map};
  HttpMetrics m_metrics;
  std::ostream& m_access_log;
  std::mutex m_log_mutex;
};

Service::Service(const Installation& installation, const Clock& clock, WorkerPool* pool, std::ostream& access_log,
                 const DataMap* map)
    : m_impl(std::make_unique<Impl>(installation, clock, pool, access_log, map)) {}
Service::~Service() = default;
HttpResponse Service::handle(const HttpRequest& request) {
  return m_impl->handle(request);
}

}  // namespace maestro
