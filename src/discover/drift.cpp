#include "discover/drift.hpp"

#include <algorithm>
#include <set>

#include "common/text.hpp"
#include "connectors/connector.hpp"
#include "connectors/sql_support.hpp"

namespace maestro {

namespace {

// The catalogue address of a database store of the map ("" when it has none).
Result<std::string> catalogue_address(const StoreSpec& store) {
  auto get = [&](const char* key) {
    auto it = store.settings.find(key);
    return it == store.settings.end() ? std::string() : it->second;
  };
  if (store.type == "sqlite") return "sqlite:" + get("path");
  if (store.type == "jsonl" || store.type == "csv" || store.type == "textlog") return store.type + ":" + get("path");
  std::string scheme = store.type == "postgres" ? "postgresql" : "mysql";
  std::string port = get("port").empty() ? (store.type == "postgres" ? "5432" : "3306") : get("port");
  return scheme + "://" + get("user") + "@" + get("host") + ":" + port + "/" + get("database");
}

}  // namespace

std::size_t DriftReport::personal_unmapped() const {
  std::size_t n = 0;
  for (const auto& i : items)
    if (i.personal && i.unmapped()) ++n;
  return n;
}

namespace {

// A change's name in the store's own words: files and keys for file stores.
std::string change_name(const std::string& store_type, const std::string& change) {
  if (store_type != "jsonl" && store_type != "csv" && store_type != "textlog") return change;
  if (change.ends_with("-table")) return change.substr(0, change.size() - 5) + "file";
  if (store_type == "jsonl" && change.ends_with("-column")) return change.substr(0, change.size() - 6) + "key";
  return change;
}

}  // namespace

namespace {

// A foreign key the store declares between two mapped tables, which no reference of the map
// follows (either way): a request that starts from one of them does not reach the other.
template <typename Add>
void compare_references(const DataMap& map, const System& system, const Discovery& found,
                        const std::map<std::string, const Collection*>& mapped, Add add) {
  std::map<std::string, std::string> table_of;  // discovery's collection name -> table
  for (const auto& t : found.tables) table_of[t.collection] = t.name;
  auto key_of = [&](const std::string& table) -> std::string {
    auto it = mapped.find(ascii_lower(table));
    return it == mapped.end() ? "" : system.name + "." + it->second->name;
  };
  auto followed = [&](const FieldRef& a, const FieldRef& b) {
    auto same = [](const FieldRef& x, const FieldRef& y) {
      return x.collection == y.collection && ascii_lower(x.field) == ascii_lower(y.field);
    };
    return std::any_of(map.references.begin(), map.references.end(), [&](const Reference& r) {
      return (same(r.from, a) && same(r.to, b)) || (same(r.from, b) && same(r.to, a));
    });
  };
  for (const auto& t : found.tables) {
    std::string from = key_of(t.name);
    if (from.empty()) continue;
    for (const auto& c : t.columns) {
      if (c.references.empty() || c.reference_evidence != "declared foreign key") continue;
      auto dot = c.references.find('.');
      std::string to_table = table_of[c.references.substr(0, dot)];
      std::string to = key_of(to_table);
      if (to.empty()) continue;  // a new table: listed as such
      std::string to_field = c.references.substr(dot + 1);
      if (followed({from, c.name}, {to, to_field})) continue;
      add("new-reference", t.name, c.name + " -> " + to_table + "." + to_field, std::nullopt);
    }
  }
}

}  // namespace

void compare_with_map(const DataMap& map, const System& system, const Discovery& found, DriftReport& report) {
  auto add = [&](const char* change, const std::string& table, const std::string& column,
                 std::optional<ColumnClass> personal) {
    bool file = found.store_type == "jsonl" || found.store_type == "csv" || found.store_type == "textlog";
    report.items.push_back({system.name, change_name(found.store_type, change), table, column, std::move(personal), file});
  };
  // The map's tables (by source, case-insensitively: MariaDB and SQLite names are) and columns.
  std::map<std::string, const Collection*> mapped;
  for (const auto& key : system.collections) {
    const Collection* c = map.collection(key);
    if (c) mapped[ascii_lower(c->source.empty() ? c->name : c->source)] = c;
  }
  std::set<std::string> seen;
  for (const auto& t : found.tables) {
    auto it = mapped.find(ascii_lower(t.name));
    if (it == mapped.end()) {
      bool any = false;
      for (const auto& c : t.columns) {
        if (!c.personal) continue;
        add("new-table", t.name, c.name, c.personal);
        any = true;
      }
      if (!any) add("new-table", t.name, "", std::nullopt);
      continue;
    }
    seen.insert(it->first);
    // A field names a column ("Email"), a path inside one (a JSON column's "payload.email"), or
    // for JSON lines a key ("address.city") or a whole object of keys ("address").
    auto covers = [](const std::string& field, const std::string& column) {
      std::string f = ascii_lower(field), c = ascii_lower(column);
      return f == c || c.starts_with(f + ".") || f.starts_with(c + ".");
    };
    const auto& fields = it->second->fields;
    for (const auto& c : t.columns)
      if (std::none_of(fields.begin(), fields.end(), [&](const Field& f) { return covers(f.name, c.name); }))
        add("new-column", t.name, c.name, c.personal);
    for (const auto& f : fields)
      if (std::none_of(t.columns.begin(), t.columns.end(), [&](const DiscoveredColumn& c) { return covers(f.name, c.name); }))
        add("gone-column", t.name, f.name.substr(0, f.name.find('.')), std::nullopt);
  }
  for (const auto& [table, collection] : mapped)
    if (!seen.contains(table))
      add("gone-table", collection->source.empty() ? collection->name : collection->source, "", std::nullopt);
  compare_references(map, system, found, mapped, add);
}

Result<std::vector<DiscoveryTarget>> discovery_targets(const DataMap& map, const DiscoverOptions& options,
                                                       std::vector<std::string>& skipped) {
  std::vector<DiscoveryTarget> out;
  for (const auto& system : map.systems) {
    const StoreSpec& type_of = system.store;
    static const std::set<std::string> readable{"sqlite", "postgres", "mysql", "jsonl", "csv", "textlog"};
    if (!readable.contains(type_of.type)) {
      skipped.push_back(system.name + " (" + type_of.type + " stores are not read by discovery yet)");
      continue;
    }
    StoreSpec store = type_of.tenants.empty() ? type_of : for_tenant(type_of, type_of.tenants.front());
    auto address = catalogue_address(store);
    if (!address) return propagate(address.error());
    DiscoveryTarget target{system.name, *address, options};
    target.options.system = system.name;
    for (const auto& key : system.collections)
      if (const Collection* c = map.collection(key))
        target.options.known_sources.push_back(c->source.empty() ? c->name : c->source);
    if (store.type == "postgres" || store.type == "mysql") {
      auto password = store_password(store);
      if (!password) return propagate(password.error());
      target.options.password = *password;
    }
    out.push_back(std::move(target));
  }
  return out;
}

Result<DriftReport> check_drift(const DataMap& map, const DiscoverOptions& options) {
  DriftReport report;
  auto targets = discovery_targets(map, options, report.not_checked);
  if (!targets) return propagate(targets.error());
  for (const auto& target : *targets) {
    auto found = discover_store(target.address, target.options);
    if (!found) return fail(found.error().code, target.system + ": " + found.error().message);
    compare_with_map(map, *map.system(target.system), *found, report);
    report.checked.push_back(target.system);
  }
  return report;
}

}  // namespace maestro
