// Data behind an HTTP API: a help desk shaped like seed 002's Chatwoot calls, served by a real
// json-server, described once in Maestro's own map and once as a Fides SaaS config written for
// it; and an API that fails in every way a real one does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "maestro_runner.hpp"
#include "support/server_process.hpp"
#include "support/test_support.hpp"

namespace maestro::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path k_root = MAESTRO_SOURCE_ROOT;

// Jane has a contact and five conversations (three pages of two); two other people exist.
// (contact_id, not contactId: json-server would delete a contactId's conversations with the contact.)
json help_desk() {
  json db{{"contacts", json::array()}, {"conversations", json::array()}};
  db["contacts"].push_back({{"id", 1}, {"name", "Jane Example"}, {"email", "jane@example.com"},
                            {"phone_number", "+44 20 7946 0001"}, {"labels", json::array()}});
  db["contacts"].push_back({{"id", 2}, {"name", "Bob Other"}, {"email", "bob@example.com"},
                            {"phone_number", "+44 20 7946 0002"}, {"labels", json::array()}});
  db["contacts"].push_back({{"id", 3}, {"name", "Eve Third"}, {"email", "eve@example.com"},
                            {"phone_number", "+44 20 7946 0003"}, {"labels", json::array()}});
  for (int i = 1; i <= 9; ++i) {
    int contact = i <= 5 ? 1 : i <= 7 ? 2 : 3;
    db["conversations"].push_back({{"id", 100 + i},
                                   {"contact_id", contact},
                                   {"status", "resolved"},
                                   {"messages", json::array({{{"content", "Message " + std::to_string(i)}}})}});
  }
  return db;
}

const char* k_native_map = R"yaml(systems:
  - name: helpdesk
    description: Customer support conversations (Chatwoot-shaped API)
    store: {type: http, base_url: "BASE", rate_limit: 200}
    collections:
      - name: contacts
        purpose: Answering the customer's questions
        legal_basis: legitimate interests
        recipients: [Support outsourcer]
        erasure: {strategy: delete}
        restriction: {field: processing, value: restricted, lifted: normal}
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id]}
          - {name: name, categories: [user.name]}
          - {name: email, categories: [user.contact.email]}
          - {name: phone_number, categories: [user.contact.phone_number]}
          - {name: processing, categories: [system.operations]}
        requests:
          read:
            - method: GET
              path: /contacts
              query_params: [{name: email, value: <email>}]
              param_values: [{name: email, identity: email}]
            - {method: GET, path: "/contacts/<contact_id>", param_values: [{name: contact_id, field: id}]}
            - {method: GET, path: /contacts}
          update:
            method: PATCH
            path: /contacts/<contact_id>
            param_values: [{name: contact_id, references: [{field: contacts.id}]}]
          delete:
            method: DELETE
            path: /contacts/<contact_id>
            param_values: [{name: contact_id, references: [{field: contacts.id}]}]
      - name: conversations
        purpose: Answering the customer's questions
        legal_basis: legitimate interests
        erasure: {strategy: delete}
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - {name: contact_id, categories: [user.unique_id]}
          - {name: messages, categories: [user.content]}
        requests:
          read:
            - method: GET
              path: /conversations
              query_params: [{name: contact_id, value: <contact_id>}, {name: _page, value: "1"}, {name: _limit, value: "2"}]
              param_values: [{name: contact_id, references: [{field: contacts.id, direction: from}]}]
              pagination: {strategy: link, configuration: {source: headers, rel: next}}
            # By id: lets the erasure's proof read each deleted conversation again.
            - {method: GET, path: "/conversations/<conversation_id>", param_values: [{name: conversation_id, field: id}]}
            # Every conversation: lets 'backup replay' find erased ones in a restored help desk.
            - {method: GET, path: /conversations, query_params: [{name: _page, value: "1"}, {name: _limit, value: "4"}],
               pagination: {strategy: link, configuration: {source: headers, rel: next}}}
          delete:
            method: DELETE
            path: /conversations/<conversation_id>
            param_values: [{name: conversation_id, references: [{field: conversations.id}]}]
)yaml";

// The same help desk as a Fides SaaS config and dataset.
const char* k_saas_config = R"yaml(saas_config:
  fides_key: <instance_fides_key>
  name: Help desk
  type: helpdesk
  description: A Chatwoot-shaped help desk, for Maestro's tests
  version: 0.0.1
  connector_params:
    - name: domain
    - name: api_token
      sensitive: True
  client_config:
    protocol: http
    host: <domain>
    authentication:
      strategy: bearer
      configuration:
        token: <api_token>
  test_request:
    method: GET
    path: /contacts
  endpoints:
    - name: contacts
      requests:
        read:
          method: GET
          path: /contacts
          query_params:
            - name: email
              value: <email>
          param_values:
            - name: email
              identity: email
        delete:
          method: DELETE
          path: /contacts/<contact_id>
          param_values:
            - name: contact_id
              references:
                - dataset: <instance_fides_key>
                  field: contacts.id
                  direction: from
    - name: conversations
      requests:
        read:
          method: GET
          path: /conversations
          query_params:
            - name: contact_id
              value: <contact_id>
            - name: _page
              value: 1
            - name: _limit
              value: 2
          param_values:
            - name: contact_id
              references:
                - dataset: <instance_fides_key>
                  field: contacts.id
                  direction: from
          pagination:
            strategy: link
            configuration:
              source: headers
              rel: next
)yaml";

const char* k_saas_dataset = R"yaml(dataset:
  - fides_key: <instance_fides_key>
    name: Help desk dataset
    collections:
      - name: contacts
        fields:
          - name: id
            data_categories: [user.unique_id]
            fidesops_meta: {primary_key: True, data_type: integer}
          - name: name
            data_categories: [user.name]
          - name: email
            data_categories: [user.contact.email]
          - name: phone_number
            data_categories: [user.contact.phone_number]
      - name: conversations
        fields:
          - name: id
            data_categories: [system.operations]
            fidesops_meta: {primary_key: True}
          - name: contact_id
            data_categories: [user.unique_id]
          - name: messages
            data_categories: [user.content]
)yaml";

