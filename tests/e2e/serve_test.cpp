// End to end: `maestro serve` on loopback, driven over real HTTP (libcurl): health, metrics,
// tokens and roles, the cases API, jobs started through the API, and bad input of every kind.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "maestro_runner.hpp"
#include "support/server_process.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Reply {
  long status = 0;
  std::string body;
  std::string headers;
  json as_json() const { return json::parse(body, nullptr, false); }
  bool is_problem() const { return headers.find("application/problem+json") != std::string::npos; }
};

size_t collect(char* data, size_t size, size_t n, void* sink) {
  static_cast<std::string*>(sink)->append(data, size * n);
  return size * n;
}

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    maestro.unset_env("MAESTRO_NOW");  // a server lives in real time
    operator_token = token("ops", "operator");
    auditor_token = token("audit", "auditor");
    port = testing::free_tcp_port();
    server = std::make_unique<BackgroundMaestro>(
        maestro,
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--access-log",
                                 (maestro.dir() / "access.log").string(), "--workers", "1", "--no-daily-sweep"});
    for (int i = 0; i < 200; ++i) {
      if (call("GET", "/healthz").status == 200) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "maestro serve did not come up: " << server->err();
  }

  std::string token(const std::string& name, const std::string& role) {
    RunResult r = maestro.run({"token", "create", "--name", name, "--role", role, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out)["token"];
  }

  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& bearer = "", const std::string& content_type = "application/json",
             const std::vector<std::string>& extra_headers = {}) {
    Reply reply;
    CURL* curl = curl_easy_init();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_slist* headers = nullptr;
    if (!bearer.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + bearer).c_str());
    if (!body.empty()) {
      headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
    if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (path.starts_with("/api/v1/") && reply.status != 0) {
      // Every API answer is checked against the OpenAPI document when the test ends.
      std::ofstream(maestro.dir() / "api-answers.jsonl", std::ios::app)
          << json{{"method", method}, {"path", path}, {"status", reply.status},
                  {"content_type", type ? type : ""}, {"body", reply.body}}
                 .dump()
          << "\n";
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return reply;
  }

  // A call the API must refuse (a 4xx answer), which must leave the case store as it was.
  Reply refused(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& bearer = "", const std::string& content_type = "application/json") {
    std::string before = maestro.store_state();
    Reply r = call(method, path, body, bearer, content_type);
    EXPECT_GE(r.status, 400) << method << " " << path << ": " << r.body;
    EXPECT_LT(r.status, 500) << method << " " << path << ": " << r.body;
    EXPECT_EQ(maestro.store_state(), before) << "a refused call changed the case store: " << method << " " << path;
    return r;
  }

  void TearDown() override {
    server.reset();
    fs::path answers = maestro.dir() / "api-answers.jsonl";
    if (!fs::exists(answers)) return;
    fs::path root = MAESTRO_SOURCE_ROOT;
    if (!fs::exists(root / "tests/servers/node/node_modules/ajv")) {
      ADD_FAILURE() << "the OpenAPI checker's npm packages are missing: run scripts/bootstrap --test";
      return;
    }
    std::string command = "node " + (root / "tests/api/validate.mjs").string() + " " +
                          (root / "data/web/openapi.json").string() + " " + answers.string() + " 2>&1";
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    EXPECT_EQ(::pclose(pipe), 0) << output;
  }

  Reply create_case(const std::string& subject, const std::string& name = "Jane Example") {
    json request{{"subjects", {subject}}, {"name", name}, {"rights", "access"}, {"jurisdiction", "gdpr"}};
    return call("POST", "/api/v1/cases", request.dump(), operator_token);
  }

  std::size_t cases_in_store() { return json::parse(maestro.run({"dsar", "list", "--json"}).out).size(); }

  Maestro maestro;
  std::string operator_token, auditor_token;
  int port = 0;
  std::unique_ptr<BackgroundMaestro> server;
};

// Waits (at most 10 s) until a background maestro has printed `text` on standard output.
bool prints(const BackgroundMaestro& server, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    if (server.out().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Under TLS (here `serve --tls-cert`, no maestro.yaml setting), the session cookie is Secure and
// every answer carries HSTS (over plain HTTP it does not: HealthReadiness...).
TEST(ServeOverTls, TheSessionCookieIsSecureAndBrowsersAreToldToStayOnHttps) {
  Maestro maestro;
  maestro.unset_env("MAESTRO_NOW");
  fs::path cert = maestro.dir() / "cert.pem", key = maestro.dir() / "key.pem";
  std::string make_cert = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout " +
                          key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0) << "openssl is needed (scripts/bootstrap --test)";
  ASSERT_EQ(maestro.run({"user", "add", "--email", "tess@example.com", "--role", "dpo", "--password-stdin"},
                        "a long enough passphrase 42\n")
                .exit_code,
            0);
  std::string port = std::to_string(testing::free_tcp_port());
  BackgroundMaestro server(maestro, {"serve", "--listen", "127.0.0.1:" + port, "--workers", "0", "--no-daily-sweep",
                                     "--tls-cert", cert.string(), "--tls-key", key.string()});
  ASSERT_TRUE(prints(server, "/dashboard\n")) << server.err();
  auto sign_in = [&](const std::string& scheme) {
    std::string headers;
    CURL* curl = curl_easy_init();
    std::string url = scheme + "://127.0.0.1:" + port + "/dashboard/login";
    std::string form = "email=tess%40example.com&password=a+long+enough+passphrase+42";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);  // our own throwaway certificate
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    std::string body;
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return code == CURLE_OK ? headers : std::string("failed: ") + curl_easy_strerror(code);
  };
  std::string over_tls = sign_in("https");
  EXPECT_NE(over_tls.find("Strict-Transport-Security: max-age="), std::string::npos) << over_tls;
  std::smatch cookie;
  ASSERT_TRUE(std::regex_search(over_tls, cookie, std::regex("Set-Cookie: (maestro_session=[^\r\n]*)"))) << over_tls;
  EXPECT_NE(cookie[1].str().find("; Secure"), std::string::npos) << cookie[1];
  EXPECT_NE(cookie[1].str().find("HttpOnly"), std::string::npos) << cookie[1];
}

