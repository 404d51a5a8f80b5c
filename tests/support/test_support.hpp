// Shared test helpers: a temporary folder that removes itself, the embedded policy, and
// instants written as ISO 8601 literals.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// Base64 of the SHA-256 of `text`, computed with OpenSSL directly (not Maestro's code): the hash
// DROP's documentation describes, for lists generated in the tests.
std::string sha256_base64(const std::string& text);
// English words of `text` that no sentence of German, French, Spanish, Dutch or Portuguese
// holds ("the", "your", "request", ...): in a translated text, English left behind.
std::vector<std::string> english_words_in(const std::string& text);

// Writes a ZIP holding these files (name, content), as a download from another system would be.
void write_zip(const std::filesystem::path& zip, const std::vector<std::pair<std::string, std::string>>& files);

// The port of a test server the CTest fixture started (tests/servers/NAME writes it to
// $MAESTRO_TEST_SERVERS/NAME.state): "postgres", "mariadb", "s3". nullopt when it was not started.
std::optional<std::string> fixture_port(const std::string& server);

// ../shared/datasets beside the repository (or $MAESTRO_DATASETS), if it is there.
std::optional<std::filesystem::path> datasets_dir();

}  // namespace maestro::testing

// Skips the test with a visible message when the shared data sets are absent (a user's own
// clone); fails it instead when MAESTRO_REQUIRE_DATASETS=1 (CI). Declares `datasets`.
#define MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets)                                                   \
  auto datasets##_found = ::maestro::testing::datasets_dir();                                        \
  if (!datasets##_found) {                                                                           \
    if (::maestro::testing::datasets_required())                                                     \
      FAIL() << "MAESTRO_REQUIRE_DATASETS=1 but ../shared/datasets is missing";                      \
    GTEST_SKIP() << "../shared/datasets not found: skipping a test that needs the shared data sets"; \
  }                                                                                                  \
  const std::filesystem::path datasets = *datasets##_found

namespace maestro {
class DataMap;
struct FoundRecord;
struct SubjectIdentifier;
}  // namespace maestro

#if defined(__SANITIZE_ADDRESS__)
#define MAESTRO_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAESTRO_TEST_SANITIZED 1
#endif
#endif
#ifndef MAESTRO_TEST_SANITIZED
#define MAESTRO_TEST_SANITIZED 0
#endif

namespace maestro::testing {
bool datasets_required();

// Tests that start the maestro binary hundreds of times (a kill at every crash point, every
// command's --help) take every k_sample_stride-th case in the sanitizer tree, where each process
// takes about a second to start; the Release tree runs every case. The sanitizers look for
// memory errors, which every other crash point finds as well as all of them would.
inline constexpr int k_sample_stride = MAESTRO_TEST_SANITIZED ? 2 : 1;

// A record a search found, as comparable text: collection, matched field, the values asked and
// every column.
std::string finding_text(const FoundRecord& found);

// Searches for every person together (locate_batch) and for each alone (locate), and compares
// what each got: collection, matched field, asked values and every column of every record.
struct BatchComparison {
  std::string difference;  // empty when every person got exactly what they got alone
  std::size_t batch_queries = 0;
  std::size_t alone_queries = 0;
  std::size_t records = 0;  // found for all the people together
};
BatchComparison compare_batch_with_alone(const DataMap& map, const std::vector<std::vector<SubjectIdentifier>>& people);
// tests/data/<name>, the test fixtures kept in this repository.
std::filesystem::path fixture(const std::string& name);

}  // namespace maestro::testing
