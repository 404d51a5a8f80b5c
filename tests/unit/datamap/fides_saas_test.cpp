// Fides SaaS configs as its catalogue writes them (datamap/fides_saas.cpp), with configs written
// here for each key of Fides' schema: what is run is in the model built; what is not is refused
// with a sentence; what needs Fides' Python code says so; no key is dropped; a badly shaped
// config names its own file and line in words.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "datamap/datamap.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

// A small service: users found by email, their orders by the user's id, erased by delete.
constexpr const char* k_dataset = R"(dataset:
  - fides_key: <instance_fides_key>
    name: Shop API
    collections:
      - name: users
        fields:
          - {name: id, data_categories: [system.operations], fides_meta: {primary_key: true}}
          - {name: email, data_categories: [user.contact.email]}
      - name: orders
        fields:
          - {name: id, data_categories: [system.operations], fides_meta: {primary_key: true}}
          - {name: user_id, data_categories: [system.operations]}
          - {name: address, data_categories: [user.contact.address]}
)";

std::string config(const std::string& client_extra, const std::string& top_extra, const std::string& users_read_extra,
                   const std::string& orders_extra = "") {
  return R"(saas_config:
  fides_key: <instance_fides_key>
  name: Shop API
  type: shop_api
  description: A test service
  version: 0.1.0
  connector_params:
    - name: domain
      default_value: api.shop.example
    - name: api_key
      sensitive: true
    - name: client_id
    - name: client_secret
      sensitive: true
  client_config:
    protocol: https
    host: <domain>
)" + client_extra +
         R"(  test_request:
    method: GET
    path: /me
)" + top_extra +
         R"(  endpoints:
    - name: users
      requests:
        read:
          method: GET
          path: /users
          query_params:
            - {name: email, value: <email>}
          param_values:
            - {name: email, identity: email}
          data_path: users
)" + users_read_extra +
         R"(        delete:
          method: DELETE
          path: /users/<user_id>
          param_values:
            - name: user_id
              references:
                - {dataset: <instance_fides_key>, field: users.id, direction: from}
    - name: orders
      requests:
        read:
          method: GET
          path: /orders
          query_params:
            - {name: user, value: <user_id>}
          param_values:
            - name: user_id
              references:
                - {dataset: <instance_fides_key>, field: users.id, direction: from}
)" + orders_extra;
}

constexpr const char* k_api_key_auth = R"(    authentication:
      strategy: api_key
      configuration:
        headers:
          - {name: X-Api-Key, value: <api_key>}
)";

class FidesSaas : public ::testing::Test {
 protected:
  Result<DataMap> load(const std::string& config_text, const std::string& map_extra = "",
                       const std::string& secrets = "{api_key: SHOP_KEY, client_secret: SHOP_SECRET}",
                       const std::string& other_systems = "") {
    std::ofstream(dir / "shop_config.yml") << config_text;
    std::ofstream(dir / "shop_dataset.yml") << k_dataset;
    std::ofstream(dir / "datamap.yaml") << "systems:\n" << other_systems
                                        << "  - name: shop\n    owner: it@example.com\n    store: {type: http}\n"
                                           "    fides_saas:\n      config: shop_config.yml\n"
                                           "      dataset: shop_dataset.yml\n      params: {client_id: maestro}\n"
                                           "      secrets: "
                                        << secrets << "\n"
                                        << map_extra;
    return load_data_map(dir / "datamap.yaml");
  }
  static std::string refusal(const Result<DataMap>& map) { return map ? std::string("(loaded)") : map.error().message; }
  testing::TempDir dir;
};