class HttpApi : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::path cli = k_root / "tests/servers/node/node_modules/json-server/lib/cli/bin.js";
    if (!fs::exists(cli)) {
      if (testing::datasets_required()) FAIL() << "json-server is not installed (scripts/bootstrap --test installs it)";
      GTEST_SKIP() << "json-server is not installed (scripts/bootstrap --test runs npm ci in tests/servers/node)";
    }
    ASSERT_TRUE(serve(help_desk()));
  }

  // (Re)starts the help desk with these contents, on a new port.
  bool serve(const json& db) {
    desk.stop();
    std::ofstream(maestro.dir() / "db.json") << db.dump(2);
    fs::path cli = k_root / "tests/servers/node/node_modules/json-server/lib/cli/bin.js";
    return desk.start({"node", cli.string(), "--port", "{port}", "--host", "127.0.0.1", "--quiet",
                       (maestro.dir() / "db.json").string()});
  }

  void use_map(const std::string& yaml) {
    std::string text = yaml;
    if (auto at = text.find("BASE"); at != std::string::npos) text.replace(at, 4, desk.url());
    std::ofstream(maestro.dir() / "datamap.yaml") << text;
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\nexports_root: .\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }

  void use_saas() {
    std::ofstream(maestro.dir() / "helpdesk_config.yml") << k_saas_config;
    std::ofstream(maestro.dir() / "helpdesk_dataset.yml") << k_saas_dataset;
    use_map("systems:\n  - name: helpdesk\n    owner: support-lead@example.com\n"
            "    store: {type: http, rate_limit: 200}\n    fides_saas:\n"
            "      config: helpdesk_config.yml\n      dataset: helpdesk_dataset.yml\n"
            "      params: {domain: \"127.0.0.1:" + std::to_string(desk.port()) + "\"}\n"
            "      secrets: {api_token: DESK_TOKEN}\n");
    maestro.set_env("DESK_TOKEN", "not-checked-by-json-server");
  }

  json served(const std::string& path) {
    std::string out = (maestro.dir() / "served.json").string();
    std::string cmd = "curl -s -o " + out + " " + desk.url() + path;
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return json::parse(testing::read_file(out));
  }

  json locate() {
    RunResult r = maestro.run({"dsar", "locate", "--subject", "jane@example.com", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return json::parse(r.out.empty() ? "{}" : r.out);
  }

  Maestro maestro;
  testing::ServerProcess desk;
};

TEST_F(HttpApi, LocateFollowsReferencesAcrossPagesInBothDescriptions) {
  use_map(k_native_map);
  json native = locate();
  EXPECT_EQ(native["records"]["helpdesk.contacts"], 1) << native.dump();
  EXPECT_EQ(native["records"]["helpdesk.conversations"], 5) << native.dump();  // three pages
  use_saas();
  json fides = locate();
  EXPECT_EQ(fides["records"], native["records"]) << fides.dump();
  std::string trail = maestro.run({"audit", "show", "--json"}).out;
  EXPECT_EQ(trail.find("jane@example.com"), std::string::npos);
}

// The map without the conversations' read-by-id request: the proof reads them again the way locate
// reached them, by the contact's id, which outlives the contact.
std::string without_read_by_id(std::string map) {
  const std::string by_id =
      "            # By id: lets the erasure's proof read each deleted conversation again.\n"
      "            - {method: GET, path: \"/conversations/<conversation_id>\", param_values: [{name: conversation_id, "
      "field: id}]}\n";
  auto at = map.find(by_id);
  if (at != std::string::npos) map.erase(at, by_id.size());
  return map;
}

TEST_F(HttpApi, TheProofReadsChildrenAgainThroughTheParentsKey) {
  std::string map = without_read_by_id(k_native_map);
  ASSERT_EQ(map.find("conversation_id, field: id"), std::string::npos);
  use_map(map);
  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err << erased.out;
  json out = json::parse(erased.out);
  EXPECT_TRUE(out["proof"]["clean"].get<bool>()) << erased.out;
  EXPECT_EQ(out["proof"]["not_reread"], 0) << erased.out;
  EXPECT_EQ(out["proof"]["verified_rows"], 6) << erased.out;
}

// An API that answers 200 to the delete and keeps the record (here: the "delete" is a PATCH that
// changes nothing): the contact is gone, so a fresh locate from the email finds nothing, but the
// proof asks for the conversations by the contact's id and finds all five still there.
TEST_F(HttpApi, AnApiThatSaysDeletedButKeepsTheRecordIsNotProvenErased) {
  std::string map = without_read_by_id(k_native_map);
  const std::string remove = "          delete:\n            method: DELETE\n            path: /conversations/";
  auto at = map.find(remove);
  ASSERT_NE(at, std::string::npos);
  map.replace(at, remove.size(), "          delete:\n            method: PATCH\n            path: /conversations/");
  use_map(map);
  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  EXPECT_EQ(erased.exit_code, 6) << erased.err << erased.out;
  json out = json::parse(erased.out);
  EXPECT_FALSE(out["proof"]["clean"].get<bool>()) << erased.out;
  EXPECT_EQ(out["proof"]["remaining"], 5) << erased.out;
  EXPECT_EQ(served("/conversations?contact_id=1").size(), 5u);  // still there, as the proof says
  EXPECT_TRUE(served("/contacts?email=jane@example.com").empty());
  // Closing the case as fulfilled waits for a clean proof.
  RunResult closing = maestro.run({"dsar", "fulfil", "DSAR-2026-001"});
  EXPECT_EQ(closing.exit_code, 4);
  EXPECT_NE(closing.err.find("erasure incomplete"), std::string::npos) << closing.err;
}

TEST_F(HttpApi, TheExportHoldsTheApisRecords) {
  use_map(k_native_map);
  RunResult r = maestro.run({"dsar", "export", "--subject", "jane@example.com", "--out", "out/", "--json",
                             "--override-verification", "tested by the suite"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  json outcome = json::parse(r.out);
  EXPECT_EQ(outcome["records"]["helpdesk.conversations"], 5) << r.out;
  std::string listing;
  for (const auto& e : fs::recursive_directory_iterator(maestro.dir() / "out")) listing += e.path().string() + "\n";
  EXPECT_NE(listing.find(".zip"), std::string::npos) << listing;
}

TEST_F(HttpApi, AnErasureDeletesThroughTheApiAndProvesItByReadingAgain) {
  use_map(k_native_map);
  RunResult preview = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--preview", "--json"});
  ASSERT_EQ(preview.exit_code, 0) << preview.err << preview.out;
  EXPECT_EQ(served("/conversations?contact_id=1").size(), 5u);  // the preview changed nothing
  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err << erased.out;
  json out = json::parse(erased.out);
  EXPECT_TRUE(out["proof"]["clean"].get<bool>()) << erased.out;
  EXPECT_EQ(out["proof"]["verified_rows"], 6) << erased.out;  // every planned record, read again by id
  EXPECT_EQ(out["proof"]["not_reread"], 0) << erased.out;
  EXPECT_TRUE(served("/contacts?email=jane@example.com").empty());
  EXPECT_TRUE(served("/conversations?contact_id=1").empty());
  EXPECT_EQ(served("/contacts").size(), 2u);  // the others are untouched
  EXPECT_EQ(served("/conversations").size(), 4u);

  // The help desk is restored from last night's backup: Jane is back until the ledger is replayed.
  ASSERT_TRUE(serve(help_desk()));
  use_map(k_native_map);  // the restored service answers on a new port
  EXPECT_EQ(served("/conversations?contact_id=1").size(), 5u);
  RunResult replayed = maestro.run({"backup", "replay", "--since", "2000-01-01"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err << replayed.out;
  EXPECT_TRUE(served("/contacts?email=jane@example.com").empty()) << replayed.out;
  EXPECT_TRUE(served("/conversations?contact_id=1").empty());
  EXPECT_EQ(served("/conversations").size(), 4u);
}

// OAuth2 client credentials: a token fetched, and fetched again when the API refuses it.
TEST_F(HttpApi, OAuth2ClientCredentialsAreFetchedAndRenewed) {
  testing::ServerProcess api;
  fs::path hits = maestro.dir() / "hits.txt";
  ASSERT_TRUE(api.start({"/usr/bin/python3", (k_root / "tests/support/faulty_api.py").string(), "{port}",
                         hits.string()}));
  auto map_with_secret = [&](const std::string& secret_env) {
    use_map("systems:\n  - name: crm\n    owner: it@example.com\n    store: {type: http, base_url: \"" + api.url() +
            "\", auth: {strategy: oauth2_client_credentials, token_url: /oauth/token, client_id: maestro, "
            "client_secret_env: " + secret_env + "}}\n    collections:\n      - name: contacts\n"
            "        fields: [{name: email, categories: [user.contact.email]}, {name: n, categories: [system.operations]}]\n"
            "        requests:\n          read: {method: GET, path: /oauth/contacts, data_path: items,\n"
            "                 query_params: [{name: email, value: <email>}], param_values: [{name: email, identity: email}],\n"
            "                 pagination: {strategy: link, configuration: {source: body, path: next}}}\n");
  };
  map_with_secret("CRM_SECRET");
  maestro.set_env("CRM_SECRET", "s3cret");
  json found = locate();
  EXPECT_EQ(found["records"]["crm.contacts"], 2) << found.dump();  // two pages, each with a fresh token
  std::string log = testing::read_file(hits);
  // A token, page one, page two refused (tokens here last one request), a fresh token, page two.
  EXPECT_EQ(log, "token\noauth\noauth\ntoken\noauth\n");

  // A form-encoded API (Stripe's kind): the JSON body of the map is sent as a form.
  use_map("systems:\n  - name: payments\n    owner: it@example.com\n    store: {type: http, base_url: \"" + api.url() +
          "\"}\n    collections:\n      - name: customers\n"
          "        fields: [{name: email, categories: [user.contact.email]}, {name: nested, categories: [user.contact.email]}]\n"
          "        requests:\n          read: {method: POST, path: /form/customers, data_path: items,\n"
          "                 headers: [{name: Content-Type, value: application/x-www-form-urlencoded}],\n"
          "                 body: '{\"email\": \"<email>\", \"filter\": {\"email\": \"<email>\"}}',\n"
          "                 param_values: [{name: email, identity: email}]}\n");
  RunResult form = maestro.run({"dsar", "locate", "--subject", "jane@example.com", "--json"});
  ASSERT_EQ(form.exit_code, 0) << form.err << form.out;
  EXPECT_EQ(json::parse(form.out)["records"]["payments.customers"], 1) << form.out;

  map_with_secret("CRM_SECRET");
  maestro.set_env("CRM_SECRET", "wrong");
  RunResult refused = maestro.run({"dsar", "locate", "--subject", "jane@example.com"});
  EXPECT_EQ(refused.exit_code, 5);
  EXPECT_NE(refused.out.find("token request"), std::string::npos) << refused.out;
  EXPECT_EQ(refused.out.find("wrong"), std::string::npos);  // the secret is never printed
}

// Issue 29: a Fides config whose service authorizes with OAuth2 authorization codes (the refresh
// token of the authorization given as a secret; the service rotates it) and limits its rate.
TEST_F(HttpApi, AFidesConfigRenewsItsTokenWithARotatingRefreshTokenAndKeepsItsRateLimit) {
  testing::ServerProcess api;
  fs::path hits = maestro.dir() / "hits.txt";
  ASSERT_TRUE(api.start({"/usr/bin/python3", (k_root / "tests/support/faulty_api.py").string(), "{port}",
                         hits.string()}));
  std::string host = "127.0.0.1:" + std::to_string(api.port());
  std::ofstream(maestro.dir() / "crm_config.yml") << R"(saas_config:
  fides_key: <instance_fides_key>
  name: CRM
  type: crm
  description: a CRM with OAuth2 authorization codes and a rate limit
  version: 0.0.1
  connector_params:
    - {name: domain}
    - {name: client_id}
  client_config:
    protocol: http
    host: <domain>
    authentication:
      strategy: oauth2_authorization_code
      configuration:
        expires_in: 3600
        authorization_request: {method: GET, path: /oauth/authorize}
        refresh_request:
          method: POST
          path: /oauth/token
          headers: [{name: Content-Type, value: application/x-www-form-urlencoded}]
          body: '{"grant_type": "refresh_token", "refresh_token": "<refresh_token>", "client_id": "<client_id>"}'
  rate_limit_config:
    limits: [{rate: 2, period: second}]
  test_request: {method: GET, path: /oauth/contacts}
  endpoints:
    - name: contacts
      requests:
        read:
          method: GET
          path: /oauth/contacts
          query_params: [{name: email, value: <email>}]
          param_values: [{name: email, identity: email}]
          data_path: items
          pagination: {strategy: link, configuration: {source: body, path: next}}
    - name: customers
      requests:
        read:
          method: GET
          path: /cursor/customers
          query_params: [{name: email, value: <email>}]
          param_values: [{name: email, identity: email}]
          data_path: data
          pagination: {strategy: cursor, configuration: {cursor_param: starting_after, field: id}}
)";
  std::ofstream(maestro.dir() / "crm_dataset.yml") << R"(dataset:
  - fides_key: <instance_fides_key>
    name: CRM
    collections:
      - name: contacts
        fields:
          - {name: email, data_categories: [user.contact.email]}
          - {name: n, data_categories: [system.operations]}
      - name: customers
        fields:
          - {name: id, data_categories: [user.unique_id], fides_meta: {primary_key: true}}
          - {name: email, data_categories: [user.contact.email]}
)";
  use_map("systems:\n  - name: crm\n    owner: it@example.com\n    store: {type: http, rate_limit: 200}\n"
          "    fides_saas:\n      config: crm_config.yml\n      dataset: crm_dataset.yml\n"
          "      params: {domain: \"" + host + "\", client_id: maestro}\n"
          "      secrets: {refresh_token: CRM_REFRESH_TOKEN}\n");
  maestro.set_env("CRM_REFRESH_TOKEN", "refresh-1");
  json found = locate();
  EXPECT_EQ(found["records"]["crm.contacts"], 2) << found.dump();
  EXPECT_EQ(found["records"]["crm.customers"], 5) << found.dump();
  std::vector<std::string> lines;
  std::vector<double> cursor_times;
  std::istringstream log(testing::read_file(hits));
  for (std::string line; std::getline(log, line);) {
    if (line.starts_with("cursor ")) {
      cursor_times.push_back(std::stod(line.substr(7)));
      line = "cursor";
    }
    lines.push_back(line);
  }
  // Renewed with refresh-1, page one; page two refused (a token here serves one request); renewed
  // with the refresh-2 the first renewal rotated to; page two again.
  std::vector<std::string> oauth(lines.begin(), lines.begin() + std::min<std::size_t>(5, lines.size()));
  EXPECT_EQ(oauth, (std::vector<std::string>{"refresh", "oauth", "oauth", "refresh", "oauth"}))
      << testing::read_file(hits);
  // Two requests a second at most: of the customers' four pages (three and an empty one), each
  // arrived at least a second after the one two before it (the limiter's exact counts are
  // unit-tested on a clock of their own; 0.9 s allows for the network's jitter here).
  ASSERT_EQ(cursor_times.size(), 4u) << testing::read_file(hits);
  EXPECT_GE(cursor_times[2] - cursor_times[0], 0.9);
  EXPECT_GE(cursor_times[3] - cursor_times[1], 0.9);

  // Another process, the same configured refresh-1, which the provider rotated away: it starts
  // from the tokens the first run kept sealed in the case store. Its kept access token is spent
  // (one request each here), so it is refused once and renewed with the kept refresh token.
  std::ofstream(hits, std::ios::trunc).flush();
  json again = locate();
  EXPECT_EQ(again["records"]["crm.contacts"], 2) << again.dump();
  std::istringstream second_log(testing::read_file(hits));
  std::vector<std::string> second;
  for (std::string line; std::getline(second_log, line) && second.size() < 3;) second.push_back(line);
  EXPECT_EQ(second, (std::vector<std::string>{"oauth", "refresh", "oauth"})) << testing::read_file(hits);
  // Sealed: no token is readable in the store's files.
  for (const char* file : {"maestro.db", "maestro.db-wal"}) {
    std::string bytes = fs::exists(maestro.home() / file) ? testing::read_file(maestro.home() / file) : "";
    EXPECT_EQ(bytes.find("refresh-"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("tok-"), std::string::npos) << file;
  }

  // A refresh token the service does not know: the system is not searched, the token never shown.
  maestro.set_env("CRM_REFRESH_TOKEN", "refresh-stale");
  RunResult refused = maestro.run({"dsar", "locate", "--subject", "jane@example.com"});
  EXPECT_EQ(refused.exit_code, 5) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("token request"), std::string::npos) << refused.out;
  EXPECT_EQ(refused.out.find("refresh-stale"), std::string::npos);
}

// Cursor pagination (Stripe's kind) across pages, and a hard page limit that is an error.
TEST_F(HttpApi, CursorPagesAreFollowedAndTooManyPagesIsAnError) {
  testing::ServerProcess api;
  fs::path hits = maestro.dir() / "hits.txt";
  ASSERT_TRUE(api.start({"/usr/bin/python3", (k_root / "tests/support/faulty_api.py").string(), "{port}",
                         hits.string()}));
  auto system = [&](const std::string& name, const std::string& extra) {
    return "  - name: " + name + "\n    owner: it@example.com\n    store: {type: http, base_url: \"" + api.url() +
           "\", rate_limit: 200" + extra + "}\n    collections:\n      - name: customers\n"
           "        fields: [{name: id, primary_key: true, categories: [user.unique_id]}, "
           "{name: email, categories: [user.contact.email]}]\n"
           "        requests:\n          read: {method: GET, path: /cursor/customers, data_path: data,\n"
           "                 query_params: [{name: email, value: <email>}], param_values: [{name: email, identity: email}],\n"
           "                 pagination: {strategy: cursor, configuration: {cursor_param: starting_after, field: id}}}\n";
  };
  use_map("systems:\n" + system("payments", "") + system("limited", ", max_pages: 2"));
  RunResult r = maestro.run({"dsar", "locate", "--subject", "jane@example.com", "--json"});
  EXPECT_EQ(r.exit_code, 5) << r.err << r.out;  // the limited system could not be searched in full
  json out = json::parse(r.out.empty() ? "{}" : r.out);
  EXPECT_EQ(out["records"]["payments.customers"], 5) << r.out;  // three pages and an empty one
  ASSERT_EQ(out["failures"].size(), 1u) << r.out;
  EXPECT_EQ(out["failures"][0]["system"], "limited");
  EXPECT_NE(out["failures"][0]["error"].get<std::string>().find("more than 2 pages"), std::string::npos) << r.out;
}

// Seed 002's correction and restriction through the help desk's API.
TEST_F(HttpApi, ACorrectionAndARestrictionGoThroughTheApiAndAreReadBack) {
  use_map(k_native_map);
  auto ok = [&](const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.err << r.out;
    return r;
  };
  ok({"dsar", "intake", "--subject", "jane@example.com", "--name", "Jane Example", "--rights",
      "rectification,restriction", "--jurisdiction", "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
  ok({"dsar", "verify", "record", "DSAR-2026-001", "--document", "passport", "--outcome", "passed"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "account-login"});
  ok({"dsar", "start", "DSAR-2026-001"});
  RunResult preview = ok({"dsar", "rectify", "--case", "DSAR-2026-001", "--set",
                          "contacts.phone_number=+44 20 7946 0999", "--preview", "--json"});
  EXPECT_EQ(served("/contacts/1")["phone_number"], "+44 20 7946 0001");  // a preview changes nothing
  json corrected = json::parse(ok({"dsar", "rectify", "--case", "DSAR-2026-001", "--set",
                                   "contacts.phone_number=+44 20 7946 0999", "--json"})
                                   .out);
  EXPECT_TRUE(corrected["proof"]["clean"].get<bool>()) << corrected.dump();
  EXPECT_EQ(corrected["recipients_to_notify"], json::array({"Support outsourcer"}));
  EXPECT_EQ(served("/contacts/1")["phone_number"], "+44 20 7946 0999");
  EXPECT_EQ(served("/contacts/2")["phone_number"], "+44 20 7946 0002");
  json restricted = json::parse(ok({"dsar", "restrict", "--case", "DSAR-2026-001", "--json"}).out);
  EXPECT_TRUE(restricted["proof"]["clean"].get<bool>()) << restricted.dump();
  EXPECT_EQ(served("/contacts/1")["processing"], "restricted");
  EXPECT_FALSE(served("/contacts/2").contains("processing"));
  ok({"dsar", "restrict", "--case", "DSAR-2026-001", "--lift"});
  EXPECT_EQ(served("/contacts/1")["processing"], "normal");
  std::string trail = ok({"audit", "show", "--json"}).out;
  EXPECT_EQ(trail.find("7946 0999"), std::string::npos);
}

// The Fides description has no way to delete conversations: they become the owner's task, and
// the proof waits for it; the contact goes through the API.
TEST_F(HttpApi, WhatTheApiCannotEraseBecomesAManualTaskForTheSystemsOwner) {
  use_saas();
  RunResult preview = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--preview"});
  ASSERT_EQ(preview.exit_code, 0) << preview.err << preview.out;
  EXPECT_NE(preview.out.find("by hand: the API cannot erase these"), std::string::npos) << preview.out;
  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  json out = json::parse(erased.out.empty() ? "{}" : erased.out);
  ASSERT_TRUE(out.contains("proof")) << erased.err << erased.out;
  EXPECT_FALSE(out["proof"]["clean"].get<bool>());  // until the owner confirms
  ASSERT_EQ(out["proof"]["manual_pending"].size(), 1u) << erased.out;
  EXPECT_NE(out["proof"]["manual_pending"][0].get<std::string>().find("helpdesk"), std::string::npos);
  EXPECT_EQ(out["proof"]["remaining"], 0) << erased.out;
  EXPECT_TRUE(served("/contacts?email=jane@example.com").empty());
  EXPECT_EQ(served("/conversations?contact_id=1").size(), 5u);  // the owner's to erase
  std::string tasks = maestro.run({"tasks", "list"}).out;
  EXPECT_NE(tasks.find("helpdesk"), std::string::npos) << tasks;
}

// Chatwoot numbers contacts within an account: a conversation is found by the account's id and
// the contact's number together, both from one contact record. Jane has a contact in accounts 7
// and 8; Bob and Eve hold her numbers in the other accounts, so mixing the values of her two
// records (7 with 2, 8 with 1) would hand her their conversations.
TEST_F(HttpApi, GroupedInputsAskWithTheValuesOfOneRecordTogether) {
  json db{{"contacts", json::array()}, {"conversations", json::array()}};
  auto contact = [&](int id, int account, int number, const std::string& email) {
    db["contacts"].push_back({{"id", id}, {"account_id", account}, {"number", number}, {"email", email}});
  };
  contact(1, 7, 1, "jane@example.com");
  contact(2, 8, 2, "jane@example.com");
  contact(3, 8, 1, "bob@example.com");
  contact(4, 7, 2, "eve@example.com");
  int id = 100;
  for (auto [account, number] : {std::pair{7, 1}, {7, 1}, {8, 2}, {8, 1}, {7, 2}})
    db["conversations"].push_back({{"id", ++id}, {"account_id", account}, {"contact_number", number},
                                   {"content", "Conversation " + std::to_string(id)}});
  ASSERT_TRUE(serve(db));
  use_map(R"yaml(systems:
  - name: helpdesk
    owner: support-lead@example.com
    store: {type: http, base_url: "BASE", rate_limit: 200}
    collections:
      - name: contacts
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id]}
          - {name: account_id, categories: [system.operations]}
          - {name: number, categories: [user.unique_id]}
          - {name: email, categories: [user.contact.email]}
        requests:
          read: {method: GET, path: /contacts, query_params: [{name: email, value: <email>}],
                 param_values: [{name: email, identity: email}]}
      - name: conversations
        erasure: {strategy: delete}
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - {name: content, categories: [user.content]}
        requests:
          read:
            - method: GET
              path: /conversations
              query_params: [{name: account_id, value: <account_id>}, {name: contact_number, value: <number>}]
              param_values:
                - {name: account_id, references: [{field: contacts.account_id, direction: from}]}
                - {name: number, references: [{field: contacts.number, direction: from}]}
              grouped_inputs: [account_id, number]
            - {method: GET, path: "/conversations/<conversation_id>", param_values: [{name: conversation_id, field: id}]}
          delete:
            method: DELETE
            path: /conversations/<conversation_id>
            param_values: [{name: conversation_id, references: [{field: conversations.id}]}]
)yaml");
  json found = locate();
  EXPECT_EQ(found["records"]["helpdesk.contacts"], 2) << found.dump();
  EXPECT_EQ(found["records"]["helpdesk.conversations"], 3) << found.dump();  // not Bob's or Eve's

  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  json out = json::parse(erased.out.empty() ? "{}" : erased.out);
  ASSERT_TRUE(out.contains("proof")) << erased.err << erased.out;
  EXPECT_EQ(out["proof"]["remaining"], 0) << erased.out;  // the contacts are the owner's task (no delete request)
  json left = served("/conversations");
  ASSERT_EQ(left.size(), 2u) << left.dump();
  EXPECT_EQ(left[0]["id"], 104);  // Bob's
  EXPECT_EQ(left[1]["id"], 105);  // Eve's
}

TEST_F(HttpApi, AnApiThatFailsIsReportedAsNotSearchedWithBoundedRetries) {
  testing::ServerProcess faulty;
  fs::path hits = maestro.dir() / "hits.txt";
  ASSERT_TRUE(faulty.start({"/usr/bin/python3", (k_root / "tests/support/faulty_api.py").string(), "{port}",
                            hits.string()}));
  std::string systems = "systems:\n";
  for (const char* fault : {"500", "busy", "garbage", "slow", "nodata"}) {
    systems += std::string("  - name: api-") + fault + "\n    owner: it@example.com\n    store: {type: http, base_url: \"" + faulty.url() + "/" +
               fault + "\", timeout_seconds: 1, retries: 2, rate_limit: 100}\n    collections:\n"
               "      - name: contacts\n        fields: [{name: email, categories: [user.contact.email]}]\n"
               "        requests:\n          read: {method: GET, path: /contacts, data_path: items,\n"
               "                 query_params: [{name: email, value: <email>}], param_values: [{name: email, identity: email}]}\n";
  }
  use_map(systems);
  RunResult r = maestro.run({"dsar", "locate", "--subject", "jane@example.com"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;  // some systems could not be searched
  EXPECT_NE(r.out.find("NOT SEARCHED: api-500"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("answered 500 2 time(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT SEARCHED: api-garbage"), std::string::npos);
  EXPECT_NE(r.out.find("not JSON"), std::string::npos);
  EXPECT_NE(r.out.find("NOT SEARCHED: api-slow"), std::string::npos);
  EXPECT_NE(r.out.find("NOT SEARCHED: api-nodata"), std::string::npos);
  EXPECT_NE(r.out.find("has no 'items'"), std::string::npos);
  EXPECT_EQ(r.out.find("NOT SEARCHED: api-busy"), std::string::npos) << r.out;  // waited, then answered
  EXPECT_EQ(r.out.find("jane@example.com"), std::string::npos);  // messages name the request, not the values
  std::string log = testing::read_file(hits);
  auto count = [&](const std::string& fault) {
    std::size_t n = 0;
    for (auto at = log.find(fault + "\n"); at != std::string::npos; at = log.find(fault + "\n", at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("500"), 2u);   // bounded by retries: 2
  EXPECT_EQ(count("busy"), 2u);  // 429, then the answer
  EXPECT_EQ(count("garbage"), 1u);
}

}  // namespace
}  // namespace maestro::e2e

namespace maestro::e2e {
namespace {

// Fides' own Zendesk config, unchanged, against a local server answering Zendesk's documented
// paths and shapes with generated data (cursor pages of two).
class Zendesk : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> argv{"/usr/bin/python3", (k_root / "tests/support/zendesk_api.py").string(), "{port}",
                                  "dpo@example.com", "zd-secret-key"};
    // The outage test: Jane's fourth ticket cannot be deleted for a while.
    if (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).find("Outage") !=
        std::string::npos)
      argv.push_back("20703");
    ASSERT_TRUE(api.start(argv));
  }
  void use_zendesk(const fs::path& saas) {
    std::ofstream(maestro.dir() / "datamap.yaml")
        << "systems:\n  - name: zendesk\n    owner: support-lead@example.com\n"
        << "    store: {type: http, base_url: \"" << api.url() << "\", rate_limit: 500}\n"
        << "    fides_saas:\n      config: " << (saas / "zendesk_config.yml").string() << "\n      dataset: "
        << (saas / "zendesk_dataset.yml").string() << "\n"
        << "      params: {domain: \"127.0.0.1:" << api.port() << "\", username: dpo@example.com}\n"
        << "      secrets: {api_key: ZENDESK_API_KEY}\n";
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\nexports_root: .\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }
  json state() {
    std::string out = (maestro.dir() / "state.json").string();
    EXPECT_EQ(std::system(("curl -s -o " + out + " " + api.url() + "/_state").c_str()), 0);
    return json::parse(testing::read_file(out));
  }
  Maestro maestro;
  testing::ServerProcess api;
};

TEST_F(Zendesk, FidesZendeskConfigRunsEndToEndAcrossPages) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  use_zendesk(datasets / "fides/saas");
  maestro.set_env("ZENDESK_API_KEY", "not-the-key");
  RunResult check = maestro.run({"datamap", "check", "--connect"});
  EXPECT_EQ(check.exit_code, 5) << check.out << check.err;
  EXPECT_NE(check.out.find("UNREACHABLE  zendesk [http]: GET /api/v2/users/count"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("401"), std::string::npos) << check.out;
  RunResult refused = maestro.run({"dsar", "locate", "--subject", "jane@example.com"});
  EXPECT_EQ(refused.exit_code, 5) << refused.out << refused.err;
  EXPECT_NE(refused.out.find("answered 401 (check the credentials)"), std::string::npos) << refused.out;

  maestro.set_env("ZENDESK_API_KEY", "zd-secret-key");
  RunResult reachable = maestro.run({"datamap", "check", "--connect", "--json"});
  ASSERT_EQ(reachable.exit_code, 0) << reachable.out << reachable.err;
  EXPECT_TRUE(json::parse(reachable.out)["stores"][0]["reachable"].get<bool>());
  EXPECT_EQ(json::parse(reachable.out)["collections"], 4);
  RunResult found = maestro.run({"dsar", "locate", "--subject", "jane@example.com", "--json"});
  ASSERT_EQ(found.exit_code, 0) << found.err << found.out;
  json records = json::parse(found.out)["records"];
  EXPECT_EQ(records["zendesk.user"], 1);
  EXPECT_EQ(records["zendesk.user_identities"], 3);  // two pages
  EXPECT_EQ(records["zendesk.tickets"], 7);          // four pages
  EXPECT_EQ(records["zendesk.ticket_comments"], 7);

  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  json out = json::parse(erased.out.empty() ? "{}" : erased.out);
  ASSERT_TRUE(out.contains("proof")) << erased.err << erased.out;
  json now = state();
  EXPECT_EQ(now["users"].size(), 19u);     // Jane's account deleted through the API
  EXPECT_EQ(now["tickets"].size(), 38u);   // her seven tickets too; everyone else's stay
  EXPECT_EQ(out["proof"]["remaining"], 0) << erased.out;
  // Identities and comments have no delete request in the config: the owner's task.
  EXPECT_EQ(out["proof"]["manual_pending"].size(), 1u) << erased.out;
  EXPECT_EQ(now["identities"].size(), 22u);
}

// Issue 29: a Fides request with a client_config of its own goes to that host (Segment's
// deletion API is another host than its profiles'): here the user's delete of a copy of Fides'
// Zendesk config names "localhost" while every other request goes to the store's 127.0.0.1.
TEST_F(Zendesk, ARequestWithItsOwnClientConfigGoesToItsOwnHost) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  std::string config = testing::read_file(datasets / "fides/saas/zendesk_config.yml");
  std::string user_delete = "          method: DELETE\n          path: /api/v2/users/<user_id>.json\n";
  auto at = config.find(user_delete);
  ASSERT_NE(at, std::string::npos) << "Fides' Zendesk config has changed";
  config.insert(at + user_delete.size(), "          client_config:\n            protocol: http\n"
                                         "            host: localhost:" + std::to_string(api.port()) + "\n");
  fs::create_directories(maestro.dir() / "saas");
  std::ofstream(maestro.dir() / "saas/zendesk_config.yml") << config;
  fs::copy_file(datasets / "fides/saas/zendesk_dataset.yml", maestro.dir() / "saas/zendesk_dataset.yml");
  use_zendesk(maestro.dir() / "saas");
  maestro.set_env("ZENDESK_API_KEY", "zd-secret-key");
  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  json out = json::parse(erased.out.empty() ? "{}" : erased.out);
  ASSERT_TRUE(out.contains("proof")) << erased.err << erased.out;
  EXPECT_EQ(out["proof"]["remaining"], 0) << erased.out;
  json now = state();
  EXPECT_EQ(now["users"].size(), 19u);
  std::string port = std::to_string(api.port());
  int users_deleted = 0, tickets_deleted = 0;
  for (const auto& d : now["delete_hosts"]) {
    if (d[0] == "users") {
      ++users_deleted;
      EXPECT_EQ(d[1], "localhost:" + port) << d.dump();
    } else {
      ++tickets_deleted;
      EXPECT_EQ(d[1], "127.0.0.1:" + port) << d.dump();
    }
  }
  EXPECT_EQ(users_deleted, 1);
  EXPECT_EQ(tickets_deleted, 7);
}

TEST_F(Zendesk, AnOutageMidErasureIsCompletedByRunningItAgain) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  use_zendesk(datasets / "fides/saas");
  maestro.set_env("ZENDESK_API_KEY", "zd-secret-key");
  std::vector<std::string> erase{"dsar", "delete", "--subject", "jane@example.com", "--json",
                                 "--override-verification", "tested by the suite"};
  RunResult first = maestro.run(erase);
  EXPECT_EQ(first.exit_code, 5) << first.out << first.err;  // a store could not be changed: run again
  EXPECT_NE(first.err.find("run the same command again"), std::string::npos) << first.err;
  json during = state();
  EXPECT_EQ(during["users"].size(), 20u);  // the account waits for its tickets (children first)
  EXPECT_LT(during["tickets"].size(), 45u);  // some tickets went before the outage
  RunResult second = maestro.run(erase);
  json out = json::parse(second.out.empty() ? "{}" : second.out);
  ASSERT_TRUE(out.contains("proof")) << second.err << second.out;
  EXPECT_EQ(out["proof"]["remaining"], 0) << second.out;
  json after = state();
  EXPECT_EQ(after["users"].size(), 19u);
  EXPECT_EQ(after["tickets"].size(), 38u);
}

// Fides' Mailchimp config: a member found by search, changed by a PUT that needs two of its
// fields (list and subscriber hash), conversations read by offset, messages filtered by sender.
TEST(Mailchimp, FidesMailchimpConfigFindsFiltersAndMasksThroughTheApi) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  Maestro maestro;
  testing::ServerProcess api;
  ASSERT_TRUE(api.start({"/usr/bin/python3", (k_root / "tests/support/mailchimp_api.py").string(), "{port}", "dpo",
                         "mc-key"}));
  fs::path saas = datasets / "fides/saas";
  std::ofstream(maestro.dir() / "datamap.yaml")
      << "systems:\n  - name: mailchimp\n    owner: marketing@example.com\n"
      << "    store: {type: http, base_url: \"" << api.url() << "\", rate_limit: 500}\n"
      << "    fides_saas:\n      config: " << (saas / "mailchimp_config.yml").string() << "\n      dataset: "
      << (saas / "mailchimp_dataset.yml").string() << "\n"
      << "      params: {domain: \"127.0.0.1:" << api.port() << "\", username: dpo}\n"
      << "      secrets: {api_key: MAILCHIMP_API_KEY}\n";
  std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
  maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  maestro.set_env("MAILCHIMP_API_KEY", "mc-key");
  RunResult found = maestro.run({"dsar", "locate", "--subject", "jane@example.com", "--json"});
  ASSERT_EQ(found.exit_code, 0) << found.err << found.out;
  json records = json::parse(found.out)["records"];
  EXPECT_EQ(records["mailchimp.member"], 1);
  EXPECT_EQ(records["mailchimp.messages"], 3);  // her message in each conversation, not Bob's

  RunResult erased = maestro.run({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                  "--override-verification", "tested by the suite"});
  std::string state_file = (maestro.dir() / "state.json").string();
  ASSERT_EQ(std::system(("curl -s -o " + state_file + " " + api.url() + "/_state").c_str()), 0);
  json state = json::parse(testing::read_file(state_file));
  ASSERT_EQ(state["puts"].size(), 1u) << erased.out << erased.err;
  EXPECT_EQ(state["puts"][0]["path"], "/3.0/lists/list9/members/hash0");  // list and hash from the record
  json body = state["puts"][0]["body"];
  EXPECT_TRUE(body["email_address"].is_null()) << body.dump();
  EXPECT_TRUE(body["merge_fields"]["FNAME"].is_null()) << body.dump();  // nested, as the API wants
  EXPECT_EQ(state["members"][1]["merge_fields"]["FNAME"], "Bob");
}


// Issue 29: a Fides config that erases and records consent by identifier, against a stand-in
// with Segment's, Ada's and Klaviyo's shapes (tests/support/privacy_api.py). Profiles have a
// read and no update or delete: the data protection request (at its own host, with its own
// basic authentication, its workspace a connector parameter of another name) erases them; the
// chat endpoint has only a delete and no collection in the dataset.
const char* k_privacy_config = R"yaml(saas_config:
  fides_key: <instance_fides_key>
  name: Privacy stand-in
  type: privacy_api
  description: Segment-, Ada- and Klaviyo-shaped requests by identifier, for Maestro's tests
  version: 0.0.1
  connector_params:
    - name: domain
    - name: delete_domain
    - name: workspace
    - name: api_token
      sensitive: True
    - name: delete_secret
      sensitive: True
  client_config:
    protocol: http
    host: <domain>
    authentication:
      strategy: bearer
      configuration:
        token: <api_token>
  endpoints:
    - name: profiles
      requests:
        read:
          method: GET
          path: /v1/profiles
          query_params:
            - name: email
              value: <email>
          param_values:
            - name: email
              identity: email
          data_path: profiles
    - name: chat
      requests:
        delete:
          method: POST
          path: /api/v1/data-subject-request
          body: |
            {"type": "ERASURE", "email": "<email>"}
          param_values:
            - name: email
              identity: email
  data_protection_request:
    method: POST
    path: /v1beta/workspaces/<workspace_name>/regulations
    param_values:
      - name: workspace_name
        connector_param: workspace
      - name: user_id
        identity: email
    body: |
      {"regulation_type": "Suppress_With_Delete", "attributes": {"name": "userId", "values": ["<user_id>"]}}
    client_config:
      protocol: http
      host: <delete_domain>
      authentication:
        strategy: basic
        configuration:
          username: <delete_secret>
  consent_requests:
    opt_in:
      method: POST
      path: /api/suppressions/delete
      param_values:
        - name: email
          identity: email
      body: |
        {"email": "<email>"}
    opt_out:
      - method: POST
        path: /api/suppressions/create
        param_values:
          - name: email
            identity: email
        body: |
          {"email": "<email>"}
      - method: POST
        path: /api/suppressions/create
        skip_missing_param_values: true
        param_values:
          - name: phone
            identity: phone_number
        body: |
          {"email": "<phone>"}
)yaml";

const char* k_privacy_dataset = R"yaml(dataset:
  - fides_key: <instance_fides_key>
    name: Privacy stand-in dataset
    collections:
      - name: profiles
        fields:
          - name: id
            data_categories: [user.unique_id]
            fidesops_meta: {primary_key: True, data_type: integer}
          - name: email
            data_categories: [user.contact.email]
          - name: name
            data_categories: [user.name]
          - name: plan
            data_categories: [user.account]
)yaml";