TEST(UserAdd, APasswordTheRulesRefuseLeavesNoAccountBehind) {
  Maestro maestro;
  RunResult refused =
      maestro.run({"user", "add", "--email", "sam@example.com", "--role", "operator", "--password-stdin"}, "short\n");
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("at least 12 characters"), std::string::npos) << refused.err;
  EXPECT_EQ(maestro.run({"user", "list"}).out, "");
  RunResult added = maestro.run({"user", "add", "--email", "sam@example.com", "--role", "operator", "--password-stdin"},
                                "a long enough passphrase 42\n");
  EXPECT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(maestro.run({"user", "list"}).out.find("sam@example.com  operator  active"), std::string::npos);
}

TEST(ServeOnAFreshInstallation, SaysWhereThePortalAndDashboardAreAndThatNobodyCanSignInYet) {
  Maestro maestro;  // no maestro.yaml, no data map, no account
  maestro.unset_env("MAESTRO_NOW");
  std::string port = std::to_string(testing::free_tcp_port());
  std::vector<std::string> serve{"serve", "--listen", "127.0.0.1:" + port, "--workers", "0", "--no-daily-sweep"};
  {
    BackgroundMaestro server(maestro, serve);
    ASSERT_TRUE(prints(server, "no data map")) << server.out() << server.err();
    std::string out = server.out();
    EXPECT_NE(out.find("Requesters' portal:       http://127.0.0.1:" + port + "/portal"), std::string::npos) << out;
    EXPECT_NE(out.find("Privacy team's dashboard: http://127.0.0.1:" + port + "/dashboard"), std::string::npos) << out;
    EXPECT_NE(out.find("no operator who can sign in"), std::string::npos) << out;
    EXPECT_NE(out.find("maestro user add --email you@example.com --role dpo"), std::string::npos) << out;
  }
  // An account waiting for its password cannot sign in either; once it has one, the hint goes.
  ASSERT_EQ(maestro.run({"user", "add", "--email", "dee@example.com", "--role", "dpo"}).exit_code, 0);
  {
    BackgroundMaestro server(maestro, serve);
    ASSERT_TRUE(prints(server, "no data map")) << server.out() << server.err();
    EXPECT_NE(server.out().find("no operator who can sign in"), std::string::npos) << server.out();
  }
  RunResult set = maestro.run({"user", "password-link", "--email", "dee@example.com", "--password-stdin"},
                              "a long enough passphrase 42\n");
  ASSERT_EQ(set.exit_code, 0) << set.err;
  BackgroundMaestro server(maestro, serve);
  ASSERT_TRUE(prints(server, "/dashboard\n")) << server.out() << server.err();
  ASSERT_TRUE(prints(server, "no data map")) << server.out();
  EXPECT_EQ(server.out().find("no operator"), std::string::npos) << server.out();
}

