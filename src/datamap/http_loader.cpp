// HTTP API requests in the data map: Maestro's own `requests:` and Fides SaaS configs share one
// shape (Fides' endpoint requests), read here into HttpResource.
#include "datamap/http_loader.hpp"

#include <algorithm>
#include <regex>

namespace maestro::datamap_detail {

namespace fs = std::filesystem;

std::string where(const std::string& file, const YAML::Node& node) {
  return file + ":" + std::to_string(node.Mark().line + 1);
}

namespace {

const std::set<std::string>& body_placeholders() {
  static const std::set<std::string> names{"masked_object_fields", "all_object_fields"};
  return names;
}

// Every <placeholder> of a template.
std::vector<std::string> placeholders(const std::string& text) {
  static const std::regex pattern("<([A-Za-z_][A-Za-z0-9_]*)>");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1].str());
  return out;
}

std::string scalar(const YAML::Node& node) { return node && node.IsScalar() ? node.as<std::string>() : ""; }

Field& lookup_field(Collection& c, const std::string& name) {
  for (auto& f : c.fields) {
    if (f.name == name) return f;
  }
  Field f;
  f.name = name;
  f.lookup_only = true;
  c.fields.push_back(std::move(f));
  return c.fields.back();
}

Status postprocessors(const HttpLoad& load, const YAML::Node& list, HttpRequestSpec& r) {
  for (const auto& node : list) {
    HttpPostprocessor p;
    p.strategy = scalar(node["strategy"]);
    const YAML::Node config = node["configuration"];
    if (p.strategy == "filter") {
      p.field = scalar(config["field"]);
      const YAML::Node value = config["value"];
      if (value && value.IsMap() && value["identity"])
        p.identity = scalar(value["identity"]);
      else
        p.value = scalar(value);
      if (p.field.empty() || (!p.identity && p.value.empty()))
        return invalid(where(load.file, node) + ": a filter needs a 'field' and a 'value'");
    } else if (p.strategy == "unwrap") {
      p.data_path = scalar(config["data_path"]);
      if (p.data_path.empty()) return invalid(where(load.file, node) + ": unwrap needs a 'data_path'");
    } else {
      return invalid(where(load.file, node) + ": unknown postprocessor strategy '" + p.strategy +
                     "' (Maestro knows filter and unwrap)");
    }
    r.postprocessors.push_back(std::move(p));
  }
  return {};
}

Status pagination(const HttpLoad& load, const YAML::Node& node, HttpRequestSpec& r) {
  if (!node) return {};
  static const std::map<std::string, std::set<std::string>> known{
      {"link", {"source", "rel", "path"}},
      {"offset", {"incremental_param", "increment_by", "limit"}},
      {"cursor", {"cursor_param", "field"}}};
  r.pagination.strategy = scalar(node["strategy"]);
  auto it = known.find(r.pagination.strategy);
  if (it == known.end())
    return invalid(where(load.file, node) + ": unknown pagination strategy '" + r.pagination.strategy +
                   "' (use link, offset or cursor)");
  for (const auto& entry : node["configuration"]) {
    std::string key = entry.first.as<std::string>();
    if (!it->second.contains(key))
      return invalid(where(load.file, entry.first) + ": '" + key + "' is not a setting of " + it->first +
                     " pagination");
    r.pagination.config[key] = scalar(entry.second);
  }
  if (it->first == "cursor" && (!r.pagination.config.contains("cursor_param") || !r.pagination.config.contains("field")))
    return invalid(where(load.file, node) + ": cursor pagination needs 'cursor_param' and 'field'");
  if (it->first == "offset" && !r.pagination.config.contains("incremental_param"))
    return invalid(where(load.file, node) + ": offset pagination needs 'incremental_param'");
  return {};
}

// The target of a parameter's reference: "collection.field" in the same dataset (or system).
struct ParamReference {
  std::string target, target_system, direction;
};

Result<ParamReference> param_reference(const HttpLoad& load, const YAML::Node& r) {
  ParamReference out{scalar(r["field"]), "", scalar(r["direction"])};
  if (r["dataset"]) {
    auto system = load.dataset_system.find(scalar(r["dataset"]));
    if (system == load.dataset_system.end())
      return invalid(where(load.file, r) + ": reference to unknown Fides dataset '" + scalar(r["dataset"]) + "'");
    out.target_system = system->second;
  }
  if (out.target.find('.') == std::string::npos)
    return invalid(where(load.file, r) + ": a reference names 'collection.field', not '" + out.target + "'");
  return out;
}

