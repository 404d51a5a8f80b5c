#include "desk/reports.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

CaseView closed_case(const char* number, const char* rights, const char* received, const char* closed, CaseState state,
                     const char* reason = "") {
  Case c;
  c.number = number;
  c.jurisdiction = "uk-gdpr";
  c.rights = *parse_rights(rights);
  c.received_at = at(received);
  c.subject_name = "Person " + std::string(number);
  if (closed) {
    c.state = state;
    c.closed_at = at(closed);
  }
  c.denial_reason = reason;
  auto d = compute_deadlines(c, testing::default_policy(), at("2026-06-30T00:00:00Z"));
  return {c, *d};
}

std::vector<CaseView> sample() {
  return {
      closed_case("DSAR-2026-001", "access", "2026-01-15T10:00:00Z", "2026-01-25T10:00:00Z",
                  CaseState::fulfilled),  // 10 days
      closed_case("DSAR-2026-002", "erasure", "2026-01-15T10:00:00Z", "2026-01-19T10:00:00Z",
                  CaseState::fulfilled),  // 4 days
      closed_case("DSAR-2026-003", "access,erasure", "2026-02-01T10:00:00Z", "2026-03-10T10:00:00Z",
                  CaseState::fulfilled),  // late
      closed_case("DSAR-2026-004", "access", "2026-02-02T10:00:00Z", "2026-02-04T10:00:00Z", CaseState::denied,
                  "excessive"),
      closed_case("DSAR-2026-005", "rectification", "2026-02-03T10:00:00Z", nullptr, CaseState::received),
      closed_case("DSAR-2025-009", "access", "2025-12-01T10:00:00Z", "2025-12-05T10:00:00Z", CaseState::fulfilled),
  };
}

TEST(Metrics, CountsTimesAndOnTimeRate) {
  Metrics m = compute_metrics(sample(), testing::day("2026-01-01"), testing::day("2026-12-31"));
  EXPECT_EQ(m.total, 5);
  EXPECT_EQ(m.by_right["access"], 3);
  EXPECT_EQ(m.by_right["erasure"], 2);
  EXPECT_EQ(m.by_state["fulfilled"], 3);
  EXPECT_EQ(m.completed, 4);  // three fulfilled, one denied
  EXPECT_EQ(m.completed_on_time, 3);
  EXPECT_DOUBLE_EQ(*m.on_time_rate, 0.75);
  // 10, 4, 37 and 2 days: mean 13.25, median 7.
  EXPECT_DOUBLE_EQ(*m.mean_days_to_complete, 13.25);
  EXPECT_DOUBLE_EQ(*m.median_days_to_complete, 7.0);
  EXPECT_EQ(m.denials_by_reason["excessive"], 1);
  EXPECT_EQ(m.open_overdue, 1);
}

TEST(Metrics, JsonHasEveryFigure) {
  auto j = nlohmann::json::parse(
      render_metrics_json(compute_metrics(sample(), testing::day("2026-01-01"), testing::day("2026-01-31"))));
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["median_days_to_complete"], 7.0);
  EXPECT_EQ(j["on_time_rate"], 1.0);
}

TEST(Metrics, AnEmptyPeriodHasNoAverages) {
  Metrics m = compute_metrics(sample(), testing::day("2020-01-01"), testing::day("2020-12-31"));
  EXPECT_EQ(m.total, 0);
  EXPECT_FALSE(m.mean_days_to_complete);
  EXPECT_NE(render_metrics_text(m).find("Requests received        0"), std::string::npos);
}

TEST(DsrLog, MarkdownFollowsTheSeedTemplateWithoutNamesByDefault) {
  std::string md = render_dsr_log_markdown(sample(), 2026, testing::default_policy(), false);
  EXPECT_NE(md.find("# Data Subject Requests - 2026"), std::string::npos);
  EXPECT_NE(md.find("| DSAR-2026-002 | 2026-01-15 | - | Erasure | 14 days | Completed | 2026-02-16 | 2026-01-19 |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("Person"), std::string::npos);
  EXPECT_EQ(md.find("DSAR-2025-009"), std::string::npos);
  std::string named = render_dsr_log_markdown(sample(), 2026, testing::default_policy(), true);
  EXPECT_NE(named.find("Person DSAR-2026-001"), std::string::npos);
}

TEST(DsrLog, CsvQuotesAndDefusesFormulas) {
  auto cases = sample();
  cases[0].c.subject_name = "=HYPERLINK(\"x\")";
  std::string csv = render_dsr_log_csv(cases, 2026, testing::default_policy(), true);
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"x\"\")\""), std::string::npos) << csv;
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "case,date_received,customer,request_type,timeline,status,legal_due,completed");
}

}  // namespace
}  // namespace maestro
