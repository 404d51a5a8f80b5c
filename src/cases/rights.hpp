// The rights a data subject can exercise, and the states a case moves through.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace maestro {

enum class Right {
  access,                      // GDPR Art. 15
  portability,                 // GDPR Art. 20
  rectification,               // GDPR Art. 16
  erasure,                     // GDPR Art. 17
  restriction,                 // GDPR Art. 18
  objection,                   // GDPR Art. 21
  automated_decision_opt_out,  // GDPR Art. 22, seed 002's AI opt-out
  ccpa_know,                   // CCPA 1798.100 / .110
  ccpa_delete,                 // CCPA 1798.105
  ccpa_opt_out_of_sale,        // CCPA 1798.120
  ccpa_opt_in_to_sale,         // CCPA 1798.120(d), regs 7026(k)/7028: consent to sale renewed
};

const std::vector<Right>& all_rights();
std::string_view right_name(Right right);  // "access", "ccpa-opt-out-of-sale", ...
// Accepts the canonical names and a few everyday aliases (delete, export, rectify, know, ...).
Result<Right> parse_right(std::string_view text);
// A comma-separated list; duplicates are dropped, order kept. An empty list is an error.
Result<std::vector<Right>> parse_rights(std::string_view comma_separated);
std::string join_rights(const std::vector<Right>& rights);  // "access,erasure"

enum class CaseState {
  received,
  acknowledged,
  awaiting_verification,
  verified,
  in_progress,
  in_review,
  fulfilled,
  denied,
  withdrawn,
};

std::string_view state_name(CaseState state);
Result<CaseState> parse_state(std::string_view text);
bool is_closed(CaseState state);

}  // namespace maestro
