// Secrets that configuration names rather than holds: an environment variable, or a file whose
// first line is the secret (a password, an API token, an access key). Every setting that takes
// a secret (`password_env:`, `store_password_file:`, `mail.password_env:`, ...) reads it here.
#pragma once

#include <filesystem>
#include <string>

#include "common/result.hpp"

namespace maestro {

// The value of environment variable `variable`; `code` with a message naming `what` (e.g. "the
// case store's password") when it is not set.
Result<std::string> secret_from_environment(const std::string& variable, const std::string& what, ErrorCode code);

// The first line of `file`; `code` when it cannot be read.
Result<std::string> secret_from_file(const std::filesystem::path& file, const std::string& what, ErrorCode code);

}  // namespace maestro
