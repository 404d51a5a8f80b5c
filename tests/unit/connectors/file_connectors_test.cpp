#include "connectors/file_connectors.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "connectors/file_lines.hpp"
#include "connectors/value_json.hpp"
#include "scan/token_matcher.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

class FileConnectorTest : public ::testing::Test {
 protected:
  StoreSpec store(const std::string& type) { return StoreSpec{type, {{"path", dir.path().string()}}, {}}; }
  Collection collection(const std::string& glob) {
    Collection c;
    c.system = "files";
    c.name = "c";
    c.source = glob;
    return c;
  }
  std::vector<Record> find(const std::string& type, const std::string& glob, const std::string& field,
                           std::vector<std::string> values) {
    auto connector = open_connector(store(type), "");
    EXPECT_TRUE(connector);
    std::vector<Record> out;
    Collection c = collection(glob);
    auto ok = (*connector)->find(c, field, values, [&](const Record& r) {
      out.push_back(r);
      return Status{};
    });
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
    return out;
  }
  void write_gzip(const std::string& name, const std::string& content) {
    gzFile f = gzopen((dir / name).c_str(), "wb");
    gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
    gzclose(f);
  }
  testing::TempDir dir;
};

TEST_F(FileConnectorTest, JsonLinesByTopLevelAndNestedFields) {
  std::ofstream(dir / "app-1.jsonl") << R"({"event":"login","email":"jane@example.com","ip":"198.51.100.7"})"
                                     << "\n"
                                     << "not json at all\n"
                                     << R"({"event":"login","email":"john@example.com"})"
                                     << "\n"
                                     << R"({"event":"order","user":{"email":"jane@example.com"},"total":12.5})"
                                     << "\n";
  write_gzip("app-2.jsonl.gz", R"({"event":"logout","email":"jane@example.com"})"
                               "\n");
  auto top = find("jsonl", "app-*", "email", {"jane@example.com"});
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(value_text(*top[0].get("_file")), "app-1.jsonl");
  EXPECT_EQ(value_text(*top[0].get("_line")), "1");
  EXPECT_EQ(value_text(*top[1].get("event")), "logout");  // from the gzip file
  auto nested = find("jsonl", "app-*", "user.email", {"jane@example.com"});
  ASSERT_EQ(nested.size(), 1u);
  EXPECT_EQ(value_text(*nested[0].get("total")), "12.5");
}

TEST_F(FileConnectorTest, JsonValuesKeepTheirType) {
  std::ofstream(dir / "crm.jsonl")
      << R"({"email":"jane@example.com","labels":[],"vip":true,"visits":3,"score":0.5,"meta":{"tier":"gold","n":2}})"
      << "\n";
  auto found = find("jsonl", "crm.jsonl", "email", {"jane@example.com"});
  ASSERT_EQ(found.size(), 1u);
  const Record& r = found[0];
  EXPECT_EQ(*r.get("labels"), Value(JsonText{"[]"}));
  EXPECT_EQ(*r.get("vip"), Value(JsonText{"true"}));
  EXPECT_EQ(*r.get("visits"), Value(std::int64_t{3}));
  EXPECT_EQ(r.field("meta.n"), Value(std::int64_t{2}));  // a path into an object, typed too
  EXPECT_EQ(r.field("meta.tier"), Value(std::string("gold")));
  // Back to JSON: the same types (the package writes these).
  EXPECT_TRUE(value_to_json(*r.get("labels")).is_array());
  EXPECT_TRUE(value_to_json(*r.get("vip")).is_boolean());
  EXPECT_TRUE(value_to_json(*r.get("meta")).is_object());
  EXPECT_EQ(value_text(*r.get("labels")), "[]");
}

