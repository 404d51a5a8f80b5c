#include "connectors/sql_support.hpp"

#include "common/secrets.hpp"

#include <cstdlib>
#include <fstream>

namespace maestro {

std::string quote_sql_identifier(std::string_view name, char quote) {
  std::string out(1, quote);
  for (char c : name) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
}

Result<std::string> store_secret(const StoreSpec& store, const std::string& name) {
  std::string what = "the store's " + name;
  if (auto env = store.settings.find(name + "_env"); env != store.settings.end()) {
    return secret_from_environment(env->second, what, ErrorCode::unavailable);
  }
  if (auto file = store.settings.find(name + "_file"); file != store.settings.end()) {
    return secret_from_file(file->second, name, ErrorCode::unavailable);
  }
  return std::string();
}

Result<std::string> store_password(const StoreSpec& store) { return store_secret(store, "password"); }

}  // namespace maestro
