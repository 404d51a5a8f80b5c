// Reads datamap.yaml and Fides dataset files into one DataMap, then validates it.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <deque>
#include <regex>
#include <set>

#include "datamap/datamap.hpp"
#include "datamap/http_loader.hpp"

namespace maestro {

namespace fs = std::filesystem;

namespace {

using datamap_detail::PendingReference;

struct Loader {
  DataMap map;
  std::vector<PendingReference> pending;
  std::map<std::string, std::string> fides_dataset_system;      // fides_key -> system
  std::map<std::string, std::string> category_where;            // category -> first file:line
  std::vector<std::pair<std::string, std::string>> categories;  // (category, where)

  static std::string where(const std::string& file, const YAML::Node& node) {
    return file + ":" + std::to_string(node.Mark().line + 1);
  }

  Result<ErasureStrategy> erasure(const std::string& file, const YAML::Node& node) {
    static const std::map<std::string, ErasureAction> actions{{"delete", ErasureAction::delete_row},
                                                              {"null", ErasureAction::set_null},
                                                              {"redact", ErasureAction::redact},
                                                              {"hash", ErasureAction::hash},
                                                              {"hmac", ErasureAction::hmac},
                                                              {"random", ErasureAction::random},
                                                              {"generalize", ErasureAction::generalize},
                                                              {"retain", ErasureAction::retain}};
    std::string name = node.IsScalar() ? node.as<std::string>() : node["strategy"].as<std::string>("");
    auto it = actions.find(name);
    if (it == actions.end()) {
      return invalid(where(file, node) + ": unknown erasure strategy '" + name +
                     "' (use delete, null, redact, hash, hmac, random, generalize or retain)");
    }
    ErasureStrategy s{it->second, "", "", std::nullopt};
    if (node.IsMap()) {
      s.text = node["text"].as<std::string>("[erased]");
      s.legal_reason = node["reason"].as<std::string>("");
      if (node["period"]) {
        auto d = parse_duration(node["period"].as<std::string>());
        if (!d) return invalid(where(file, node["period"]) + ": " + d.error().message);
        s.retain_for = *d;
      }
    } else {
      s.text = "[erased]";
    }
    if (s.action == ErasureAction::retain && (s.legal_reason.empty() || !s.retain_for)) {
      return invalid(where(file, node) + ": 'retain' needs a legal 'reason' and a 'period' (e.g. 7 years)");
    }
    return s;
  }

  // Fides' masking strategies, mapped onto Maestro's.
  Result<ErasureStrategy> fides_masking(const std::string& file, const YAML::Node& node) {
    std::string strategy = node["strategy"].as<std::string>("");
    const YAML::Node config = node["configuration"];
    if (strategy == "null_rewrite") return ErasureStrategy{ErasureAction::set_null, "", "", std::nullopt};
    if (strategy == "string_rewrite") {
      return ErasureStrategy{ErasureAction::redact, config["rewrite_value"].as<std::string>("[erased]"), "",
                             std::nullopt};
    }
    if (strategy == "random_string_rewrite") return ErasureStrategy{ErasureAction::random, "", "", std::nullopt};
    if (strategy == "hash") return ErasureStrategy{ErasureAction::hash, "", "", std::nullopt};
    if (strategy == "hmac" || strategy == "aes_encrypt")
      return ErasureStrategy{ErasureAction::hmac, "", "", std::nullopt};
    if (strategy == "delete") return ErasureStrategy{ErasureAction::delete_row, "", "", std::nullopt};
    return invalid(where(file, node) + ": unsupported Fides masking strategy '" + strategy + "'");
  }

