// HTTP API systems in the data map: Fides' SaaS configs loaded unchanged, Maestro's own
// `requests:`, and the errors a wrong config gets (file and line named).
#include "datamap/datamap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

class HttpMap : public ::testing::Test {
 protected:
  Result<DataMap> load(const std::string& yaml) {
    std::ofstream(dir / "datamap.yaml") << yaml;
    return load_data_map(dir / "datamap.yaml");
  }
  Result<DataMap> load_saas(const fs::path& saas, const std::string& service, const std::string& params) {
    return load("systems:\n  - name: " + service + "\n    owner: dpo@example.com\n    store: {type: http}\n"
                "    fides_saas:\n      config: " +
                (saas / (service + "_config.yml")).string() + "\n      dataset: " +
                (saas / (service + "_dataset.yml")).string() + "\n" + params);
  }
  static bool has_reference(const DataMap& map, const std::string& from, const std::string& to) {
    return std::any_of(map.references.begin(), map.references.end(), [&](const Reference& r) {
      return r.from.collection + "." + r.from.field == from && r.to.collection + "." + r.to.field == to;
    });
  }
  testing::TempDir dir;
};

TEST_F(HttpMap, EachFidesSaasConfigLoadsUnchangedWithItsEndpointsReferencesAndPlaceholders) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  fs::path saas = datasets / "fides/saas";
  auto zendesk = load_saas(saas, "zendesk",
                           "      params: {domain: desk.example.com, username: dpo@example.com}\n"
                           "      secrets: {api_key: ZENDESK_API_KEY}\n");
  ASSERT_TRUE(zendesk) << zendesk.error().message;
  const System* z = zendesk->system("zendesk");
  EXPECT_EQ(z->store.settings.at("base_url"), "https://<domain>");
  EXPECT_EQ(z->store.settings.at("auth.strategy"), "basic");
  EXPECT_EQ(z->store.settings.at("auth.password"), "<api_key>");
  EXPECT_EQ(z->store.settings.at("param.domain"), "desk.example.com");
  EXPECT_EQ(z->store.settings.at("param_env.api_key"), "ZENDESK_API_KEY");
  EXPECT_EQ(z->store.settings.at("test.path"), "/api/v2/users/count");
  const Collection* user = zendesk->collection("zendesk.user");
  ASSERT_TRUE(user && user->http);
  ASSERT_EQ(user->http->read.size(), 1u);
  EXPECT_EQ(user->http->read[0].path, "/api/v2/users/search.json");
  EXPECT_EQ(user->http->read[0].data_path, "users");
  EXPECT_EQ(user->field("email")->identity, "email");
  ASSERT_TRUE(user->http->remove);
  EXPECT_EQ(user->http->remove->params[0].field, "id");  // the record's own id fills <user_id>
  const Collection* tickets = zendesk->collection("zendesk.tickets");
  EXPECT_EQ(tickets->http->read[0].pagination.strategy, "link");
  EXPECT_EQ(tickets->http->read[0].pagination.config.at("path"), "links.next");
  EXPECT_TRUE(tickets->field("user_id")->lookup_only);
  EXPECT_TRUE(has_reference(*zendesk, "zendesk.user.id", "zendesk.tickets.user_id"));
  EXPECT_TRUE(has_reference(*zendesk, "zendesk.tickets.id", "zendesk.ticket_comments.ticket_id"));

  auto mailchimp = load_saas(saas, "mailchimp",
                             "      params: {domain: us1.api.mailchimp.com, username: dpo}\n"
                             "      secrets: {api_key: MAILCHIMP_API_KEY}\n");
  ASSERT_TRUE(mailchimp) << mailchimp.error().message;
  const Collection* messages = mailchimp->collection("mailchimp.messages");
  ASSERT_EQ(messages->http->read[0].postprocessors.size(), 1u);
  EXPECT_EQ(messages->http->read[0].postprocessors[0].strategy, "filter");
  EXPECT_EQ(messages->http->read[0].postprocessors[0].identity, "email");
  const Collection* member = mailchimp->collection("mailchimp.member");
  EXPECT_EQ(member->http->read[0].data_path, "exact_matches.members");
  ASSERT_TRUE(member->http->update);
  EXPECT_NE(member->http->update->body.find("<masked_object_fields>"), std::string::npos);
  EXPECT_EQ(mailchimp->collection("mailchimp.conversations")->http->read[0].pagination.strategy, "offset");

  auto stripe = load_saas(saas, "stripe", "      secrets: {api_key: STRIPE_API_KEY}\n");
  ASSERT_TRUE(stripe) << stripe.error().message;
  EXPECT_EQ(stripe->system("stripe")->store.settings.at("param.domain"), "api.stripe.com");  // the default
  EXPECT_EQ(stripe->system("stripe")->store.settings.at("auth.header.Authorization"), "Bearer <api_key>");
  EXPECT_EQ(stripe->collection("stripe.customer")->http->read.size(), 2u);  // by email, by phone

  auto hubspot = load_saas(saas, "hubspot", "      params: {domain: api.hubapi.com}\n"
                                            "      secrets: {private_app_token: HUBSPOT_TOKEN}\n");
  ASSERT_TRUE(hubspot) << hubspot.error().message;
  EXPECT_EQ(hubspot->system("hubspot")->store.settings.at("auth.strategy"), "bearer");
  const auto& contacts = hubspot->collection("hubspot.contacts")->http->read[0];
  EXPECT_EQ(contacts.method, "POST");
  EXPECT_NE(contacts.body.find("<email>"), std::string::npos);
}

