#include "cases/calendar.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::day;

const HolidayCalendar& uk() {
  return testing::default_policy().calendars.at("england-wales");
}
const HolidayCalendar& us() {
  return testing::default_policy().calendars.at("us-federal");
}

TEST(Calendar, EnglandAndWalesBankHolidays) {
  for (const char* holiday : {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
                              "2026-12-25", "2026-12-28", "2022-09-19", "2023-05-08"}) {
    EXPECT_FALSE(uk().is_working_day(day(holiday))) << holiday;
  }
  EXPECT_TRUE(uk().is_working_day(day("2026-12-29")));
  EXPECT_FALSE(uk().is_working_day(day("2026-11-28")));  // Saturday
}

TEST(Calendar, UsFederalObservedDates) {
  EXPECT_FALSE(us().is_working_day(day("2026-07-03")));  // Independence Day observed (4 Jul is a Saturday)
  EXPECT_FALSE(us().is_working_day(day("2026-06-19")));  // Juneteenth
  EXPECT_FALSE(us().is_working_day(day("2026-11-26")));  // Thanksgiving
  EXPECT_TRUE(us().is_working_day(day("2026-11-27")));   // the day after is not a federal holiday
  EXPECT_FALSE(us().is_working_day(day("2021-12-31")));  // New Year's Day 2022 observed
}

TEST(Calendar, WorkingDayArithmetic) {
  EXPECT_EQ(format_date(uk().next_working_day_from(day("2026-04-03"))), "2026-04-07");
  EXPECT_EQ(format_date(uk().next_working_day_from(day("2026-04-08"))), "2026-04-08");
  EXPECT_EQ(format_date(uk().add_working_days(day("2026-12-24"), 1)), "2026-12-29");
  EXPECT_EQ(format_date(uk().add_working_days(day("2026-01-16"), 7)), "2026-01-27");
}

TEST(Durations, ParseAndFormat) {
  EXPECT_EQ(*parse_duration("1 month"), (Duration{1, DurationUnit::months}));
  EXPECT_EQ(*parse_duration("45 Days"), (Duration{45, DurationUnit::days}));
  EXPECT_EQ(*parse_duration("10 business days"), (Duration{10, DurationUnit::working_days}));
  EXPECT_EQ(*parse_duration("24 hours"), (Duration{24, DurationUnit::hours}));
  EXPECT_EQ(format_duration({7, DurationUnit::working_days}), "7 working days");
  EXPECT_FALSE(parse_duration("a month"));
  EXPECT_FALSE(parse_duration("3 fortnights"));
  EXPECT_FALSE(parse_duration("-3 days"));
}

TEST(Durations, MonthsFollowTheIcoRule) {
  HolidayCalendar none;
  EXPECT_EQ(format_date(add_duration(day("2026-01-31"), {1, DurationUnit::months}, none)), "2026-02-28");
  EXPECT_EQ(format_date(add_duration(day("2024-01-30"), {1, DurationUnit::months}, none)), "2024-02-29");
  EXPECT_EQ(format_date(add_duration(day("2026-12-15"), {1, DurationUnit::months}, none)), "2027-01-15");
  EXPECT_EQ(format_date(add_duration(day("2024-02-29"), {1, DurationUnit::years}, none)), "2025-02-28");
}

TEST(CalendarFile, ErrorsNameTheFileAndLine) {
  auto c = parse_calendar("name: x\nweekend: [saturday, caturday]\n", "my.yaml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("my.yaml:2"), std::string::npos);
  auto d = parse_calendar("name: x\nholidays:\n  - {date: 2026-02-30}\n", "h.yaml");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("h.yaml:3"), std::string::npos);
}

}  // namespace
}  // namespace maestro
