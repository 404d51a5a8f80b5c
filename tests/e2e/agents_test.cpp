// End to end: authorized agents through the Data Rights Protocol 1.0. The agent is played by
// tests/support/drp_agent.py (PyNaCl, written from the protocol text): it makes its key, signs
// each message, and receives the status callbacks; `maestro serve` answers on loopback over the
// Chinook database, and the privacy team's steps are the CLI's.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/time.hpp"
#include "maestro_runner.hpp"
#include "support/server_process.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path k_root = MAESTRO_SOURCE_ROOT;
constexpr const char* k_business = "maestro-test-business";

struct Reply {
  long status = 0;
  std::string body;
  json as_json() const { return json::parse(body, nullptr, false); }
};

size_t collect(char* data, size_t size, size_t n, void* sink) {
  static_cast<std::string*>(sink)->append(data, size * n);
  return size * n;
}

std::string iso(std::chrono::system_clock::time_point at) {
  return format_instant(std::chrono::floor<std::chrono::seconds>(at));
}

class Agents : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("/usr/bin/python3 -c 'import nacl' 2>/dev/null") != 0) {
      if (testing::datasets_required()) FAIL() << "python3-nacl is missing (scripts/bootstrap --test installs it)";
      GTEST_SKIP() << "python3-nacl is missing (scripts/bootstrap --test installs it)";
    }
    auto datasets = testing::datasets_dir();
    if (!datasets) {
      if (testing::datasets_required()) FAIL() << "MAESTRO_REQUIRE_DATASETS=1 but ../shared/datasets is missing";
      GTEST_SKIP() << "../shared/datasets not found: skipping a test that needs the shared data sets";
    }
    maestro.unset_env("MAESTRO_NOW");  // signed messages carry real times
    fs::copy_file(*datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
    // The map whose erasure anonymizes (Chinook's invoice lines cannot lose their columns).
    fs::copy_file(testing::fixture("chinook-anonymize.datamap.yaml"), maestro.dir() / "datamap.yaml");
    port = testing::free_tcp_port();
    std::ofstream(maestro.dir() / "maestro.yaml")
        << "datamap: datamap.yaml\nexports_root: .\nserver: {public_url: 'http://127.0.0.1:" << port
        << "'}\nagents: {business_id: " << k_business << "}\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
    trusted_entry = keygen("trusted.key", "CR_AA_TRUSTED", "Trusted Agent");
    other_entry = keygen("other.key", "OTHER_AGENT", "Other Agent");
    std::ofstream(maestro.dir() / "trusted.json") << json::array({trusted_entry}).dump();
    std::ofstream(maestro.dir() / "other.json") << json{{"agents", {other_entry}}}.dump();
    ok({"agents", "import", "trusted.json", "--trust-email-verification"});
    ok({"agents", "import", "other.json"});
    callbacks = maestro.dir() / "callbacks.jsonl";
    ASSERT_TRUE(receiver.start({"/usr/bin/python3", (k_root / "tests/support/drp_agent.py").string(), "receive",
                                "{port}", callbacks.string()}));
    server = std::make_unique<BackgroundMaestro>(
        maestro, std::vector<std::string>{"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--workers", "1",
                                          "--no-daily-sweep"});
    for (int i = 0; i < 200; ++i) {
      if (call("GET", "/healthz").status == 200) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "maestro serve did not come up: " << server->err();
  }

  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.err << r.out;
    return r;
  }

  json keygen(const std::string& key_file, const std::string& id, const std::string& name) {
    std::string command = "/usr/bin/python3 " + (k_root / "tests/support/drp_agent.py").string() + " keygen " +
                          (maestro.dir() / key_file).string() + " " + id + " '" + name + "'";
    return json::parse(run_capture(command));
  }

  static std::string run_capture(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return out;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    ::pclose(pipe);
    return out;
  }

  // The message signed by the agent whose key is in `key_file`, Base64 (DRP's body).
  std::string sign(const std::string& key_file, const std::string& message) {
    fs::path in = maestro.dir() / "message.json";
    std::ofstream(in, std::ios::trunc) << message;
    return run_capture("/usr/bin/python3 " + (k_root / "tests/support/drp_agent.py").string() + " sign " +
                       (maestro.dir() / key_file).string() + " < " + in.string());
  }

  // The envelope every signed DRP message carries, valid for ten minutes from now.
  static json envelope(const std::string& agent, const std::string& business = k_business,
                       std::chrono::seconds issued_from_now = 0s, std::chrono::seconds lasting = 600s) {
    auto now = std::chrono::system_clock::now();
    return json{{"agent-id", agent}, {"business-id", business}, {"issued-at", iso(now + issued_from_now)},
                {"expires-at", iso(now + issued_from_now + lasting)}, {"drp.version", "1.0"}};
  }

  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& bearer = "") {
    Reply reply;
    CURL* curl = curl_easy_init();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_slist* headers = nullptr;
    if (!bearer.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + bearer).c_str());
    if (!body.empty()) {
      headers = curl_slist_append(headers, "Content-Type: text/plain");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return reply;
  }

  // Pair-wise key setup: the agent's token.
  std::string setup(const std::string& key_file, const std::string& agent) {
    Reply r = call("POST", "/drp/v1/agent/" + agent, sign(key_file, envelope(agent).dump()));
    EXPECT_EQ(r.status, 200) << r.body;
    json answer = r.as_json();
    EXPECT_EQ(answer.value("agent-id", ""), agent);
    return answer.value("token", "");
  }

  json exercise_message(const std::string& agent, const std::string& exercise, const std::string& email,
                        const std::string& name, const std::string& reference) {
    json m = envelope(agent);
    m["exercise"] = exercise;
    m["regime"] = "ccpa";
    m["agent-request-id"] = reference;
    m["email"] = email;
    m["email_verified"] = true;
    m["name"] = name;
    m["status_callback"] = receiver.url() + "/status/" + reference;
    return m;
  }

  std::vector<json> received() const {
    std::vector<json> out;
    std::ifstream in(callbacks);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(json::parse(line));
    return out;
  }

  // Waits (at most 60 s) until every request has been told its final status by callback.
  bool callbacks_reach(const std::map<std::string, std::string>& final_status) {
    for (int i = 0; i < 600; ++i) {
      std::map<std::string, std::string> latest;
      for (const auto& c : received()) latest[c["body"].value("request_id", "")] = c["body"].value("status", "");
      bool all = true;
      for (const auto& [id, status] : final_status) all = all && latest[id] == status;
      if (all) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  Maestro maestro;
  int port = 0;
  json trusted_entry, other_entry;
  fs::path callbacks;
  testing::ServerProcess receiver;
  std::unique_ptr<BackgroundMaestro> server;
};

TEST_F(Agents, AnAgentsAccessDeletionAndRevokedRequestEndFulfilledFulfilledRevoked) {
  RunResult listed = ok({"agents", "list", "--json"});
  json agents = json::parse(listed.out);
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents[0]["id"], "CR_AA_TRUSTED");
  EXPECT_TRUE(agents[0]["trusts_email"]);
  EXPECT_FALSE(agents[0]["has_token"]);

  std::string token = setup("trusted.key", "CR_AA_TRUSTED");
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(call("GET", "/drp/v1/agent/CR_AA_TRUSTED", "", token).status, 200);
  EXPECT_EQ(call("GET", "/drp/v1/agent/OTHER_AGENT", "", token).status, 403);

  // Access for Luís: the agent's email verification is trusted and enough for access.
  Reply access = call("POST", "/drp/v1/data-rights-request",
                      sign("trusted.key", exercise_message("CR_AA_TRUSTED", "access", "luisg@embraer.com.br",
                                                           "Luís Gonçalves", "agent-ref-1").dump()),
                      token);
  ASSERT_EQ(access.status, 200) << access.body;
  json a = access.as_json();
  EXPECT_EQ(a["status"], "in_progress") << a.dump();
  EXPECT_EQ(a["agent_request_id"], "agent-ref-1");
  EXPECT_EQ(a["request_id"].get<std::string>().size(), 36u);
  EXPECT_FALSE(a["expected_by"].get<std::string>().empty());
  // Deletion needs a second check: the consumer is sent to the portal.
  Reply deletion = call("POST", "/drp/v1/data-rights-request",
                        sign("trusted.key", exercise_message("CR_AA_TRUSTED", "deletion", "leonekohler@surfeu.de",
                                                             "Leonie Köhler", "agent-ref-2").dump()),
                        token);
  ASSERT_EQ(deletion.status, 200) << deletion.body;
  json d = deletion.as_json();
  EXPECT_EQ(d["status"], "in_progress");
  EXPECT_EQ(d["reason"], "need_user_verification");
  EXPECT_NE(d["user_verification_url"].get<std::string>().find("/portal/s/st_"), std::string::npos) << d.dump();
  Reply third = call("POST", "/drp/v1/data-rights-request",
                     sign("trusted.key", exercise_message("CR_AA_TRUSTED", "access", "ftremblay@gmail.com",
                                                          "François Tremblay", "agent-ref-3").dump()),
                     token);
  ASSERT_EQ(third.status, 200) << third.body;
  std::string third_id = third.as_json()["request_id"];

  // The cases: channel agent, each in its own number.
  json first_case = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(first_case["channel"], "agent");
  EXPECT_EQ(first_case["state"], "verified");
  EXPECT_EQ(json::parse(ok({"dsar", "show", "DSAR-2026-002", "--json"}).out)["state"], "awaiting_verification");

  // Revoke the third: withdrawn.
  Reply revoked = call("DELETE", "/drp/v1/data-rights-request/" + third_id,
                       sign("trusted.key", json{{"reason", "the consumer changed their mind"}}.dump()), token);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.as_json()["status"], "revoked");
  EXPECT_EQ(json::parse(ok({"dsar", "show", "DSAR-2026-003", "--json"}).out)["state"], "withdrawn");

  // The privacy team does the work.
  ok({"dsar", "start", "DSAR-2026-001"});
  ok({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/DSAR-2026-001/", "--notify"});
  ok({"dsar", "review", "DSAR-2026-001"});
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  ok({"dsar", "verify", "DSAR-2026-002", "--method", "document"});
  ok({"dsar", "start", "DSAR-2026-002"});
  ok({"dsar", "delete", "--case", "DSAR-2026-002"});
  ok({"dsar", "fulfil", "DSAR-2026-002"});

  Reply polled = call("GET", "/drp/v1/data-rights-request/" + a["request_id"].get<std::string>(), "", token);
  ASSERT_EQ(polled.status, 200) << polled.body;
  EXPECT_EQ(polled.as_json()["status"], "fulfilled");
  EXPECT_NE(polled.as_json().value("results_url", "").find("/portal/s/st_"), std::string::npos) << polled.body;
  EXPECT_EQ(call("GET", "/drp/v1/data-rights-request/" + d["request_id"].get<std::string>(), "", token).as_json()["status"],
            "fulfilled");

  // Every change reached the agent by callback, at most once each.
  ASSERT_TRUE(callbacks_reach({{a["request_id"], "fulfilled"}, {d["request_id"], "fulfilled"}, {third_id, "revoked"}}))
      << testing::read_file(callbacks);
  std::set<std::string> told;
  for (const auto& c : received()) {
    std::string key = c["body"].value("request_id", "") + "/" + c["body"].value("status", "") + "/" +
                      c["body"].value("reason", "");
    EXPECT_TRUE(told.insert(key).second) << "told twice: " << key;
  }
  // Nothing personal in the audit trail: the agent and its request are named, the person not.
  std::string trail = ok({"audit", "export"}).out;
  EXPECT_NE(trail.find("agent-request"), std::string::npos);
  EXPECT_NE(trail.find("CR_AA_TRUSTED"), std::string::npos);
  EXPECT_EQ(trail.find("luisg@embraer.com.br"), std::string::npos);
  EXPECT_EQ(trail.find(token), std::string::npos);
}

// CCPA: an opt-out needs no verification; a renewed opt-in is the consumer's own two-step
// confirmation (regs 7028(a)), whatever the agent verified, and lifts the opt-out marker.
TEST_F(Agents, AnOptOutIsSetAtOnceAndARenewedOptInLiftsItOnceTheConsumerConfirms) {
  exec_sql(maestro.dir() / "chinook.db", "ALTER TABLE Customer ADD COLUMN SaleAllowed INTEGER NOT NULL DEFAULT 1");
  std::ofstream(maestro.dir() / "sale.datamap.yaml") << R"(systems:
  - name: chinook
    store: {type: sqlite, path: chinook.db}
    collections:
      - name: customer
        source: Customer
        objection: {field: SaleAllowed, value: "0", lifted: "1"}
        fields:
          - {name: CustomerId, primary_key: true, categories: [user.unique_id], identity: customer_id}
          - {name: Email, categories: [user.contact.email], identity: email}
          - {name: SaleAllowed, categories: [system.operations]}
)";
  const std::string luis = "SELECT SaleAllowed FROM Customer WHERE Email = 'luisg@embraer.com.br'";
  const std::string others = "SELECT count(*) FROM Customer WHERE SaleAllowed = 1";
  std::string token = setup("trusted.key", "CR_AA_TRUSTED");

  Reply opt_out = call("POST", "/drp/v1/data-rights-request",
                       sign("trusted.key", exercise_message("CR_AA_TRUSTED", "sale:opt-out", "luisg@embraer.com.br",
                                                            "Luís Gonçalves", "sale-1").dump()),
                       token);
  ASSERT_EQ(opt_out.status, 200) << opt_out.body;
  EXPECT_EQ(opt_out.as_json()["status"], "in_progress");
  EXPECT_FALSE(opt_out.as_json().contains("reason")) << opt_out.body;
  json out_case = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(out_case["state"], "verified");
  EXPECT_EQ(out_case["rights"], json::array({"ccpa-opt-out-of-sale"}));
  ok({"dsar", "start", "DSAR-2026-001"});
  ok({"dsar", "object", "--case", "DSAR-2026-001", "--map", "sale.datamap.yaml"});
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", luis), 0);
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", others), 58);

  // The agent verified the email and is trusted with it: still the consumer must confirm.
  Reply opt_in = call("POST", "/drp/v1/data-rights-request",
                      sign("trusted.key", exercise_message("CR_AA_TRUSTED", "sale:opt-in", "luisg@embraer.com.br",
                                                           "Luís Gonçalves", "sale-2").dump()),
                      token);
  ASSERT_EQ(opt_in.status, 200) << opt_in.body;
  json in = opt_in.as_json();
  EXPECT_EQ(in["status"], "in_progress");
  EXPECT_EQ(in["reason"], "need_user_verification") << in.dump();
  EXPECT_NE(in["processing_details"].get<std::string>().find("two-step"), std::string::npos) << in.dump();
  json in_case = json::parse(ok({"dsar", "show", "DSAR-2026-002", "--json"}).out);
  EXPECT_EQ(in_case["rights"], json::array({"ccpa-opt-in-to-sale"}));
  EXPECT_EQ(in_case["state"], "awaiting_verification");
  // Nothing is lifted before the consumer confirms. (Unchecked: serve's callback loop writes to
  // the store meanwhile, which the runner's "a refusal changes nothing" comparison would see.)
  EXPECT_EQ(maestro.run_unchecked({"dsar", "object", "--case", "DSAR-2026-002", "--map", "sale.datamap.yaml"}).exit_code,
            4);
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", luis), 0);

  // The consumer confirmed (recorded by the team here: this test has no mailbox), then the
  // team's `dsar object` on the case lifts the marker without being told --lift.
  ok({"dsar", "verify", "DSAR-2026-002", "--method", "document"});
  ok({"dsar", "start", "DSAR-2026-002"});
  ok({"dsar", "object", "--case", "DSAR-2026-002", "--map", "sale.datamap.yaml"});
  ok({"dsar", "fulfil", "DSAR-2026-002"});
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", luis), 1);
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", others), 59);
  std::string trail = ok({"audit", "export"}).out;
  EXPECT_NE(trail.find("object-lift"), std::string::npos);

  ASSERT_TRUE(callbacks_reach({{opt_out.as_json()["request_id"], "fulfilled"}, {in["request_id"], "fulfilled"}}))
      << testing::read_file(callbacks);
  // Both cases closed with their work recorded, not by exception.
  EXPECT_EQ(json::parse(ok({"dsar", "show", "DSAR-2026-002", "--json"}).out)["state"], "fulfilled");
}