TEST_F(Serve, HealthReadinessAndMetricsAnswerWithoutIdentifiers) {
  EXPECT_EQ(call("GET", "/healthz").as_json()["status"], "ok");
  EXPECT_EQ(call("GET", "/readyz").as_json()["status"], "ready");
  ASSERT_EQ(create_case("jane@example.com").status, 201);
  Reply metrics = call("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("maestro_cases{state=\"received\"} 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("maestro_cases_overdue 0"), std::string::npos);
  EXPECT_NE(metrics.body.find("maestro_jobs{state=\"queued\"}"), std::string::npos);
  EXPECT_NE(metrics.body.find("maestro_http_requests_total{route=\"/api/v1/cases\",method=\"POST\",status=\"201\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("maestro_http_request_duration_seconds_bucket{route=\"/healthz\""), std::string::npos);
  EXPECT_EQ(metrics.body.find("jane"), std::string::npos);
  EXPECT_EQ(metrics.headers.find("Strict-Transport-Security"), std::string::npos);  // plain HTTP
  // The API describes itself, without a token.
  Reply openapi = call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.as_json()["openapi"], "3.1.0");
  EXPECT_TRUE(openapi.as_json()["paths"].contains("/cases/{number}/actions/{action}"));
}

TEST_F(Serve, TheBearerSchemeIsCaseInsensitive) {
  for (const char* scheme : {"bearer ", "BEARER ", "Bearer "}) {
    Reply r = call("GET", "/api/v1/cases", "", "", "application/json",
                   {std::string("Authorization: ") + scheme + auditor_token});
    EXPECT_EQ(r.status, 200) << scheme << r.body;
  }
  EXPECT_EQ(call("GET", "/api/v1/cases", "", "", "application/json", {"Authorization: Bearer"}).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/cases", "", "", "application/json", {"Authorization: Basic " + auditor_token}).status,
            401);
}

TEST_F(Serve, TokensAndRolesGuardTheApi) {
  Reply none = call("GET", "/api/v1/cases");
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(none.is_problem());
  EXPECT_NE(none.headers.find("WWW-Authenticate: Bearer"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/v1/cases", "", "mst_" + std::string(64, 'a')).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/cases", "", "not-a-token").status, 401);
  // An auditor reads and cannot change anything.
  EXPECT_EQ(call("GET", "/api/v1/cases", "", auditor_token).status, 200);
  json request{{"subjects", {"jane@example.com"}}, {"name", "Jane"}, {"rights", "access"}, {"jurisdiction", "gdpr"}};
  Reply refused_intake = refused("POST", "/api/v1/cases", request.dump(), auditor_token);
  EXPECT_EQ(refused_intake.status, 403);
  EXPECT_NE(refused_intake.as_json()["detail"].get<std::string>().find("operator role"), std::string::npos);
  EXPECT_EQ(cases_in_store(), 0u);
  // A revoked token stops working at once.
  ASSERT_EQ(maestro.run({"token", "revoke", "2"}).exit_code, 0);
  EXPECT_EQ(call("GET", "/api/v1/cases", "", auditor_token).status, 401);
  EXPECT_EQ(maestro.run({"token", "create", "--name", "x y", "--role", "operator"}).exit_code, 2);
  EXPECT_EQ(maestro.run({"token", "create", "--name", "ok", "--role", "root"}).exit_code, 2);
  // The access log holds routes and statuses, never a token.
  std::string log = testing::read_file(maestro.dir() / "access.log");
  EXPECT_NE(log.find("\"route\":\"/api/v1/cases\""), std::string::npos);
  EXPECT_EQ(log.find(operator_token), std::string::npos);
  EXPECT_EQ(log.find(auditor_token), std::string::npos);
}

// VCDPA: a refusal can be appealed; the appeal is a case of its own, linked to the refusal.
TEST_F(Serve, AVirginiaRefusalIsAppealedThroughTheApi) {
  std::string dpo_token = token("dpo", "dpo");
  json request{{"subjects", {"dana@example.com"}}, {"name", "Dana Roe"}, {"rights", "ccpa-delete"},
               {"jurisdiction", "vcdpa"}};
  ASSERT_EQ(call("POST", "/api/v1/cases", request.dump(), operator_token).status, 201);
  const std::string appeal = "/api/v1/cases/DSAR-2026-001/appeal";
  EXPECT_EQ(refused("POST", appeal, "", operator_token).status, 409);  // not refused yet
  Reply denied = call("POST", "/api/v1/cases/DSAR-2026-001/actions/deny", R"({"reason":"excessive"})", dpo_token);
  ASSERT_EQ(denied.status, 200) << denied.body;
  EXPECT_EQ(refused("POST", appeal, R"({"received":"yesterday"})", operator_token).status, 400);
  EXPECT_EQ(refused("POST", appeal, R"({"when":"now"})", operator_token).status, 400);
  EXPECT_EQ(refused("POST", appeal, "", auditor_token).status, 403);
  EXPECT_EQ(refused("GET", appeal, "", operator_token).status, 405);
  Reply made = call("POST", appeal, "", operator_token);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.as_json()["number"], "DSAR-2026-002");
  EXPECT_EQ(made.as_json()["appeal_of"], "DSAR-2026-001");
  EXPECT_EQ(made.as_json()["rights"], json::array({"ccpa-delete"}));
  EXPECT_NE(made.headers.find("Location: /api/v1/cases/DSAR-2026-002"), std::string::npos);
  EXPECT_EQ(refused("POST", "/api/v1/cases/DSAR-2026-002/appeal", "", operator_token).status, 409);
}

TEST_F(Serve, CasesAreCreatedReadAndListedInDueOrderWithACursor) {
  Reply made = create_case("jane@example.com", "Jane <script>alert(1)</script>");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_NE(made.headers.find("Location: /api/v1/cases/DSAR-2026-001"), std::string::npos);
  EXPECT_EQ(made.as_json()["channel"], "api");
  ASSERT_EQ(create_case("bob@example.com").status, 201);
  ASSERT_EQ(create_case("carol@example.com").status, 201);
  Reply one = call("GET", "/api/v1/cases/dsar-2026-001", "", auditor_token);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.as_json()["subject"]["name"], "Jane <script>alert(1)</script>");  // data, JSON-escaped
  EXPECT_EQ(one.headers.find("text/html"), std::string::npos);
  Reply page1 = call("GET", "/api/v1/cases?limit=2", "", auditor_token);
  ASSERT_EQ(page1.status, 200);
  json p1 = page1.as_json();
  ASSERT_EQ(p1["cases"].size(), 2u);
  ASSERT_TRUE(p1.contains("next_cursor"));
  Reply page2 = call("GET", "/api/v1/cases?limit=2&cursor=" + p1["next_cursor"].get<std::string>(), "", auditor_token);
  json p2 = page2.as_json();
  ASSERT_EQ(p2["cases"].size(), 1u);
  EXPECT_FALSE(p2.contains("next_cursor"));
  EXPECT_EQ(call("GET", "/api/v1/cases?state=received", "", auditor_token).as_json()["cases"].size(), 3u);
  EXPECT_EQ(call("GET", "/api/v1/cases?state=fulfilled", "", auditor_token).as_json()["cases"].size(), 0u);
  Reply trail = call("GET", "/api/v1/cases/DSAR-2026-001/audit", "", auditor_token);
  EXPECT_EQ(trail.as_json()["events"][0]["action"], "intake");
  EXPECT_EQ(trail.body.find("jane@"), std::string::npos);
  json verify = call("GET", "/api/v1/audit/verify", "", auditor_token).as_json();
  EXPECT_TRUE(verify["intact"].get<bool>());
}