  // `automated_decisions: none`, or a list of {name, logic, significance} (Art. 15(1)(h)).
  Status automated_decisions(const std::string& file, const YAML::Node& node,
                             std::optional<std::vector<AutomatedDecision>>& out) {
    if (!node) return {};
    out.emplace();
    if (node.IsScalar() && node.as<std::string>() == "none") return {};
    if (!node.IsSequence())
      return invalid(where(file, node) + ": 'automated_decisions' is 'none' or a list of {name, logic, significance}");
    for (const auto& d : node) {
      AutomatedDecision decision{d["name"].as<std::string>(""), d["logic"].as<std::string>(""),
                                 d["significance"].as<std::string>("")};
      if (!d.IsMap() || decision.name.empty() || decision.logic.empty() || decision.significance.empty()) {
        return invalid(where(file, d) +
                       ": an automated decision needs a 'name', the 'logic' involved and its 'significance' (its "
                       "envisaged consequences for the person), as Article 15(1)(h) requires");
      }
      out->push_back(std::move(decision));
    }
    return {};
  }

  // `transfers: none`, or a list of {country, safeguard, recipient} (Art. 15(2)).
  Status transfers(const std::string& file, const YAML::Node& node, std::optional<std::vector<Transfer>>& out) {
    if (!node) return {};
    out.emplace();
    if (node.IsScalar() && node.as<std::string>() == "none") return {};
    if (!node.IsSequence())
      return invalid(where(file, node) + ": 'transfers' is 'none' or a list of {country, safeguard, recipient}");
    const auto& known = transfer_safeguards();
    for (const auto& t : node) {
      Transfer transfer{t["country"].as<std::string>(""), t["recipient"].as<std::string>(""),
                        t["safeguard"].as<std::string>("")};
      if (!t.IsMap() || transfer.country.empty())
        return invalid(where(file, t) + ": a transfer needs the 'country' the data goes to");
      if (std::find(known.begin(), known.end(), transfer.safeguard) == known.end()) {
        std::string names;
        for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
        return invalid(where(file, t) + ": a transfer's 'safeguard' is one of " + names + " (not '" +
                       transfer.safeguard + "')");
      }
      out->push_back(std::move(transfer));
    }
    return {};
  }

  // The Article 15 keys of a collection or a system; each one given replaces the default.
  Status article15(const std::string& file, const YAML::Node& node, Article15Info& info) {
    for (auto [key, text] : {std::pair{"purpose", &info.purpose}, std::pair{"legal_basis", &info.legal_basis},
                             std::pair{"retention", &info.retention}, std::pair{"origin", &info.origin}}) {
      if (node[key]) *text = node[key].as<std::string>("");
    }
    if (const YAML::Node recipients = node["recipients"]) {
      if (!recipients.IsSequence())
        return invalid(where(file, recipients) + ": 'recipients' is a list ([] when nobody receives the data)");
      info.recipients.clear();
      for (const auto& r : recipients) info.recipients.push_back(r.as<std::string>());
      info.recipients_stated = true;
    }
    if (auto ok = automated_decisions(file, node["automated_decisions"], info.automated_decisions); !ok) return ok;
    return transfers(file, node["transfers"], info.transfers);
  }

  void note_categories(const std::string& file, const YAML::Node& list, Field& f) {
    for (const auto& c : list) {
      f.categories.push_back(c.as<std::string>());
      categories.emplace_back(f.categories.back(), where(file, c));
    }
  }

