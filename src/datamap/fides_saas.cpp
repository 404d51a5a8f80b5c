// A Fides SaaS connector config (saas_config, the format of Fides' catalogue) read unchanged:
// connector parameters, the client (host and authentication), rate limits and each endpoint's
// requests into the collections its dataset describes. Every key of Fides' schema is either run
// or refused with a sentence saying why; an unknown key is refused, never ignored. What only
// Fides' Python code can do (a request_override, a custom authentication strategy) is refused
// saying what to do instead.
#include <algorithm>
#include <optional>

#include "datamap/http_loader.hpp"

namespace maestro::datamap_detail {

namespace fs = std::filesystem;

namespace {

std::string text(const YAML::Node& node) { return node && node.IsScalar() ? node.as<std::string>() : ""; }

// Fides' own strategies; any other name is a class of its Python code.
const std::set<std::string>& k_authentication() {
  static const std::set<std::string> known{"basic", "bearer", "api_key", "oauth2_client_credentials",
                                           "oauth2_authorization_code", "query_param"};
  return known;
}

// A Fides request template (token_request, refresh_request) into "auth.<prefix>_*" settings.
Status token_request(const std::string& file, const YAML::Node& node, const std::string& prefix, StoreSpec& store) {
  if (!node) return {};
  if (auto ok = only_keys(file, node, {"method", "path", "headers", "query_params", "body", "client_config"},
                          "an OAuth2 " + prefix + " request");
      !ok)
    return ok;
  store.settings["auth." + prefix + "_method"] = text(node["method"]).empty() ? "POST" : text(node["method"]);
  store.settings["auth." + prefix + "_path"] = text(node["path"]);
  if (node["body"]) store.settings["auth." + prefix + "_body"] = text(node["body"]);
  for (const auto& h : node["headers"])
    if (text(h["name"]) == "Content-Type") store.settings["auth." + prefix + "_content_type"] = text(h["value"]);
  for (const auto& q : node["query_params"]) store.settings["auth." + prefix + "_query." + text(q["name"])] = text(q["value"]);
  if (const YAML::Node client = node["client_config"]) {
    // Salesforce refreshes at another host (<token_refresh_url>) than its API's.
    std::string protocol = text(client["protocol"]).empty() ? "https" : text(client["protocol"]);
    store.settings["auth." + prefix + "_base_url"] = protocol + "://" + text(client["host"]);
  }
  return {};
}

// Authentication, flattened into the store's settings as templates ("auth.username" = "<username>").
Status fides_authentication(const std::string& file, const YAML::Node& node, StoreSpec& store) {
  if (!node) return {};
  if (auto ok = only_keys(file, node, {"strategy", "configuration"}, "an authentication"); !ok) return ok;
  std::string strategy = text(node["strategy"]);
  if (!k_authentication().contains(strategy))
    return propagate(needs_python(file, node["strategy"], "the authentication strategy '" + strategy + "'"));
  store.settings["auth.strategy"] = strategy == "query_param" ? "api_key" : strategy;
  const YAML::Node config = node["configuration"];
  if (strategy == "query_param") {  // one query parameter: {name, value}
    if (auto ok = only_keys(file, config, {"name", "value"}, "a query_param configuration"); !ok) return ok;
    store.settings["auth.query." + text(config["name"])] = text(config["value"]);
    return {};
  }
  if (strategy == "oauth2_authorization_code") {
    // The authorization itself (a person signing in once) happens outside Maestro: the map gives
    // the refresh token it produced; Maestro renews access tokens with the refresh request.
    if (auto ok = only_keys(file, config,
                            {"expires_in", "authorization_request", "token_request", "refresh_request", "scopes"},
                            "an oauth2_authorization_code configuration");
        !ok)
      return ok;
    if (!config["refresh_request"] && !config["token_request"])
      return invalid(where(file, node) + ": oauth2_authorization_code needs a 'refresh_request' (or a token_request)");
    if (auto ok = token_request(file, config["refresh_request"] ? config["refresh_request"] : config["token_request"],
                                "token", store);
        !ok)
      return ok;
    store.settings["auth.refresh"] = "true";
    if (config["expires_in"]) store.settings["auth.expires_in"] = text(config["expires_in"]);
    return {};
  }
  if (strategy == "oauth2_client_credentials") {
    if (auto ok = only_keys(file, config, {"expires_in", "token_request", "refresh_request", "scopes"},
                            "an oauth2_client_credentials configuration");
        !ok)
      return ok;
    if (auto ok = token_request(file, config["token_request"], "token", store); !ok) return ok;
    if (config["expires_in"]) store.settings["auth.expires_in"] = text(config["expires_in"]);
    return {};
  }
  for (const auto& entry : config) {
    std::string key = entry.first.as<std::string>();
    if (entry.second.IsScalar()) {
      store.settings["auth." + key] = entry.second.as<std::string>();
    } else if (entry.second.IsSequence() && (key == "headers" || key == "query_params")) {
      for (const auto& h : entry.second)
        store.settings["auth." + std::string(key == "headers" ? "header." : "query.") + text(h["name"])] =
            text(h["value"]);
    } else {
      return invalid(where(file, entry.first) + ": '" + key + "' is not a setting of " + strategy + " authentication");
    }
  }
  return {};
}

// Connector parameters: plain ones from `params`, sensitive ones only from `secrets`
// (environment variables), defaults from the config. The OAuth2 refresh token is a secret too.
Status connector_params(const std::string& map_file, const YAML::Node& node, const std::string& file,
                        const YAML::Node& saas, HttpLoad& load, StoreSpec& store) {
  const YAML::Node params = node["params"];
  const YAML::Node secrets = node["secrets"];
  for (const auto& p : saas["connector_params"]) {
    if (auto ok = only_keys(file, p, {"name", "label", "options", "default_value", "multiselect", "description",
                                      "sensitive", "type", "allowed_values"},
                            "a connector parameter");
        !ok)
      return ok;
    std::string name = text(p["name"]);
    load.connector_params.insert(name);
    bool sensitive = p["sensitive"].as<bool>(false);
    if (params && params[name]) {
      if (sensitive)
        return invalid(where(map_file, params[name]) + ": '" + name + "' is a secret: name an environment variable "
                       "under 'secrets' instead of writing it in the map");
      store.settings["param." + name] = text(params[name]);
      if (const YAML::Node allowed = p["allowed_values"]; allowed && allowed.IsSequence()) {
        bool listed = std::any_of(allowed.begin(), allowed.end(),
                                  [&](const YAML::Node& v) { return text(v) == text(params[name]); });
        if (!listed)
          return invalid(where(map_file, params[name]) + ": '" + text(params[name]) + "' is not one of the values " +
                         file + " allows for '" + name + "'");
      }
    } else if (secrets && secrets[name]) {
      store.settings["param_env." + name] = text(secrets[name]);
    } else if (p["default_value"] && p["default_value"].IsScalar()) {
      store.settings["param." + name] = text(p["default_value"]);
    } else if (p["default_value"]) {
      return invalid(where(file, p["default_value"]) + ": connector parameter '" + name + "' has a list of values "
                     "(multiselect), which Maestro does not send yet: give one value under 'params'");
    } else {
      return invalid(where(map_file, node) + ": connector parameter '" + name + "' of " + file + " has no value: give "
                     "it under 'params'" + (sensitive ? " (a secret: under 'secrets', an environment variable)" : ""));
    }
  }
  bool refreshes = store.settings.contains("auth.refresh");
  for (bool is_secrets : {false, true}) {
    const YAML::Node& given = is_secrets ? secrets : params;
    for (const auto& entry : given) {
      std::string name = entry.first.as<std::string>();
      if (refreshes && is_secrets && name == "refresh_token") {
        store.settings["auth.refresh_token_env"] = text(entry.second);
        continue;
      }
      if (!load.connector_params.contains(name))
        return invalid(where(map_file, entry.first) + ": " + file + " has no connector parameter '" + name + "'");
    }
  }
  if (refreshes && !store.settings.contains("auth.refresh_token_env"))
    return invalid(where(map_file, node) + ": " + file + " authenticates with OAuth2 authorization codes: give the "
                   "refresh token of the authorization under 'secrets' (refresh_token: AN_ENVIRONMENT_VARIABLE)");
  if (refreshes) load.connector_params.insert({"refresh_token", "access_token"});  // the token requests' own
  return {};
}

// The external references a config names (values kept in the company's own stores, e.g. a
// Braintree customer id in the shop's database): the map says where each one is.
Status external_references(const std::string& map_file, const YAML::Node& node, const std::string& file,
                           const YAML::Node& saas, HttpLoad& load) {
  std::set<std::string> named;
  for (const auto& e : saas["external_references"]) {
    if (auto ok = only_keys(file, e, {"name", "label", "description"}, "an external reference"); !ok) return ok;
    named.insert(text(e["name"]));
  }
  for (const auto& entry : node["external_references"]) {
    std::string name = entry.first.as<std::string>();
    if (!named.contains(name))
      return invalid(where(map_file, entry.first) + ": " + file + " names no external reference '" + name + "'");
    YAML::Node reference = entry.second;
    if (reference.IsScalar()) {  // "system.collection.field" or "collection.field"
      YAML::Node written;
      written["field"] = reference.as<std::string>();
      reference = written;
    }
    load.external_references[name] = reference;
  }
  return {};
}

// Fides' `after: [dataset.collection]` reads an endpoint after another. Maestro reads a collection
// once the values its references need are found, so an `after` naming a collection the endpoint's
// reads reference is kept already; any other order is refused.
Status after_is_implied(const std::string& file, const YAML::Node& endpoint, const std::string& name,
                        const std::vector<PendingReference>& pending, std::size_t from) {
  const YAML::Node after = endpoint["after"];
  if (!after) return {};
  for (const auto& entry : after) {
    std::string target = text(entry);
    std::string collection = target.substr(target.find('.') + 1);  // "<dataset>.projects" -> projects
    bool referenced = std::any_of(pending.begin() + static_cast<std::ptrdiff_t>(from), pending.end(),
                                  [&](const PendingReference& p) { return p.target.starts_with(collection + "."); });
    if (!referenced)
      return invalid(where(file, entry) + ": endpoint '" + name + "' is read after '" + target + "', which its requests "
                     "do not reference: Maestro orders reads by references only and does not run such an order yet");
  }
  return {};
}

// Fides' `erase_after: [dataset.collection]`: that collection's records are erased first. Only
// within the system: each system is erased in a step of its own.
Status erase_after(const std::string& file, const YAML::Node& endpoint, const System& system,
                   const std::map<std::string, Collection>& collections, Collection& c, const HttpLoad& load) {
  const YAML::Node list = endpoint["erase_after"];
  if (!list) return {};
  if (!list.IsSequence()) return invalid(where(file, list) + ": 'erase_after' needs a list of dataset.collection");
  for (const auto& entry : list) {
    std::string target = text(entry);
    auto dot = target.find('.');
    std::string dataset = dot == std::string::npos ? "" : target.substr(0, dot);
    auto owner = load.dataset_system.find(dataset);
    if (dot == std::string::npos || owner == load.dataset_system.end() || owner->second != system.name)
      return invalid(where(file, entry) + ": erase_after '" + target + "' names no collection of this config's "
                     "dataset (Maestro orders erasures within a system; each system is erased in its own step)");
    std::string key = system.name + "." + target.substr(dot + 1);
    if (!collections.contains(key))
      return invalid(where(file, entry) + ": erase_after '" + target + "': the dataset has no such collection");
    c.erase_after.push_back(key);
  }
  return {};
}

// A collection the dataset does not describe, for a request sent by identifier: no fields, the
// system's Article 15 statements. Its name is the endpoint's (or "data_protection_request").
Collection& identifier_collection(System& system, std::map<std::string, Collection>& collections,
                                  const std::string& name) {
  Collection c;
  c.system = system.name;
  c.name = name;
  c.source = name;
  static_cast<Article15Info&>(c) = system.article15;
  system.collections.push_back(c.key());
  return collections.emplace(c.key(), std::move(c)).first->second;
}

// Whether an endpoint's requests are a delete alone (Fides runs such an endpoint without a
// collection in the dataset: it erases by identifier).
bool delete_only(const YAML::Node& requests) {
  return requests && requests.IsMap() && requests["delete"] && !requests["read"] && !requests["update"];
}

Status endpoints(const std::string& file, const YAML::Node& saas, System& system,
                 std::map<std::string, Collection>& collections, const HttpLoad& load) {
  const std::string& system_name = system.name;
  for (const auto& endpoint : saas["endpoints"]) {
    if (auto ok = only_keys(file, endpoint, {"name", "requests", "skip_processing", "after", "erase_after"},
                            "an endpoint");
        !ok)
      return ok;
    std::string name = text(endpoint["name"]);
    if (endpoint["skip_processing"] && endpoint["skip_processing"].as<bool>(false)) continue;
    auto it = collections.find(system_name + "." + name);
    if (it == collections.end() && delete_only(endpoint["requests"]))
      it = collections.find(identifier_collection(system, collections, name).key());
    if (it == collections.end())
      return invalid(where(file, endpoint) + ": endpoint '" + name + "' has no collection of that name in the dataset "
                     "(Maestro takes each endpoint's fields from the dataset)");
    if (auto ok = only_keys(file, endpoint["requests"], {"read", "update", "delete"}, "an endpoint's requests"); !ok)
      return ok;
    std::size_t pending_before = load.pending->size();
    if (auto ok = load_http_requests(load, endpoint["requests"], it->second); !ok) return ok;
    if (auto ok = after_is_implied(file, endpoint, name, *load.pending, pending_before); !ok) return ok;
    if (auto ok = erase_after(file, endpoint, system, collections, it->second, load); !ok) return ok;
  }
  return {};
}

// Fides' data_protection_request (a GDPR delete): a collection of its own, erasing by identifier
// what the system holds of the person wherever no update of a collection changes it.
Status data_protection_request(const YAML::Node& saas, System& system, std::map<std::string, Collection>& collections,
                               const HttpLoad& load) {
  const YAML::Node node = saas["data_protection_request"];
  if (!node) return {};
  const std::string name = "data_protection_request";
  if (collections.contains(system.name + "." + name))
    return invalid(where(load.file, node) + ": the dataset has a collection named '" + name + "', the name Maestro "
                   "gives the config's data_protection_request: rename the collection");
  Collection& c = identifier_collection(system, collections, name);
  c.description = "The API's data protection (GDPR delete) request: the provider erases the person's records";
  auto request = load_identifier_request(load, node, c);
  if (!request) return propagate(request.error());
  c.http = HttpResource{{}, std::nullopt, std::move(*request), true};
  return {};
}

// Fides' consent_requests: {opt_in, opt_out}, each one request or a list, sent by identifier.
Status consent_requests(const YAML::Node& saas, System& system, const HttpLoad& load) {
  const YAML::Node node = saas["consent_requests"];
  if (!node) return {};
  if (auto ok = only_keys(load.file, node, {"opt_in", "opt_out"}, "consent_requests"); !ok) return ok;
  Collection context;  // names the requests in messages; they belong to no collection
  context.system = system.name;
  context.name = "consent_requests";
  for (auto [key, target] : {std::pair{"opt_in", &system.store.opt_in_requests},
                             std::pair{"opt_out", &system.store.opt_out_requests}}) {
    const YAML::Node requests = node[key];
    if (!requests) continue;
    std::vector<YAML::Node> each;
    if (requests.IsSequence())
      for (const auto& one : requests) each.push_back(one);
    else
      each.push_back(requests);
    for (const auto& one : each) {
      auto request = load_identifier_request(load, one, context);
      if (!request) return propagate(request.error());
      target->push_back(std::move(*request));
    }
  }
  return {};
}

// Every request of a config (endpoints', the data protection request, consent requests).
// (Every lookup here is on const nodes and checks the level above: yaml-cpp throws on a lookup
// below a missing key.)
std::vector<YAML::Node> all_requests(const YAML::Node& saas) {
  std::vector<YAML::Node> requests;
  auto add = [&](const YAML::Node& parent, const char* key) {
    if (!parent || !parent.IsMap()) return;
    const YAML::Node r = parent[key];
    if (r && r.IsSequence())
      for (const auto& one : r) requests.push_back(one);
    else if (r && r.IsMap())
      requests.push_back(r);
  };
  const YAML::Node endpoints = saas["endpoints"];
  if (endpoints && endpoints.IsSequence()) {
    for (const auto& endpoint : endpoints) {
      if (!endpoint.IsMap()) continue;
      for (const char* kind : {"read", "update", "delete"}) add(endpoint["requests"], kind);
    }
  }
  add(saas, "data_protection_request");
  for (const char* kind : {"opt_in", "opt_out"}) add(saas["consent_requests"], kind);
  return requests;
}

// The first thing of a config that only Fides' Python code can do, wherever it is (a
// request_override, a custom authentication strategy of the client or of a request): a config
// that needs it is told so before anything else is checked.
std::optional<Error> first_python_need(const std::string& file, const YAML::Node& saas) {
  auto custom_strategy = [&](const YAML::Node& client) -> std::optional<Error> {
    if (!client || !client.IsMap()) return std::nullopt;
    const YAML::Node auth = client["authentication"];
    if (auth && auth.IsMap() && !k_authentication().contains(text(auth["strategy"])))
      return needs_python(file, auth["strategy"], "the authentication strategy '" + text(auth["strategy"]) + "'");
    return std::nullopt;
  };
  for (const YAML::Node& r : all_requests(saas)) {
    const YAML::Node& request = r;
    if (!request.IsMap()) continue;
    if (request["request_override"])
      return needs_python(file, request["request_override"], "the request_override '" + text(request["request_override"]) + "'");
  }
  if (auto custom = custom_strategy(saas["client_config"])) return custom;
  for (const YAML::Node& r : all_requests(saas)) {
    const YAML::Node& request = r;
    if (request.IsMap())
      if (auto custom = custom_strategy(request["client_config"])) return custom;
  }
  return std::nullopt;
}

Status load_config(const std::string& map_file, const YAML::Node& node, const std::string& file, System& system,
                   std::map<std::string, Collection>& collections, std::map<std::string, std::string>& dataset_system,
                   std::vector<PendingReference>& pending) {
  const std::string& system_name = system.name;
  StoreSpec& store = system.store;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return not_found("Fides SaaS config " + file + " cannot be read");
  }
  const YAML::Node saas = root["saas_config"];
  if (!saas || !saas.IsMap()) return invalid(file + ": expected a 'saas_config'");
  if (auto ok = only_keys(file, saas,
                          {"fides_key", "name", "type", "description", "version", "replaceable", "connector_params",
                           "external_references", "client_config", "endpoints", "test_request",
                           "data_protection_request", "rate_limit_config", "consent_requests", "user_guide",
                           "display_info"},  // display_info: the logo and category Fides' screens show
                          "a saas_config");
      !ok)
    return ok;
  if (auto python = first_python_need(file, saas)) return propagate(*python);
  dataset_system[text(saas["fides_key"])] = system_name;
  HttpLoad load{file, {}, dataset_system, &pending, true, {}, map_file};
  if (auto ok = only_keys(map_file, node, {"config", "dataset", "params", "secrets", "external_references"},
                          "fides_saas");
      !ok)
    return ok;
  const YAML::Node client = saas["client_config"];
  if (auto ok = only_keys(file, client, {"protocol", "host", "authentication"}, "a client_config"); !ok) return ok;
  if (auto ok = fides_authentication(file, client["authentication"], store); !ok) return ok;
  if (auto ok = connector_params(map_file, node, file, saas, load, store); !ok) return ok;
  if (auto ok = external_references(map_file, node, file, saas, load); !ok) return ok;
  if (!store.settings.contains("base_url"))
    store.settings["base_url"] = (text(client["protocol"]).empty() ? "https" : text(client["protocol"])) + "://" +
                                 text(client["host"]);
  if (auto ok = rate_limits(file, saas["rate_limit_config"], store.rate_limits); !ok) return ok;
  if (const YAML::Node test = saas["test_request"]) {
    store.settings["test.method"] = text(test["method"]);
    store.settings["test.path"] = text(test["path"]);
  }
  if (auto ok = endpoints(file, saas, system, collections, load); !ok) return ok;
  if (auto ok = data_protection_request(saas, system, collections, load); !ok) return ok;
  if (auto ok = consent_requests(saas, system, load); !ok) return ok;
  for (auto& [key, c] : collections) {
    if (c.system == system_name && !c.http)
      return invalid(file + ": the dataset's collection '" + c.name + "' has no endpoint in the SaaS config");
  }
  return {};
}

}  // namespace

Status load_fides_saas(const std::string& map_file, const YAML::Node& node, System& system,
                       std::map<std::string, Collection>& collections,
                       std::map<std::string, std::string>& dataset_system, std::vector<PendingReference>& pending) {
  fs::path config_path = text(node["config"]);
  if (config_path.empty()) return invalid(where(map_file, node) + ": fides_saas needs a 'config' file");
  if (config_path.is_relative()) config_path = fs::path(map_file).parent_path() / config_path;
  std::string file = config_path.string();
  try {
    return load_config(map_file, node, file, system, collections, dataset_system, pending);
  } catch (const YAML::Exception& e) {
    // Thrown while reading the config (its lines); the map's own are read before.
    return propagate(yaml_problem(file, e));
  }
}

}  // namespace maestro::datamap_detail
