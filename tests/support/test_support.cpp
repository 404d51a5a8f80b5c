#include "support/test_support.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <unistd.h>
#include <zip.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/settings.hpp"
#include "locate/locate.hpp"

namespace maestro::testing {

std::vector<std::string> english_words_in(const std::string& text) {
  // Not "we" (Dutch), "for" (Portuguese: "se for"), "is" or "of" (Dutch).
  static const std::set<std::string> english{"the",  "your",   "our",     "you",       "and",  "to",    "this",
                                             "that", "will",   "have",    "with",      "please", "request",
                                             "sincerely", "dear", "been", "which",    "would"};
  std::vector<std::string> found;
  std::string word;
  auto flush = [&] {
    if (english.contains(word)) found.push_back(word);
    word.clear();
  };
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalpha(c))
      word += static_cast<char>(std::tolower(c));
    else
      flush();
  }
  flush();
  return found;
}

std::string sha256_base64(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string out(44, '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, SHA256_DIGEST_LENGTH);
  return out;
}

void write_zip(const std::filesystem::path& zip, const std::vector<std::pair<std::string, std::string>>& files) {
  int error = 0;
  zip_t* archive = zip_open(zip.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(archive, nullptr) << "cannot create " << zip;
  for (const auto& [name, content] : files) {
    zip_source_t* source = zip_source_buffer(archive, content.data(), content.size(), 0);
    ASSERT_GE(zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE), 0) << zip_strerror(archive);
  }
  ASSERT_EQ(zip_close(archive), 0) << "cannot write " << zip;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "maestro-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) std::abort();
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

const Policy& default_policy() {
  static const Policy policy = [] {
    auto p = load_policy(Settings{});
    if (!p) {
      ADD_FAILURE() << p.error().message;
      std::abort();
    }
    return *p;
  }();
  return policy;
}

Instant at(const std::string& iso) {
  auto t = parse_instant(iso);
  if (!t) std::abort();
  return *t;
}

Date day(const std::string& iso) {
  auto d = parse_date(iso);
  if (!d) std::abort();
  return *d;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<std::filesystem::path> datasets_dir() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("MAESTRO_DATASETS"); env && *env) {
    dir = env;
  } else {
    dir = std::filesystem::path(MAESTRO_SOURCE_DIR) / ".." / "shared" / "datasets";
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir / "chinook", ec) || !std::filesystem::is_directory(dir / "fides", ec)) {
    return std::nullopt;
  }
  return std::filesystem::canonical(dir, ec);
}

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(MAESTRO_SOURCE_DIR) / "tests" / "data" / name;
}

bool datasets_required() {
  const char* env = std::getenv("MAESTRO_REQUIRE_DATASETS");
  return env && std::string(env) == "1";
}

std::string finding_text(const FoundRecord& f) {
  std::string out = f.collection.key() + "|" + f.matched_field + "|";
  for (const auto& v : f.asked_values) out += v + ",";
  for (const auto& [column, value] : f.record.columns) out += "|" + column + "=" + value_text(value);
  return out;
}

BatchComparison compare_batch_with_alone(const DataMap& map,
                                         const std::vector<std::vector<SubjectIdentifier>>& people) {
  BatchComparison out;
  std::vector<std::multiset<std::string>> together(people.size());
  auto batch = locate_batch(map, people, {}, [&](std::size_t person, const FoundRecord& f) {
    together[person].insert(finding_text(f));
    return Status{};
  });
  if (!batch) {
    out.difference = "the batch failed: " + batch.error().message;
    return out;
  }
  out.batch_queries = batch->queries;
  for (std::size_t i = 0; i < people.size(); ++i) {
    out.records += together[i].size();
    std::multiset<std::string> alone;
    auto single = locate(map, people[i], {}, [&](const FoundRecord& f) {
      alone.insert(finding_text(f));
      return Status{};
    });
    if (!single) {
      out.difference = "person " + std::to_string(i) + " alone failed: " + single.error().message;
      return out;
    }
    out.alone_queries += single->queries;
    if (alone != together[i] && out.difference.empty()) {
      out.difference = "person " + std::to_string(i) + " (" + people[i].front().value + ") got " +
                       std::to_string(together[i].size()) + " record(s) in the batch, " + std::to_string(alone.size()) +
                       " alone";
    }
    if (batch->subjects[i].records_by_collection != single->records_by_collection && out.difference.empty())
      out.difference = "person " + std::to_string(i) + ": counts differ";
  }
  return out;
}

std::optional<std::string> fixture_port(const std::string& server) {
  const char* servers = std::getenv("MAESTRO_TEST_SERVERS");
  if (!servers) return std::nullopt;
  std::ifstream in(std::string(servers) + "/" + server + ".state");
  std::string port;
  if (!(in >> port)) return std::nullopt;
  return port;
}

}  // namespace maestro::testing
