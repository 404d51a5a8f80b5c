#include "common/time.hpp"

#include <charconv>
#include <cstdio>

namespace maestro {

namespace chr = std::chrono;

Instant SystemClock::now() const {
  return chr::floor<chr::seconds>(chr::system_clock::now());
}

namespace {

// Reads exactly `width` decimal digits at `pos`; advances `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  const char* first = text.data() + pos;
  const char* last = first + width;
  for (const char* p = first; p != last; ++p) {
    if (*p < '0' || *p > '9') return std::nullopt;
  }
  std::from_chars(first, last, value);
  pos += width;
  return value;
}

bool expect_char(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::optional<Date> read_date(std::string_view text, std::size_t& pos) {
  auto y = read_digits(text, pos, 4);
  if (!y || !expect_char(text, pos, '-')) return std::nullopt;
  auto m = read_digits(text, pos, 2);
  if (!m || !expect_char(text, pos, '-')) return std::nullopt;
  auto d = read_digits(text, pos, 2);
  if (!d) return std::nullopt;
  Date date{chr::year{*y}, chr::month{static_cast<unsigned>(*m)}, chr::day{static_cast<unsigned>(*d)}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

Result<Date> parse_date(std::string_view text) {
  std::size_t pos = 0;
  auto date = read_date(text, pos);
  if (!date || pos != text.size()) {
    return invalid("invalid date " + quoted(text) + ": expected YYYY-MM-DD, e.g. 2026-01-31");
  }
  return *date;
}

Result<Instant> parse_instant(std::string_view text) {
  auto bad = [&] {
    return invalid("invalid time " + quoted(text) + ": expected ISO 8601 such as 2026-01-31T09:00:00Z or 2026-01-31");
  };
  std::size_t pos = 0;
  auto date = read_date(text, pos);
  if (!date) return bad();
  if (pos == text.size()) return start_of(*date);
  if (!expect_char(text, pos, 'T') && !expect_char(text, pos, 't') && !expect_char(text, pos, ' ')) {
    return bad();
  }
  auto hh = read_digits(text, pos, 2);
  if (!hh || !expect_char(text, pos, ':')) return bad();
  auto mm = read_digits(text, pos, 2);
  if (!mm) return bad();
  int ss = 0;
  if (expect_char(text, pos, ':')) {
    auto s = read_digits(text, pos, 2);
    if (!s) return bad();
    ss = *s;
    if (expect_char(text, pos, '.')) {  // fractions of a second are accepted and dropped
      std::size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos, ++digits;
      if (digits == 0) return bad();
    }
  }
  if (*hh > 23 || *mm > 59 || ss > 59) return bad();
  int offset_minutes = 0;
  if (expect_char(text, pos, 'Z') || expect_char(text, pos, 'z')) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = read_digits(text, pos, 2);
    if (!oh) return bad();
    expect_char(text, pos, ':');
    auto om = read_digits(text, pos, 2);
    if (!om || *oh > 14 || *om > 59) return bad();
    offset_minutes = sign * (*oh * 60 + *om);
  } else {
    return invalid("invalid time " + quoted(text) +
                   ": give a time zone, e.g. 2026-01-31T09:00:00Z or 2026-01-31T10:00:00+01:00");
  }
  if (pos != text.size()) return bad();
  return start_of(*date) + chr::hours{*hh} + chr::minutes{*mm} + chr::seconds{ss} - chr::minutes{offset_minutes};
}

std::string format_date(Date date) {
  char buffer[48];  // room for any int and unsigned, so no compiler sees a possible truncation
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

std::string format_instant(Instant at) {
  auto day = chr::floor<chr::days>(at);
  chr::hh_mm_ss<chr::seconds> tod{at - day};
  char buffer[128];  // as above: GCC at -Os reasons about the widest possible longs
  std::snprintf(buffer, sizeof buffer, "%sT%02ld:%02ld:%02ldZ", format_date(Date{day}).c_str(),
                static_cast<long>(tod.hours().count()), static_cast<long>(tod.minutes().count()),
                static_cast<long>(tod.seconds().count()));
  return buffer;
}

Date date_of(Instant at) {
  return Date{chr::floor<chr::days>(at)};
}

Instant start_of(Date date) {
  return Instant{chr::sys_days{date}};
}

int days_between(Date from, Date to) {
  return static_cast<int>((chr::sys_days{to} - chr::sys_days{from}).count());
}

Date add_days(Date date, int days) {
  return Date{chr::sys_days{date} + chr::days{days}};
}

}  // namespace maestro
