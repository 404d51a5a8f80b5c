// Hand-checked legal and internal deadlines. Each expected date was worked out on a calendar
// from the rule it names (ICO month counting, bank holidays of England & Wales, US federal
// holidays, CCPA calendar and business days), not computed by the code under test.
#include "cases/deadlines.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;
using testing::day;

struct PauseSpec {
  const char* start;
  const char* end;  // nullptr: still paused
};

struct LegalCase {
  const char* why;
  const char* jurisdiction;
  const char* rights;
  const char* received;
  const char* expected_due;
  bool extended = false;
  std::vector<PauseSpec> pauses = {};
  const char* now = "2026-11-24T12:00:00Z";
};

Case make_case(const LegalCase& spec) {
  Case c;
  c.number = "DSAR-2026-001";
  c.jurisdiction = spec.jurisdiction;
  c.rights = *parse_rights(spec.rights);
  c.received_at = at(spec.received);
  for (const auto& p : spec.pauses) {
    c.pauses.push_back({at(p.start), p.end ? std::optional<Instant>(at(p.end)) : std::nullopt, "awaiting-identity"});
  }
  if (spec.extended) c.extensions.push_back({c.received_at, "complex"});
  return c;
}

class LegalDueDate : public ::testing::TestWithParam<LegalCase> {};

// gtest prints the case as its explanation rather than as bytes.
void PrintTo(const LegalCase& c, std::ostream* os) {
  *os << c.why;
}

