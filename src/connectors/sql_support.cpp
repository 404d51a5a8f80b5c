#include "connectors/sql_support.hpp"

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
  if (auto env = store.settings.find(name + "_env"); env != store.settings.end()) {
    const char* value = std::getenv(env->second.c_str());
    if (!value)
      return fail(ErrorCode::unavailable,
                  "environment variable " + env->second + " (the store's " + name + ") is not set");
    return std::string(value);
  }
  if (auto file = store.settings.find(name + "_file"); file != store.settings.end()) {
    std::ifstream in(file->second);
    std::string secret;
    if (!in || !std::getline(in, secret)) return fail(ErrorCode::unavailable, "cannot read " + name + " file " + file->second);
    return secret;
  }
  return std::string();
}

Result<std::string> store_password(const StoreSpec& store) { return store_secret(store, "password"); }

}  // namespace maestro