TEST_F(FileConnectorTest, CsvWithQuotesAndCommas) {
  std::ofstream(dir / "export.csv") << "id,name,email,note\n"
                                    << "1,\"Example, Jane\",jane@example.com,\"said \"\"hi\"\"\"\n"
                                    << "2,John,john@example.com,\n";
  auto rows = find("csv", "*.csv", "email", {"jane@example.com"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(value_text(*rows[0].get("name")), "Example, Jane");
  EXPECT_EQ(value_text(*rows[0].get("note")), "said \"hi\"");
  EXPECT_TRUE(find("csv", "*.csv", "no_such_column", {"jane@example.com"}).empty());
}

TEST_F(FileConnectorTest, TextLogsMatchWholeTokensOnly) {
  std::ofstream(dir / "auth.log") << "Accepted password for root from 10.0.0.1 port 22\n"
                                  << "Failed password from 10.0.0.12 port 22\n"
                                  << "Connection closed by 10.0.0.1.\n"
                                  << "user jane@example.com logged in\n";
  EXPECT_EQ(find("textlog", "*.log", "line", {"10.0.0.1"}).size(), 2u);
  EXPECT_EQ(find("textlog", "*.log", "line", {"jane@example.com", "10.0.0.12"}).size(), 2u);
}

TEST_F(FileConnectorTest, AMissingFolderIsUnavailable) {
  StoreSpec s{"jsonl", {{"path", (dir / "gone").string()}}, {}};
  auto connector = open_connector(s, "");
  Collection c = collection("*.jsonl");
  auto r = (*connector)->find(c, "email", {"x"}, [](const Record&) { return Status{}; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
}

TEST(SplitCsv, EmptyAndQuoted) {
  EXPECT_EQ(split_csv_line("a,,\"c,d\""), (std::vector<std::string>{"a", "", "c,d"}));
  EXPECT_EQ(split_csv_line(""), std::vector<std::string>{""});
}

TEST(LoghubTextLog, EveryLineWithTheIpAndNoOther) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  StoreSpec s{"textlog", {{"path", (datasets / "loghub").string()}}, {}};
  Collection c;
  c.system = "logs";
  c.name = "ssh";
  c.source = "OpenSSH_2k.log";
  std::size_t found = 0;
  auto connector = open_connector(s, "");
  ASSERT_TRUE((*connector)->find(c, "line", {"183.62.140.253"}, [&](const Record& r) {
    EXPECT_NE(value_text(*r.get("line")).find("183.62.140.253"), std::string::npos);
    ++found;
    return Status{};
  }));
  // Counted independently: grep -c -w -F 183.62.140.253 OpenSSH_2k.log
  std::size_t expected = 0;
  std::ifstream in(datasets / "loghub/OpenSSH_2k.log");
  for (std::string line; std::getline(in, line);) {
    if (line.find("183.62.140.253") != std::string::npos) ++expected;
  }
  EXPECT_EQ(expected, 867u);
  EXPECT_EQ(found, expected);
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

TEST(RewriteLines, KeepsLineEndingsAndLeavesAnUntouchedFileAsItIs) {
  testing::TempDir dir;
  auto file = dir / "a.log";
  std::ofstream(file, std::ios::binary) << "keep\r\ndrop me\r\nchange me\nlast";
  auto before = std::filesystem::last_write_time(file);
  auto nothing = rewrite_lines(file, [](const std::string& line) { return line; });
  ASSERT_TRUE(nothing);
  EXPECT_EQ(nothing->changed + nothing->dropped, 0u);
  EXPECT_EQ(std::filesystem::last_write_time(file), before);
  auto counts = rewrite_lines(file, [](const std::string& line) -> std::optional<std::string> {
    if (line == "drop me") return std::nullopt;
    if (line == "change me") return std::string("changed");
    return line;
  });
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->dropped, 1u);
  EXPECT_EQ(counts->changed, 1u);
  EXPECT_EQ(testing::read_file(file), "keep\r\nchanged\nlast");
  EXPECT_FALSE(std::filesystem::exists(dir / "a.log.maestro-tmp"));
}

TEST(RewriteLines, AGzipFileStaysGzip) {
  testing::TempDir dir;
  auto file = dir / "b.log.gz";
  gzFile out = gzopen(file.c_str(), "wb");
  gzputs(out, "from 10.0.0.1 port 22\nfrom 10.0.0.12 port 22\n");
  gzclose(out);
  auto counts = rewrite_lines(file, [](const std::string& line) { return replace_token(line, "10.0.0.1", "[ip]"); });
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->changed, 1u);
  std::string head = testing::read_file(file).substr(0, 2);
  EXPECT_EQ(static_cast<unsigned char>(head[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(head[1]), 0x8b);
  std::vector<std::string> lines;
  ASSERT_TRUE(for_each_line(file, [&](std::string_view line, std::size_t) {
    lines.emplace_back(line);
    return Status{};
  }));
  EXPECT_EQ(lines, (std::vector<std::string>{"from [ip] port 22", "from 10.0.0.12 port 22"}));
}

// Two workers erasing two people from one log at the same moment: each rewrite waits for the
// other, so neither puts back the lines the other removed.
TEST(RewriteLines, ConcurrentRewritesOfOneFileLoseNoChange) {
  testing::TempDir dir;
  auto file = dir / "access.log";
  {
    std::ofstream out(file);
    for (int i = 0; i < 2000; ++i) out << "GET /page/" << i << " person-" << (i % 40) << "\n";
  }
  std::vector<std::thread> erasers;
  for (int person = 0; person < 8; ++person) {
    erasers.emplace_back([&, person] {
      std::string token = " person-" + std::to_string(person);
      auto counts = rewrite_lines(file, [&](const std::string& line) -> std::optional<std::string> {
        if (line.ends_with(token)) return std::nullopt;
        return line;
      });
      EXPECT_TRUE(counts) << counts.error().message;
    });
  }
  for (auto& t : erasers) t.join();
  std::string left = testing::read_file(file);
  for (int person = 0; person < 8; ++person)
    EXPECT_EQ(left.find(" person-" + std::to_string(person) + "\n"), std::string::npos) << person;
  EXPECT_NE(left.find(" person-8\n"), std::string::npos);
  EXPECT_EQ(std::count(left.begin(), left.end(), '\n'), 2000 - 8 * 50);
}

TEST(ReplaceToken, OnlyWholeTokens) {
  EXPECT_EQ(replace_token("a 10.0.0.1, 110.0.0.1 10.0.0.12 10.0.0.1.", "10.0.0.1", "X"), "a X, 110.0.0.1 10.0.0.12 X.");
}

}  // namespace
}  // namespace maestro