class PrivacyApi : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api.start({"/usr/bin/python3", (k_root / "tests/support/privacy_api.py").string(), "{port}",
                           "api-token", "delete-secret"}));
    std::ofstream(maestro.dir() / "privacy_config.yml") << k_privacy_config;
    std::ofstream(maestro.dir() / "privacy_dataset.yml") << k_privacy_dataset;
    std::string port = std::to_string(api.port());
    std::ofstream(maestro.dir() / "datamap.yaml")
        << "systems:\n  - name: privacy\n    owner: dpo@example.com\n    store: {type: http, rate_limit: 200}\n"
        << "    fides_saas:\n      config: privacy_config.yml\n      dataset: privacy_dataset.yml\n"
        << "      params: {domain: \"127.0.0.1:" << port << "\", delete_domain: \"localhost:" << port
        << "\", workspace: shop}\n      secrets: {api_token: PRIVACY_TOKEN, delete_secret: PRIVACY_DELETE_SECRET}\n";
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\nexports_root: .\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
    maestro.set_env("PRIVACY_TOKEN", "api-token");
    maestro.set_env("PRIVACY_DELETE_SECRET", "delete-secret");
  }
  // The requests the stand-in received with this path.
  std::vector<json> received(const std::string& path) {
    std::string out = (maestro.dir() / "log.json").string();
    EXPECT_EQ(std::system(("curl -s -o " + out + " " + api.url() + "/_log").c_str()), 0);
    std::vector<json> found;
    for (const auto& r : json::parse(testing::read_file(out)))
      if (r["path"] == path) found.push_back(r);
    return found;
  }
  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[1] << ": " << r.err << r.out;
    return r;
  }
  Maestro maestro;
  testing::ServerProcess api;
};