// A read's grouped_inputs: parameters filled from one record together. Identity parameters in
// a group take the person's identifier; the referenced ones must name one collection, and become
// a lookup of the collection by those fields together. A read with several referenced parameters
// needs the group: values of different records are never combined.
Status grouped_inputs(const HttpLoad& load, const YAML::Node& node,
                      const std::map<std::string, std::string>& referenced_collection, bool is_read, HttpRequestSpec& r,
                      Collection& c) {
  const std::string at = node ? where(load.file, node) : r.where;
  std::vector<std::string> referenced;
  std::set<std::string> sources;
  for (const auto& entry : node) {
    std::string name = scalar(entry);
    auto param = std::find_if(r.params.begin(), r.params.end(), [&](const HttpParam& p) { return p.name == name; });
    if (param == r.params.end())
      return invalid(at + ": grouped input '" + name + "' is not one of the request's param_values");
    r.grouped_inputs.push_back(name);
    if (auto source = referenced_collection.find(name); source != referenced_collection.end()) {
      referenced.push_back(param->field);
      sources.insert(source->second);
    }
  }
  if (sources.size() > 1)
    return invalid(at + ": grouped inputs must come from one collection's records; these reference " +
                   std::to_string(sources.size()) + " collections");
  if (is_read && referenced.size() > 1) c.grouped_lookups.push_back(referenced);
  if (is_read && referenced_collection.size() > 1 && referenced.size() < referenced_collection.size())
    return invalid(r.where + ": a read with several referenced parameters needs 'grouped_inputs' naming them "
                   "(values from different records are never combined)");
  return {};
}

Result<HttpRequestSpec> request(const HttpLoad& load, const YAML::Node& node, Collection& c, bool is_read) {
  HttpRequestSpec r;
  r.where = where(load.file, node);
  r.method = scalar(node["method"]);
  std::transform(r.method.begin(), r.method.end(), r.method.begin(), [](unsigned char ch) { return std::toupper(ch); });
  static const std::set<std::string> methods{"GET", "POST", "PUT", "PATCH", "DELETE"};
  if (!methods.contains(r.method))
    return invalid(r.where + ": a request needs a 'method' (GET, POST, PUT, PATCH or DELETE)");
  r.path = scalar(node["path"]);
  if (r.path.empty() || r.path[0] != '/') return invalid(r.where + ": a request needs a 'path' starting with /");
  for (auto [key, target] : {std::pair{"query_params", &r.query}, std::pair{"headers", &r.headers}}) {
    for (const auto& q : node[key]) target->emplace_back(scalar(q["name"]), scalar(q["value"]));
  }
  r.body = scalar(node["body"]);
  r.data_path = scalar(node["data_path"]);
  if (const YAML::Node ignore = node["ignore_errors"]) {
    if (ignore.IsScalar())
      r.ignore_all_errors = ignore.as<bool>(false);
    else
      for (const auto& status : ignore) r.ignore_errors.push_back(status.as<int>());
  }
  if (auto ok = postprocessors(load, node["postprocessors"], r); !ok) return propagate(ok.error());
  if (auto ok = pagination(load, node["pagination"], r); !ok) return propagate(ok.error());
  std::map<std::string, std::string> referenced_collection;  // reference parameter -> the collection it names
  for (const auto& p : node["param_values"]) {
    HttpParam param;
    param.name = scalar(p["name"]);
    if (param.name.empty()) return invalid(where(load.file, p) + ": a parameter needs a 'name'");
    if (p["field"] && is_read) {
      // Maestro's own: the parameter asks for records by one of their fields (GET /items/<id>).
      param.field = scalar(p["field"]);
      if (!c.field(param.field))
        return invalid(where(load.file, p) + ": '" + param.field + "' is not a field of " + c.key());
    } else if (p["identity"]) {
      param.identity = scalar(p["identity"]);
      // The identity's field: the dataset's own field of that name, else a lookup-only one.
      param.field = param.name;
      if (is_read) lookup_field(c, param.field);
    } else if (p["references"] && p["references"].IsSequence() && p["references"].size() > 0) {
      const YAML::Node first = p["references"][0];
      auto ref = param_reference(load, first);
      if (!ref) return propagate(ref.error());
      param.from_reference = true;
      auto dot = ref->target.find('.');
      referenced_collection[param.name] = ref->target_system + ":" + ref->target.substr(0, dot);
      bool own = ref->target.substr(0, dot) == c.name;
      if (is_read) {
        param.field = param.name;
        lookup_field(c, param.field);
        load.pending->push_back({c.system, c.name, param.field, ref->target, ref->target_system,
                                 ref->direction.empty() ? "from" : ref->direction, where(load.file, first)});
      } else if (own) {
        param.field = ref->target.substr(dot + 1);  // a field of the record being changed
        if (!c.field(param.field))
          return invalid(where(load.file, first) + ": '" + ref->target + "' is not a field of " + c.key());
      } else {
        return invalid(where(load.file, first) + ": an update or delete takes its values from the record it "
                       "changes; '" + ref->target + "' is another collection");
      }
    } else if (p["connector_param"]) {
      continue;  // the store's parameter fills it
    } else {
      return invalid(where(load.file, p) + ": parameter '" + param.name + "' needs an 'identity' or 'references'");
    }
    r.params.push_back(std::move(param));
  }
  if (auto ok = grouped_inputs(load, node["grouped_inputs"], referenced_collection, is_read, r, c); !ok)
    return propagate(ok.error());
  // A read that needs only identifiers starts a search; one that also needs a referenced value
  // is reached through the reference, its identifiers filled in then.
  if (is_read && referenced_collection.empty()) {
    for (const auto& p : r.params)
      if (p.identity) lookup_field(c, p.field).identity = p.identity;
  }
  // Every placeholder needs a value: a parameter, a connector parameter, or a body's fields.
  std::vector<std::string> texts{r.path, r.body};
  for (const auto& [k, v] : r.query) texts.push_back(v);
  for (const auto& [k, v] : r.headers) texts.push_back(v);
  for (const auto& text : texts) {
    for (const auto& name : placeholders(text)) {
      bool known = load.connector_params.contains(name) || body_placeholders().contains(name) ||
                   std::any_of(r.params.begin(), r.params.end(), [&](const HttpParam& p) { return p.name == name; });
      if (!known)
        return invalid(r.where + ": placeholder <" + name +
                       "> has no value (no param_values entry or connector parameter of that name)");
    }
  }
  return r;
}

}  // namespace