TEST_F(Agents, BadMessagesAreRefusedWithTheProtocolsAnswerAndNothingRecorded) {
  std::string token = setup("trusted.key", "CR_AA_TRUSTED");
  std::string other_token = setup("other.key", "OTHER_AGENT");
  // No status callback here: serve's callbacks write to the store in the background, which the
  // "nothing recorded" comparisons below would see.
  auto message = [&](const std::string& email) {
    json m = exercise_message("CR_AA_TRUSTED", "access", email, "Someone", "ref-" + email);
    m.erase("status_callback");
    return m;
  };
  auto refused = [&](const std::string& what, const std::string& method, const std::string& path,
                     const std::string& body, const std::string& bearer, long status) {
    std::string before = maestro.store_state();
    Reply r = call(method, path, body, bearer);
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    if (!r.body.empty()) {
      json answer = r.as_json();
      EXPECT_EQ(answer.value("code", ""), std::to_string(status)) << what << ": " << r.body;
      EXPECT_TRUE(answer.contains("fatal")) << what;
    }
    EXPECT_EQ(maestro.store_state(), before) << what << " changed the case store";
  };
  const std::string exercise_path = "/drp/v1/data-rights-request";
  std::string good = sign("trusted.key", message("luisg@embraer.com.br").dump());
  std::string tampered = good;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
  refused("a bad signature", "POST", exercise_path, tampered, token, 403);
  refused("another agent's key", "POST", exercise_path, sign("other.key", message("luisg@embraer.com.br").dump()),
          token, 403);
  json elsewhere = message("luisg@embraer.com.br");
  elsewhere["business-id"] = "another-business";
  refused("another business", "POST", exercise_path, sign("trusted.key", elsewhere.dump()), token, 403);
  json late = message("luisg@embraer.com.br");
  late.update(envelope("CR_AA_TRUSTED", k_business, -1200s, 600s));
  refused("past expires-at", "POST", exercise_path, sign("trusted.key", late.dump()), token, 400);
  json early = message("luisg@embraer.com.br");
  early.update(envelope("CR_AA_TRUSTED", k_business, 3600s, 600s));
  refused("issued in the future", "POST", exercise_path, sign("trusted.key", early.dump()), token, 400);
  refused("malformed Base64", "POST", exercise_path, "this is not base64!", token, 400);
  refused("malformed JSON", "POST", exercise_path, sign("trusted.key", "{not json"), token, 400);
  json unknown = message("luisg@embraer.com.br");
  unknown["exercise"] = "sale:everything";
  refused("an unknown exercise", "POST", exercise_path, sign("trusted.key", unknown.dump()), token, 400);
  refused("no token", "POST", exercise_path, good, "", 403);
  refused("an unknown agent's key setup", "POST", "/drp/v1/agent/NOBODY", sign("trusted.key", envelope("NOBODY").dump()),
          "", 403);

  // The good message is taken once; the same bytes again are a replay.
  Reply taken = call("POST", exercise_path, good, token);
  ASSERT_EQ(taken.status, 200) << taken.body;
  refused("a replayed body", "POST", exercise_path, good, token, 403);
  std::string id = taken.as_json()["request_id"];
  refused("another agent's token on this request", "GET", exercise_path + "/" + id, "", other_token, 403);
  refused("another agent revoking it", "DELETE", exercise_path + "/" + id,
          sign("other.key", json{{"reason", "x"}}.dump()), other_token, 403);

  // A disabled agent's token stops working.
  ok({"agents", "disable", "OTHER_AGENT"});
  json disabled = exercise_message("OTHER_AGENT", "access", "a@example.com", "A", "r");
  disabled.erase("status_callback");
  refused("a disabled agent", "POST", exercise_path, sign("other.key", disabled.dump()), other_token, 403);
}

TEST_F(Agents, AThirdAccessRequestInTwelveMonthsIsDeniedAsTooMany) {
  std::string token = setup("trusted.key", "CR_AA_TRUSTED");
  std::vector<std::string> statuses;
  for (int i = 1; i <= 3; ++i) {
    Reply r = call("POST", "/drp/v1/data-rights-request",
                   sign("trusted.key", exercise_message("CR_AA_TRUSTED", "access", "luisg@embraer.com.br", "Luís",
                                                        "limit-" + std::to_string(i)).dump()),
                   token);
    ASSERT_EQ(r.status, 200) << r.body;
    statuses.push_back(r.as_json().value("status", "") + "/" + r.as_json().value("reason", ""));
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"in_progress/", "in_progress/", "denied/too_many_requests"}));
  // The second is flagged as a possible duplicate of the first, as any other request would be.
  json second = json::parse(ok({"dsar", "show", "DSAR-2026-002", "--json"}).out);
  EXPECT_FALSE(second["possible_duplicates"].empty()) << second.dump();
  EXPECT_EQ(json::parse(ok({"dsar", "show", "DSAR-2026-003", "--json"}).out)["denial_reason"], "excessive");
}

}  // namespace
}  // namespace maestro::e2e