  Status field(const std::string& file, const YAML::Node& node, Collection& c, const std::string& prefix) {
    Field f;
    f.name = prefix + node["name"].as<std::string>("");
    if (f.name.empty() || f.name == prefix) return invalid(where(file, node) + ": a field needs a 'name'");
    note_categories(file, node["categories"], f);
    if (node["identity"]) f.identity = node["identity"].as<std::string>();
    f.primary_key = node["primary_key"].as<bool>(false);
    f.other_person = node["other_person"].as<bool>(false);
    f.data_type = node["data_type"].as<std::string>("");
    f.label = node["label"].as<std::string>("");
    f.description = node["description"].as<std::string>("");
    if (node["drop"]) {
      static const std::set<std::string> parts{"first_name", "last_name", "date_of_birth", "zip", "vin"};
      f.drop_part = node["drop"].as<std::string>("");
      if (!parts.contains(f.drop_part))
        return invalid(where(file, node["drop"]) +
                       ": 'drop' names a part of a DROP composite identifier: first_name, "
                       "last_name, date_of_birth, zip or vin");
    }
    if (node["erasure"]) {
      auto e = erasure(file, node["erasure"]);
      if (!e) return propagate(e.error());
      f.erasure = *e;
    }
    // Locate follows references: one from another person's field (an agent's id) would export
    // the agent's own records as the requester's.
    if (f.other_person && node["references"]) {
      return invalid(where(file, node["references"]) + ": '" + f.name +
                     "' holds another person's data (other_person): it cannot lead to other records");
    }
    if (node["references"] && !node["references"].IsSequence()) {
      return invalid(where(file, node["references"]) +
                     ": 'references' is a list, e.g. [{field: customers.id, direction: from}]");
    }
    for (const auto& r : node["references"]) {
      if (!r.IsMap()) return invalid(where(file, r) + ": a reference is {field: collection.field, direction: from|to}");
      pending.push_back({c.system, c.name, f.name, r["field"].as<std::string>(""), "",
                         r["direction"].as<std::string>(""), where(file, r)});
    }
    c.fields.push_back(std::move(f));
    for (const auto& child : node["fields"]) {
      if (auto ok = field(file, child, c, c.fields.back().name + "."); !ok) return ok;
    }
    return {};
  }

  Status fides_field(const std::string& file, const YAML::Node& node, Collection& c, const std::string& prefix) {
    Field f;
    f.name = prefix + node["name"].as<std::string>("");
    f.description = node["description"].as<std::string>("");
    note_categories(file, node["data_categories"], f);
    // fidesops_meta: the older name, still used by Fides' SaaS datasets.
    const YAML::Node meta = node["fides_meta"] ? node["fides_meta"] : node["fidesops_meta"];
    if (meta) {
      if (meta["identity"]) f.identity = meta["identity"].as<std::string>();
      f.primary_key = meta["primary_key"].as<bool>(false);
      f.data_type = meta["data_type"].as<std::string>("");
      if (meta["masking_strategy_override"]) {
        auto e = fides_masking(file, meta["masking_strategy_override"]);
        if (!e) return propagate(e.error());
        f.erasure = *e;
      }
      for (const auto& r : meta["references"]) {
        std::string dataset = r["dataset"].as<std::string>("");
        auto system = fides_dataset_system.find(dataset);
        if (system == fides_dataset_system.end()) {
          return invalid(where(file, r) + ": reference to unknown Fides dataset '" + dataset + "'");
        }
        pending.push_back({c.system, c.name, f.name, r["field"].as<std::string>(""), system->second,
                           r["direction"].as<std::string>(""), where(file, r)});
      }
    }
    // The parent's name is taken before the children are added: each child is pushed after it.
    std::string parent = f.name + ".";
    c.fields.push_back(std::move(f));
    for (const auto& child : node["fields"]) {
      if (auto ok = fides_field(file, child, c, parent); !ok) return ok;
    }
    return {};
  }

  Status add_collection(System& system, Collection c) {
    std::string key = c.key();
    if (map.collections.contains(key)) return invalid("collection " + key + " is defined twice");
    system.collections.push_back(key);
    map.collections.emplace(key, std::move(c));
    return {};
  }