Status load_http_requests(const HttpLoad& load, const YAML::Node& requests, Collection& c) {
  if (!requests.IsMap()) return invalid(where(load.file, requests) + ": 'requests' needs read, update or delete");
  HttpResource resource;
  for (const auto& entry : requests) {
    std::string kind = entry.first.as<std::string>();
    if (kind == "read") {
      // One request or a list of alternatives (each answering other parameters).
      if (entry.second.IsSequence()) {
        for (const auto& one : entry.second) {
          auto r = request(load, one, c, true);
          if (!r) return propagate(r.error());
          resource.read.push_back(std::move(*r));
        }
      } else {
        auto r = request(load, entry.second, c, true);
        if (!r) return propagate(r.error());
        resource.read.push_back(std::move(*r));
      }
    } else if (kind == "update" || kind == "delete") {
      auto r = request(load, entry.second, c, false);
      if (!r) return propagate(r.error());
      (kind == "update" ? resource.update : resource.remove) = std::move(*r);
    } else {
      return invalid(where(load.file, entry.first) + ": unknown request '" + kind + "' (use read, update or delete)");
    }
  }
  if (resource.read.empty()) return invalid(where(load.file, requests) + ": collection " + c.key() + " has no 'read'");
  c.http = std::move(resource);
  return {};
}

namespace {

// Authentication, flattened into the store's settings as templates ("auth.username" = "<username>").
Status fides_authentication(const std::string& file, const YAML::Node& node, StoreSpec& store) {
  if (!node) return {};
  std::string strategy = scalar(node["strategy"]);
  static const std::set<std::string> known{"basic", "bearer", "api_key", "oauth2_client_credentials"};
  if (!known.contains(strategy))
    return invalid(where(file, node) + ": unknown authentication strategy '" + strategy +
                   "' (use basic, bearer, api_key or oauth2_client_credentials)");
  store.settings["auth.strategy"] = strategy;
  if (const YAML::Node token = node["configuration"]["token_request"]) {
    // Fides' OAuth2 token request: method, path, body (a template of connector parameters).
    store.settings["auth.token_method"] = scalar(token["method"]).empty() ? "POST" : scalar(token["method"]);
    store.settings["auth.token_path"] = scalar(token["path"]);
    if (token["body"]) store.settings["auth.token_body"] = scalar(token["body"]);
    for (const auto& h : token["headers"])
      if (scalar(h["name"]) == "Content-Type") store.settings["auth.token_content_type"] = scalar(h["value"]);
  }
  for (const auto& entry : node["configuration"]) {
    std::string key = entry.first.as<std::string>();
    if (entry.second.IsScalar()) {
      store.settings["auth." + key] = entry.second.as<std::string>();
    } else if (entry.second.IsSequence() && (key == "headers" || key == "query_params")) {
      for (const auto& h : entry.second)
        store.settings["auth." + std::string(key == "headers" ? "header." : "query.") + scalar(h["name"])] =
            scalar(h["value"]);
    }
  }
  return {};
}

}  // namespace