TEST_F(HttpMap, WrongSaasConfigsAreRefusedNamingTheFileAndLine) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  fs::path saas = datasets / "fides/saas";
  // An inline secret, a missing parameter, a parameter the config does not have.
  auto inline_secret = load_saas(saas, "zendesk", "      params: {domain: d, username: u, api_key: hunter2}\n");
  ASSERT_FALSE(inline_secret);
  EXPECT_NE(inline_secret.error().message.find("datamap.yaml:8: 'api_key' is a secret"), std::string::npos)
      << inline_secret.error().message;
  auto missing = load_saas(saas, "zendesk", "      params: {domain: d}\n      secrets: {api_key: K}\n");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("'username'"), std::string::npos) << missing.error().message;
  auto unknown = load_saas(saas, "zendesk", "      params: {domain: d, username: u, colour: red}\n"
                                            "      secrets: {api_key: K}\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("no connector parameter 'colour'"), std::string::npos);

  // A copy of Zendesk's config with one thing wrong at a time.
  std::string original = testing::read_file(saas / "zendesk_config.yml");
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string text = original;
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(dir / "zendesk_config.yml") << text;
    fs::copy_file(saas / "zendesk_dataset.yml", dir / "zendesk_dataset.yml", fs::copy_options::overwrite_existing);
    return load_saas(dir.path(), "zendesk", "      params: {domain: d, username: u}\n      secrets: {api_key: K}\n");
  };
  auto strategy = broken("strategy: basic", "strategy: kerberos");
  ASSERT_FALSE(strategy);
  EXPECT_NE(strategy.error().message.find(
                "zendesk_config.yml:23: the authentication strategy 'kerberos' is a function of Fides' Python code"),
            std::string::npos)
      << strategy.error().message;
  auto paging = broken("strategy: link", "strategy: scroll");
  ASSERT_FALSE(paging);
  EXPECT_NE(paging.error().message.find("unknown pagination strategy 'scroll'"), std::string::npos);
  auto placeholder = broken("path: /api/v2/users/<user_id>.json", "path: /api/v2/users/<uid>.json");
  ASSERT_FALSE(placeholder);
  EXPECT_NE(placeholder.error().message.find("placeholder <uid> has no value"), std::string::npos)
      << placeholder.error().message;
  EXPECT_NE(placeholder.error().message.find("zendesk_config.yml:"), std::string::npos);
  auto reference = broken("field: tickets.id", "field: tickest.id");
  ASSERT_FALSE(reference);
  EXPECT_NE(reference.error().message.find("'tickest.id'"), std::string::npos) << reference.error().message;
}