TEST_F(FidesSaas, AConfigWithApiKeyAuthenticationLoadsWithItsRequestsAndReferences) {
  auto map = load(config(k_api_key_auth, "", ""));
  ASSERT_TRUE(map) << map.error().message;
  const System* shop = map->system("shop");
  EXPECT_EQ(shop->store.settings.at("base_url"), "https://<domain>");
  EXPECT_EQ(shop->store.settings.at("auth.header.X-Api-Key"), "<api_key>");
  EXPECT_EQ(shop->store.settings.at("param.domain"), "api.shop.example");
  EXPECT_EQ(shop->store.settings.at("param_env.api_key"), "SHOP_KEY");
  const Collection* orders = map->collection("shop.orders");
  ASSERT_TRUE(orders && orders->http);
  ASSERT_EQ(orders->http->read[0].params.size(), 1u);
  EXPECT_TRUE(orders->http->read[0].params[0].from_reference);
  EXPECT_TRUE(map->collection("shop.users")->http->remove.has_value());
}

TEST_F(FidesSaas, RateLimitsOfTheConfigAndOfARequestAreKept) {
  auto map = load(config(k_api_key_auth,
                         "  rate_limit_config:\n    limits:\n      - {rate: 120, period: minute}\n"
                         "      - {rate: 500, period: day, custom_key: account}\n",
                         "          rate_limit_config:\n            limits:\n              - {rate: 2, period: second}\n"));
  ASSERT_TRUE(map) << map.error().message;
  const auto& store_limits = map->system("shop")->store.rate_limits;
  ASSERT_EQ(store_limits.size(), 2u);
  EXPECT_EQ(store_limits[0].rate, 120);
  EXPECT_EQ(store_limits[0].period_seconds, 60);
  EXPECT_EQ(store_limits[1].period_seconds, 86400);
  EXPECT_EQ(store_limits[1].key, "account");
  const auto& read = map->collection("shop.users")->http->read[0];
  ASSERT_EQ(read.rate_limits.size(), 1u);
  EXPECT_EQ(read.rate_limits[0].rate, 2);
  EXPECT_EQ(read.rate_limits[0].period_seconds, 1);
  auto disabled = load(config(k_api_key_auth, "  rate_limit_config: {enabled: false, limits: [{rate: 1, period: day}]}\n", ""));
  ASSERT_TRUE(disabled) << disabled.error().message;
  EXPECT_TRUE(disabled->system("shop")->store.rate_limits.empty());
  auto bad = load(config(k_api_key_auth, "  rate_limit_config:\n    limits:\n      - {rate: 5, period: fortnight}\n", ""));
  EXPECT_NE(refusal(bad).find("shop_config.yml:"), std::string::npos) << refusal(bad);
  EXPECT_NE(refusal(bad).find("'period' (second, minute, hour or day)"), std::string::npos) << refusal(bad);
}

TEST_F(FidesSaas, ARequestsOwnHostAndSkippingMissingValuesAreKept) {
  auto map = load(config(k_api_key_auth, "", "",
                         "        update:\n          method: PUT\n          path: /orders/<order_id>\n"
                         "          client_config: {protocol: https, host: privacy.<domain>}\n"
                         "          skip_missing_param_values: true\n"
                         "          param_values:\n            - name: order_id\n              references:\n"
                         "                - {dataset: <instance_fides_key>, field: orders.id, direction: from}\n"));
  ASSERT_TRUE(map) << map.error().message;
  const auto& update = *map->collection("shop.orders")->http->update;
  EXPECT_EQ(update.base_url, "https://privacy.<domain>");
  EXPECT_TRUE(update.skip_missing_param_values);
}

