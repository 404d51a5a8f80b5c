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

Status only_keys(const std::string& file, const YAML::Node& node, const std::set<std::string>& known,
                 const std::string& what) {
  if (!node || !node.IsMap()) return {};
  for (const auto& entry : node) {
    std::string key = entry.first.as<std::string>("");
    if (known.contains(key)) continue;
    std::string names;
    for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
    return invalid(where(file, entry.first) + ": '" + key + "' is not a key of " + what + " (known: " + names + ")");
  }
  return {};
}

Error needs_python(const std::string& file, const YAML::Node& node, const std::string& what) {
  return Error{ErrorCode::invalid_argument,
               where(file, node) + ": " + what + " is a function of Fides' Python code, which Maestro cannot run: "
               "describe this API's requests in Maestro's own map (requests: under the collection, "
               "docs/datamap.md#http-apis), or give the system an owner and store type manual so that its "
               "requests become manual tasks"};
}

Error yaml_problem(const std::string& file, const YAML::Exception& e) {
  std::string at = file + ":" + std::to_string(e.mark.line + 1) + ": ";
  const std::string& m = e.msg;
  if (m.find("operator[] call on a scalar") != std::string::npos)
    return Error{ErrorCode::invalid_argument, at + "a single value is written where entries (key: value) are expected"};
  if (m.find("bad conversion") != std::string::npos)
    return Error{ErrorCode::invalid_argument,
                 at + "a value of the wrong kind (a list or entries where one value is expected, or text where a "
                      "number or true/false is)"};
  if (m.find("invalid node") != std::string::npos)
    return Error{ErrorCode::invalid_argument, at + "an entry is missing or written where it cannot be"};
  return Error{ErrorCode::invalid_argument,
               at + "this is not valid YAML (check the indentation, the quotes and the colons of this line)"};
}

