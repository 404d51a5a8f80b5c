#include "cases/deadlines.hpp"

#include <algorithm>

namespace maestro {

namespace {

std::chrono::sys_days as_days(Date d) {
  return std::chrono::sys_days{d};
}
Date later(Date a, Date b) {
  return as_days(a) < as_days(b) ? b : a;
}
Date earlier(Date a, Date b) {
  return as_days(a) < as_days(b) ? a : b;
}

// Calendar days a pause lasted: from the day it began to the day it ended (or today).
int pause_days(const CasePause& pause, Instant now) {
  Instant end = pause.ended.value_or(now);
  return std::max(0, days_between(date_of(pause.started), date_of(end)));
}

// The time limit plus an extension. Months combine with months so that one month plus two is
// "three months from receipt" (31 January -> 30 April), not "28 February plus two months".
Date limit_with_extension(Date received, Duration limit, std::optional<Duration> extension,
                          const HolidayCalendar& calendar) {
  if (!extension) return add_duration(received, limit, calendar);
  if (limit.unit == extension->unit && limit.unit != DurationUnit::hours) {
    return add_duration(received, Duration{limit.amount + extension->amount, limit.unit}, calendar);
  }
  return add_duration(add_duration(received, limit, calendar), *extension, calendar);
}

struct LegalDue {
  Date due;
  Date unrolled;
};

LegalDue legal_due_for(const Case& c, const JurisdictionRule& rule, const HolidayCalendar& calendar, int paused,
                       std::optional<Duration> extension) {
  Date received = date_of(c.received_at);
  std::optional<Date> latest;
  for (Right right : c.rights) {
    auto specific = rule.right_limits.find(right);
    Duration limit = specific != rule.right_limits.end() ? specific->second : rule.respond;
    Date due = add_days(limit_with_extension(received, limit, extension, calendar), paused);
    latest = latest ? later(*latest, due) : due;
  }
  Date unrolled = latest.value_or(add_days(limit_with_extension(received, rule.respond, extension, calendar), paused));
  Date due = rule.roll_forward ? calendar.next_working_day_from(unrolled) : unrolled;
  return {due, unrolled};
}

Date internal_target(const Case& c, const Policy& policy, const HolidayCalendar& calendar, Date legal_due, int paused) {
  const ServiceLevels& sl = policy.service_levels;
  std::optional<Date> by_right;
  for (Right right : c.rights) {
    auto target = sl.rights.find(right);
    if (target == sl.rights.end()) continue;
    Date due = date_of(add_duration(c.received_at, target->second, calendar));
    by_right = by_right ? later(*by_right, due) : due;
  }
  // Targets counted from receipt stop while paused; the one counted from verification starts after.
  Date target = by_right ? add_days(*by_right, paused) : legal_due;
  if (c.verified_at) {
    target = earlier(target, date_of(add_duration(*c.verified_at, sl.fulfil_after_verification, calendar)));
  }
  return earlier(target, legal_due);
}

}  // namespace

Result<Deadlines> compute_deadlines(const Case& c, const Policy& policy, Instant now) {
  auto jurisdiction = policy.jurisdiction(c.jurisdiction);
  if (!jurisdiction) return propagate(jurisdiction.error());
  const Jurisdiction& j = **jurisdiction;
  const HolidayCalendar& calendar = policy.calendar_for(j);
  Date received = date_of(c.received_at);
  const JurisdictionRule* rule = j.rule_on(received);
  if (!rule) {
    return invalid("no " + j.id + " rule is in force on " + format_date(received) +
                   ", the day the request was received: check the policy's rules");
  }

  // An appeal has the law's own time limit, counted from the appeal's receipt, and no extension.
  JurisdictionRule appeal_rule;
  if (!c.appeal_of.empty() && j.appeal) {
    appeal_rule = *rule;
    appeal_rule.respond = *j.appeal;
    appeal_rule.right_limits.clear();
    appeal_rule.extension.reset();
    appeal_rule.acknowledge.reset();
    rule = &appeal_rule;
  }

  Deadlines d;
  for (const auto& pause : c.pauses) {
    int days = pause_days(pause, now);
    d.paused_days += days;
    const JurisdictionRule* rule_then = j.rule_on(date_of(pause.started));
    if (rule_then && rule_then->clock_stop) {
      d.legal_clock_paused_days += days;
      if (!pause.ended) d.legal_clock_stopped = true;
    }
  }

  LegalDue original = legal_due_for(c, *rule, calendar, d.legal_clock_paused_days, std::nullopt);
  d.original_legal_due = original.due;
  d.legal_due = original.due;
  if (rule->extension) {
    d.extended_legal_due = legal_due_for(c, *rule, calendar, d.legal_clock_paused_days, rule->extension).due;
    if (!c.extensions.empty()) d.legal_due = *d.extended_legal_due;
    d.extension_available =
        c.extensions.empty() && !is_closed(c.state) && as_days(date_of(now)) <= as_days(d.original_legal_due);
  }

  const ServiceLevels& sl = policy.service_levels;
  d.acknowledge_due = add_duration(c.received_at, sl.acknowledge, calendar);
  if (rule->acknowledge) d.legal_acknowledge_due = add_duration(received, *rule->acknowledge, calendar);
  d.verify_due = add_duration(c.acknowledged_at.value_or(c.received_at), sl.verify, calendar);
  d.internal_due = internal_target(c, policy, calendar, d.legal_due, d.paused_days);

  Date reference = c.closed_at ? date_of(*c.closed_at) : date_of(now);
  d.days_left = days_between(reference, d.legal_due);
  d.overdue = !is_closed(c.state) && d.days_left < 0;
  if (is_closed(c.state) && c.closed_at) d.completed_on_time = d.days_left >= 0;

  if (!calendar.covers(received) || !calendar.covers(d.legal_due)) {
    d.warnings.push_back("the " + calendar.name() + " holiday calendar does not cover " + format_date(d.legal_due) +
                         ": holidays after its last year are not counted; extend data/calendars");
  }
  return d;
}

}  // namespace maestro
