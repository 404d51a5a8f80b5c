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

Status endpoints(const std::string& file, const YAML::Node& saas, const std::string& system_name,
                 std::map<std::string, Collection>& collections, const HttpLoad& load) {
  for (const auto& endpoint : saas["endpoints"]) {
    if (auto ok = only_keys(file, endpoint, {"name", "requests", "skip_processing", "after", "erase_after"},
                            "an endpoint");
        !ok)
      return ok;
    std::string name = text(endpoint["name"]);
    if (endpoint["skip_processing"] && endpoint["skip_processing"].as<bool>(false)) continue;
    if (endpoint["erase_after"] && endpoint["erase_after"].size() > 0)
      return invalid(where(file, endpoint["erase_after"]) + ": endpoint '" + name + "' orders its erasure with "
                     "'erase_after', which Maestro does not run yet (it erases the records that refer to others first)");
    auto it = collections.find(system_name + "." + name);
    if (it == collections.end())
      return invalid(where(file, endpoint) + ": endpoint '" + name + "' has no collection of that name in the dataset "
                     "(Maestro takes each endpoint's fields from the dataset)");
    if (auto ok = only_keys(file, endpoint["requests"], {"read", "update", "delete"}, "an endpoint's requests"); !ok)
      return ok;
    std::size_t pending_before = load.pending->size();
    if (auto ok = load_http_requests(load, endpoint["requests"], it->second); !ok) return ok;
    if (auto ok = after_is_implied(file, endpoint, name, *load.pending, pending_before); !ok) return ok;
  }
  return {};
}

// The first request_override of a config, wherever it is: a config that needs Fides' Python code
// is told so before anything else is checked.
// (Every lookup here is on const nodes and checks the level above: yaml-cpp throws on a lookup
// below a missing key.)
std::optional<YAML::Node> first_override(const YAML::Node& saas) {
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
  for (const YAML::Node& r : requests) {
    const YAML::Node& request = r;
    if (request.IsMap() && request["request_override"]) return request["request_override"];
  }
  return std::nullopt;
}

Status load_config(const std::string& map_file, const YAML::Node& node, const std::string& file,
                   const std::string& system_name, std::map<std::string, Collection>& collections, StoreSpec& store,
                   std::map<std::string, std::string>& dataset_system, std::vector<PendingReference>& pending) {
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
  if (auto override = first_override(saas))
    return propagate(needs_python(file, *override, "the request_override '" + text(*override) + "'"));
  const YAML::Node client_config = saas["client_config"];
  const YAML::Node auth = client_config && client_config.IsMap() ? client_config["authentication"] : YAML::Node();
  if (auth && auth.IsMap() && !k_authentication().contains(text(auth["strategy"])))
    return propagate(needs_python(file, auth["strategy"], "the authentication strategy '" + text(auth["strategy"]) + "'"));
  for (const char* later : {"data_protection_request", "consent_requests"}) {
    if (saas[later])
      return invalid(where(file, saas[later]) + ": '" + later + "' (" +
                     (std::string(later) == "consent_requests" ? "opt-in and opt-out requests"
                                                               : "a GDPR delete request used instead of masking") +
                     ") is not run by Maestro yet");
  }
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
  if (auto ok = endpoints(file, saas, system_name, collections, load); !ok) return ok;
  for (auto& [key, c] : collections) {
    if (c.system == system_name && !c.http)
      return invalid(file + ": the dataset's collection '" + c.name + "' has no endpoint in the SaaS config");
  }
  return {};
}

}  // namespace

Status load_fides_saas(const std::string& map_file, const YAML::Node& node, const std::string& system_name,
                       std::map<std::string, Collection>& collections, StoreSpec& store,
                       std::map<std::string, std::string>& dataset_system, std::vector<PendingReference>& pending) {
  fs::path config_path = text(node["config"]);
  if (config_path.empty()) return invalid(where(map_file, node) + ": fides_saas needs a 'config' file");
  if (config_path.is_relative()) config_path = fs::path(map_file).parent_path() / config_path;
  std::string file = config_path.string();
  try {
    return load_config(map_file, node, file, system_name, collections, store, dataset_system, pending);
  } catch (const YAML::Exception& e) {
    // Thrown while reading the config (its lines); the map's own are read before.
    return propagate(yaml_problem(file, e));
  }
}

}  // namespace maestro::datamap_detail