TEST_F(Serve, LifecycleActionsSendTheirLettersAndFollowTheRoles) {
  std::string dpo_token = token("dpo", "dpo");
  ASSERT_EQ(create_case("jane@example.com").status, 201);
  const std::string actions = "/api/v1/cases/DSAR-2026-001/actions/";
  Reply ack = call("POST", actions + "acknowledge", "", operator_token);
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.as_json()["case"]["state"], "acknowledged");
  EXPECT_EQ(ack.as_json()["letter"]["name"], "acknowledgement");
  EXPECT_TRUE(ack.as_json()["letter"].contains("message")) << ack.body;
  // The outbox shows the letter, never its recipient or text.
  Reply outbox = call("GET", "/api/v1/outbox", "", auditor_token);
  ASSERT_EQ(outbox.status, 200);
  EXPECT_EQ(outbox.as_json()[0]["letter"], "acknowledgement");
  EXPECT_EQ(outbox.body.find("jane"), std::string::npos);

  // Only a DPO refuses a request; an auditor changes nothing.
  EXPECT_EQ(refused("POST", actions + "deny", R"({"reason":"manifestly-unfounded"})", operator_token).status, 403);
  EXPECT_EQ(refused("POST", actions + "pause", R"({"reason":"awaiting-identity"})", auditor_token).status, 403);
  Reply no_reason = refused("POST", actions + "pause", "", operator_token);
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_TRUE(no_reason.is_problem());
  EXPECT_EQ(refused("POST", actions + "fly", "", operator_token).status, 404);
  EXPECT_EQ(refused("POST", actions + "note", R"({"txt":"x"})", operator_token).status, 400);
  EXPECT_EQ(refused("POST", actions + "note", R"({"text":42})", operator_token).status, 400);
  EXPECT_EQ(refused("POST", actions + "note", "text=x", operator_token, "text/plain").status, 415);
  EXPECT_EQ(refused("GET", actions + "acknowledge", "", operator_token).status, 405);
  EXPECT_EQ(refused("POST", "/api/v1/cases/DSAR-2026-404/actions/start", "", operator_token).status, 404);
  EXPECT_EQ(call("POST", actions + "note", R"({"text":"Rang back <b>Tuesday</b>"})", operator_token).status, 200);

  // Assigned cases and identifiers are found through the queue, without opening cases.
  ASSERT_EQ(create_case("bob@example.com").status, 201);
  EXPECT_EQ(call("POST", actions + "assign", R"({"text":"olivia@example.com"})", operator_token).status, 200);
  json mine = call("GET", "/api/v1/cases?assignee=olivia@example.com", "", auditor_token).as_json();
  ASSERT_EQ(mine["cases"].size(), 1u);
  EXPECT_EQ(mine["cases"][0]["assignee"], "olivia@example.com");
  json unassigned = call("GET", "/api/v1/cases?assignee=", "", auditor_token).as_json();
  ASSERT_EQ(unassigned["cases"].size(), 1u);
  EXPECT_EQ(unassigned["cases"][0]["number"], "DSAR-2026-002");
  json by_id = call("GET", "/api/v1/cases?subject=email:JANE@example.com", "", auditor_token).as_json();
  ASSERT_EQ(by_id["cases"].size(), 1u);
  EXPECT_EQ(by_id["cases"][0]["number"], "DSAR-2026-001");
  EXPECT_TRUE(call("GET", "/api/v1/cases?subject=email:nobody@example.com", "", auditor_token)
                  .as_json()["cases"]
                  .empty());
  EXPECT_EQ(call("GET", "/api/v1/cases?subject=email:not-an-email", "", auditor_token).status, 400);

  Reply denied = call("POST", actions + "deny", R"({"reason":"manifestly-unfounded","details":"Third copy this month"})",
                      dpo_token);
  ASSERT_EQ(denied.status, 200) << denied.body;
  EXPECT_EQ(denied.as_json()["case"]["state"], "denied");
  EXPECT_EQ(denied.as_json()["letter"]["name"], "refusal");
  EXPECT_EQ(call("POST", actions + "start", "", operator_token).status, 409);  // closed

  json metrics = call("GET", "/api/v1/reports/metrics", "", auditor_token).as_json();
  EXPECT_EQ(metrics["total"], 2);
  EXPECT_EQ(metrics["by_state"]["denied"], 1);
  EXPECT_EQ(call("GET", "/api/v1/reports/metrics?from=2026-13-01", "", auditor_token).status, 400);

  // Every action is in the audit trail under the caller's name; no note text, no identifier.
  Reply trail = call("GET", "/api/v1/cases/DSAR-2026-001/audit", "", auditor_token);
  json events = trail.as_json()["events"];
  std::vector<std::string> seen;
  for (const auto& e : events) seen.push_back(e["action"].get<std::string>() + "/" + e["actor"].get<std::string>());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "acknowledge/token:ops"), seen.end()) << trail.body;
  EXPECT_NE(std::find(seen.begin(), seen.end(), "deny/token:dpo"), seen.end()) << trail.body;
  EXPECT_EQ(trail.body.find("Tuesday"), std::string::npos);
  EXPECT_EQ(trail.body.find("jane"), std::string::npos);
}

