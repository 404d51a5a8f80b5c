// The report's words: every text renders, dates are written for people, overrides and bad
// input are handled when the texts load.
#include "package/report_texts.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

ReportTexts english() {
  auto t = ReportTexts::load("en", std::nullopt);
  EXPECT_TRUE(t) << t.error().message;
  return *t;
}

TEST(ReportTexts, EveryTextRendersWithThePlaceholdersTheReportGives) {
  // Every placeholder the reports fill (report_content.cpp, report_pdf.cpp); a text using another fails.
  const std::map<std::string, std::string> all{
      {"case", "C"},      {"received", "R"},    {"answered", "A"},    {"organisation", "O"}, {"records", "2"},
      {"places", "1"},    {"identifiers", "I"}, {"title", "T"},       {"count", "2"},        {"collection", "C"},
      {"system", "S"},    {"name", "N"},        {"logic", "L"},       {"significance", "G"}, {"country", "US"},
      {"recipient", "R"}, {"safeguard", "SG"},  {"reason", "Tax"},    {"period", "7 years"}, {"file", "f.csv"},
      {"line", "2"},      {"account", "acme"},  {"contact", "d@x.y"}, {"authority", "ICO"},  {"address", "1 St"},
      {"email", "e@x.y"}, {"dpo", "D"},         {"day", "1"},         {"month", "May"},      {"year", "2026"},
      {"time", "10:00"},  {"page", "3"},       {"number", "1"},      {"bytes", "120"},     {"n", "10"},
      {"systems", "crm"}};
  for (const char* language : {"en", "de", "fr", "es", "nl", "pt-br"}) {
    auto t = ReportTexts::load(language, std::nullopt);
    ASSERT_TRUE(t) << language;
    ASSERT_GT(t->keys().size(), 60u);
    for (const auto& key : t->keys()) {
      auto text = t->text(key, all);
      ASSERT_TRUE(text) << language << "/" << key << ": " << text.error().message;
      EXPECT_FALSE(text->empty()) << language << "/" << key;
      EXPECT_EQ(text->find("{{"), std::string::npos) << language << "/" << key << ": " << *text;
    }
  }
  ReportTexts t = english();
  EXPECT_EQ(t.list_size("rights.gdpr"), 8u);
  EXPECT_EQ(t.list_size("rights.ccpa"), 6u);
  EXPECT_EQ(t.list_size("months"), 12u);
}

// Every built-in language has every text, renders it, and writes dates its own way.
TEST(ReportTexts, EveryLanguageHasEveryTextAndItsOwnDates) {
  const Date day{std::chrono::year{2026}, std::chrono::month{2}, std::chrono::day{27}};
  const std::map<std::string, std::string> expected_dates{
      {"en", "27 February 2026"},      {"de", "27. Februar 2026"}, {"fr", "27 février 2026"},
      {"es", "27 de febrero de 2026"}, {"nl", "27 februari 2026"}, {"pt-br", "27 de fevereiro de 2026"}};
  ReportTexts en = english();
  for (const auto& [language, date] : expected_dates) {
    auto t = ReportTexts::load(language, std::nullopt);
    ASSERT_TRUE(t) << language << ": " << t.error().message;
    EXPECT_TRUE(t->missing_keys().empty()) << language << " lacks " << t->missing_keys().front();
    EXPECT_EQ(t->keys(), en.keys()) << language;  // nothing more either
    EXPECT_EQ(t->date(day), date);
    EXPECT_EQ(t->list_size("rights.gdpr"), en.list_size("rights.gdpr")) << language;
  }
  auto de = ReportTexts::load("de", std::nullopt);
  EXPECT_EQ(de->date_time(testing::at("2026-02-27T16:40:00Z")), "27. Februar 2026, 16:40 Uhr UTC");
  EXPECT_EQ(*de->text("title"), "Ihre personenbezogenen Daten");
}

TEST(ReportTexts, AMissingPlaceholderValueIsAnErrorNotARawBrace) {
  ReportTexts t = english();
  auto text = t.text("summary_found", {{"records", "3"}});
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message.find("{{places}}"), std::string::npos) << text.error().message;
  EXPECT_FALSE(t.text("no_such_key"));
}