Status rate_limits(const std::string& file, const YAML::Node& node, std::vector<HttpRateLimit>& out) {
  if (!node) return {};
  if (auto ok = only_keys(file, node, {"limits", "enabled"}, "a rate_limit_config"); !ok) return ok;
  if (node["enabled"] && !node["enabled"].as<bool>(true)) return {};
  static const std::map<std::string, int> k_periods{{"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400}};
  for (const auto& limit : node["limits"]) {
    if (auto ok = only_keys(file, limit, {"rate", "period", "custom_key"}, "a rate limit"); !ok) return ok;
    HttpRateLimit l;
    l.rate = limit["rate"].as<int>(0);
    auto period = k_periods.find(limit["period"].as<std::string>(""));
    if (l.rate <= 0 || period == k_periods.end())
      return invalid(where(file, limit) + ": a rate limit needs a positive 'rate' and a 'period' (second, minute, "
                     "hour or day)");
    l.period_seconds = period->second;
    l.key = limit["custom_key"].as<std::string>("");
    out.push_back(l);
  }
  return {};
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

// `file`: where the reference is written (the config, or the map for an external reference).
Result<ParamReference> param_reference(const HttpLoad& load, const std::string& file, const YAML::Node& r) {
  if (auto ok = only_keys(file, r, {"dataset", "field", "direction"}, "a reference"); !ok) return propagate(ok.error());
  ParamReference out{scalar(r["field"]), "", scalar(r["direction"])};
  if (r["dataset"]) {
    auto system = load.dataset_system.find(scalar(r["dataset"]));
    if (system == load.dataset_system.end())
      return invalid(where(file, r) + ": reference to unknown Fides dataset '" + scalar(r["dataset"]) + "'");
    out.target_system = system->second;
  }
  if (out.target.find('.') == std::string::npos)
    return invalid(where(file, r) + ": a reference names 'collection.field', not '" + out.target + "'");
  if (out.direction == "to")
    return invalid(where(file, r) + ": a parameter's reference has direction 'from' (its value comes from there)");
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
  if (is_read && referenced_collection.size() > 1 && referenced.empty()) {
    // No group: Fides sends every combination of the values found. Each from its own collection,
    // asked per person (a record's values of one collection would be a group, not a combination).
    std::set<std::string> from;
    std::vector<std::string> fields;
    for (const auto& p : r.params) {
      if (!p.from_reference) continue;
      from.insert(referenced_collection.at(p.name));
      fields.push_back(p.field);
    }
    if (from.size() < fields.size())
      return invalid(r.where + ": a read with several parameters referencing one collection needs 'grouped_inputs' "
                     "naming them (values from different records are never combined)");
    c.combined_lookups.push_back(fields);
    return {};
  }
  if (is_read && referenced_collection.size() > 1 && referenced.size() < referenced_collection.size())
    return invalid(r.where + ": a read whose grouped_inputs leave out some of its referenced parameters mixes "
                   "records: name them all in the group, or none (every combination of the person's values is asked)");
  return {};
}

// A request's own authentication (Segment's Personas reads sign in other than its API): the
// strategies whose templates need no exchange with a server.
Status request_authentication(const HttpLoad& load, const YAML::Node& node, HttpRequestSpec& r) {
  if (auto ok = only_keys(load.file, node, {"strategy", "configuration"}, "a request's authentication"); !ok) return ok;
  std::string strategy = scalar(node["strategy"]);
  static const std::set<std::string> simple{"basic", "bearer", "api_key", "query_param"};
  if (!simple.contains(strategy))
    return invalid(where(load.file, node) + ": a request with '" + strategy + "' authentication of its own is not run "
                   "by Maestro yet (a request's own basic, bearer, api_key or query_param authentication is)");
  r.auth["strategy"] = strategy == "query_param" ? "api_key" : strategy;
  const YAML::Node config = node["configuration"];
  if (strategy == "query_param") {
    if (auto ok = only_keys(load.file, config, {"name", "value"}, "a query_param configuration"); !ok) return ok;
    r.auth["query." + scalar(config["name"])] = scalar(config["value"]);
    return {};
  }
  for (const auto& entry : config) {
    std::string key = entry.first.as<std::string>();
    if (entry.second.IsScalar()) {
      r.auth[key] = entry.second.as<std::string>();
    } else if (entry.second.IsSequence() && (key == "headers" || key == "query_params")) {
      for (const auto& h : entry.second)
        r.auth[std::string(key == "headers" ? "header." : "query.") + scalar(h["name"])] = scalar(h["value"]);
    } else {
      return invalid(where(load.file, entry.first) + ": '" + key + "' is not a setting of " + strategy + " authentication");
    }
  }
  return {};
}

// One request of an async_config (status_request, result_request): sent like its parent (host,
// authentication, connector parameters), its placeholders filled as the parent's were, with
// <correlation_id> besides.
Result<HttpRequestSpec> follow_up(const HttpLoad& load, const YAML::Node& node, const HttpRequestSpec& parent,
                                  const std::set<std::string>& own_keys, const std::string& what) {
  std::set<std::string> keys{"method", "path", "headers", "query_params", "body", "param_values"};
  keys.insert(own_keys.begin(), own_keys.end());
  if (!node || !node.IsMap()) return invalid(parent.where + ": an async_config needs a " + what);
  if (auto ok = only_keys(load.file, node, keys, "a " + what); !ok) return propagate(ok.error());
  HttpRequestSpec r;
  r.where = where(load.file, node);
  r.method = scalar(node["method"]).empty() ? "GET" : scalar(node["method"]);
  std::transform(r.method.begin(), r.method.end(), r.method.begin(), [](unsigned char ch) { return std::toupper(ch); });
  r.path = scalar(node["path"]);
  if (r.path.empty() || r.path[0] != '/') return invalid(r.where + ": a " + what + " needs a 'path' starting with /");
  for (auto [key, target] : {std::pair{"query_params", &r.query}, std::pair{"headers", &r.headers}})
    for (const auto& q : node[key]) target->emplace_back(scalar(q["name"]), scalar(q["value"]));
  r.body = scalar(node["body"]);
  r.base_url = parent.base_url;
  r.auth = parent.auth;
  r.connector_aliases = parent.connector_aliases;
  r.rate_limits = parent.rate_limits;
  return r;
}

// Fides' async_config with strategy polling: the job's status asked until it completes, then a
// read's results fetched. (A callback needs an address the API can reach: not run.)
Status async_config(const HttpLoad& load, const YAML::Node& node, const Collection& c, bool is_read,
                    HttpRequestSpec& r) {
  r.correlation_id_path = scalar(node["correlation_id_path"]);
  const YAML::Node async = node["async_config"];
  if (!async) {
    if (node["correlation_id_path"])
      return invalid(where(load.file, node["correlation_id_path"]) + ": 'correlation_id_path' belongs to a request "
                     "with an async_config");
    return {};
  }
  if (auto ok = only_keys(load.file, async, {"strategy", "configuration"}, "an async_config"); !ok) return ok;
  std::string strategy = scalar(async["strategy"]);
  if (strategy == "callback")
    return invalid(where(load.file, async["strategy"]) + ": " + c.key() + "'s async_config waits for the API to call "
                   "back, which Maestro does not run yet (it has no address the API could reach): use polling, or "
                   "make the system manual");
  if (strategy != "polling")
    return invalid(where(load.file, async["strategy"]) + ": an async_config's strategy is polling or callback");
  const YAML::Node config = async["configuration"];
  if (!config || !config.IsMap())
    return invalid(where(load.file, async) + ": an async_config needs a status_request (under 'configuration')");
  if (auto ok = only_keys(load.file, config, {"status_request", "result_request"}, "a polling configuration"); !ok)
    return ok;
  auto job = std::make_shared<HttpAsync>();
  auto status = follow_up(load, config["status_request"], r, {"status_path", "status_completed_value"}, "status_request");
  if (!status) return propagate(status.error());
  job->status = std::move(*status);
  job->status_path = scalar(config["status_request"]["status_path"]);
  job->completed_value = scalar(config["status_request"]["status_completed_value"]);
  if (job->status_path.empty() || !config["status_request"]["status_completed_value"])
    return invalid(job->status.where + ": a status_request needs 'status_path' and 'status_completed_value'");
  if (config["result_request"]) {
    auto result = follow_up(load, config["result_request"], r, {"result_path"}, "result_request");
    if (!result) return propagate(result.error());
    job->result = std::move(*result);
    job->result_path = scalar(config["result_request"]["result_path"]);
  } else if (is_read) {
    return invalid(job->status.where + ": " + c.key() + "'s read is answered later: its async_config needs a "
                   "'result_request' that fetches the records");
  }
  r.async = std::move(job);
  return {};
}

Result<HttpRequestSpec> request(const HttpLoad& load, const YAML::Node& node, Collection& c, bool is_read) {
  HttpRequestSpec r;
  r.where = where(load.file, node);
  static const std::set<std::string> k_keys{"method",         "path",          "headers",       "query_params",
                                            "body",           "param_values",  "data_path",     "postprocessors",
                                            "pagination",     "grouped_inputs", "ignore_errors", "rate_limit_config",
                                            "skip_missing_param_values", "request_override", "client_config",
                                            "async_config", "correlation_id_path", "output"};
  if (auto ok = only_keys(load.file, node, k_keys, "a request"); !ok) return propagate(ok.error());
  if (node["request_override"])
    return propagate(needs_python(load.file, node["request_override"],
                                  "the request_override '" + scalar(node["request_override"]) + "' of " + c.key()));
  if (node["output"])
    return invalid(where(load.file, node["output"]) + ": " + c.key() + "'s 'output' (a template of what a read returns) "
                   "is not run by Maestro yet");
  if (const YAML::Node client = node["client_config"]) {
    // This request goes to another host than the store's (Segment's deletion API).
    if (auto ok = only_keys(load.file, client, {"protocol", "host", "authentication"}, "a request's client_config"); !ok)
      return propagate(ok.error());
    if (client["authentication"])
      if (auto ok = request_authentication(load, client["authentication"], r); !ok) return propagate(ok.error());
    std::string protocol = scalar(client["protocol"]).empty() ? "https" : scalar(client["protocol"]);
    if (scalar(client["host"]).empty()) return invalid(where(load.file, client) + ": a client_config needs a 'host'");
    r.base_url = protocol + "://" + scalar(client["host"]);
  }
  if (auto ok = rate_limits(load.file, node["rate_limit_config"], r.rate_limits); !ok) return propagate(ok.error());
  if (auto ok = async_config(load, node, c, is_read, r); !ok) return propagate(ok.error());
  r.skip_missing_param_values = node["skip_missing_param_values"].as<bool>(false);
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
    if (load.fides) {
      if (auto ok = only_keys(load.file, p, {"name", "identity", "references", "connector_param", "unpack"},
                              "a Fides parameter");
          !ok)
        return propagate(ok.error());
    } else if (auto ok = only_keys(load.file, p, {"name", "identity", "references", "connector_param", "field"},
                                   "a request's parameter");
               !ok) {
      return propagate(ok.error());
    }
    if (p["unpack"] && p["unpack"].as<bool>(false))
      return invalid(where(load.file, p["unpack"]) + ": 'unpack' (a list value sent as several parameters) is not run "
                     "by Maestro yet");
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
      YAML::Node first = p["references"][0];
      std::string ref_file = load.file;
      if (first.IsScalar()) {
        // An external reference: the config names it, the map says where that value lives.
        auto given = load.external_references.find(first.as<std::string>());
        if (given == load.external_references.end())
          return invalid(where(load.file, first) + ": the external reference '" + first.as<std::string>() +
                         "' needs its place in the map: fides_saas: {external_references: {" + first.as<std::string>() +
                         ": {dataset: ..., field: collection.field, direction: from}}}");
        first = given->second;
        ref_file = load.map_file;
      }
      if (p["references"].size() > 1)
        return invalid(where(load.file, p) + ": parameter '" + param.name + "' names several references: Maestro takes "
                       "one (name each in a parameter of its own)");
      auto ref = param_reference(load, ref_file, first);
      if (!ref) return propagate(ref.error());
      param.from_reference = true;
      auto dot = ref->target.find('.');
      referenced_collection[param.name] = ref->target_system + ":" + ref->target.substr(0, dot);
      bool own = ref->target.substr(0, dot) == c.name;
      if (is_read) {
        param.field = param.name;
        lookup_field(c, param.field);
        load.pending->push_back({c.system, c.name, param.field, ref->target, ref->target_system,
                                 ref->direction.empty() ? "from" : ref->direction, where(ref_file, first), load.fides});
      } else if (own) {
        param.field = ref->target.substr(dot + 1);  // a field of the record being changed
        if (!c.field(param.field))
          return invalid(where(ref_file, first) + ": '" + ref->target + "' is not a field of " + c.key());
      } else {
        return invalid(where(ref_file, first) + ": an update or delete takes its values from the record it "
                       "changes; '" + ref->target + "' is another collection");
      }
    } else if (p["connector_param"]) {
      std::string connector = scalar(p["connector_param"]);
      if (load.fides && !load.connector_params.contains(connector))
        return invalid(where(load.file, p["connector_param"]) + ": '" + connector + "' is not a connector parameter");
      if (connector != param.name) r.connector_aliases[param.name] = connector;
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
  // (An async request's status and result requests too; they know the job's <correlation_id>.)
  std::vector<std::string> texts;
  auto add_texts = [&](const HttpRequestSpec& spec) {
    texts.push_back(spec.path);
    texts.push_back(spec.body);
    for (const auto& [k, v] : spec.query) texts.push_back(v);
    for (const auto& [k, v] : spec.headers) texts.push_back(v);
  };
  add_texts(r);
  if (r.async) {
    add_texts(r.async->status);
    if (r.async->result) add_texts(*r.async->result);
  }
  for (const auto& text : texts) {
    for (const auto& name : placeholders(text)) {
      bool known = load.connector_params.contains(name) || body_placeholders().contains(name) ||
                   r.connector_aliases.contains(name) || (name == "correlation_id" && r.async) ||
                   std::any_of(r.params.begin(), r.params.end(), [&](const HttpParam& p) { return p.name == name; });
      if (!known)
        return invalid(r.where + ": placeholder <" + name +
                       "> has no value (no param_values entry or connector parameter of that name)");
    }
  }
  return r;
}

// A request sent by identifier has no record to take values from: identities and connector
// parameters only, and at least one identity (else it would be sent for nobody in particular).
Status identifiers_only(const HttpRequestSpec& r, const Collection& c) {
  for (const auto& p : r.params) {
    if (!p.identity)
      return invalid(r.where + ": " + c.key() + "'s request is sent by the person's identifiers, with no record read "
                     "first: parameter <" + p.name + "> can take an identity or a connector parameter only");
  }
  if (r.params.empty())
    return invalid(r.where + ": " + c.key() + "'s request is sent by the person's identifiers, yet it names none "
                   "(give a param_values entry with an 'identity')");
  return {};
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
  if (resource.read.empty() && !resource.remove)
    return invalid(where(load.file, requests) + ": collection " + c.key() + " has an update but no 'read': an update "
                   "changes a record read first (a delete alone is sent by the person's identifiers)");
  if (resource.erases_by_identifier()) {
    if (auto ok = identifiers_only(*resource.remove, c); !ok) return ok;
    if (resource.update)
      return invalid(where(load.file, requests) + ": collection " + c.key() + " has no 'read', so its update has no "
                     "record to change: keep the delete (sent by identifier) or describe a read");
  }
  c.http = std::move(resource);
  return {};
}

Result<HttpRequestSpec> load_identifier_request(const HttpLoad& load, const YAML::Node& node, Collection& c) {
  if (!node.IsMap()) return invalid(where(load.file, node) + ": expected a request (method, path, param_values)");
  for (const auto& p : node["param_values"]) {
    if (p.IsMap() && p["references"])
      return invalid(where(load.file, p) + ": " + c.key() + "'s request is sent by the person's identifiers, with no "
                     "record read first: parameter <" + scalar(p["name"]) + "> can take an identity or a connector "
                     "parameter only");
  }
  auto r = request(load, node, c, false);
  if (!r) return propagate(r.error());
  if (auto ok = identifiers_only(*r, c); !ok) return propagate(ok.error());
  return r;
}

}  // namespace maestro::datamap_detail