TEST_F(Serve, LegalHoldsArePlacedByOperatorsAndReleasedByTheDpo) {
  std::string dpo_token = token("dpo", "dpo");
  json hold{{"subjects", {"email:bob@example.com"}}, {"reason", "legal-claims"}, {"details", "Claim 2026/114"}};
  EXPECT_EQ(call("POST", "/api/v1/holds", hold.dump(), auditor_token).status, 403);
  Reply placed = call("POST", "/api/v1/holds", hold.dump(), operator_token);
  ASSERT_EQ(placed.status, 201) << placed.body;
  std::string id = std::to_string(placed.as_json()["id"].get<int>());
  EXPECT_EQ(call("POST", "/api/v1/holds", R"({"subjects":[],"reason":"legal-claims"})", operator_token).status, 400);
  EXPECT_EQ(call("POST", "/api/v1/holds", R"({"subjects":["email:x@example.com"],"reason":"because"})", operator_token)
                .status,
            400);
  Reply listed = call("GET", "/api/v1/holds", "", auditor_token);
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.as_json().size(), 1u);
  EXPECT_EQ(listed.as_json()[0]["details"], "Claim 2026/114");
  EXPECT_EQ(listed.body.find("bob"), std::string::npos);  // identifiers only as a count
  EXPECT_EQ(call("POST", "/api/v1/holds/" + id + "/release", "", operator_token).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/holds/" + id + "/release", "", dpo_token).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/holds/" + id + "/release", "", dpo_token).status, 404);
  EXPECT_EQ(call("POST", "/api/v1/holds/x1/release", "", dpo_token).status, 404);
  EXPECT_TRUE(call("GET", "/api/v1/holds", "", auditor_token).as_json().empty());
  EXPECT_EQ(call("GET", "/api/v1/holds?all=true", "", auditor_token).as_json().size(), 1u);
}

// The files of the outbox (no SMTP here: letters are .eml files), newest last.
std::vector<std::string> outbox_letters(const fs::path& home, const std::string& name_part) {
  std::vector<fs::path> files;
  if (fs::exists(home / "outbox"))
    for (const auto& e : fs::directory_iterator(home / "outbox"))
      if (e.path().filename().string().find(name_part) != std::string::npos) files.push_back(e.path());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return fs::last_write_time(a) < fs::last_write_time(b);
  });
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(testing::read_file(f));
  return out;
}

std::string header_value(const std::string& headers, const std::string& name) {
  auto at = headers.find(name + ": ");
  if (at == std::string::npos) return "";
  auto end = headers.find("\r\n", at);
  return headers.substr(at + name.size() + 2, end - at - name.size() - 2);
}

