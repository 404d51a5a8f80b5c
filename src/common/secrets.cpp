#include "common/secrets.hpp"

#include <cstdlib>
#include <fstream>

namespace maestro {

Result<std::string> secret_from_environment(const std::string& variable, const std::string& what, ErrorCode code) {
  const char* value = std::getenv(variable.c_str());
  if (!value) return fail(code, "environment variable " + variable + " (" + what + ") is not set");
  return std::string(value);
}

Result<std::string> secret_from_file(const std::filesystem::path& file, const std::string& what, ErrorCode code) {
  std::ifstream in(file);
  std::string secret;
  if (!in || !std::getline(in, secret)) return fail(code, "cannot read " + what + " file " + file.string());
  return secret;
}

}  // namespace maestro
