// The block scanner hands over exactly the lines, numbers and text that reading the file line
// by line and testing each line would give, whatever the block size and the number of threads.
#include "scan/line_scanner.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <random>

#include "connectors/file_lines.hpp"
#include "scan/token_matcher.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::pair<std::size_t, std::string>>;

void write(const fs::path& file, const std::string& content) {
  std::ofstream(file, std::ios::binary) << content;
}

void write_gzip(const fs::path& file, const std::string& content) {
  gzFile out = gzopen(file.c_str(), "wb");
  gzwrite(out, content.data(), static_cast<unsigned>(content.size()));
  gzclose(out);
}

// The reference: every line read with for_each_line, kept when a per-value search finds a value.
Lines reference(const fs::path& file, const std::vector<std::string>& values, const LineScanOptions& options = {}) {
  Lines out;
  EXPECT_TRUE(for_each_line(file, [&](std::string_view line, std::size_t number) {
    bool wanted =
        std::any_of(values.begin(), values.end(), [&](const std::string& v) { return contains_token(line, v); });
    bool always = line.find_first_of(options.always_bytes) != std::string_view::npos;
    if (wanted || always || (options.first_line && number == 1)) out.emplace_back(number, std::string(line));
    return Status{};
  }));
  return out;
}

Lines scanned(const fs::path& file, const std::vector<std::string>& values, LineScanOptions options) {
  TokenMatcher matcher(values);
  Lines out;
  Status s = scan_matching_lines(file, matcher, options, [&](std::string_view line, std::size_t number) {
    out.emplace_back(number, std::string(line));
    return Status{};
  });
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return out;
}

TEST(LineScanner, BlocksAndThreadsGiveTheLinesOfALineByLineRead) {
  testing::TempDir dir;
  std::string text =
      "first 10.1.2.3 line\r\n"
      "\n"
      "10.1.2.34 is another address\n"
      "mail from jane@example.com.\n" +
      std::string(300, 'x') + " 10.1.2.3 after a long run\n" +  // longer than the small blocks
      "C-1042 ordered\r\n"
      "no newline at the end 10.1.2.3";
  write(dir / "plain.log", text);
  write_gzip(dir / "packed.log.gz", text);
  std::vector<std::string> values = {"10.1.2.3", "jane@example.com", "C-1042"};
  Lines expected = reference(dir / "plain.log", values);
  ASSERT_EQ(expected.size(), 5u);
  EXPECT_EQ(expected.back(), (std::pair<std::size_t, std::string>{7, "no newline at the end 10.1.2.3"}));
  for (std::size_t block : {1ul, 7ul, 64ul, 1ul << 20}) {
    for (std::size_t threads : {1ul, 2ul, 4ul}) {
      LineScanOptions options{.threads = threads, .block_bytes = block};
      EXPECT_EQ(scanned(dir / "plain.log", values, options), expected) << block << " bytes, " << threads << " threads";
      EXPECT_EQ(scanned(dir / "packed.log.gz", values, options), expected) << "gzip, " << block << " bytes";
    }
  }
}

TEST(LineScanner, AgreesWithAPerValueSearchOnGeneratedLogs) {
  testing::TempDir dir;
  std::mt19937 rng(11);
  std::string text;
  std::vector<std::string> addresses;
  for (int i = 0; i < 5000; ++i) {
    std::string ip = std::to_string(rng() % 224) + "." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 4) +
                     "." + std::to_string(rng() % 12);
    if (i % 50 == 0) addresses.push_back(ip);
    text += "Dec 10 06:55:" + std::to_string(i % 60) + " sshd[" + std::to_string(i) + "]: from " + ip + " user u_" +
            std::to_string(i % 300) + (i % 7 == 0 ? ".\n" : "\n");
  }
  write(dir / "auth.log", text);
  // Addresses (anchor '.'), user names (anchor '_'), prefixes of addresses (near misses) and
  // plain numbers (no anchor byte: searched on their own, then by tokenizing all when many).
  std::vector<std::string> values = addresses;
  for (int i = 0; i < 40; ++i) values.push_back("u_" + std::to_string(i * 7));
  for (std::size_t i = 0; i < addresses.size(); i += 5)
    values.push_back(addresses[i].substr(0, addresses[i].size() - 1));
  for (auto few : {3, 20}) {
    std::vector<std::string> with_numbers = values;
    for (int i = 0; i < few; ++i) with_numbers.push_back(std::to_string(1000 + i * 37));
    Lines expected = reference(dir / "auth.log", with_numbers);
    ASSERT_GT(expected.size(), 100u);
    for (std::size_t threads : {1ul, 2ul}) {
      EXPECT_EQ(scanned(dir / "auth.log", with_numbers, {.threads = threads, .block_bytes = 4096}), expected);
    }
  }
}

