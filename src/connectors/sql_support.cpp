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

Result<std::string> store_password(const StoreSpec& store) {
  if (auto env = store.settings.find("password_env"); env != store.settings.end()) {
    const char* value = std::getenv(env->second.c_str());
    if (!value)
      return fail(ErrorCode::unavailable, "environment variable " + env->second + " (the store's password) is not set");
    return std::string(value);
  }
  if (auto file = store.settings.find("password_file"); file != store.settings.end()) {
    std::ifstream in(file->second);
    std::string password;
    if (!in || !std::getline(in, password))
      return fail(ErrorCode::unavailable, "cannot read password file " + file->second);
    return password;
  }
  return std::string();
}

}  // namespace maestro
