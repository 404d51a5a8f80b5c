// The one table that maps a store `type:` to the connector that reads it.
#include <map>

#include "connectors/connector.hpp"
#include "connectors/file_connectors.hpp"
#include "connectors/http_connector.hpp"
#include "connectors/mysql_connector.hpp"
#include "connectors/postgres_connector.hpp"
#include "connectors/s3_objects.hpp"
#include "connectors/sqlite_connector.hpp"

namespace maestro {

namespace {

using Factory = Result<std::unique_ptr<Connector>> (*)(const StoreSpec&, AccessMode);

const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> table{
      {"sqlite", &open_sqlite_connector}, {"postgres", &open_postgres_connector}, {"mysql", &open_mysql_connector},
      {"jsonl", &open_jsonl_connector},   {"csv", &open_csv_connector},           {"textlog", &open_textlog_connector},
      {"s3", &open_s3_connector},         {"http", &open_http_connector},
  };
  return table;
}

}  // namespace

StoreSpec for_tenant(const StoreSpec& store, std::string_view tenant) {
  StoreSpec out = store;
  for (auto& [key, value] : out.settings) {
    for (auto pos = value.find("{tenant}"); pos != std::string::npos; pos = value.find("{tenant}", pos)) {
      value.replace(pos, 8, tenant);
      pos += tenant.size();
    }
  }
  return out;
}

Result<std::unique_ptr<Connector>> open_connector(const StoreSpec& store, std::string_view tenant, AccessMode mode) {
  auto it = registry().find(store.type);
  if (it == registry().end()) {
    return fail(ErrorCode::failed_precondition, "no connector for store type '" + store.type + "' in this version");
  }
  return it->second(for_tenant(store, tenant), mode);
}

}  // namespace maestro