TEST_F(PrivacyApi, AnErasureSendsTheDataProtectionRequestAndTheDeleteOnlyEndpointByIdentifier) {
  ok({"datamap", "check"});
  json preview = json::parse(ok({"dsar", "delete", "--subject", "jane@example.com", "--preview", "--json"}).out);
  EXPECT_TRUE(received("/v1beta/workspaces/shop/regulations").empty());  // a preview sends nothing
  std::map<std::string, std::string> actions;
  for (const auto& line : preview["changes"]) actions[line["collection"]] = line["action"];
  EXPECT_EQ(actions["privacy.profiles"], "erased by the provider: the system's data protection request")
      << preview.dump();
  EXPECT_EQ(actions["privacy.data_protection_request"],
            "data protection request: the provider erases the person's records");
  EXPECT_EQ(actions["privacy.chat"], "delete by identifier: the API erases what it holds");

  json erased = json::parse(ok({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                "--override-verification", "tested by the suite"})
                                .out);
  EXPECT_TRUE(erased["proof"]["clean"].get<bool>()) << erased.dump();
  EXPECT_EQ(erased["proof"]["sent_by_identifier"], 2) << erased.dump();
  EXPECT_EQ(erased["proof"]["remaining"], 0);  // the profile is gone: locate ran again
  auto regulations = received("/v1beta/workspaces/shop/regulations");
  ASSERT_EQ(regulations.size(), 1u);
  EXPECT_EQ(regulations[0]["auth"], "basic");  // the request's own credentials, not the store's
  EXPECT_EQ(regulations[0]["body"]["attributes"]["values"], json::array({"jane@example.com"}));
  auto chats = received("/api/v1/data-subject-request");
  ASSERT_EQ(chats.size(), 1u);
  EXPECT_EQ(chats[0]["auth"], "bearer");
  EXPECT_EQ(chats[0]["body"], json({{"type", "ERASURE"}, {"email", "jane@example.com"}}));

  // Someone the profiles do not know: the delete-only endpoint is still told (nothing can say
  // whether it holds them), the data protection request is not (the provider never had them).
  json unknown = json::parse(ok({"dsar", "delete", "--subject", "nobody@example.com", "--json",
                                 "--override-verification", "tested by the suite"})
                                 .out);
  EXPECT_TRUE(unknown["proof"]["clean"].get<bool>()) << unknown.dump();
  EXPECT_EQ(received("/v1beta/workspaces/shop/regulations").size(), 1u);
  ASSERT_EQ(received("/api/v1/data-subject-request").size(), 2u);
  EXPECT_EQ(received("/api/v1/data-subject-request")[1]["body"]["email"], "nobody@example.com");
  std::string trail = ok({"audit", "show", "--json"}).out;
  EXPECT_EQ(trail.find("jane@example.com"), std::string::npos);
  EXPECT_NE(trail.find("sent_by_identifier"), std::string::npos);
}

