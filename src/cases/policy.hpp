// The policy: legal time limits per jurisdiction and the internal service levels, kept as data.
//
// The embedded default is data/policy/default.yaml; maestro.yaml may point `policy:` at another
// file. Rules carry the date from which they apply, so a change in the law (the UK's Article 12A
// clock stop from 2026-02-05) is a new rule, not new code.
//
//   Policy p = *parse_policy(text, "default.yaml", calendars);
//   const Jurisdiction& uk = **p.jurisdiction("uk-gdpr");
//   uk.rule_on(2026-03-01)->clock_stop == true
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cases/calendar.hpp"
#include "cases/rights.hpp"
#include "common/result.hpp"

namespace maestro {

struct JurisdictionRule {
  Date from;
  Duration respond;                        // the legal time limit from the day of receipt
  bool roll_forward = false;               // move a due date off weekends and holidays
  std::optional<Duration> extension;       // at most one extension of this length
  bool clock_stop = false;                 // pauses waiting on the requester stop the clock
  std::optional<Duration> acknowledge;     // a legal deadline to acknowledge, where one exists
  std::map<Right, Duration> right_limits;  // a different limit for a right
};

struct Jurisdiction {
  std::string id;
  std::string name;
  // The supervisory authority letters and the report name, as a phrase that reads mid-sentence
  // ("complain to the supervisory authority of ..."): in English, and in other languages.
  std::string authority;
  std::map<std::string, std::string> authority_translations;  // language ("de", "pt-br") -> text
  std::string calendar;
  std::vector<JurisdictionRule> rules;  // sorted by `from`
  // Where the law gives the consumer an appeal against a refusal (VCDPA, and the US state laws
  // modelled on it): the time the controller has to answer one. None: no appeal, the complaint
  // route only.
  std::optional<Duration> appeal;

  // The rule in force on `date`, or nullptr before the first rule.
  const JurisdictionRule* rule_on(Date date) const;
  // The authority in `language`, else in English.
  const std::string& authority_in(std::string_view language) const;
};

struct ServiceLevels {
  Duration acknowledge{24, DurationUnit::hours};
  Duration verify{48, DurationUnit::hours};
  Duration fulfil_after_verification{7, DurationUnit::working_days};
  std::map<Right, Duration> rights;
};

struct RetentionPolicy {
  Duration personal_data_after_close{2, DurationUnit::years};
  Duration evidence_after_close{3, DurationUnit::years};
  Duration duplicate_window{12, DurationUnit::months};
};

// How a requester proves who they are (seed 002 section 3, seed 001 step 3, CCPA regulations).
struct VerificationPolicy {
  int low_risk_factors = 1;   // access, portability, know: one passed check
  int high_risk_factors = 2;  // erasure, rectification, CCPA delete: two different checks
  std::vector<Right> high_risk_rights{Right::erasure, Right::rectification, Right::ccpa_delete};
  int code_valid_minutes = 10;
  int code_digits = 6;
  std::map<std::string, int> knowledge_points;  // jurisdiction -> matching data points needed (default 1)
  int specific_pieces_points = 3;               // CCPA: specific pieces need 3 and a signed declaration
  Duration reminder_after{24, DurationUnit::hours};
  Duration expire_after{7, DurationUnit::days};

  int knowledge_points_for(std::string_view jurisdiction) const;
};

struct Policy {
  ServiceLevels service_levels;
  int max_failed_verifications = 2;
  VerificationPolicy verification;
  RetentionPolicy retention;
  std::map<std::string, std::string> denial_reasons;  // code -> description
  std::map<std::string, std::string> pause_reasons;
  std::map<std::string, std::string> extension_reasons;
  std::map<std::string, Jurisdiction> jurisdictions;
  std::map<std::string, HolidayCalendar> calendars;

  Result<const Jurisdiction*> jurisdiction(std::string_view id) const;
  // Passed checks (of different methods) that a request for these rights needs.
  int factors_required(const std::vector<Right>& rights) const;
  const HolidayCalendar& calendar_for(const Jurisdiction& jurisdiction) const;
  // Validates `code` against one of the reason lists; the error lists the accepted codes.
  static Status check_reason(const std::map<std::string, std::string>& reasons, std::string_view code,
                             std::string_view what);
};

// Parses a policy file against the calendars it may name. Errors name the file and line.
Result<Policy> parse_policy(std::string_view yaml_text, std::string_view origin,
                            std::map<std::string, HolidayCalendar> calendars);

}  // namespace maestro
