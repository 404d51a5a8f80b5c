// Shared by the SQL connectors: quoting identifiers (table and column names come from the data
// map, never from a request) and reading a store's password from the environment or a file.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "datamap/datamap.hpp"

namespace maestro {

// `name` between `quote` characters, with any quote inside doubled: "a""b" or `a``b`.
std::string quote_sql_identifier(std::string_view name, char quote = '"');

// The password named by the store's `password_env` (an environment variable) or
// `password_file`; empty when neither is set. `unavailable` when the named one cannot be read.
Result<std::string> store_password(const StoreSpec& store);
// The same for any secret setting: `<name>_env` or `<name>_file` ("auth.token" -> auth.token_env).
Result<std::string> store_secret(const StoreSpec& store, const std::string& name);

}  // namespace maestro
