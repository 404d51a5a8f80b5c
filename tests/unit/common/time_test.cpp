#include "common/time.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

TEST(ParseInstant, AcceptsUtcAndOffsets) {
  EXPECT_EQ(format_instant(*parse_instant("2026-01-31T09:00:00Z")), "2026-01-31T09:00:00Z");
  EXPECT_EQ(format_instant(*parse_instant("2026-01-31T10:00:00+01:00")), "2026-01-31T09:00:00Z");
  EXPECT_EQ(format_instant(*parse_instant("2026-01-31T04:30-05:00")), "2026-01-31T09:30:00Z");
  EXPECT_EQ(format_instant(*parse_instant("2026-01-31T09:00:00.123Z")), "2026-01-31T09:00:00Z");
  EXPECT_EQ(format_instant(*parse_instant("2026-01-31")), "2026-01-31T00:00:00Z");
}

TEST(ParseInstant, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-1-31", "2026-02-30T00:00:00Z", "2026-01-31T25:00:00Z", "2026-01-31T09:00:00",
                          "31/01/2026", "2026-01-31T09:00:00Zjunk", "2026-13-01", "yesterday", "2026-01-31T09:60Z"}) {
    auto t = parse_instant(bad);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_EQ(t.error().code, ErrorCode::invalid_argument);
    }
  }
}

TEST(ParseInstant, NamesTheMissingTimeZone) {
  auto t = parse_instant("2026-01-31T09:00:00");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("time zone"), std::string::npos);
}

TEST(ParseDate, AcceptsRealDatesOnly) {
  EXPECT_TRUE(parse_date("2024-02-29"));
  EXPECT_FALSE(parse_date("2025-02-29"));
  EXPECT_FALSE(parse_date("2026-04-31"));
  EXPECT_FALSE(parse_date("2026-04-30T00:00:00Z"));
}

TEST(Dates, DaysBetweenAndAddDays) {
  EXPECT_EQ(days_between(*parse_date("2026-02-27"), *parse_date("2026-03-02")), 3);
  EXPECT_EQ(days_between(*parse_date("2026-03-02"), *parse_date("2026-02-27")), -3);
  EXPECT_EQ(format_date(add_days(*parse_date("2024-02-28"), 1)), "2024-02-29");
}

TEST(Clock, FixedClockMovesOnlyWhenTold) {
  FixedClock clock(*parse_instant("2026-01-01T00:00:00Z"));
  clock.advance(std::chrono::hours(25));
  EXPECT_EQ(format_instant(clock.now()), "2026-01-02T01:00:00Z");
}

}  // namespace
}  // namespace maestro