TEST_F(FidesSaas, OAuth2AuthorizationCodesRenewWithTheRefreshTokenTheMapGives) {
  std::string oauth = R"(    authentication:
      strategy: oauth2_authorization_code
      configuration:
        expires_in: 3600
        authorization_request:
          method: GET
          path: /oauth/authorize
          query_params:
            - {name: client_id, value: <client_id>}
        token_request:
          method: POST
          path: /oauth/token
          body: '{"grant_type": "authorization_code", "code": "<code>"}'
        refresh_request:
          method: POST
          path: /oauth/token
          headers:
            - {name: Content-Type, value: application/x-www-form-urlencoded}
          body: '{"grant_type": "refresh_token", "refresh_token": "<refresh_token>", "client_id": "<client_id>"}'
)";
  auto map = load(config(oauth, "", ""), "",
                  "{api_key: SHOP_KEY, client_secret: SHOP_SECRET, refresh_token: SHOP_REFRESH}");
  ASSERT_TRUE(map) << map.error().message;
  const auto& settings = map->system("shop")->store.settings;
  EXPECT_EQ(settings.at("auth.strategy"), "oauth2_authorization_code");
  EXPECT_EQ(settings.at("auth.refresh_token_env"), "SHOP_REFRESH");
  EXPECT_EQ(settings.at("auth.token_path"), "/oauth/token");
  EXPECT_NE(settings.at("auth.token_body").find("refresh_token"), std::string::npos);  // the refresh request's
  EXPECT_EQ(settings.at("auth.token_content_type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(settings.at("auth.expires_in"), "3600");
  auto without = load(config(oauth, "", ""));
  EXPECT_NE(refusal(without).find("give the refresh token of the authorization under 'secrets'"), std::string::npos)
      << refusal(without);
}

TEST_F(FidesSaas, AnExternalReferenceTakesItsPlaceFromTheMap) {
  std::string orders_by_external = config(
      k_api_key_auth, "  external_references:\n    - {name: shop_user_id, label: Shop user ID}\n", "",
      "    - name: carts\n      requests:\n        read:\n          method: GET\n          path: /carts/<cart_user>\n"
      "          param_values:\n            - name: cart_user\n              references: [shop_user_id]\n");
  std::string crm = "  - name: crm\n    store: {type: sqlite, path: crm.db}\n    collections:\n"
                    "      - name: people\n        fields:\n"
                    "          - {name: email, identity: email, categories: [user.contact.email]}\n"
                    "          - {name: shop_id, categories: [user.unique_id]}\n";
  std::ofstream(dir / "shop_config.yml") << orders_by_external;
  auto carts_dataset = std::string(k_dataset) +
                       "      - name: carts\n        fields:\n"
                       "          - {name: id, data_categories: [system.operations]}\n";
  // load() writes the plain dataset: write the config and dataset by hand for this one.
  std::ofstream(dir / "shop_dataset.yml") << carts_dataset;
  std::ofstream(dir / "datamap.yaml")
      << "systems:\n" << crm
      << "  - name: shop\n    owner: it@example.com\n    store: {type: http}\n"
         "    fides_saas:\n      config: shop_config.yml\n      dataset: shop_dataset.yml\n"
         "      params: {client_id: maestro}\n      secrets: {api_key: K, client_secret: S}\n"
         "      external_references: {shop_user_id: crm.people.shop_id}\n";
  auto map = load_data_map(dir / "datamap.yaml");
  ASSERT_TRUE(map) << map.error().message;
  bool linked = std::any_of(map->references.begin(), map->references.end(), [](const Reference& r) {
    return r.from.collection == "crm.people" && r.from.field == "shop_id" && r.to.collection == "shop.carts";
  });
  EXPECT_TRUE(linked) << "the external reference did not join crm.people.shop_id to shop.carts";

  // Without its place in the map, the config says which name is missing.
  std::ofstream(dir / "datamap.yaml")
      << "systems:\n" << crm
      << "  - name: shop\n    owner: it@example.com\n    store: {type: http}\n"
         "    fides_saas:\n      config: shop_config.yml\n      dataset: shop_dataset.yml\n"
         "      params: {client_id: maestro}\n      secrets: {api_key: K, client_secret: S}\n";
  auto missing = load_data_map(dir / "datamap.yaml");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("shop_config.yml:"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().message.find("external reference 'shop_user_id' needs its place in the map"),
            std::string::npos)
      << missing.error().message;
}

TEST_F(FidesSaas, AnAfterOrderThatReferencesAlreadyKeepLoadsAndAnyOtherIsRefused) {
  auto implied = load(config(k_api_key_auth, "", "", "      after: [<instance_fides_key>.users]\n"));
  EXPECT_TRUE(implied) << refusal(implied);  // orders are read with users' ids: after users already
  auto other = load(config(k_api_key_auth, "", "", "      after: [<instance_fides_key>.payments]\n"));
  EXPECT_NE(refusal(other).find("is read after '<instance_fides_key>.payments', which its requests do not reference"),
            std::string::npos)
      << refusal(other);
}

TEST_F(FidesSaas, WhatNeedsFidesPythonCodeIsRefusedSayingWhatToDoInstead) {
  auto override = load(config(k_api_key_auth, "", "",
                              "        update:\n          request_override: shop_orders_update\n"));
  ASSERT_FALSE(override);
  std::string message = override.error().message;
  EXPECT_NE(message.find("shop_config.yml:"), std::string::npos) << message;
  EXPECT_NE(message.find("the request_override 'shop_orders_update' is a function of Fides' Python code"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("store type manual"), std::string::npos) << message;
  auto custom = load(config("    authentication:\n      strategy: shop_signature\n      configuration: {}\n", "", ""));
  EXPECT_NE(refusal(custom).find("the authentication strategy 'shop_signature' is a function of Fides' Python code"),
            std::string::npos)
      << refusal(custom);
}

TEST_F(FidesSaas, UnknownKeysAreRefusedAtEveryLevelNeverIgnored) {
  struct Case {
    std::string config_text, expected;
  };
  std::vector<Case> cases{
      {config(k_api_key_auth, "  colour: red\n", ""), "'colour' is not a key of a saas_config"},
      {config(k_api_key_auth, "", "          retries: 9\n"), "'retries' is not a key of a request"},
      {config(k_api_key_auth + std::string("      expires: 5\n"), "", ""), "'expires' is not a key of an authentication"},
      {config(k_api_key_auth, "", "",
              "      after_all: true\n"),
       "'after_all' is not a key of an endpoint"},
  };
  for (const auto& c : cases) {
    auto map = load(c.config_text);
    EXPECT_NE(refusal(map).find(c.expected), std::string::npos) << refusal(map);
    EXPECT_NE(refusal(map).find("shop_config.yml:"), std::string::npos) << refusal(map);
  }
  std::string param_text = config(k_api_key_auth, "", "");
  std::string plain = "- {name: email, identity: email}";
  param_text.replace(param_text.find(plain), plain.size(), "- {name: email, identity: email, unpacked: no}");
  auto unknown_param_key = load(param_text);
  EXPECT_NE(refusal(unknown_param_key).find("'unpacked' is not a key of a Fides parameter"), std::string::npos)
      << refusal(unknown_param_key);
}

TEST_F(FidesSaas, KeysMaestroDoesNotRunYetAreRefusedWithTheReason) {
  auto callback = load(config(k_api_key_auth, "", "          async_config: {strategy: callback}\n"));
  EXPECT_NE(refusal(callback).find("waits for the API to call back, which Maestro does not run yet"),
            std::string::npos)
      << refusal(callback);
  auto no_status = load(config(k_api_key_auth, "", "          async_config: {strategy: polling}\n"));
  EXPECT_NE(refusal(no_status).find("an async_config needs a status_request"), std::string::npos)
      << refusal(no_status);
  auto polling = load(config(k_api_key_auth, "",
                             "          correlation_id_path: job.id\n"
                             "          async_config:\n            strategy: polling\n            configuration:\n"
                             "              status_request: {path: /jobs/<correlation_id>, status_path: state,"
                             " status_completed_value: done}\n"
                             "              result_request: {path: /jobs/<correlation_id>/users, result_path: users}\n"));
  ASSERT_TRUE(polling) << refusal(polling);
  const HttpRequestSpec& read = polling->collection("shop.users")->http->read.at(0);
  ASSERT_TRUE(read.async);
  EXPECT_EQ(read.correlation_id_path, "job.id");
  EXPECT_EQ(read.async->status.path, "/jobs/<correlation_id>");
  EXPECT_EQ(read.async->completed_value, "done");
  ASSERT_TRUE(read.async->result.has_value());
  EXPECT_EQ(read.async->result_path, "users");
  auto oauth_request = load(config(k_api_key_auth, "",
                                   "          client_config:\n            host: other.example\n"
                                   "            authentication: {strategy: oauth2_client_credentials}\n"));
  EXPECT_NE(refusal(oauth_request).find("'oauth2_client_credentials' authentication of its own is not run"),
            std::string::npos)
      << refusal(oauth_request);
}

// Several references without grouped_inputs: values of different collections are combined per
// person (Square); two of one collection would combine different records' values: refused.
TEST_F(FidesSaas, SeveralReferencesCombineAcrossCollectionsButNeverWithinOne) {
  std::string text = config(k_api_key_auth, "", "");
  std::string one = "            - name: user_id\n              references:\n"
                    "                - {dataset: <instance_fides_key>, field: users.id, direction: from}\n";
  std::string two = one + "            - name: user_email\n              references:\n"
                          "                - {dataset: <instance_fides_key>, field: users.email, direction: from}\n";
  text.replace(text.rfind(one), one.size(), two);
  text.replace(text.find("{name: user, value: <user_id>}"), 30, "{name: user, value: <user_id><user_email>}");
  EXPECT_NE(refusal(load(text)).find("several parameters referencing one collection needs 'grouped_inputs'"),
            std::string::npos)
      << refusal(load(text));
}

// Fides' erase_after: the named collection of the same dataset is erased first.
TEST_F(FidesSaas, EraseAfterOrdersErasureWithinTheSystemAndRefusesAnyOtherName) {
  std::string text = config(k_api_key_auth, "", "");
  std::string users = "    - name: users\n";
  text.replace(text.find(users), users.size(), users + "      erase_after: [<instance_fides_key>.orders]\n");
  auto map = load(text);
  ASSERT_TRUE(map) << map.error().message;
  EXPECT_EQ(map->collection("shop.users")->erase_after, std::vector<std::string>{"shop.orders"});
  std::string elsewhere = config(k_api_key_auth, "", "");
  elsewhere.replace(elsewhere.find(users), users.size(), users + "      erase_after: [other_dataset.orders]\n");
  EXPECT_NE(refusal(load(elsewhere)).find("names no collection of this config's dataset"), std::string::npos)
      << refusal(load(elsewhere));
}

// Issue 29: a GDPR delete (data_protection_request), a delete-only endpoint the dataset does not
// describe, and consent requests: each a request sent by the person's identifiers.
TEST_F(FidesSaas, RequestsByIdentifierLoadAsErasuresAndConsentRequests) {
  std::string top = R"(  data_protection_request:
    method: POST
    path: /workspaces/<workspace_name>/regulations
    param_values:
      - {name: workspace_name, connector_param: client_id}
      - {name: user_id, identity: email}
    body: '{"values": ["<user_id>"]}'
    client_config:
      protocol: https
      host: gdpr.shop.example
      authentication:
        strategy: basic
        configuration: {username: <api_key>}
  consent_requests:
    opt_in: {method: POST, path: /opt-in, param_values: [{name: email, identity: email}], body: '{"e": "<email>"}'}
    opt_out:
      - {method: POST, path: /opt-out, param_values: [{name: email, identity: email}], body: '{"e": "<email>"}'}
      - {method: GET, path: /ccpa, query_params: [{name: phone, value: <phone>}],
         skip_missing_param_values: true, param_values: [{name: phone, identity: phone_number}]}
)";
  std::string chat = R"(    - name: chat
      requests:
        delete:
          method: POST
          path: /data-subject-request
          body: '{"email": "<email>"}'
          param_values:
            - {name: email, identity: email}
)";
  auto map = load(config(k_api_key_auth, top, "", chat));
  ASSERT_TRUE(map) << map.error().message;
  const Collection* gdpr = map->collection("shop.data_protection_request");
  ASSERT_TRUE(gdpr && gdpr->http);
  EXPECT_TRUE(gdpr->http->covers_system);
  EXPECT_TRUE(gdpr->http->erases_by_identifier());
  EXPECT_TRUE(gdpr->fields.empty());
  const HttpRequestSpec& regulation = *gdpr->http->remove;
  EXPECT_EQ(regulation.base_url, "https://gdpr.shop.example");
  EXPECT_EQ(regulation.auth.at("strategy"), "basic");
  EXPECT_EQ(regulation.auth.at("username"), "<api_key>");
  EXPECT_EQ(regulation.connector_aliases.at("workspace_name"), "client_id");
  ASSERT_EQ(regulation.params.size(), 1u);
  EXPECT_EQ(regulation.params[0].identity, "email");
  const Collection* chat_collection = map->collection("shop.chat");  // not in the dataset: made for the endpoint
  ASSERT_TRUE(chat_collection && chat_collection->http);
  EXPECT_TRUE(chat_collection->http->erases_by_identifier());
  EXPECT_FALSE(chat_collection->http->covers_system);
  const System* shop = map->system("shop");
  EXPECT_NE(std::find(shop->collections.begin(), shop->collections.end(), "shop.chat"), shop->collections.end());
  ASSERT_EQ(shop->store.opt_out_requests.size(), 2u);
  ASSERT_EQ(shop->store.opt_in_requests.size(), 1u);
  EXPECT_EQ(shop->store.opt_out_requests[1].method, "GET");
  EXPECT_TRUE(shop->store.opt_out_requests[1].skip_missing_param_values);
  EXPECT_EQ(shop->store.opt_in_requests[0].path, "/opt-in");
}