Status load_fides_saas(const std::string& map_file, const YAML::Node& node, const std::string& system_name,
                       std::map<std::string, Collection>& collections, StoreSpec& store,
                       std::map<std::string, std::string>& dataset_system, std::vector<PendingReference>& pending) {
  fs::path config_path = scalar(node["config"]);
  if (config_path.empty()) return invalid(where(map_file, node) + ": fides_saas needs a 'config' file");
  if (config_path.is_relative()) config_path = fs::path(map_file).parent_path() / config_path;
  std::string file = config_path.string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return not_found("Fides SaaS config " + file + " cannot be read");
  }
  const YAML::Node saas = root["saas_config"];
  if (!saas || !saas.IsMap()) return invalid(file + ": expected a 'saas_config'");
  dataset_system[scalar(saas["fides_key"])] = system_name;

  // Connector parameters: plain ones from `params`, sensitive ones only from `secrets`
  // (environment variables), defaults from the config.
  HttpLoad load{file, {}, dataset_system, &pending};
  const YAML::Node params = node["params"];
  const YAML::Node secrets = node["secrets"];
  for (const auto& p : saas["connector_params"]) {
    std::string name = scalar(p["name"]);
    load.connector_params.insert(name);
    bool sensitive = p["sensitive"].as<bool>(false);
    if (params && params[name]) {
      if (sensitive)
        return invalid(where(map_file, params[name]) + ": '" + name + "' is a secret: name an environment variable "
                       "under 'secrets' instead of writing it in the map");
      store.settings["param." + name] = scalar(params[name]);
    } else if (secrets && secrets[name]) {
      store.settings["param_env." + name] = scalar(secrets[name]);
    } else if (p["default_value"]) {
      store.settings["param." + name] = scalar(p["default_value"]);
    } else {
      return invalid(where(map_file, node) + ": connector parameter '" + name + "' of " + file + " has no value: give "
                     "it under 'params'" + (sensitive ? " (a secret: under 'secrets', an environment variable)" : ""));
    }
  }
  for (const YAML::Node& given : {params, secrets}) {
    for (const auto& entry : given) {
      std::string name = entry.first.as<std::string>();
      if (!load.connector_params.contains(name))
        return invalid(where(map_file, entry.first) + ": " + file + " has no connector parameter '" + name + "'");
    }
  }
  const YAML::Node client = saas["client_config"];
  if (!store.settings.contains("base_url"))
    store.settings["base_url"] = scalar(client["protocol"]).empty() ? "https://" + scalar(client["host"])
                                                                      : scalar(client["protocol"]) + "://" +
                                                                            scalar(client["host"]);
  if (auto ok = fides_authentication(file, client["authentication"], store); !ok) return ok;
  if (const YAML::Node test = saas["test_request"]) {
    store.settings["test.method"] = scalar(test["method"]);
    store.settings["test.path"] = scalar(test["path"]);
  }
  for (const auto& endpoint : saas["endpoints"]) {
    std::string name = scalar(endpoint["name"]);
    auto it = collections.find(system_name + "." + name);
    if (it == collections.end())
      return invalid(where(file, endpoint) + ": endpoint '" + name + "' has no collection of that name in the dataset");
    if (auto ok = load_http_requests(load, endpoint["requests"], it->second); !ok) return ok;
  }
  for (auto& [key, c] : collections) {
    if (c.system == system_name && !c.http)
      return invalid(file + ": the dataset's collection '" + c.name + "' has no endpoint in the SaaS config");
  }
  return {};
}

}  // namespace maestro::datamap_detail