TEST(ReportTexts, DatesAndTimesAreWrittenForPeople) {
  ReportTexts t = english();
  EXPECT_EQ(t.date_time(testing::at("2026-02-27T16:40:00Z")), "27 February 2026, 16:40 UTC");
  EXPECT_EQ(t.date_time(testing::at("2026-02-27T16:40:05Z")), "27 February 2026, 16:40:05 UTC");
  EXPECT_EQ(t.human_value("2026-02-27T16:40:00Z"), "27 February 2026, 16:40 UTC");
  EXPECT_EQ(t.human_value("2026-02-27T17:40:00+01:00"), "27 February 2026, 16:40 UTC");
  EXPECT_EQ(t.human_value("2026-02-27T10:40:00.123-0600"), "27 February 2026, 16:40 UTC");
  EXPECT_EQ(t.human_value("2026-03-01T00:30:00+01:00"), "28 February 2026, 23:30 UTC");
  EXPECT_EQ(t.human_value("2009-01-01 00:00:00"), "1 January 2009, 00:00");  // no zone: none claimed
  EXPECT_EQ(t.human_value("2026-02-27"), "27 February 2026");
  // Not dates: left as they are.
  for (const char* v : {"2026-02-30", "2026-13-01", "2026-02-27T25:00:00Z", "2026-02-27Tabc", "12345-01-01", "SW4 9AB",
                        "", "2026-02-27T16:40:00+1", "2026-02-27 and more"}) {
    EXPECT_EQ(t.human_value(v), v);
  }
}

TEST(ReportTexts, NoEnglishIsLeftInAnotherLanguagesReport) {
  std::map<std::string, std::string> neutral;  // every placeholder, as "X": names from the map do not count
  for (const char* p : {"case", "received", "answered", "organisation", "records", "places", "identifiers", "title",
                        "count", "collection", "system", "name", "logic", "significance", "country", "recipient",
                        "safeguard", "reason", "period", "file", "line", "account", "contact", "authority", "address",
                        "email", "dpo", "day", "month", "year", "time", "page", "number", "bytes", "n", "systems"})
    neutral[p] = "X";
  for (const char* language : {"de", "fr", "es", "nl", "pt-br"}) {
    auto t = ReportTexts::load(language, std::nullopt);
    ASSERT_TRUE(t) << language;
    EXPECT_TRUE(t->missing_keys().empty()) << language << " misses " << t->missing_keys().front();
    for (const auto& key : t->keys()) {
      auto text = t->text(key, neutral);
      ASSERT_TRUE(text) << language << "/" << key;
      auto english = testing::english_words_in(*text);
      EXPECT_TRUE(english.empty()) << language << "/" << key << " holds English (\"" << english.front() << "\"): " << *text;
    }
  }
}

TEST(ReportTexts, AmountsAreWrittenInTheReadersForm) {
  ReportTexts en = english();
  EXPECT_EQ(en.human_value("5.94"), "5.94");
  for (const char* language : {"de", "fr", "es", "nl", "pt-br"}) {
    auto t = ReportTexts::load(language, std::nullopt);
    ASSERT_TRUE(t) << language;
    EXPECT_EQ(t->human_value("5.94"), "5,94") << language;
    EXPECT_EQ(t->human_value("-1250.5"), "-1250,5") << language;
    // Not amounts: versions, addresses, codes stay as they are.
    for (const char* v : {"10.0.0.1", "1.", ".5", "v1.2", "5.94 EUR"}) EXPECT_EQ(t->human_value(v), v) << language;
  }
}

TEST(ReportTexts, AnOverrideReplacesSomeTextsAndEnglishFillsTheRest) {
  testing::TempDir dir;
  fs::create_directories(dir / "en");
  fs::create_directories(dir / "xx");
  std::ofstream(dir / "en/report.yaml") << "title: Your data at Example Ltd\n";
  std::ofstream(dir / "xx/report.yaml") << "title: Ihre Daten\nmonths: [A, B, C, D, E, F, G, H, I, J, K, L]\n";
  auto en = ReportTexts::load("en", dir.path());
  ASSERT_TRUE(en) << en.error().message;
  EXPECT_EQ(*en->text("title"), "Your data at Example Ltd");
  EXPECT_EQ(*en->text("summary_heading"), "Summary");
  auto xx = ReportTexts::load("xx", dir.path());
  ASSERT_TRUE(xx) << xx.error().message;
  EXPECT_EQ(*xx->text("title"), "Ihre Daten");
  EXPECT_EQ(xx->date(Date{std::chrono::year{2026}, std::chrono::month{2}, std::chrono::day{27}}), "27 B 2026");
  EXPECT_EQ(*xx->text("summary_heading"), "Summary");  // missing: English, and listed
  EXPECT_NE(std::find(xx->missing_keys().begin(), xx->missing_keys().end(), "summary_heading"),
            xx->missing_keys().end());
}

TEST(ReportTexts, BadLanguagesAndBrokenFilesAreClearErrors) {
  auto unknown = ReportTexts::load("zz", std::nullopt);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("'zz'"), std::string::npos);
  EXPECT_FALSE(ReportTexts::load("EN; rm", std::nullopt));
  testing::TempDir dir;
  fs::create_directories(dir / "en");
  std::ofstream(dir / "en/report.yaml") << "title: [unclosed\n";
  auto broken = ReportTexts::load("en", dir.path());
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("report.yaml:"), std::string::npos) << broken.error().message;
}

}  // namespace
}  // namespace maestro
