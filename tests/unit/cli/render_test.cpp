#include "cli/render.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

CaseView sample() {
  Case c;
  c.number = "DSAR-2026-003";
  c.jurisdiction = "uk-gdpr";
  c.rights = {Right::access};
  c.received_at = at("2026-01-15T10:00:00Z");
  c.channel = "email";
  c.subject_name = "Jane Example";
  c.identifiers = {{"email", "jane@example.com"}};
  c.pauses.push_back({at("2026-02-05T10:00:00Z"), std::nullopt, "awaiting-identity"});
  return {c, *compute_deadlines(c, testing::default_policy(), at("2026-02-07T10:00:00Z"))};
}

TEST(Render, JsonDatesAreIso8601) {
  auto j = nlohmann::json::parse(case_json(sample()));
  EXPECT_EQ(j["received_at"], "2026-01-15T10:00:00Z");
  EXPECT_EQ(j["deadlines"]["legal_due"], "2026-02-17");
  EXPECT_EQ(j["deadlines"]["acknowledge_due"], "2026-01-16T10:00:00Z");
  EXPECT_EQ(j["pauses"][0]["ended"], nullptr);
  EXPECT_EQ(j["paused"], true);
  EXPECT_EQ(j["subject"]["identifiers"][0]["value"], "jane@example.com");
}

TEST(Render, TextShowsTheClockStop) {
  std::string text = cli::case_text(sample(), testing::default_policy());
  EXPECT_NE(text.find("paused: awaiting-identity"), std::string::npos);
  EXPECT_NE(text.find("legal clock stopped 2 days"), std::string::npos);
  EXPECT_NE(text.find("Legal due           2026-02-17"), std::string::npos) << text;
}

TEST(Render, TableMarksPausedAndOverdue) {
  std::string table = cli::case_table({sample()});
  EXPECT_NE(table.find("received*"), std::string::npos);
  EXPECT_NE(cli::case_table({}).find("(no cases)"), std::string::npos);
}

}  // namespace
}  // namespace maestro
