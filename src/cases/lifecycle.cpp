#include "cases/lifecycle.hpp"

#include <optional>
#include <set>

#include <algorithm>
#include <initializer_list>

#include "cases/deadlines.hpp"

namespace maestro {

int Case::failed_verifications() const {
  return static_cast<int>(
      std::count_if(verifications.begin(), verifications.end(), [](const auto& v) { return v.outcome == "failed"; }));
}

const WorkOutcome* Case::outcome_of(std::string_view work) const {
  for (auto it = outcomes.rbegin(); it != outcomes.rend(); ++it) {
    if (it->work == work) return &*it;
  }
  return nullptr;
}

std::string_view work_for_right(Right right) {
  switch (right) {
    case Right::access:
    case Right::portability:
    case Right::ccpa_know:
      return "access";
    case Right::erasure:
    case Right::ccpa_delete:
      return "erasure";
    case Right::rectification:
      return "rectification";
    case Right::restriction:
      return "restriction";
    case Right::objection:
    case Right::automated_decision_opt_out:
    case Right::ccpa_opt_out_of_sale:
    case Right::ccpa_opt_in_to_sale:  // the objection marker, lifted
      return "objection";
  }
  return "access";
}

namespace {

// What is missing before the package of an access case counts as given.
std::optional<std::string> access_blocker(const Case& c) {
  if (c.deliveries.empty()) return "no access package yet (maestro dsar export --case " + c.number + ")";
  const PackageDelivery& last = c.deliveries.back();
  if (!last.complete()) {
    std::string stores;
    for (const auto& s : last.unsearched) stores += (stores.empty() ? "" : ", ") + s;
    return "the access package is incomplete (not searched: " + stores + "); export again once they answer";
  }
  return std::nullopt;
}

// The command that does each kind of work, for the blocker's advice.
std::string command_for(std::string_view work, const std::string& number) {
  if (work == "erasure") return "maestro dsar delete --case " + number;
  if (work == "rectification") return "maestro dsar rectify --case " + number + " --set ...";
  if (work == "restriction") return "maestro dsar restrict --case " + number;
  return "maestro dsar object --case " + number;
}

}  // namespace

std::vector<std::string> closing_blockers(const Case& c) {
  std::vector<std::string> out;
  std::set<std::string_view> seen;
  for (Right r : c.rights) {
    std::string_view work = work_for_right(r);
    if (!seen.insert(work).second) continue;
    if (work == "access") {
      if (auto why = access_blocker(c)) out.push_back(*why);
      continue;
    }
    const WorkOutcome* done = c.outcome_of(work);
    if (!done) {
      out.push_back(std::string(work) + " not carried out yet (" + command_for(work, c.number) + ")");
    } else if (done->result == "incomplete") {
      out.push_back(std::string(work) + " incomplete (records left, stores not searched or systems by hand pending): " +
                    command_for(work, c.number) + " again once they can be reached");
    }
  }
  return out;
}

namespace {

std::string states_text(std::initializer_list<CaseState> states) {
  std::string out;
  std::size_t i = 0;
  for (CaseState s : states) {
    if (i++ > 0) out += i == states.size() ? " or " : ", ";
    out += state_name(s);
  }
  return out;
}

// Refuses `action` unless the case is open, not paused and in one of `from`.
Status require_state(const Case& c, std::string_view action, std::initializer_list<CaseState> from) {
  if (is_closed(c.state)) {
    return precondition("cannot " + std::string(action) + " " + c.number + ": it is closed (" +
                        std::string(state_name(c.state)) + ")");
  }
  if (c.is_paused() && from.size() > 0) {
    return precondition("cannot " + std::string(action) + " " + c.number + ": it is paused (" + c.pauses.back().reason +
                        "); run 'maestro dsar resume " + c.number + "' first");
  }
  if (from.size() > 0 && std::find(from.begin(), from.end(), c.state) == from.end()) {
    return precondition("cannot " + std::string(action) + " " + c.number + ": it is " +
                        std::string(state_name(c.state)) + ", and this needs a case that is " + states_text(from));
  }
  return {};
}

void close(Case& c, CaseState state, Instant now) {
  if (c.is_paused()) c.pauses.back().ended = now;
  c.state = state;
  c.closed_at = now;
}

}  // namespace

Result<VerificationOutcome> parse_verification_outcome(std::string_view text) {
  if (text == "requested") return VerificationOutcome::requested;
  if (text == "passed" || text == "pass" || text == "verified") return VerificationOutcome::passed;
  if (text == "failed" || text == "fail") return VerificationOutcome::failed;
  return invalid("unknown verification outcome '" + std::string(text) + "': use requested, passed or failed");
}

std::string_view verification_outcome_name(VerificationOutcome outcome) {
  switch (outcome) {
    case VerificationOutcome::requested: return "requested";
    case VerificationOutcome::passed: return "passed";
    case VerificationOutcome::failed: return "failed";
  }
  return "requested";
}

Status acknowledge(Case& c, Instant now) {
  if (auto ok = require_state(c, "acknowledge", {CaseState::received}); !ok) return ok;
  c.state = CaseState::acknowledged;
  c.acknowledged_at = now;
  return {};
}

int passed_factors(const Case& c) {
  std::set<std::string> methods;
  for (const auto& v : c.verifications) {
    if (v.outcome == "passed") methods.insert(v.method);
  }
  return static_cast<int>(methods.size());
}

Result<CaseState> record_verification(Case& c, Instant now, std::string_view method, VerificationOutcome outcome,
                                      const Policy& policy) {
  if (method.empty()) return invalid("give the verification method, e.g. --method document");
  if (auto ok =
          require_state(c, "record a verification for", {CaseState::acknowledged, CaseState::awaiting_verification});
      !ok) {
    return propagate(ok.error());
  }
  c.verifications.push_back({now, std::string(method), std::string(verification_outcome_name(outcome))});
  switch (outcome) {
    case VerificationOutcome::requested: c.state = CaseState::awaiting_verification; break;
    case VerificationOutcome::passed:
      if (method == "override" || passed_factors(c) >= policy.factors_required(c.rights)) {
        c.state = CaseState::verified;
        c.verified_at = now;
      } else {
        c.state = CaseState::awaiting_verification;  // a high-risk request needs another, different check
      }
      break;
    case VerificationOutcome::failed:
      if (c.failed_verifications() >= policy.max_failed_verifications) {
        c.denial_reason = "identity-not-verified";
        close(c, CaseState::denied, now);
      } else {
        c.state = CaseState::awaiting_verification;
      }
      break;
  }
  return c.state;
}

Status start_work(Case& c, Instant now) {
  if (auto ok = require_state(c, "start", {CaseState::verified}); !ok) return ok;
  c.state = CaseState::in_progress;
  c.started_at = now;
  return {};
}

Status submit_for_review(Case& c, Instant now) {
  if (auto ok = require_state(c, "submit for review", {CaseState::in_progress}); !ok) return ok;
  c.state = CaseState::in_review;
  c.review_requested_at = now;
  return {};
}

Status fulfil(Case& c, Instant now, bool exception) {
  if (auto ok = require_state(c, "fulfil", {CaseState::in_progress, CaseState::in_review}); !ok) return ok;
  auto blockers = closing_blockers(c);
  if (!blockers.empty() && !exception) {
    std::string why;
    for (const auto& b : blockers) why += (why.empty() ? "" : "; ") + b;
    return precondition("cannot close " + c.number + " as fulfilled: " + why +
                        ". A DPO may close it anyway, with the reason: maestro dsar fulfil " + c.number +
                        " --exception REASON");
  }
  if (!blockers.empty()) c.outcomes.push_back({now, "exception", "granted"});
  // Approval delivers the staged package: the letters that say where it is go now.
  if (c.has_staged_package()) c.deliveries.back().status = "delivered";
  close(c, CaseState::fulfilled, now);
  return {};
}

Status deny(Case& c, Instant now, std::string_view reason, std::string_view details, const Policy& policy) {
  if (auto ok = Policy::check_reason(policy.denial_reasons, reason, "denial reason"); !ok) return ok;
  if (auto ok = require_state(c, "deny", {}); !ok) return ok;
  c.denial_reason = reason;
  c.denial_details = details;
  close(c, CaseState::denied, now);
  return {};
}

Status withdraw(Case& c, Instant now) {
  if (auto ok = require_state(c, "withdraw", {}); !ok) return ok;
  close(c, CaseState::withdrawn, now);
  return {};
}

Status pause(Case& c, Instant now, std::string_view reason, const Policy& policy) {
  if (auto ok = Policy::check_reason(policy.pause_reasons, reason, "pause reason"); !ok) return ok;
  if (auto ok = require_state(c, "pause", {}); !ok) return ok;
  if (c.is_paused())
    return precondition("cannot pause " + c.number + ": it is already paused (" + c.pauses.back().reason + ")");
  c.pauses.push_back({now, std::nullopt, std::string(reason)});
  return {};
}

Status resume(Case& c, Instant now) {
  if (auto ok = require_state(c, "resume", {}); !ok) return ok;
  if (!c.is_paused()) return precondition("cannot resume " + c.number + ": it is not paused");
  c.pauses.back().ended = now;
  return {};
}

Status extend(Case& c, Instant now, std::string_view reason, const Policy& policy) {
  if (auto ok = Policy::check_reason(policy.extension_reasons, reason, "extension reason"); !ok) return ok;
  if (auto ok = require_state(c, "extend", {}); !ok) return ok;
  if (!c.extensions.empty()) return precondition("cannot extend " + c.number + ": it has already been extended once");
  auto deadlines = compute_deadlines(c, policy, now);
  if (!deadlines) return propagate(deadlines.error());
  if (!deadlines->extended_legal_due) {
    return precondition("cannot extend " + c.number + ": " + c.jurisdiction + " allows no extension");
  }
  if (!deadlines->extension_available) {
    return precondition("cannot extend " + c.number + ": the original deadline " +
                        format_date(deadlines->original_legal_due) +
                        " has passed, and an extension must be notified before it");
  }
  c.extensions.push_back({now, std::string(reason)});
  return {};
}

}  // namespace maestro