TEST(LineScanner, HandsOverTheHeaderAndLinesWithEscapesWhenAsked) {
  testing::TempDir dir;
  write(dir / "people.csv", "id,email\n1,jane@example.com\n2,\"bob@example.com\"\n3,eve@example.com\n");
  LineScanOptions options{.threads = 2, .block_bytes = 8, .first_line = true, .always_bytes = "\""};
  Lines expected = {{1, "id,email"}, {2, "1,jane@example.com"}, {3, "2,\"bob@example.com\""}};
  EXPECT_EQ(scanned(dir / "people.csv", {"jane@example.com"}, options), expected);
  EXPECT_EQ(reference(dir / "people.csv", {"jane@example.com"}, options), expected);
}

TEST(LineScanner, AFailingVisitorStopsTheScanAndItsThreads) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "hit 10.0.0.1 line " + std::to_string(i) + "\n";
  write(dir / "big.log", text);
  TokenMatcher matcher({"10.0.0.1"});
  std::size_t seen = 0;
  Status s = scan_matching_lines(dir / "big.log", matcher, {.threads = 2, .block_bytes = 1024},
                                 [&](std::string_view, std::size_t) -> Status {
                                   if (++seen == 100) return fail(ErrorCode::unavailable, "store went away");
                                   return {};
                                 });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "store went away");
  EXPECT_EQ(seen, 100u);
}

TEST(LineScanner, UnreadableFilesAreNamed) {
  testing::TempDir dir;
  TokenMatcher matcher({"10.0.0.1"});
  auto none = [](std::string_view, std::size_t) { return Status{}; };
  Status missing = scan_matching_lines(dir / "absent.log", matcher, {}, none);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("absent.log"), std::string::npos);

  // A gzip file cut short in the middle of its data.
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "line " + std::to_string(i * 7919) + " 10.0.0.1\n";
  write_gzip(dir / "whole.log.gz", text);
  std::string packed = testing::read_file(dir / "whole.log.gz");
  write(dir / "cut.log.gz", packed.substr(0, packed.size() / 2));
  for (std::size_t threads : {1ul, 2ul}) {
    Status cut = scan_matching_lines(dir / "cut.log.gz", matcher, {.threads = threads, .block_bytes = 4096}, none);
    ASSERT_FALSE(cut) << threads;
    EXPECT_NE(cut.error().message.find("cut.log.gz"), std::string::npos) << cut.error().message;
  }
}

TEST(LineScanner, ThreadsSettingIsANumberFromOneTo64) {
  EXPECT_GE(*scan_threads_setting(nullptr), 1u);
  std::string two = "2";
  EXPECT_EQ(*scan_threads_setting(&two), 2u);
  for (std::string bad : {"0", "65", "two", "", "-1", "99999999999999999999"}) {
    auto threads = scan_threads_setting(&bad);
    ASSERT_FALSE(threads) << bad;
    EXPECT_NE(threads.error().message.find("threads"), std::string::npos);
  }
}

// Real logs nobody here wrote: addresses, user names and numbers taken from them, and near
// misses, found by the engine exactly where a per-value whole-token search finds them.
TEST(LineScanner, AgreesWithAPerValueSearchOnLoghubLogs) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  std::size_t logs = 0;
  for (const auto& entry : fs::directory_iterator(datasets / "loghub")) {
    if (entry.path().extension() != ".log") continue;
    ++logs;
    std::vector<std::string> values;
    std::size_t n = 0;
    ASSERT_TRUE(for_each_line(entry.path(), [&](std::string_view line, std::size_t) {
      if (n++ % 13 != 0) return Status{};
      std::string token;
      for (char c : std::string(line) + " ") {
        if (TokenMatcher::is_token_char(static_cast<unsigned char>(c))) {
          token += c;
          continue;
        }
        if (token.size() > 3) {
          values.push_back(token);
          values.push_back(token.substr(1));  // a near miss: the token without its first character
          values.push_back(token + "0");      // and with one more
        }
        token.clear();
      }
      return Status{};
    }));
    Lines expected = reference(entry.path(), values);
    ASSERT_FALSE(expected.empty()) << entry.path();
    EXPECT_EQ(scanned(entry.path(), values, {.threads = 2, .block_bytes = 16384}), expected) << entry.path();
  }
  EXPECT_EQ(logs, 3u);
}

}  // namespace
}  // namespace maestro
