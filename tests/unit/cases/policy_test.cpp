#include "cases/policy.hpp"

#include <gtest/gtest.h>

#include <cctype>

#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::day;

std::map<std::string, HolidayCalendar> calendars() {
  return testing::default_policy().calendars;
}

TEST(DefaultPolicy, HasTheJurisdictionsTheSeedsNeed) {
  const Policy& p = testing::default_policy();
  for (const char* j : {"gdpr", "uk-gdpr", "ccpa", "lgpd", "vcdpa"}) EXPECT_TRUE(p.jurisdiction(j)) << j;
  EXPECT_EQ((*p.jurisdiction("UK_GDPR"))->id, "uk-gdpr");
  EXPECT_EQ(p.max_failed_verifications, 2);
  EXPECT_EQ(p.retention.personal_data_after_close, (Duration{2, DurationUnit::years}));
}

TEST(DefaultPolicy, UkClockStopAppliesFromFifthFebruary2026) {
  const Jurisdiction& uk = **testing::default_policy().jurisdiction("uk-gdpr");
  EXPECT_FALSE(uk.rule_on(day("2026-02-04"))->clock_stop);
  EXPECT_TRUE(uk.rule_on(day("2026-02-05"))->clock_stop);
  EXPECT_EQ(uk.rule_on(day("2018-05-24")), nullptr);
}

TEST(DefaultPolicy, UnknownJurisdictionListsTheKnownOnes) {
  auto j = testing::default_policy().jurisdiction("pipeda");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("uk-gdpr"), std::string::npos);
}

TEST(DefaultPolicy, EveryAuthorityIsNamedInEveryLanguageOfTheLettersAndReadsMidSentence) {
  const Policy& p = testing::default_policy();
  for (const char* id : {"gdpr", "uk-gdpr", "ccpa", "lgpd", "vcdpa"}) {
    const Jurisdiction& j = **p.jurisdiction(id);
    // "complain to The supervisory authority" was the bug: the English phrase starts lower case.
    ASSERT_FALSE(j.authority.empty()) << id;
    EXPECT_TRUE(std::islower(static_cast<unsigned char>(j.authority[0]))) << id << ": " << j.authority;
    for (const char* language : {"de", "es", "fr", "nl", "pt-br"}) {
      EXPECT_TRUE(j.authority_translations.contains(language)) << id << " in " << language;
      EXPECT_NE(j.authority_in(language), j.authority) << id << " in " << language;
    }
  }
  EXPECT_NE((**p.jurisdiction("gdpr")).authority_in("de").find("Aufsichtsbehörde"), std::string::npos);
  EXPECT_EQ((**p.jurisdiction("gdpr")).authority_in("ja"), (**p.jurisdiction("gdpr")).authority);  // English
}

TEST(PolicyFile, AnAuthorityIsOneTextOrOnePerLanguageWithEnglish) {
  auto policy = [&](const std::string& authority) {
    return parse_policy("jurisdictions:\n  x:\n    authority: " + authority +
                            "\n    rules: [{from: 2020-01-01, respond: 30 days}]\n",
                        "p.yaml", calendars());
  };
  auto one = policy("the regulator");
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ((**one->jurisdiction("x")).authority_in("de"), "the regulator");
  auto several = policy("{en: the regulator, de: der Aufsicht}");
  ASSERT_TRUE(several) << several.error().message;
  EXPECT_EQ((**several->jurisdiction("x")).authority_in("de"), "der Aufsicht");
  auto no_english = policy("{de: der Aufsicht}");
  ASSERT_FALSE(no_english);
  EXPECT_NE(no_english.error().message.find("'en'"), std::string::npos) << no_english.error().message;
  EXPECT_NE(no_english.error().message.find("p.yaml:3"), std::string::npos) << no_english.error().message;
  EXPECT_FALSE(policy("{en: the regulator, de: [a, b]}"));
}

TEST(PolicyFile, ATypoIsAnErrorWithItsLine) {
  const char* text =
      "jurisdictions:\n  gdpr:\n    calendar: weekends-only\n    rules:\n      - from: 2018-05-25\n"
      "        respond: 1 month\n        rol_forward: true\n";
  auto p = parse_policy(text, "policy.yaml", calendars());
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("policy.yaml:7"), std::string::npos);
  EXPECT_NE(p.error().message.find("rol_forward"), std::string::npos);
}

TEST(PolicyFile, UnknownCalendarIsAnError) {
  auto p = parse_policy("jurisdictions:\n  x:\n    calendar: mars\n    rules: [{from: 2020-01-01, respond: 30 days}]\n",
                        "p.yaml", calendars());
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("mars"), std::string::npos);
}

TEST(PolicyFile, BadDurationIsAnError) {
  auto p =
      parse_policy("jurisdictions:\n  x:\n    rules: [{from: 2020-01-01, respond: soon}]\n", "p.yaml", calendars());
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("invalid duration 'soon'"), std::string::npos);
}

TEST(PolicyFile, RulesAreSortedByDate) {
  auto p = parse_policy(
      "jurisdictions:\n  x:\n    rules:\n      - {from: 2024-01-01, respond: 10 days}\n"
      "      - {from: 2020-01-01, respond: 30 days}\n",
      "p.yaml", calendars());
  ASSERT_TRUE(p) << p.error().message;
  const Jurisdiction& x = p->jurisdictions.at("x");
  EXPECT_EQ(x.rule_on(day("2022-01-01"))->respond.amount, 30);
  EXPECT_EQ(x.rule_on(day("2025-01-01"))->respond.amount, 10);
}

TEST(PolicyReasons, CheckReasonListsTheCodes) {
  auto ok = Policy::check_reason(testing::default_policy().denial_reasons, "because", "denial reason");
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message.find("identity-not-verified"), std::string::npos);
}

}  // namespace
}  // namespace maestro
