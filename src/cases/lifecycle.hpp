// The case state machine. Each function applies one operator action to a case, or refuses it
// with a failed_precondition error that says why and what to do, leaving the case unchanged.
//
//   received -> acknowledged -> awaiting_verification -> verified -> in_progress -> in_review
//            -> fulfilled | denied | withdrawn
//
// Pauses, extensions and notes do not change the state. While a case is paused, only resume,
// deny, withdraw and notes are accepted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cases/case.hpp"
#include "cases/policy.hpp"

namespace maestro {

enum class VerificationOutcome { requested, passed, failed };

Result<VerificationOutcome> parse_verification_outcome(std::string_view text);
std::string_view verification_outcome_name(VerificationOutcome outcome);

Status acknowledge(Case& c, Instant now);
// Different methods that have passed so far (two passes of one method count once).
int passed_factors(const Case& c);

// Records one identity check. A pass verifies the case once the policy's number of different
// passed checks for its rights is reached (one for access, two for erasure); an `override`
// verifies at once. `failed` attempts beyond the policy's maximum deny the case with reason
// identity-not-verified. Returns the case's state after the attempt.
Result<CaseState> record_verification(Case& c, Instant now, std::string_view method, VerificationOutcome outcome,
                                      const Policy& policy);
Status start_work(Case& c, Instant now);
Status submit_for_review(Case& c, Instant now);
// The work a right needs before its case closes: access (a package), erasure, rectification,
// restriction or objection (objection, automated-decision opt-out, CCPA opt-out of sale).
std::string_view work_for_right(Right right);
// Why the case cannot close as fulfilled yet, one sentence per right still owed: an access case
// needs a complete package, the other rights their work done cleanly. Empty: it may close.
std::vector<std::string> closing_blockers(const Case& c);
// Closes the case as fulfilled once closing_blockers is empty; `exception` (the DPO's decision,
// its reason kept by the desk) closes it anyway and records the exception. A staged package
// becomes delivered.
Status fulfil(Case& c, Instant now, bool exception = false);
Status deny(Case& c, Instant now, std::string_view reason, std::string_view details, const Policy& policy);
Status withdraw(Case& c, Instant now);
Status pause(Case& c, Instant now, std::string_view reason, const Policy& policy);
Status resume(Case& c, Instant now);
// Extends the legal deadline once, by the jurisdiction's extension, while the original deadline
// has not passed (the requester must be told within the first period).
Status extend(Case& c, Instant now, std::string_view reason, const Policy& policy);

}  // namespace maestro
