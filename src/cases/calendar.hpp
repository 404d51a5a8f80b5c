// Working-day calendars and the durations that legal and internal deadlines are written in.
//
// A calendar is data (data/calendars/*.yaml): its weekend days and its public holidays. A
// Duration is "1 month", "45 days", "10 working days", "24 hours" as the policy file writes it.
//
//   HolidayCalendar uk = *parse_calendar(yaml_text, "england-wales.yaml");
//   uk.is_working_day(2026-12-28) == false            // Boxing Day (substitute day)
//   add_duration(2026-01-31, *parse_duration("1 month"), uk) == 2026-02-28
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/time.hpp"

namespace maestro {

// Which weekdays are not working days, indexed by weekday::c_encoding() (0 = Sunday).
using WeekendDays = std::array<bool, 7>;

class HolidayCalendar {
 public:
  HolidayCalendar() = default;
  HolidayCalendar(std::string name, WeekendDays weekend, std::set<std::chrono::sys_days> holidays,
                  std::optional<Date> covers_from, std::optional<Date> covers_to);

  const std::string& name() const { return m_name; }
  bool is_working_day(Date date) const;
  // The date itself when it is a working day, else the first working day after it.
  Date next_working_day_from(Date date) const;
  // The `count`-th working day after `date` (the day itself does not count).
  Date add_working_days(Date date, int count) const;
  // Whether the calendar's holiday list is known to cover this date (weekends-only always does).
  bool covers(Date date) const;

 private:
  std::string m_name;
  WeekendDays m_weekend{};
  std::set<std::chrono::sys_days> m_holidays;
  std::optional<Date> m_covers_from;
  std::optional<Date> m_covers_to;
};

// Parses a calendar file; `origin` names it in error messages.
Result<HolidayCalendar> parse_calendar(std::string_view yaml_text, std::string_view origin);

enum class DurationUnit { hours, days, working_days, months, years };

struct Duration {
  int amount = 0;
  DurationUnit unit = DurationUnit::days;
  friend bool operator==(const Duration&, const Duration&) = default;
};

// "24 hours", "45 days", "10 working days" (or "business days"), "1 month", "2 years".
Result<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration duration);

// The date `duration` after `date`. Months follow the ICO's rule: the same date in the later
// month, or that month's last day where the date does not exist. Hours round up to whole days.
// Working days skip the calendar's weekends and holidays. No rolling forward happens here.
Date add_duration(Date date, Duration duration, const HolidayCalendar& calendar);
// The instant `duration` after `at`; hours are exact, other units go by date (same time of day).
Instant add_duration(Instant at, Duration duration, const HolidayCalendar& calendar);

}  // namespace maestro