TEST_F(FidesSaas, ARequestByIdentifierTakesIdentitiesOnly) {
  auto referenced = load(config(k_api_key_auth,
                                "  consent_requests:\n    opt_out:\n      method: POST\n      path: /opt-out/<user_id>\n"
                                "      param_values:\n        - name: user_id\n          references:\n"
                                "            - {dataset: <instance_fides_key>, field: users.id, direction: from}\n",
                                ""));
  EXPECT_NE(refusal(referenced).find("can take an identity or a connector parameter only"), std::string::npos)
      << refusal(referenced);
  auto nobody = load(config(k_api_key_auth, "  data_protection_request: {method: POST, path: /gdpr-delete}\n", ""));
  EXPECT_NE(refusal(nobody).find("yet it names none"), std::string::npos) << refusal(nobody);
  auto update_only = load(config(k_api_key_auth, "", "",
                                 "    - name: notes\n      requests:\n        update: {method: PUT, path: /notes}\n"));
  // (Fides runs an endpoint without a read only when it deletes.)
  EXPECT_NE(refusal(update_only).find("endpoint 'notes' has no collection of that name"), std::string::npos)
      << refusal(update_only);
  auto custom = load(config(k_api_key_auth,
                            "  data_protection_request:\n    method: POST\n    path: /gdpr\n"
                            "    param_values: [{name: email, identity: email}]\n"
                            "    client_config: {host: x.example, authentication: {strategy: shop_signature}}\n",
                            ""));
  EXPECT_NE(refusal(custom).find("the authentication strategy 'shop_signature' is a function of Fides' Python code"),
            std::string::npos)
      << refusal(custom);
}

TEST_F(FidesSaas, ABadlyShapedConfigNamesItsOwnFileAndLineInWords) {
  // A connector parameter written as a single value where Fides wants entries (the shape that
  // used to surface as yaml-cpp's "operator[] call on a scalar", with the map's name).
  std::string text = config(k_api_key_auth, "", "");
  std::string from = "    - name: domain\n      default_value: api.shop.example\n";
  auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, from.size(), "    - domain\n");
  auto map = load(text);
  ASSERT_FALSE(map);
  EXPECT_NE(map.error().message.find("shop_config.yml:8: a single value is written where entries"), std::string::npos)
      << map.error().message;
  EXPECT_EQ(map.error().message.find("operator[]"), std::string::npos) << map.error().message;
  auto not_yaml = load("saas_config:\n  name: [unclosed\n");
  ASSERT_FALSE(not_yaml);
  EXPECT_NE(not_yaml.error().message.find("shop_config.yml:"), std::string::npos) << not_yaml.error().message;
  EXPECT_NE(not_yaml.error().message.find("not valid YAML"), std::string::npos) << not_yaml.error().message;
}

}  // namespace
}  // namespace maestro