  Status collection(const std::string& file, const YAML::Node& node, System& system) {
    if (system.store.type == "http" && !node["requests"])
      return invalid(where(file, node) + ": a collection of an http system needs 'requests' (read, update, delete)");
    if (system.store.type != "http" && node["requests"])
      return invalid(where(file, node["requests"]) + ": 'requests' belong to a collection of an http system");
    Collection c;
    c.system = system.name;
    c.name = node["name"].as<std::string>("");
    if (c.name.empty()) return invalid(where(file, node) + ": a collection needs a 'name'");
    c.source = node["source"].as<std::string>(c.name);
    c.description = node["description"].as<std::string>("");
    static_cast<Article15Info&>(c) = system.article15;
    if (auto ok = article15(file, node, c); !ok) return ok;
    for (auto [key, target] : {std::pair{"restriction", &c.restriction}, std::pair{"objection", &c.objection}}) {
      const YAML::Node m = node[key];
      if (!m) continue;
      if (!m.IsMap() || !m["field"] || !m["value"]) {
        return invalid(where(file, m) + ": '" + key +
                       "' needs a 'field' and the 'value' to set (and 'lifted' to undo)");
      }
      *target = ProcessingMarker{m["field"].as<std::string>(), m["value"].as<std::string>(), std::nullopt};
      if (m["lifted"]) (*target)->lifted = m["lifted"].as<std::string>("");
    }
    if (node["erasure"]) {
      auto e = erasure(file, node["erasure"]);
      if (!e) return propagate(e.error());
      c.erasure = *e;
    }
    for (const auto& f : node["fields"]) {
      if (auto ok = field(file, f, c, ""); !ok) return ok;
    }
    if (node["requests"]) {
      datamap_detail::HttpLoad load{file, {}, fides_dataset_system, &pending};
      if (auto ok = datamap_detail::load_http_requests(load, node["requests"], c); !ok) return ok;
    }
    for (const auto* marker : {&c.restriction, &c.objection}) {
      if (*marker && !c.field((*marker)->field)) {
        return invalid(where(file, node) + ": collection " + c.key() + " marks restriction or objection in '" +
                       (*marker)->field + "', which is not one of its fields");
      }
    }
    return add_collection(system, std::move(c));
  }

  Status fides_dataset(const fs::path& path, System& system) {
    std::string file = path.string();
    YAML::Node root;
    try {
      root = YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
      return not_found("Fides dataset file " + file + " cannot be read");
    } catch (const YAML::Exception& e) {
      return propagate(datamap_detail::yaml_problem(file, e));
    }
    if (!root["dataset"] || !root["dataset"].IsSequence()) return invalid(file + ": expected a Fides 'dataset' list");
    try {
      return fides_collections(file, root, system);
    } catch (const YAML::Exception& e) {
      return propagate(datamap_detail::yaml_problem(file, e));  // the dataset's line, in the dataset's name
    }
  }

  Status fides_collections(const std::string& file, const YAML::Node& root, System& system) {
    for (const auto& dataset : root["dataset"])
      fides_dataset_system[dataset["fides_key"].as<std::string>("")] = system.name;
    for (const auto& dataset : root["dataset"]) {
      for (const auto& node : dataset["collections"]) {
        Collection c;
        c.system = system.name;
        c.name = node["name"].as<std::string>("");
        c.source = c.name;
        c.description = node["description"].as<std::string>("");
        static_cast<Article15Info&>(c) = system.article15;
        if (const auto meta = node["fides_meta"]; meta && meta["masking_strategy_override"]) {
          auto e = fides_masking(file, meta["masking_strategy_override"]);
          if (!e) return propagate(e.error());
          c.erasure = *e;
        }
        for (const auto& f : node["fields"]) {
          if (auto ok = fides_field(file, f, c, ""); !ok) return ok;
        }
        if (auto ok = add_collection(system, std::move(c)); !ok) return ok;
      }
    }
    return {};
  }