TEST_F(Serve, TheRequesterDownloadsThePackageFromTheStatusPageAfterAFreshCode) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
  fs::copy_file(testing::fixture("chinook.datamap.yaml"), maestro.dir() / "datamap.yaml");
  std::ofstream(maestro.dir() / "maestro.yaml")
      << "datamap: datamap.yaml\nserver: {public_url: 'http://127.0.0.1:" << port << "'}\n";
  maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  auto ok = [&](const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.err;
    return r;
  };
  ok({"dsar", "intake", "--subject", "email:luisg@embraer.com.br", "--name", "Luís Gonçalves", "--rights", "access",
      "--jurisdiction", "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"});
  ok({"dsar", "start", "DSAR-2026-001"});
  ok({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/DSAR-2026-001/", "--notify"});
  ok({"dsar", "review", "DSAR-2026-001"});
  ok({"dsar", "fulfil", "DSAR-2026-001"});

  // The fulfilment letter links to the request's page, not to a storage path.
  auto fulfilment = outbox_letters(maestro.home(), "fulfilment");
  ASSERT_EQ(fulfilment.size(), 1u);
  std::smatch link;
  ASSERT_TRUE(std::regex_search(fulfilment[0], link, std::regex("/portal/s/st_[0-9a-f]{64}"))) << fulfilment[0];
  const std::string page = link.str();
  EXPECT_EQ(fulfilment[0].find("exports/DSAR-2026-001"), std::string::npos);
  Reply status = call("GET", page);
  ASSERT_EQ(status.status, 200);
  EXPECT_NE(status.body.find("Download your data"), std::string::npos) << status.body;

  const std::string form = "application/x-www-form-urlencoded";
  EXPECT_EQ(call("GET", page + "/package").status, 403);  // no code, no download
  auto fresh_code = [&]() {
    std::size_t before = outbox_letters(maestro.home(), "download-code").size();
    Reply asked = call("POST", page + "/download-code", "x=1", "", form);
    EXPECT_EQ(asked.status, 303);
    EXPECT_NE(header_value(asked.headers, "Location").find("download=sent"), std::string::npos) << asked.headers;
    auto codes = outbox_letters(maestro.home(), "download-code");
    EXPECT_EQ(codes.size(), before + 1);
    std::smatch code;
    EXPECT_TRUE(std::regex_search(codes.back(), code, std::regex(" {4}([0-9]{6})\\s")));
    return code[1].str();
  };
  std::string code = fresh_code();
  // One try per code: a wrong one spends it, so the right one no longer works either.
  std::string wrong = code == "000000" ? "111111" : "000000";
  EXPECT_NE(header_value(call("POST", page + "/download", "code=" + wrong, "", form).headers, "Location")
                .find("download=refused"),
            std::string::npos);
  EXPECT_NE(header_value(call("POST", page + "/download", "code=" + code, "", form).headers, "Location")
                .find("download=refused"),
            std::string::npos);
  code = fresh_code();
  Reply unlocked = call("POST", page + "/download", "code=" + code, "", form);
  ASSERT_EQ(unlocked.status, 303);
  std::string cookie = header_value(unlocked.headers, "Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=" + page), std::string::npos);
  std::string session = cookie.substr(0, cookie.find(';'));

  Reply package = call("GET", page + "/package", "", "", "", {"Cookie: " + session});
  ASSERT_EQ(package.status, 200) << package.body.substr(0, 300);
  EXPECT_NE(package.headers.find("application/zip"), std::string::npos);
  EXPECT_TRUE(package.body.starts_with("PK"));
  json shown = json::parse(maestro.run({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(shown["downloads"], 1);
  EXPECT_EQ(package.body.size(), shown["deliveries"][0]["bytes"].get<std::size_t>());
  EXPECT_EQ(sha256_hex(package.body), shown["deliveries"][0]["sha256"]);
  // Another request's page does not open with this cookie, and every download is audited.
  EXPECT_EQ(call("GET", "/portal/s/st_" + std::string(64, '0') + "/package", "", "", "", {"Cookie: " + session}).status,
            404);
  std::string trail = maestro.run({"audit", "export"}).out;
  EXPECT_NE(trail.find("\"download\""), std::string::npos);
  EXPECT_NE(trail.find("download-unlocked"), std::string::npos);
  EXPECT_EQ(trail.find(code), std::string::npos);
}

TEST_F(Serve, AnIdempotencyKeyMakesCaseCreationSafeToRetry) {
  json request{{"subjects", {"jane@example.com"}}, {"name", "Jane"}, {"rights", "access"}, {"jurisdiction", "gdpr"}};
  Reply first = call("POST", "/api/v1/cases", request.dump(), operator_token, "application/json",
                     {"Idempotency-Key: intake-7f3a"});
  ASSERT_EQ(first.status, 201) << first.body;
  Reply retried = call("POST", "/api/v1/cases", request.dump(), operator_token, "application/json",
                       {"Idempotency-Key: intake-7f3a"});
  EXPECT_EQ(retried.status, 200);
  EXPECT_NE(retried.headers.find("Idempotent-Replayed: true"), std::string::npos);
  EXPECT_EQ(retried.as_json()["number"], first.as_json()["number"]);
  request["name"] = "Someone Else";
  Reply misuse = call("POST", "/api/v1/cases", request.dump(), operator_token, "application/json",
                      {"Idempotency-Key: intake-7f3a"});
  EXPECT_EQ(misuse.status, 409);
  EXPECT_TRUE(misuse.is_problem());
  EXPECT_EQ(cases_in_store(), 1u);
  // The store keeps the key and a keyed hash of the request, never the request itself.
  EXPECT_EQ(testing::read_file(maestro.home() / "maestro.db").find("Someone Else"), std::string::npos);
}

TEST_F(Serve, BadInputGetsAProblemAndChangesNothing) {
  struct Bad {
    std::string method, path, body, content_type;
    long status;
  };
  std::vector<Bad> bad{
      {"POST", "/api/v1/cases", "{not json", "application/json", 400},
      {"POST", "/api/v1/cases", R"({"subjects":[42],"name":"J","rights":"access","jurisdiction":"gdpr"})",
       "application/json", 400},
      {"POST", "/api/v1/cases",
       R"({"subjects":["jane@example.com"],"name":"J","rights":"access","jurisdiction":"gdpr","admin":true})",
       "application/json", 400},
      {"POST", "/api/v1/cases", R"({"subjects":["x' OR 1=1--"],"name":"J","rights":"access","jurisdiction":"gdpr"})",
       "application/json", 400},
      {"POST", "/api/v1/cases", R"({"subjects":["jane@example.com"],"name":"J","rights":"fly","jurisdiction":"gdpr"})",
       "application/json", 400},
      {"POST", "/api/v1/cases", "subjects=jane", "application/x-www-form-urlencoded", 415},
      {"POST", "/api/v1/cases", std::string(2 << 20, 'x'), "application/json", 413},
      {"DELETE", "/api/v1/cases", "", "application/json", 405},
      {"GET", "/api/v1/cases/DSAR-2026-999", "", "application/json", 404},
      {"GET", "/api/v1/cases/'%20OR%201=1--", "", "application/json", 400},
      {"GET", "/api/v1/../../etc/passwd", "", "application/json", 404},
      {"GET", "/api/v1/jobs/abc", "", "application/json", 404},
      {"GET", "/api/v1/cases?limit=100000", "", "application/json", 400},
      {"GET", "/api/v1/cases?state=sleeping", "", "application/json", 400},
      {"GET", "/api/v1/cases?cursor=DSAR-1999-001", "", "application/json", 400},
      // Addresses no honest client sends: bad UTF-8, an overlong "..", a NUL that would cut the path.
      {"GET", "/api/v1/cases/%ff%fe", "", "application/json", 400},
      {"GET", "/api/v1/cases/%c0%ae%c0%ae", "", "application/json", 400},
      {"GET", "/api/v1/cases/DSAR-2026-001%00", "", "application/json", 400},
      {"GET", "/static/maestro.css%00.txt", "", "application/json", 400},
      {"GET", "/api/v1/cases/DSAR-2026-00%", "", "application/json", 400},
      {"GET", "/api/v1/cases?state=%ff", "", "application/json", 400},
  };
  for (const auto& b : bad) {
    Reply r = call(b.method, b.path, b.body, operator_token, b.content_type);
    EXPECT_EQ(r.status, b.status) << b.method << " " << b.path << " " << b.body.substr(0, 80) << " -> " << r.body;
    EXPECT_TRUE(r.is_problem()) << b.path;
    if (r.is_problem()) {
      json p = r.as_json();
      EXPECT_EQ(p["status"], b.status);
      EXPECT_FALSE(p["detail"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(cases_in_store(), 0u);
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
  // A broken body is named in the client's terms, not the JSON parser's.
  Reply broken = call("POST", "/api/v1/cases", "{\"subjects\": [", operator_token);
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.body.find("json.exception"), std::string::npos) << broken.body;
  EXPECT_NE(broken.as_json().value("detail", "").find("not valid JSON"), std::string::npos) << broken.body;
  // A job for a case with an unknown field or kind is refused; nothing is queued.
  ASSERT_EQ(create_case("jane@example.com").status, 201);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"export","destination":"x/","rm":"-rf"})",
                 operator_token)
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"format-disk"})", operator_token).status, 400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"export"})", operator_token).status, 400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"erase"})", auditor_token).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/jobs", "", auditor_token).as_json().size(), 0u);
}

