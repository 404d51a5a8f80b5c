// The deadline engine: every due date of a case, from the policy and the case's history.
//
// Legal due dates follow the jurisdiction's rule in force on the day of receipt: GDPR and UK GDPR
// count one calendar month as the ICO does and roll a weekend or bank holiday to the next working
// day; CCPA counts 45 calendar days. An extension adds the rule's extension to the time limit; a
// pause adds its days to the legal clock only where the rule in force when it began stops the
// clock (UK Art. 12A from 2026-02-05). Internal service levels always stop while paused.
//
//   Deadlines d = *compute_deadlines(a_case, policy, clock.now());
//   d.legal_due, d.days_left, d.overdue
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cases/case.hpp"
#include "cases/policy.hpp"

namespace maestro {

struct Deadlines {
  Instant acknowledge_due{};                  // internal service level
  std::optional<Date> legal_acknowledge_due;  // where the law sets one (CCPA: 10 working days)
  Instant verify_due{};                       // internal service level, from acknowledgement
  Date original_legal_due{};                  // before any extension
  Date legal_due{};                           // in force now
  std::optional<Date> extended_legal_due;     // where an extension (granted or still possible) leads
  bool extension_available = false;           // an extension may still be granted today
  Date internal_due{};                        // internal service level, never after legal_due
  int legal_clock_paused_days = 0;
  bool legal_clock_stopped = false;  // paused now, under a rule that stops the legal clock
  int paused_days = 0;
  int days_left = 0;  // from today (or the closing day) to legal_due; negative when late
  bool overdue = false;
  std::optional<bool> completed_on_time;  // for closed cases
  std::vector<std::string> warnings;      // e.g. a holiday calendar that does not cover a date
};

Result<Deadlines> compute_deadlines(const Case& c, const Policy& policy, Instant now);

}  // namespace maestro
