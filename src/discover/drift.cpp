#include "discover/drift.hpp"

#include <algorithm>
#include <set>

#include "connectors/connector.hpp"
#include "connectors/sql_support.hpp"

namespace maestro {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The catalogue address of a database store of the map ("" when it has none).
Result<std::string> catalogue_address(const StoreSpec& store) {
  auto get = [&](const char* key) {
    auto it = store.settings.find(key);
    return it == store.settings.end() ? std::string() : it->second;
  };
  if (store.type == "sqlite") return "sqlite:" + get("path");
  std::string scheme = store.type == "postgres" ? "postgresql" : "mysql";
  std::string port = get("port").empty() ? (store.type == "postgres" ? "5432" : "3306") : get("port");
  return scheme + "://" + get("user") + "@" + get("host") + ":" + port + "/" + get("database");
}

}  // namespace

std::size_t DriftReport::personal_unmapped() const {
  std::size_t n = 0;
  for (const auto& i : items)
    if (i.personal && (i.change == "new-column" || i.change == "new-table")) ++n;
  return n;
}

void compare_with_map(const DataMap& map, const System& system, const Discovery& found, DriftReport& report) {
  // The map's tables (by source, case-insensitively: MariaDB and SQLite names are) and columns.
  std::map<std::string, const Collection*> mapped;
  for (const auto& key : system.collections) {
    const Collection* c = map.collection(key);
    if (c) mapped[lower(c->source.empty() ? c->name : c->source)] = c;
  }
  std::set<std::string> seen;
  for (const auto& t : found.tables) {
    auto it = mapped.find(lower(t.name));
    if (it == mapped.end()) {
      bool any = false;
      for (const auto& c : t.columns) {
        if (!c.personal) continue;
        report.items.push_back({system.name, "new-table", t.name, c.name, c.personal});
        any = true;
      }
      if (!any) report.items.push_back({system.name, "new-table", t.name, "", std::nullopt});
      continue;
    }
    seen.insert(it->first);
    std::set<std::string> fields;
    for (const auto& f : it->second->fields) fields.insert(lower(f.name.substr(0, f.name.find('.'))));
    std::set<std::string> columns;
    for (const auto& c : t.columns) {
      columns.insert(lower(c.name));
      if (!fields.contains(lower(c.name))) report.items.push_back({system.name, "new-column", t.name, c.name, c.personal});
    }
    for (const auto& f : it->second->fields) {
      std::string column = f.name.substr(0, f.name.find('.'));
      if (!columns.contains(lower(column))) report.items.push_back({system.name, "gone-column", t.name, column, std::nullopt});
    }
  }
  for (const auto& [table, collection] : mapped)
    if (!seen.contains(table))
      report.items.push_back({system.name, "gone-table", collection->source.empty() ? collection->name : collection->source,
                              "", std::nullopt});
}

Result<DriftReport> check_drift(const DataMap& map, const DiscoverOptions& options) {
  DriftReport report;
  for (const auto& system : map.systems) {
    const StoreSpec& type_of = system.store;
    if (type_of.type != "sqlite" && type_of.type != "postgres" && type_of.type != "mysql") {
      report.not_checked.push_back(system.name + " (" + type_of.type + " stores are not compared yet)");
      continue;
    }
    StoreSpec store = type_of.tenants.empty() ? type_of : for_tenant(type_of, type_of.tenants.front());
    auto address = catalogue_address(store);
    if (!address) return propagate(address.error());
    DiscoverOptions one = options;
    if (store.type != "sqlite") {
      auto password = store_password(store);
      if (!password) return propagate(password.error());
      one.password = *password;
    }
    auto found = discover_store(*address, one);
    if (!found) return fail(found.error().code, system.name + ": " + found.error().message);
    compare_with_map(map, system, *found, report);
    report.checked.push_back(system.name);
  }
  return report;
}

}  // namespace maestro