TEST_F(Serve, AnExportStartedThroughTheApiRunsAsAJob) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
  fs::copy_file(testing::fixture("chinook.datamap.yaml"), maestro.dir() / "datamap.yaml");
  std::ofstream(maestro.home() / "maestro.yaml") << "datamap: ../datamap.yaml\nexports_root: ..\n";
  // The server read its configuration at start: restart it with the data map.
  server.reset();
  server = std::make_unique<BackgroundMaestro>(
      maestro, std::vector<std::string>{"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--workers", "1",
                                        "--no-daily-sweep"});
  for (int i = 0; i < 200 && call("GET", "/healthz").status != 200; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(create_case("email:luisg@embraer.com.br", "Luís Gonçalves").status, 201);
  ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-001", "--no-letter"}).exit_code, 0);
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"}).exit_code, 0);

  Reply started =
      call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"export","destination":"exports/DSAR-2026-001/"})",
           operator_token, "application/json", {"Idempotency-Key: export-1"});
  ASSERT_EQ(started.status, 202) << started.body;
  EXPECT_NE(started.headers.find("Location: /api/v1/jobs/1"), std::string::npos);
  // The same key again returns the same job instead of a second export.
  Reply again =
      call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"export","destination":"exports/DSAR-2026-001/"})",
           operator_token, "application/json", {"Idempotency-Key: export-1"});
  EXPECT_EQ(again.as_json()["id"], 1);
  json job;
  for (int i = 0; i < 600; ++i) {
    job = call("GET", "/api/v1/jobs/1", "", auditor_token).as_json();
    if (job["state"] == "succeeded" || job["state"] == "failed") break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_TRUE(fs::exists(maestro.dir() / "exports/DSAR-2026-001/DSAR-2026-001_DSAR_PACKAGE.zip"));
  EXPECT_EQ(job.dump().find("luisg"), std::string::npos);
  json of_case = call("GET", "/api/v1/cases/DSAR-2026-001/jobs", "", auditor_token).as_json();
  EXPECT_EQ(of_case.size(), 1u);
}

}  // namespace
}  // namespace maestro::e2e

namespace maestro::e2e {
namespace {

// An operator's API client checks identity (a code, then an answer from the person's own
// records), finds the records, corrects them and restricts nothing it should not.
TEST_F(Serve, ChecksLocateAndCorrectionsRunThroughTheApi) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
  fs::copy_file(testing::fixture("chinook-anonymize.datamap.yaml"), maestro.dir() / "datamap.yaml");
  std::ofstream(maestro.home() / "maestro.yaml") << "datamap: ../datamap.yaml\n";
  server.reset();
  server = std::make_unique<BackgroundMaestro>(
      maestro, std::vector<std::string>{"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--workers", "1",
                                        "--no-daily-sweep"});
  for (int i = 0; i < 200 && call("GET", "/healthz").status != 200; ++i) std::this_thread::sleep_for(50ms);
  json request{{"subjects", {"email:luisg@embraer.com.br"}}, {"name", "Luís Gonçalves"},
               {"rights", "rectification"}, {"jurisdiction", "gdpr"}};
  ASSERT_EQ(call("POST", "/api/v1/cases", request.dump(), operator_token).status, 201);
  ASSERT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/actions/acknowledge", "", operator_token).status, 200);
  const std::string checks = "/api/v1/cases/DSAR-2026-001/checks";

