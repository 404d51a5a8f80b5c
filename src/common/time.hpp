// Instants, calendar dates and the injected clock.
//
// Maestro keeps every instant in UTC with second precision and every legal due date as a
// calendar date (the whole of that day counts). Parsing is strict: a malformed timestamp is an
// error, never a guess.
//
//   auto t = parse_instant("2026-01-31T09:00:00Z");   // Result<Instant>
//   format_instant(*t) == "2026-01-31T09:00:00Z"
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

using Instant = std::chrono::sys_seconds;
using Date = std::chrono::year_month_day;

// The source of "now". Injected everywhere so that deadline logic can be tested at any date.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// A clock that says what it is told; for tests, rehearsals and the demo.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(Instant at) : m_now(at) {}
  Instant now() const override { return m_now; }
  void set(Instant at) { m_now = at; }
  void advance(std::chrono::seconds by) { m_now += by; }

 private:
  Instant m_now;
};

// Accepts "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)" or a bare date "YYYY-MM-DD" (midnight UTC).
Result<Instant> parse_instant(std::string_view text);
// Accepts exactly "YYYY-MM-DD" with a real calendar date.
Result<Date> parse_date(std::string_view text);

std::string format_instant(Instant at);  // "2026-01-31T09:00:00Z"
std::string format_date(Date date);      // "2026-01-31"

Date date_of(Instant at);
Instant start_of(Date date);
// Days from `from` to `to` (negative when `to` is earlier).
int days_between(Date from, Date to);
Date add_days(Date date, int days);

}  // namespace maestro