TEST_F(PrivacyApi, AnObjectionSendsTheOptOutAndLiftingItTheOptIn) {
  ok({"dsar", "intake", "--subject", "jane@example.com", "--name", "Jane Example", "--rights", "objection",
      "--jurisdiction", "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "account-login"});
  ok({"dsar", "start", "DSAR-2026-001"});
  json preview = json::parse(ok({"dsar", "object", "--case", "DSAR-2026-001", "--preview", "--json"}).out);
  EXPECT_EQ(preview["consent_requests"][0]["sent"], 1) << preview.dump();
  EXPECT_EQ(preview["consent_requests"][0]["skipped"], 1);  // no phone number: the second opt-out
  EXPECT_TRUE(received("/api/suppressions/create").empty());
  json objected = json::parse(ok({"dsar", "object", "--case", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(objected["consent_requests"][0]["sent"], 1) << objected.dump();
  auto opt_outs = received("/api/suppressions/create");
  ASSERT_EQ(opt_outs.size(), 1u);
  EXPECT_EQ(opt_outs[0]["body"], json({{"email", "jane@example.com"}}));
  EXPECT_EQ(opt_outs[0]["auth"], "bearer");
  EXPECT_TRUE(received("/api/suppressions/delete").empty());
  ok({"dsar", "object", "--case", "DSAR-2026-001", "--lift"});
  auto opt_ins = received("/api/suppressions/delete");
  ASSERT_EQ(opt_ins.size(), 1u);
  EXPECT_EQ(opt_ins[0]["body"], json({{"email", "jane@example.com"}}));
  std::string trail = ok({"audit", "show", "--json"}).out;
  EXPECT_EQ(trail.find("jane@example.com"), std::string::npos);
  EXPECT_NE(trail.find("consent"), std::string::npos) << trail;
}


// Issue 29: Fides' async_config (polling): a read that starts a job, asked for its status on the
// store's interval and read when done; a delete accepted as a job, done once the job is.
const char* k_async_config = R"yaml(saas_config:
  fides_key: <instance_fides_key>
  name: Activity stand-in
  type: activity_api
  description: An API that answers later, for Maestro's tests
  version: 0.0.1
  connector_params:
    - name: domain
    - name: api_token
      sensitive: True
  client_config:
    protocol: http
    host: <domain>
    authentication:
      strategy: bearer
      configuration:
        token: <api_token>
  endpoints:
    - name: activity
      requests:
        read:
          method: GET
          path: /v1/activity
          query_params:
            - name: email
              value: <email>
          param_values:
            - name: email
              identity: email
          correlation_id_path: job.id
          async_config:
            strategy: polling
            configuration:
              status_request:
                method: GET
                path: /v1/jobs/<correlation_id>
                status_path: state
                status_completed_value: done
              result_request:
                method: GET
                path: /v1/jobs/<correlation_id>/result
                result_path: events
        delete:
          method: DELETE
          path: /v1/activity/<event_id>
          correlation_id_path: deletion
          async_config:
            strategy: polling
            configuration:
              status_request:
                method: GET
                path: /v1/deletions/<correlation_id>
                status_path: finished
                status_completed_value: true
          param_values:
            - name: event_id
              references:
                - dataset: <instance_fides_key>
                  field: activity.id
                  direction: from
)yaml";

const char* k_async_dataset = R"yaml(dataset:
  - fides_key: <instance_fides_key>
    name: Activity stand-in dataset
    collections:
      - name: activity
        fields:
          - name: id
            data_categories: [system.operations]
            fidesops_meta: {primary_key: True, data_type: integer}
          - name: email
            data_categories: [user.contact.email]
          - name: page
            data_categories: [user.behavior.browsing_history]
)yaml";

TEST_F(PrivacyApi, AnAsynchronousApiIsPolledUntilItsJobIsDoneAndTimesOutAsConfigured) {
  std::ofstream(maestro.dir() / "activity_config.yml") << k_async_config;
  std::ofstream(maestro.dir() / "activity_dataset.yml") << k_async_dataset;
  std::ofstream(maestro.dir() / "datamap.yaml")
      << "systems:\n  - name: activity\n    owner: dpo@example.com\n"
      << "    store: {type: http, rate_limit: 200, async_poll_seconds: 0.1, async_timeout_seconds: 1}\n"
      << "    fides_saas:\n      config: activity_config.yml\n      dataset: activity_dataset.yml\n"
      << "      params: {domain: \"127.0.0.1:" << api.port() << "\"}\n      secrets: {api_token: PRIVACY_TOKEN}\n";
  json found = json::parse(ok({"dsar", "locate", "--subject", "jane@example.com", "--json"}).out);
  EXPECT_EQ(found["records"]["activity.activity"], 2) << found.dump();
  EXPECT_EQ(received("/v1/jobs/job-1").size(), 3u);  // running, running, done
  EXPECT_EQ(received("/v1/jobs/job-1/result").size(), 1u);

  json erased = json::parse(ok({"dsar", "delete", "--subject", "jane@example.com", "--json",
                                "--override-verification", "tested by the suite"})
                                .out);
  EXPECT_TRUE(erased["proof"]["clean"].get<bool>()) << erased.dump();
  EXPECT_EQ(erased["proof"]["verified_rows"], 2) << erased.dump();
  EXPECT_EQ(received("/v1/activity/11").size(), 1u);
  EXPECT_EQ(received("/v1/deletions/del-1").size(), 2u);  // not finished, finished
  EXPECT_EQ(received("/v1/deletions/del-2").size(), 2u);

  // A job that never completes: the store is reported as not searched, naming the setting.
  RunResult stuck = maestro.run({"dsar", "locate", "--subject", "stuck@example.com"});
  EXPECT_EQ(stuck.exit_code, 5) << stuck.out << stuck.err;
  EXPECT_NE(stuck.out.find("has not completed within 1 s (the store's async_timeout_seconds)"), std::string::npos)
      << stuck.out << stuck.err;
}

}  // namespace
}  // namespace maestro::e2e