  // Bad input first: nothing is recorded.
  EXPECT_EQ(call("POST", checks, R"({"method":"email-code","send":true})", auditor_token).status, 403);
  EXPECT_EQ(call("POST", checks, R"({"method":"palm-reading"})", operator_token).status, 400);
  EXPECT_EQ(call("POST", checks, R"({"method":"email-code","code":123456})", operator_token).status, 400);
  EXPECT_EQ(call("POST", checks, R"({"method":"knowledge","answers":["x"]})", operator_token).status, 400);
  EXPECT_EQ(call("POST", checks, R"({"method":"document","document":"passport","outcome":"maybe"})", operator_token)
                .status,
            400);
  EXPECT_EQ(call("POST", checks, R"({"method":"email-code","sent":true})", operator_token).status, 400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-404/checks", R"({"method":"email-code","send":true})", operator_token)
                .status,
            404);

  Reply sent = call("POST", checks, R"({"method":"email-code","send":true})", operator_token);
  ASSERT_EQ(sent.status, 200) << sent.body;
  auto letters = outbox_letters(maestro.home(), "verification-code");
  ASSERT_EQ(letters.size(), 1u);
  std::smatch code;
  ASSERT_TRUE(std::regex_search(letters[0], code, std::regex("\\n\\s+(\\d{6,})\\s*\\n"))) << letters[0];
  Reply checked = call("POST", checks, json{{"method", "email-code"}, {"code", code[1].str()}}.dump(), operator_token);
  ASSERT_EQ(checked.status, 200) << checked.body;
  EXPECT_TRUE(checked.as_json()["passed"].get<bool>());
  EXPECT_EQ(checked.as_json()["factors_passed"], 1);
  EXPECT_EQ(checked.as_json()["factors_required"], 2);
  EXPECT_EQ(checked.as_json()["case"]["state"], "awaiting_verification");
  long long own = count_rows(maestro.dir() / "chinook.db",
                                      "SELECT min(InvoiceId) FROM Invoice WHERE CustomerId = 1");
  Reply answered = call("POST", checks,
                        json{{"method", "knowledge"}, {"answers", {{"invoice.InvoiceId", std::to_string(own)}}}}.dump(),
                        operator_token);
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(answered.as_json()["case"]["state"], "verified");
  ASSERT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/actions/start", "", operator_token).status, 200);

  auto run_job = [&](const json& body) {
    Reply started = call("POST", "/api/v1/cases/DSAR-2026-001/jobs", body.dump(), operator_token);
    EXPECT_EQ(started.status, 202) << started.body;
    std::string id = std::to_string(started.as_json().value("id", 0));
    json job;
    for (int i = 0; i < 600; ++i) {
      job = call("GET", "/api/v1/jobs/" + id, "", auditor_token).as_json();
      if (job["state"] == "succeeded" || job["state"] == "failed") break;
      std::this_thread::sleep_for(50ms);
    }
    return job;
  };
  json located = run_job({{"kind", "locate"}});
  ASSERT_EQ(located["state"], "succeeded") << located.dump();
  EXPECT_EQ(located["result"]["records"]["chinook.customer"], 1) << located.dump();
  EXPECT_GT(located["result"]["records"]["chinook.invoice"].get<int>(), 0);
  EXPECT_EQ(located.dump().find("luisg"), std::string::npos);

  // A correction's bad input: refused before anything is queued.
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"rectify"})", operator_token).status, 400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"rectify","corrections":["Phone"]})",
                 operator_token)
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"rectify","corrections":"a.b=c"})",
                 operator_token)
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"locate","lift":true})", operator_token).status,
            400);
  EXPECT_EQ(call("POST", "/api/v1/cases/DSAR-2026-001/jobs", R"({"kind":"restrict","destination":"x/"})",
                 operator_token)
                .status,
            400);
  json corrected = run_job({{"kind", "rectify"}, {"corrections", {"customer.Phone=+55 12 0000 0000"}}});
  ASSERT_EQ(corrected["state"], "succeeded") << corrected.dump();
  EXPECT_TRUE(corrected["result"]["clean"].get<bool>());
  EXPECT_EQ(corrected["result"]["recipients_to_notify"], json::array({"Payment processor"}));
  EXPECT_EQ(corrected.dump().find("+55 12 0000 0000"), std::string::npos);  // the value stays in the store
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db",
                                "SELECT count(*) FROM Customer WHERE Phone = '+55 12 0000 0000'"),
            1);
  // The case does not ask for restriction: the worker refuses, and says why.
  json restricted = run_job({{"kind", "restrict"}});
  EXPECT_EQ(restricted["state"], "failed");
  EXPECT_NE(restricted.value("error", "").find("restriction"), std::string::npos) << restricted.dump();
}

}  // namespace
}  // namespace maestro::e2e