  Status store(const std::string& file, const YAML::Node& node, StoreSpec& spec) {
    static const std::set<std::string> types{"sqlite", "postgres", "mysql", "jsonl", "csv",
                                             "textlog", "s3",      "http",  "manual"};
    static const std::set<std::string> secrets{"password", "secret", "secret_key", "token", "access_key", "api_key"};
    if (!node || !node.IsMap()) return invalid(where(file, node) + ": a system needs a 'store' with a 'type'");
    spec.type = node["type"].as<std::string>("");
    if (!types.contains(spec.type)) {
      return invalid(where(file, node) + ": unknown store type '" + spec.type +
                     "' (use sqlite, postgres, mysql, jsonl, csv, textlog, s3, http or manual)");
    }
    for (const auto& entry : node) {
      std::string key = entry.first.as<std::string>();
      if (key == "type") continue;
      if (secrets.contains(key)) {
        return invalid(where(file, entry.first) + ": credentials must not be written in the data map: use '" + key +
                       "_env: VARIABLE' (an environment variable) or '" + key + "_file: PATH'");
      }
      if (key == "tenants") {
        for (const auto& t : entry.second) spec.tenants.push_back(t.as<std::string>());
      } else if (entry.second.IsMap() && key == "test_request") {
        spec.settings["test.method"] = entry.second["method"].as<std::string>("GET");
        spec.settings["test.path"] = entry.second["path"].as<std::string>("");
      } else if (entry.second.IsMap() && (key == "auth" || key == "headers")) {
        // http: auth: {strategy: bearer, token_env: DESK_TOKEN}; headers: {X-Client: maestro}
        for (const auto& inner : entry.second) {
          std::string name = inner.first.as<std::string>();
          if (key == "auth" && secrets.contains(name)) {
            return invalid(where(file, inner.first) + ": credentials must not be written in the data map: use '" +
                           name + "_env: VARIABLE' (an environment variable) or '" + name + "_file: PATH'");
          }
          spec.settings[key == "auth" ? "auth." + name : "auth.header." + name] = inner.second.as<std::string>("");
        }
      } else {
        spec.settings[key] = entry.second.as<std::string>("");
      }
    }
    if (auto match = spec.settings.find("match"); match != spec.settings.end()) {
      if (spec.line_format() != "textlog" || (match->second != "exact" && match->second != "by_kind"))
        return invalid(where(file, node) +
                       ": 'match' belongs to a textlog store and is 'by_kind' (the default: "
                       "emails in any case, phones by their digits, IPv6 however written) or 'exact'");
    }
    if (spec.type == "s3") {
      if (auto ok = object_store(file, node, spec); !ok) return ok;
    }
    if (spec.settings.contains("path") && fs::path(spec.settings["path"]).is_relative()) {
      spec.settings["path"] = (fs::path(file).parent_path() / spec.settings["path"]).string();
    }
    return {};
  }

  // type: s3 needs a bucket and the format of its objects; the prefix is a folder of keys.
  Status object_store(const std::string& file, const YAML::Node& node, StoreSpec& spec) {
    static const std::regex bucket_pattern("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    if (!std::regex_match(spec.settings["bucket"], bucket_pattern)) {
      return invalid(where(file, node) + ": an s3 store needs a 'bucket' (3-63 of a-z, 0-9, '.', '-')");
    }
    std::string format = spec.settings["format"];
    if (format != "jsonl" && format != "csv" && format != "textlog") {
      return invalid(where(file, node) + ": an s3 store needs a 'format' of its objects: jsonl, csv or textlog");
    }
    std::string& prefix = spec.settings["prefix"];
    if (prefix.starts_with('/') || prefix.find("..") != std::string::npos) {
      return invalid(where(file, node) + ": an s3 'prefix' is a key folder such as logs/ (no leading '/', no '..')");
    }
    if (!prefix.empty() && !prefix.ends_with('/')) prefix += '/';
    static const std::regex count_pattern("[0-9]{1,7}");
    if (auto per_job = spec.settings.find("objects_per_job");
        per_job != spec.settings.end() && !std::regex_match(per_job->second, count_pattern)) {
      return invalid(where(file, node) +
                     ": an s3 store's 'objects_per_job' is a whole number (0: one worker reads every object)");
    }
    return {};
  }