// Test names like "uk_gdpr_2026_01_31_to_2026_03_02", readable in CTest's output.
std::string case_name(const ::testing::TestParamInfo<LegalCase>& info) {
  std::string name = std::string(info.param.jurisdiction) + "_" + std::string(info.param.received).substr(0, 10) +
                     "_to_" + info.param.expected_due + (info.param.extended ? "_extended" : "") +
                     (info.param.pauses.empty() ? "" : "_paused") + "_" + std::to_string(info.index);
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

TEST_P(LegalDueDate, MatchesHandCheckedDate) {
  const LegalCase& spec = GetParam();
  auto d = compute_deadlines(make_case(spec), testing::default_policy(), at(spec.now));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(format_date(d->legal_due), spec.expected_due) << spec.why;
}

INSTANTIATE_TEST_SUITE_P(
    UkGdprMonths, LegalDueDate,
    ::testing::Values(LegalCase{"same date next month, a Sunday, rolls to Monday", "uk-gdpr", "access",
                                "2026-01-15T10:00:00Z", "2026-02-16"},
                      LegalCase{"31 Jan: February has no 31st, so 28 Feb, a Saturday, rolls to Monday 2 Mar", "uk-gdpr",
                                "access", "2026-01-31T10:00:00Z", "2026-03-02"},
                      LegalCase{"31 Jan 2024, leap year: 29 Feb, a Thursday", "uk-gdpr", "access",
                                "2024-01-31T10:00:00Z", "2024-02-29"},
                      LegalCase{"29 Feb 2024 -> 29 Mar, Good Friday; Easter Monday too -> Tue 2 Apr", "uk-gdpr",
                                "access", "2024-02-29T10:00:00Z", "2024-04-02"},
                      LegalCase{"31 Mar: April has 30 days -> 30 Apr, a Thursday", "uk-gdpr", "access",
                                "2026-03-31T10:00:00Z", "2026-04-30"},
                      LegalCase{"3 Apr 2026 is Good Friday, 6 Apr Easter Monday -> Tue 7 Apr", "uk-gdpr", "access",
                                "2026-03-03T10:00:00Z", "2026-04-07"},
                      LegalCase{"28 Dec 2026 is the Boxing Day substitute -> Tue 29 Dec", "uk-gdpr", "access",
                                "2026-11-28T10:00:00Z", "2026-12-29"},
                      LegalCase{"25 Dec 2026 Friday, weekend, 28 Dec holiday -> Tue 29 Dec", "uk-gdpr", "access",
                                "2026-11-25T10:00:00Z", "2026-12-29"},
                      LegalCase{"31 Dec -> 31 Jan 2027, a Sunday -> Mon 1 Feb", "uk-gdpr", "access",
                                "2026-12-31T10:00:00Z", "2027-02-01"},
                      LegalCase{"4 May 2026 early May bank holiday -> Tue 5 May", "uk-gdpr", "access",
                                "2026-04-04T10:00:00Z", "2026-05-05"},
                      LegalCase{"25 May 2026 spring bank holiday -> Tue 26 May", "uk-gdpr", "access",
                                "2026-04-25T10:00:00Z", "2026-05-26"},
                      LegalCase{"31 Aug 2026 summer bank holiday -> Tue 1 Sep", "uk-gdpr", "access",
                                "2026-07-31T10:00:00Z", "2026-09-01"},
                      LegalCase{"31 Jan 2025 -> 28 Feb 2025, a Friday", "uk-gdpr", "access", "2025-01-31T10:00:00Z",
                                "2025-02-28"},
                      LegalCase{"2 Jun 2022 moved spring holiday, 3 Jun jubilee, weekend -> Mon 6 Jun", "uk-gdpr",
                                "access", "2022-05-02T10:00:00Z", "2022-06-06"},
                      LegalCase{"19 Sep 2022 state funeral bank holiday -> Tue 20 Sep", "uk-gdpr", "access",
                                "2022-08-19T10:00:00Z", "2022-09-20"},
                      LegalCase{"received late on a Saturday: the day of receipt counts -> Mon 13 Jul", "uk-gdpr",
                                "access", "2026-06-13T23:59:59Z", "2026-07-13"},
                      LegalCase{"00:30 at +02:00 is 22:30 UTC on 13 Jun: the UTC day counts", "uk-gdpr", "access",
                                "2026-06-14T00:30:00+02:00", "2026-07-13"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(EuGdprWeekendsOnly, LegalDueDate,
                         ::testing::Values(LegalCase{"no holidays in the default EU calendar: Good Friday counts",
                                                     "gdpr", "access", "2026-03-03T10:00:00Z", "2026-04-03"},
                                           LegalCase{"28 Feb a Saturday -> Mon 2 Mar", "gdpr", "erasure",
                                                     "2026-01-31T10:00:00Z", "2026-03-02"},
                                           LegalCase{"Christmas Day 2026 is a Friday and not a holiday here", "gdpr",
                                                     "access", "2026-11-25T10:00:00Z", "2026-12-25"},
                                           LegalCase{"no clock stop under EU GDPR: a pause changes nothing",
                                                     "gdpr",
                                                     "access",
                                                     "2026-03-02T10:00:00Z",
                                                     "2026-04-02",
                                                     false,
                                                     {{"2026-03-05T10:00:00Z", "2026-03-09T10:00:00Z"}}}),
                         case_name);

INSTANTIATE_TEST_SUITE_P(Extensions, LegalDueDate,
                         ::testing::Values(LegalCase{"one plus two months from 31 Jan is 30 Apr, not 28 Feb plus two",
                                                     "uk-gdpr", "access", "2026-01-31T10:00:00Z", "2026-04-30", true},
                                           LegalCase{"15 Jan + 3 months -> Wed 15 Apr", "uk-gdpr", "access",
                                                     "2026-01-15T10:00:00Z", "2026-04-15", true},
                                           LegalCase{"30 Nov + 3 months -> 28 Feb 2026, a Saturday -> Mon 2 Mar",
                                                     "uk-gdpr", "access", "2025-11-30T10:00:00Z", "2026-03-02", true},
                                           LegalCase{"CCPA 45 + 45 = 90 calendar days: 1 Jan -> 1 Apr", "ccpa",
                                                     "ccpa-know", "2026-01-01T10:00:00Z", "2026-04-01", true},
                                           LegalCase{"VCDPA 45 + 45: 1 Mar -> 30 May", "vcdpa", "access",
                                                     "2026-03-01T10:00:00Z", "2026-05-30", true}),
                         case_name);

INSTANTIATE_TEST_SUITE_P(
    UkClockStop, LegalDueDate,
    ::testing::Values(LegalCase{"4-day pause after Art. 12A: 2 Apr + 4 = 6 Apr, Easter Monday -> Tue 7 Apr",
                                "uk-gdpr",
                                "access",
                                "2026-03-02T10:00:00Z",
                                "2026-04-07",
                                false,
                                {{"2026-03-05T10:00:00Z", "2026-03-09T10:00:00Z"}}},
                      LegalCase{"pause before 5 Feb 2026: no clock stop",
                                "uk-gdpr",
                                "access",
                                "2026-01-15T10:00:00Z",
                                "2026-02-16",
                                false,
                                {{"2026-01-20T10:00:00Z", "2026-01-26T10:00:00Z"}}},
                      LegalCase{"pause starting on 5 Feb 2026 stops the clock: 15 Feb + 5 = Fri 20 Feb",
                                "uk-gdpr",
                                "access",
                                "2026-01-15T10:00:00Z",
                                "2026-02-20",
                                false,
                                {{"2026-02-05T10:00:00Z", "2026-02-10T10:00:00Z"}}},
                      LegalCase{"pause starting 4 Feb 2026, the day before the rule: no stop",
                                "uk-gdpr",
                                "access",
                                "2026-01-15T10:00:00Z",
                                "2026-02-16",
                                false,
                                {{"2026-02-04T10:00:00Z", "2026-02-09T10:00:00Z"}}},
                      LegalCase{"an open pause counts up to today: 7 days -> Thu 9 Apr",
                                "uk-gdpr",
                                "access",
                                "2026-03-02T10:00:00Z",
                                "2026-04-09",
                                false,
                                {{"2026-03-05T10:00:00Z", nullptr}},
                                "2026-03-12T08:00:00Z"},
                      LegalCase{"paused and resumed the same day: no days",
                                "uk-gdpr",
                                "access",
                                "2026-03-02T10:00:00Z",
                                "2026-04-02",
                                false,
                                {{"2026-03-05T09:00:00Z", "2026-03-05T17:00:00Z"}}},
                      LegalCase{"two pauses of 3 and 2 days: 2 Apr + 5 = Tue 7 Apr",
                                "uk-gdpr",
                                "access",
                                "2026-03-02T10:00:00Z",
                                "2026-04-07",
                                false,
                                {{"2026-03-05T10:00:00Z", "2026-03-08T10:00:00Z"},
                                 {"2026-03-10T10:00:00Z", "2026-03-12T10:00:00Z"}}},
                      LegalCase{"a pause and an extension: 15 Apr + 5 = Mon 20 Apr",
                                "uk-gdpr",
                                "access",
                                "2026-01-15T10:00:00Z",
                                "2026-04-20",
                                true,
                                {{"2026-02-05T10:00:00Z", "2026-02-10T10:00:00Z"}}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    UsAndBrazil, LegalDueDate,
    ::testing::Values(LegalCase{"CCPA 45 calendar days, no rolling: 1 Jan -> Sun 15 Feb", "ccpa", "ccpa-know",
                                "2026-01-01T10:00:00Z", "2026-02-15"},
                      LegalCase{"CCPA: verification time counts, a pause changes nothing",
                                "ccpa",
                                "ccpa-delete",
                                "2026-01-01T10:00:00Z",
                                "2026-02-15",
                                false,
                                {{"2026-01-05T10:00:00Z", "2026-01-20T10:00:00Z"}}},
                      LegalCase{"opt-out of sale: 15 business days skipping Juneteenth and 3 Jul (observed) -> 8 Jul",
                                "ccpa", "ccpa-opt-out-of-sale", "2026-06-15T10:00:00Z", "2026-07-08"},
                      LegalCase{"several rights take the longest: know (45 days) over opt-out", "ccpa",
                                "ccpa-know,ccpa-opt-out-of-sale", "2026-06-15T10:00:00Z", "2026-07-30"},
                      LegalCase{"LGPD 15 days", "lgpd", "access", "2026-03-01T10:00:00Z", "2026-03-16"},
                      LegalCase{"VCDPA 45 days", "vcdpa", "access", "2026-03-01T10:00:00Z", "2026-04-15"}),
    case_name);

Deadlines compute(const Case& c, const char* now) {
  auto d = compute_deadlines(c, testing::default_policy(), at(now));
  EXPECT_TRUE(d) << (d ? "" : d.error().message);
  return d ? *d : Deadlines{};
}

Case uk_case(const char* rights, const char* received) {
  return make_case(LegalCase{"", "uk-gdpr", rights, received, ""});
}

TEST(InternalDeadlines, AcknowledgeWithin24HoursOfReceipt) {
  Deadlines d = compute(uk_case("access", "2026-01-15T09:00:00Z"), "2026-01-15T10:00:00Z");
  EXPECT_EQ(format_instant(d.acknowledge_due), "2026-01-16T09:00:00Z");
}

TEST(InternalDeadlines, VerifyWithin48HoursOfAcknowledgement) {
  Case c = uk_case("access", "2026-01-15T09:00:00Z");
  c.acknowledged_at = at("2026-01-15T12:00:00Z");
  EXPECT_EQ(format_instant(compute(c, "2026-01-15T13:00:00Z").verify_due), "2026-01-17T12:00:00Z");
}

TEST(InternalDeadlines, VerifyCountsFromReceiptUntilAcknowledged) {
  Deadlines d = compute(uk_case("access", "2026-01-15T09:00:00Z"), "2026-01-15T10:00:00Z");
  EXPECT_EQ(format_instant(d.verify_due), "2026-01-17T09:00:00Z");
}

TEST(InternalDeadlines, ErasureTargetIs14Days) {
  EXPECT_EQ(format_date(compute(uk_case("erasure", "2026-01-15T09:00:00Z"), "2026-01-15T10:00:00Z").internal_due),
            "2026-01-29");
}

TEST(InternalDeadlines, SeveralRightsTakeTheLongestTarget) {
  // access 30 days (14 Feb) beats erasure 14 days (29 Jan); legal due is 16 Feb.
  EXPECT_EQ(
      format_date(compute(uk_case("erasure,access", "2026-01-15T09:00:00Z"), "2026-01-15T10:00:00Z").internal_due),
      "2026-02-14");
}

TEST(InternalDeadlines, SevenWorkingDaysAfterVerificationWhenSooner) {
  Case c = uk_case("access,erasure", "2026-01-15T09:00:00Z");
  c.verified_at = at("2026-01-16T10:00:00Z");  // Friday: 19-23 and 26-27 Jan are the seven days
  EXPECT_EQ(format_date(compute(c, "2026-01-16T11:00:00Z").internal_due), "2026-01-27");
}

TEST(InternalDeadlines, RestrictionIsImmediateMeaningWithinADay) {
  EXPECT_EQ(format_date(compute(uk_case("restriction", "2026-01-15T09:00:00Z"), "2026-01-15T10:00:00Z").internal_due),
            "2026-01-16");
}

TEST(InternalDeadlines, NeverLaterThanTheLegalDeadline) {
  // LGPD gives 15 days; the internal access target of 30 days must not exceed it.
  Case c = make_case(LegalCase{"", "lgpd", "access", "2026-03-01T10:00:00Z", ""});
  EXPECT_EQ(format_date(compute(c, "2026-03-01T11:00:00Z").internal_due), "2026-03-16");
}

TEST(InternalDeadlines, PausesStopTheInternalClockEvenWithoutALegalClockStop) {
  Case c = make_case(LegalCase{
      "", "gdpr", "erasure", "2026-03-02T10:00:00Z", "", false, {{"2026-03-05T10:00:00Z", "2026-03-09T10:00:00Z"}}});
  Deadlines d = compute(c, "2026-03-10T10:00:00Z");
  EXPECT_EQ(d.paused_days, 4);
  EXPECT_EQ(d.legal_clock_paused_days, 0);
  EXPECT_EQ(format_date(d.internal_due), "2026-03-20");  // 16 Mar + 4
}

TEST(CcpaDeadlines, AcknowledgeWithinTenBusinessDaysSkippingThanksgiving) {
  Case c = make_case(LegalCase{"", "ccpa", "ccpa-know", "2026-11-20T10:00:00Z", ""});
  Deadlines d = compute(c, "2026-11-20T11:00:00Z");
  ASSERT_TRUE(d.legal_acknowledge_due);
  EXPECT_EQ(format_date(*d.legal_acknowledge_due), "2026-12-07");
}

TEST(CcpaDeadlines, GdprHasNoLegalAcknowledgementDeadline) {
  EXPECT_FALSE(compute(uk_case("access", "2026-01-15T09:00:00Z"), "2026-01-15T10:00:00Z").legal_acknowledge_due);
}

TEST(DaysLeft, CountsDownToTheLegalDueDate) {
  Deadlines d = compute(uk_case("access", "2026-01-15T10:00:00Z"), "2026-02-10T08:00:00Z");
  EXPECT_EQ(d.days_left, 6);
  EXPECT_FALSE(d.overdue);
}

TEST(DaysLeft, OverdueTheDayAfter) {
  Deadlines d = compute(uk_case("access", "2026-01-15T10:00:00Z"), "2026-02-17T00:00:01Z");
  EXPECT_EQ(d.days_left, -1);
  EXPECT_TRUE(d.overdue);
}

TEST(DaysLeft, DueTodayIsNotOverdue) {
  Deadlines d = compute(uk_case("access", "2026-01-15T10:00:00Z"), "2026-02-16T23:59:59Z");
  EXPECT_EQ(d.days_left, 0);
  EXPECT_FALSE(d.overdue);
}

TEST(DaysLeft, AClosedCaseIsMeasuredAtItsClosingDay) {
  Case c = uk_case("access", "2026-01-15T10:00:00Z");
  c.state = CaseState::fulfilled;
  c.closed_at = at("2026-02-16T18:00:00Z");
  Deadlines d = compute(c, "2026-06-01T00:00:00Z");
  EXPECT_FALSE(d.overdue);
  ASSERT_TRUE(d.completed_on_time);
  EXPECT_TRUE(*d.completed_on_time);
}

TEST(DaysLeft, AClosedLateCaseIsNotOnTime) {
  Case c = uk_case("access", "2026-01-15T10:00:00Z");
  c.state = CaseState::fulfilled;
  c.closed_at = at("2026-02-18T09:00:00Z");
  Deadlines d = compute(c, "2026-06-01T00:00:00Z");
  EXPECT_EQ(d.days_left, -2);
  EXPECT_FALSE(*d.completed_on_time);
}

TEST(Extension, AvailableUntilTheOriginalDueDateThenNot) {
  Case c = uk_case("access", "2026-01-15T10:00:00Z");
  EXPECT_TRUE(compute(c, "2026-02-16T20:00:00Z").extension_available);
  EXPECT_FALSE(compute(c, "2026-02-17T08:00:00Z").extension_available);
}

TEST(Extension, ShowsWhereAnExtensionWouldLead) {
  Deadlines d = compute(uk_case("access", "2026-01-31T10:00:00Z"), "2026-02-01T10:00:00Z");
  ASSERT_TRUE(d.extended_legal_due);
  EXPECT_EQ(format_date(*d.extended_legal_due), "2026-04-30");
  EXPECT_EQ(format_date(d.legal_due), "2026-03-02");
}

TEST(Extension, LgpdHasNone) {
  Case c = make_case(LegalCase{"", "lgpd", "access", "2026-03-01T10:00:00Z", ""});
  Deadlines d = compute(c, "2026-03-02T10:00:00Z");
  EXPECT_FALSE(d.extended_legal_due);
  EXPECT_FALSE(d.extension_available);
}

TEST(Rules, NoRuleInForceBeforeTheLawIsAnError) {
  auto d = compute_deadlines(uk_case("access", "2018-05-01T10:00:00Z"), testing::default_policy(),
                             at("2018-05-02T00:00:00Z"));
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("no uk-gdpr rule is in force on 2018-05-01"), std::string::npos);
}

TEST(Rules, WarnsWhenTheHolidayCalendarEnds) {
  Deadlines d = compute(uk_case("access", "2035-12-20T10:00:00Z"), "2035-12-21T10:00:00Z");
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].find("england-wales"), std::string::npos);
}

}  // namespace
}  // namespace maestro
