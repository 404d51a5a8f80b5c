// The catalogue of a folder of files: which files are one family (one glob), which keys a
// JSON-lines family has, and its sample spread over the family's files.
#include "discover/file_catalogue.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

std::vector<std::string> tables_of(const std::string& store, const std::vector<std::string>& known = {}) {
  auto source = open_file_catalogue(store, known);
  EXPECT_TRUE(source) << (source ? "" : source.error().message);
  return source ? *(*source)->tables() : std::vector<std::string>{};
}

TEST(FileCatalogue, FilesThatDifferOnlyInNumbersAreOneFamily) {
  testing::TempDir dir;
  for (const char* name : {"app-2026-01-01.jsonl", "app-2026-01-02.jsonl", "events-1.jsonl", "events-2.jsonl",
                           "audit-20260301.jsonl", "auth.log", "auth.log.1", "auth.log.2.gz", "Apache_2k.log",
                           "notes.csv", ".hidden.log"})
    std::ofstream(dir / name) << "{}\n";
  std::filesystem::create_directories(dir / "2026");
  std::ofstream(dir / "2026/orders-03.jsonl") << "{}\n";
  EXPECT_EQ(tables_of("jsonl:" + dir.path().string()),
            (std::vector<std::string>{"2026/orders-03.jsonl", "app-*.jsonl", "audit-*.jsonl", "events-*.jsonl"}));
  EXPECT_EQ(tables_of("textlog:" + dir.path().string()), (std::vector<std::string>{"Apache_2k.log", "auth.log*"}));
  // A glob the map gives keeps its files, whatever their format.
  EXPECT_EQ(tables_of("csv:" + dir.path().string(), {"auth.log*"}),
            (std::vector<std::string>{"auth.log*", "notes.csv"}));
  EXPECT_FALSE(open_file_catalogue("jsonl:" + (dir / "missing").string()));
  EXPECT_FALSE(open_file_catalogue("jsonl:"));
}

TEST(FileCatalogue, KeysAreDottedLeavesAndTheSampleIsSpreadOverTheFiles) {
  testing::TempDir dir;
  for (int day = 1; day <= 4; ++day) {
    std::ofstream out(dir / ("app-2026-01-0" + std::to_string(day) + ".jsonl"));
    for (int i = 0; i < 100; ++i)
      out << R"({"user":{"email":"d)" << day << "u" << i << R"(@example.com","tags":["a"]},"n":)" << i << "}\n";
    if (day == 4) out << "not json\n";
  }
  auto source = open_file_catalogue("jsonl:" + dir.path().string());
  ASSERT_TRUE(source);
  auto columns = (*source)->columns("app-*.jsonl");
  ASSERT_TRUE(columns);
  std::vector<std::string> names;
  for (const auto& c : *columns) names.push_back(c.name + ":" + c.type);
  EXPECT_EQ(names, (std::vector<std::string>{"user.email:string", "user.tags:array", "n:integer"}));
  EXPECT_EQ(*(*source)->rows("app-*.jsonl"), 401);
  std::set<char> days;
  std::size_t rows = 0;
  ASSERT_TRUE((*source)->sample("app-*.jsonl", *columns, 40, [&](const SampledRow& row) {
    ++rows;
    if (row[0]) days.insert((*row[0])[1]);
  }));
  EXPECT_EQ(rows, 40u);
  EXPECT_EQ(days, (std::set<char>{'1', '2', '3', '4'}));  // every file gave its share
}

}  // namespace
}  // namespace maestro