  Status system(const std::string& file, const YAML::Node& node) {
    System s;
    s.name = node["name"].as<std::string>("");
    static const std::regex name_pattern("[a-z][a-z0-9_-]*");
    if (!std::regex_match(s.name, name_pattern)) {
      return invalid(where(file, node) + ": a system needs a 'name' of lower-case letters, digits, '-' or '_'");
    }
    if (std::any_of(map.systems.begin(), map.systems.end(), [&](const System& o) { return o.name == s.name; })) {
      return invalid(where(file, node) + ": system '" + s.name + "' is defined twice");
    }
    s.description = node["description"].as<std::string>("");
    s.owner = node["owner"].as<std::string>("");
    if (auto ok = store(file, node["store"], s.store); !ok) return ok;
    if (auto ok = article15(file, node, s.article15); !ok) return ok;
    if (node["fides_dataset"]) {
      fs::path dataset = node["fides_dataset"].as<std::string>();
      if (dataset.is_relative()) dataset = fs::path(file).parent_path() / dataset;
      if (auto ok = fides_dataset(dataset, s); !ok) return ok;
    }
    if (const YAML::Node saas = node["fides_saas"]) {
      // A Fides SaaS connector: its dataset describes the records, its config the API's requests.
      if (s.store.type != "http")
        return invalid(where(file, saas) + ": fides_saas belongs to a system whose store has type http");
      fs::path dataset = saas["dataset"].as<std::string>("");
      if (dataset.empty()) return invalid(where(file, saas) + ": fides_saas needs a 'dataset' file");
      if (dataset.is_relative()) dataset = fs::path(file).parent_path() / dataset;
      if (auto ok = fides_dataset(dataset, s); !ok) return ok;
      if (auto ok = datamap_detail::load_fides_saas(file, saas, s, map.collections, fides_dataset_system, pending);
          !ok)
        return ok;
    }
    for (const auto& c : node["collections"]) {
      if (auto ok = collection(file, c, s); !ok) return ok;
    }
    if (s.store.type == "http" && s.owner.find('@') == std::string::npos) {
      // A data protection request erases at the provider what no request of a collection can.
      bool covered = map.data_protection_request(s) != nullptr;
      for (const auto& key : s.collections) {
        const Collection& c = map.collections.at(key);
        bool kept = c.erasure && c.erasure->action == ErasureAction::retain;
        bool must_delete = c.erasure && c.erasure->action == ErasureAction::delete_row;
        bool can = covered ||
                   (c.http && (must_delete ? c.http->remove.has_value() : (c.http->remove || c.http->update)));
        if (!kept && !can)
          return invalid(where(file, node) + ": http system '" + s.name +
                         "' cannot erase everything through its API (" + c.name + " has no " +
                         (must_delete ? "delete" : "delete or update") +
                         " request): give it an 'owner' (an email address) to do the rest by hand");
      }
    }
    if (s.store.type == "http" && !s.store.settings.contains("base_url"))
      return invalid(where(file, node["store"]) + ": an http store needs a 'base_url' (or a fides_saas config)");
    if (s.store.type == "manual" && s.owner.find('@') == std::string::npos) {
      return invalid(where(file, node) + ": manual system '" + s.name +
                     "' needs an 'owner' (an email address): requests become tasks for them");
    }
    bool takes_consent = !s.store.opt_out_requests.empty() || !s.store.opt_in_requests.empty();
    if (s.collections.empty() && s.store.type != "manual" && !takes_consent) {
      return invalid(where(file, node) + ": system '" + s.name + "' has no collections");
    }
    map.systems.push_back(std::move(s));
    return {};
  }

  // Splits "collection.field" or "system.collection.field" against the known collections.
  std::optional<FieldRef> resolve_target(const std::string& system, const std::string& target) const {
    auto dot = target.find('.');
    if (dot == std::string::npos) return std::nullopt;
    std::string local = system + "." + target.substr(0, dot);
    if (map.collections.contains(local)) return FieldRef{local, target.substr(dot + 1)};
    auto second = target.find('.', dot + 1);
    if (second == std::string::npos) return std::nullopt;
    std::string qualified = target.substr(0, second);
    if (map.collections.contains(qualified)) return FieldRef{qualified, target.substr(second + 1)};
    return std::nullopt;
  }

  // A Fides config's request takes a value from another endpoint's answer that its dataset does not
  // describe: the field joins that collection for lookups and references only (never exported).
  void undescribed_answer_field(const FieldRef& target) {
    Collection& c = map.collections.at(target.collection);
    const System* system = map.system(c.system);
    if (c.field(target.field) || !system || system->store.type != "http") return;
    Field f;
    f.name = target.field;
    f.lookup_only = true;
    c.fields.push_back(std::move(f));
  }

