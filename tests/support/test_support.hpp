// Shared test helpers: a temporary folder that removes itself, the embedded policy, and
// instants written as ISO 8601 literals.
#pragma once

#include <filesystem>
#include <string>

#include "cases/policy.hpp"
#include "common/time.hpp"

namespace maestro::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

// The policy Maestro ships (data/policy/default.yaml with the embedded calendars).
const Policy& default_policy();

// Parses an ISO 8601 instant or date; aborts the test binary on a typo.
Instant at(const std::string& iso);
Date day(const std::string& iso);

std::string read_file(const std::filesystem::path& path);

}  // namespace maestro::testing
