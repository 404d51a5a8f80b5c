#include "cases/calendar.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cctype>
#include <charconv>

namespace maestro {

namespace chr = std::chrono;

HolidayCalendar::HolidayCalendar(std::string name, WeekendDays weekend, std::set<chr::sys_days> holidays,
                                 std::optional<Date> covers_from, std::optional<Date> covers_to)
    : m_name(std::move(name)),
      m_weekend(std::move(weekend)),
      m_holidays(std::move(holidays)),
      m_covers_from(covers_from),
      m_covers_to(covers_to) {}

bool HolidayCalendar::is_working_day(Date date) const {
  chr::sys_days day{date};
  return !m_weekend[chr::weekday{day}.c_encoding()] && !m_holidays.contains(day);
}

Date HolidayCalendar::next_working_day_from(Date date) const {
  // A bounded walk: no real calendar has more than a few weeks of consecutive non-working days.
  for (int i = 0; i < 366; ++i) {
    Date candidate = add_days(date, i);
    if (is_working_day(candidate)) return candidate;
  }
  return date;
}

Date HolidayCalendar::add_working_days(Date date, int count) const {
  Date current = date;
  for (int added = 0; added < count;) {
    current = add_days(current, 1);
    if (is_working_day(current)) ++added;
  }
  return current;
}

bool HolidayCalendar::covers(Date date) const {
  if (!m_covers_from || !m_covers_to) return true;
  chr::sys_days day{date};
  return day >= chr::sys_days{*m_covers_from} && day <= chr::sys_days{*m_covers_to};
}

namespace {

std::optional<chr::weekday> parse_weekday(const std::string& name) {
  static constexpr std::array<std::string_view, 7> names{"sunday",   "monday", "tuesday", "wednesday",
                                                         "thursday", "friday", "saturday"};
  for (unsigned i = 0; i < names.size(); ++i) {
    if (names[i] == name) return chr::weekday{i};
  }
  return std::nullopt;
}

std::string where(std::string_view origin, const YAML::Node& node) {
  return std::string(origin) + ":" + std::to_string(node.Mark().line + 1);
}

}  // namespace

Result<HolidayCalendar> parse_calendar(std::string_view yaml_text, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return invalid(std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap() || !root["name"]) return invalid(std::string(origin) + ": a calendar needs a 'name'");
  WeekendDays weekend{};
  for (const auto& day : root["weekend"]) {
    auto wd = parse_weekday(day.as<std::string>());
    if (!wd) return invalid(where(origin, day) + ": unknown weekday '" + day.as<std::string>() + "'");
    weekend[wd->c_encoding()] = true;
  }
  std::set<chr::sys_days> holidays;
  for (const auto& entry : root["holidays"]) {
    const YAML::Node date_node = entry.IsMap() ? entry["date"] : entry;
    if (!date_node || !date_node.IsScalar()) return invalid(where(origin, entry) + ": a holiday needs a 'date'");
    auto date = parse_date(date_node.as<std::string>());
    if (!date) return invalid(where(origin, date_node) + ": " + date.error().message);
    holidays.insert(chr::sys_days{*date});
  }
  std::optional<Date> from, to;
  if (const auto covers = root["covers"]) {
    auto f = parse_date(covers["from"].as<std::string>(""));
    auto t = parse_date(covers["to"].as<std::string>(""));
    if (!f || !t) return invalid(where(origin, covers) + ": 'covers' needs 'from' and 'to' dates");
    from = *f;
    to = *t;
  }
  return HolidayCalendar(root["name"].as<std::string>(), std::move(weekend), std::move(holidays), from, to);
}

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&] {
    return invalid("invalid duration '" + std::string(text) +
                   "': expected a number and a unit, e.g. 24 hours, 45 days, 10 working days, 1 month, 2 years");
  };
  std::size_t pos = 0;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  int amount = 0;
  auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), amount);
  if (ec != std::errc{} || amount < 0 || amount > 100000) return bad();
  std::string unit(end, text.data() + text.size());
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  while (!unit.empty() && unit.back() == ' ') unit.pop_back();
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  DurationUnit u;
  if (unit == "hour" || unit == "h")
    u = DurationUnit::hours;
  else if (unit == "day" || unit == "calendar day" || unit == "d")
    u = DurationUnit::days;
  else if (unit == "working day" || unit == "business day" || unit == "wd")
    u = DurationUnit::working_days;
  else if (unit == "month")
    u = DurationUnit::months;
  else if (unit == "year" || unit == "y")
    u = DurationUnit::years;
  else
    return bad();
  return Duration{amount, u};
}

std::string format_duration(Duration d) {
  auto plural = [&](const char* unit) { return std::to_string(d.amount) + " " + unit + (d.amount == 1 ? "" : "s"); };
  switch (d.unit) {
    case DurationUnit::hours: return plural("hour");
    case DurationUnit::days: return plural("day");
    case DurationUnit::working_days: return plural("working day");
    case DurationUnit::months: return plural("month");
    case DurationUnit::years: return plural("year");
  }
  return plural("day");
}

namespace {

Date add_months(Date date, int months) {
  chr::year_month ym = chr::year_month{date.year(), date.month()} + chr::months{months};
  Date candidate{ym.year(), ym.month(), date.day()};
  if (candidate.ok()) return candidate;
  return Date{chr::year_month_day_last{ym.year(), chr::month_day_last{ym.month()}}};
}

}  // namespace

Date add_duration(Date date, Duration d, const HolidayCalendar& calendar) {
  switch (d.unit) {
    case DurationUnit::hours: return add_days(date, (d.amount + 23) / 24);
    case DurationUnit::days: return add_days(date, d.amount);
    case DurationUnit::working_days: return calendar.add_working_days(date, d.amount);
    case DurationUnit::months: return add_months(date, d.amount);
    case DurationUnit::years: return add_months(date, d.amount * 12);
  }
  return date;
}

Instant add_duration(Instant at, Duration d, const HolidayCalendar& calendar) {
  if (d.unit == DurationUnit::hours) return at + chr::hours{d.amount};
  auto time_of_day = at - start_of(date_of(at));
  return start_of(add_duration(date_of(at), d, calendar)) + time_of_day;
}

}  // namespace maestro