  Status resolve_references() {
    for (const auto& p : pending) {
      auto target = resolve_target(p.target_system.empty() ? p.system : p.target_system, p.target);
      if (target && p.from_saas_config && p.direction == "from") undescribed_answer_field(*target);
      if (!target || !map.collections.at(target->collection).field(target->field)) {
        return invalid(p.where + ": reference to '" + p.target +
                       "', which is not a field of any collection in the map");
      }
      FieldRef here{p.system + "." + p.collection, p.field};
      if (p.direction == "to" || p.direction.empty()) map.references.push_back({here, *target});
      if (p.direction == "from" || p.direction.empty()) map.references.push_back({*target, here});
      if (p.direction != "to" && p.direction != "from" && !p.direction.empty()) {
        return invalid(p.where + ": reference direction must be 'to' or 'from', not '" + p.direction + "'");
      }
    }
    return {};
  }

  Status check_categories(const Taxonomy* taxonomy) const {
    static const std::regex syntax("[a-z_]+(\\.[a-z_]+)*");
    for (const auto& [category, at] : categories) {
      bool ok = taxonomy ? taxonomy->contains(category) : std::regex_match(category, syntax);
      if (!ok) return invalid(at + ": unknown data category '" + category + "'");
    }
    return {};
  }

  // Every collection with a connector must be reachable from an identity by following references.
  Status check_reachable() const {
    std::set<std::string> reached;
    std::deque<std::string> queue;
    for (const auto& [key, c] : map.collections) {
      if (std::any_of(c.fields.begin(), c.fields.end(), [](const Field& f) { return f.identity.has_value(); })) {
        reached.insert(key);
        queue.push_back(key);
      }
    }
    while (!queue.empty()) {
      std::string current = queue.front();
      queue.pop_front();
      for (const auto& r : map.references) {
        if (r.from.collection == current && reached.insert(r.to.collection).second) queue.push_back(r.to.collection);
      }
    }
    for (const auto& [key, c] : map.collections) {
      // A manual system's collections describe what its owner holds; nothing is searched there.
      if (const System* system = map.system(c.system); system && system->store.type == "manual") continue;
      if (c.http && c.http->erases_by_identifier()) continue;  // nothing is searched: sent by identifier
      if (!reached.contains(key)) {
        return invalid("collection " + key +
                       " cannot be reached from any identity: give one of its fields an 'identity' or a "
                       "'references' entry that leads to it from a collection that has one");
      }
    }
    return {};
  }
};

}  // namespace

Result<DataMap> load_data_map(const fs::path& path, const Taxonomy* taxonomy) {
  std::string file = path.string();
  Loader loader;
  std::optional<Taxonomy> named_taxonomy;
  try {
    YAML::Node root = YAML::LoadFile(file);
    if (!root.IsMap() || !root["systems"] || !root["systems"].IsSequence()) {
      return invalid(file + ": a data map needs a 'systems' list");
    }
    if (!taxonomy && root["taxonomy"]) {
      fs::path t = root["taxonomy"].as<std::string>();
      if (t.is_relative()) t = path.parent_path() / t;
      auto loaded = Taxonomy::load(t);
      if (!loaded) return propagate(loaded.error());
      named_taxonomy = std::move(*loaded);
      taxonomy = &*named_taxonomy;
    }
    for (const auto& s : root["systems"]) {
      if (auto ok = loader.system(file, s); !ok) return propagate(ok.error());
    }
  } catch (const YAML::BadFile&) {
    return not_found("data map " + file + " cannot be read");
  } catch (const YAML::Exception& e) {
    return propagate(datamap_detail::yaml_problem(file, e));
  }
  if (auto ok = loader.resolve_references(); !ok) return propagate(ok.error());
  if (auto ok = loader.check_categories(taxonomy); !ok) return propagate(ok.error());
  if (taxonomy) {
    for (const auto& [category, at] : loader.categories) {
      if (const CategoryText* text = taxonomy->text(category)) loader.map.category_texts[category] = *text;
    }
  }
  if (auto ok = loader.check_reachable(); !ok) return propagate(ok.error());
  return std::move(loader.map);
}

}  // namespace maestro