TEST_F(HttpMap, MaestrosOwnRequestsDescribeAnApiWithTheSameModel) {
  auto map = load(R"yaml(systems:
  - name: helpdesk
    owner: support@example.com
    store: {type: http, base_url: "http://127.0.0.1:3000", auth: {strategy: bearer, token_env: DESK_TOKEN}, rate_limit: 20}
    collections:
      - name: contacts
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id]}
          - {name: email, categories: [user.contact.email]}
        requests:
          read: {method: GET, path: /contacts, query_params: [{name: email, value: <email>}],
                 param_values: [{name: email, identity: email}]}
          delete: {method: DELETE, path: "/contacts/<id>", param_values: [{name: id, references: [{field: contacts.id}]}]}
      - name: conversations
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - {name: contactId, categories: [user.unique_id]}
        requests:
          read: {method: GET, path: /conversations, query_params: [{name: contactId, value: <contact_id>}],
                 param_values: [{name: contact_id, references: [{field: contacts.id, direction: from}]}],
                 pagination: {strategy: link, configuration: {source: headers, rel: next}}}
)yaml");
  ASSERT_TRUE(map) << map.error().message;
  EXPECT_EQ(map->system("helpdesk")->store.settings.at("auth.token_env"), "DESK_TOKEN");
  EXPECT_TRUE(has_reference(*map, "helpdesk.contacts.id", "helpdesk.conversations.contact_id"));
  EXPECT_EQ(map->collection("helpdesk.contacts")->http->remove->params[0].field, "id");

  auto inline_token = load(R"yaml(systems:
  - name: helpdesk
    store: {type: http, base_url: "http://x", auth: {strategy: bearer, token: abc}}
    collections: []
)yaml");
  ASSERT_FALSE(inline_token);
  EXPECT_NE(inline_token.error().message.find("datamap.yaml:3: credentials must not be written"), std::string::npos)
      << inline_token.error().message;
  auto no_owner = load(R"yaml(systems:
  - name: helpdesk
    store: {type: http, base_url: "http://x"}
    collections:
      - name: contacts
        erasure: {strategy: delete}
        fields: [{name: email, categories: [user.contact.email]}]
        requests:
          read: {method: GET, path: /c, query_params: [{name: e, value: <email>}], param_values: [{name: email, identity: email}]}
          update: {method: PATCH, path: /c}
)yaml");
  ASSERT_FALSE(no_owner);
  EXPECT_NE(no_owner.error().message.find("contacts has no delete request): give it an 'owner'"), std::string::npos)
      << no_owner.error().message;
  auto no_requests = load(R"yaml(systems:
  - name: helpdesk
    store: {type: http, base_url: "http://x"}
    collections:
      - name: contacts
        fields: [{name: email, identity: email, categories: [user.contact.email]}]
)yaml");
  ASSERT_FALSE(no_requests);
  EXPECT_NE(no_requests.error().message.find("datamap.yaml:5: a collection of an http system needs 'requests'"),
            std::string::npos)
      << no_requests.error().message;
}


// A Chatwoot-shaped read that needs an account's id and the contact's number in that account:
// both from one contact record, never one contact's account with another's number.
const char* k_grouped_map = R"yaml(systems:
  - name: helpdesk
    owner: support@example.com
    store: {type: http, base_url: "http://127.0.0.1:3000"}
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
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
        requests:
          read:
            method: GET
            path: /accounts/<account_id>/conversations
            query_params: [{name: contact, value: <contact_number>}, {name: inbox, value: <email>}]
            param_values:
              - {name: account_id, references: [{field: contacts.account_id, direction: from}]}
              - {name: contact_number, references: [{field: contacts.number, direction: from}]}
              - {name: email, identity: email}
            grouped_inputs: [account_id, contact_number, email]
)yaml";

TEST_F(HttpMap, GroupedInputsBecomeOneLookupByFieldsTogether) {
  auto map = load(k_grouped_map);
  ASSERT_TRUE(map) << map.error().message;
  const Collection* conversations = map->collection("helpdesk.conversations");
  ASSERT_EQ(conversations->grouped_lookups.size(), 1u);
  EXPECT_EQ(conversations->grouped_lookups[0], (std::vector<std::string>{"account_id", "contact_number"}));
  EXPECT_EQ(conversations->http->read[0].grouped_inputs.size(), 3u);
  EXPECT_TRUE(has_reference(*map, "helpdesk.contacts.account_id", "helpdesk.conversations.account_id"));
  EXPECT_TRUE(has_reference(*map, "helpdesk.contacts.number", "helpdesk.conversations.contact_number"));
  // The identity parameter is filled in when the conversations are reached, not searched by alone.
  EXPECT_FALSE(conversations->field("email")->identity.has_value());
  EXPECT_TRUE(map->collection("helpdesk.contacts")->field("email")->identity.has_value());

  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = k_grouped_map;
    text.replace(text.find(from), from.size(), to);
    return load(text);
  };
  auto unknown = with("grouped_inputs: [account_id, contact_number, email]", "grouped_inputs: [account_id, number]");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("datamap.yaml:27: grouped input 'number' is not one of the request's "
                                         "param_values"),
            std::string::npos)
      << unknown.error().message;
  auto missing = with("            grouped_inputs: [account_id, contact_number, email]\n", "");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("needs 'grouped_inputs' naming them"), std::string::npos)
      << missing.error().message;
  auto two_sources = with("field: contacts.number", "field: conversations.id");
  ASSERT_FALSE(two_sources);
  EXPECT_NE(two_sources.error().message.find("grouped inputs must come from one collection's records"),
            std::string::npos)
      << two_sources.error().message;
}

}  // namespace
}  // namespace maestro
