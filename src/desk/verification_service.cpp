#include "desk/verification_service.hpp"

#include <openssl/crypto.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "desk/case_actions.hpp"
#include "desk/case_resolution.hpp"
#include "locate/locate.hpp"

namespace maestro {

using nlohmann::json;

namespace {

bool awaiting_check(CaseState s) {
  return s == CaseState::acknowledged || s == CaseState::awaiting_verification;
}

Result<CaseView> case_awaiting_check(Desk& desk, std::string_view number) {
  auto v = desk.find(number);
  if (!v) return propagate(v.error());
  if (!awaiting_check(v->c.state)) {
    return precondition("case " + v->c.number + " is " + std::string(state_name(v->c.state)) +
                        ": identity checks are for acknowledged cases awaiting verification");
  }
  return v;
}

std::string code_mac(const Desk& desk, std::string_view number, std::string_view code) {
  return desk.keys().integrity_mac("verification-code:" + std::string(number) + ":" + std::string(code));
}

VerificationResult result_for(Desk& desk, CaseView view, bool passed, std::string explanation) {
  VerificationResult r;
  r.factors_passed = passed_factors(view.c);
  r.factors_required = desk.policy().factors_required(view.c.rights);
  r.passed = passed;
  r.explanation = std::move(explanation);
  if (passed && view.c.state == CaseState::awaiting_verification) {
    r.explanation += "; " + std::to_string(r.factors_required - r.factors_passed) +
                     " more check(s) of a different kind needed for this request";
  }
  if (view.c.state == CaseState::denied) r.explanation += "; the case is denied: identity could not be verified";
  r.view = std::move(view);
  return r;
}

// A check that failed once too often has denied the case: the requester hears of it, with the
// reason and the complaint route, like any other refusal (Art. 12(4)). The denial stands even when
// the letter cannot go now: it waits in the outbox, and the operator is told.
VerificationResult tell_if_denied(Correspondence& mail, VerificationResult r) {
  if (r.view.c.state != CaseState::denied) return r;
  auto sent = send_case_action_letter(mail, r.view, "deny");
  if (!sent) r.explanation += "; the refusal letter could not be written: " + sent.error().message;
  else if (*sent)
    r.explanation += "; the refusal letter was sent (message #" + std::to_string((*sent)->message.id) + ", " +
                     (*sent)->message.state + ")";
  return r;
}

std::string normalised(std::string text) {
  std::string out;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string generate_code(int digits) {
  std::string code;
  while (static_cast<int>(code.size()) < digits) {
    for (unsigned char byte : random_bytes(16)) {
      if (byte >= 250) continue;  // 250 = 25 * 10: rejecting the rest keeps every digit equally likely
      code += static_cast<char>('0' + byte % 10);
      if (static_cast<int>(code.size()) == digits) break;
    }
  }
  return code;
}

Result<VerificationResult> start_verification(Desk& desk, Correspondence& mail, std::string_view number,
                                              std::string_view method, const std::string& requested_proof) {
  auto view = case_awaiting_check(desk, number);
  if (!view) return propagate(view.error());
  const auto& vp = desk.policy().verification;
  bool has_email = std::any_of(view->c.identifiers.begin(), view->c.identifiers.end(),
                               [](const SubjectIdentifier& id) { return id.kind == "email"; });
  if (method == "email-code") {
    if (!has_email) {
      return precondition("case " + view->c.number +
                          " has no email address to send a code to: use --method "
                          "knowledge or document");
    }
    std::string code = generate_code(vp.code_digits);
    Instant now = desk.clock().now();
    VerificationChallenge challenge{view->c.number, code_mac(desk, view->c.number, code), now,
                                    now + std::chrono::minutes(vp.code_valid_minutes), std::nullopt};
    LetterFields fields;
    fields.values["code"] = code;
    fields.values["code_valid_minutes"] = std::to_string(vp.code_valid_minutes);
    auto requested = desk.record_check(view->c.number, "email-code", VerificationOutcome::requested, challenge,
                                       json{{"method", "email-code"}, {"outcome", "requested"}}.dump());
    if (!requested) return propagate(requested.error());
    auto sent = mail.send_letter(*requested, "verification-code", fields);
    if (!sent) return propagate(sent.error());
    return result_for(desk, std::move(*requested), false,
                      "a " + std::to_string(vp.code_digits) + "-digit code was sent (message #" +
                          std::to_string(sent->message.id) + ", " + sent->message.state + "); it expires in " +
                          std::to_string(vp.code_valid_minutes) + " minutes");
  }
  if (method != "knowledge" && method != "document") {
    return invalid("unknown verification method '" + std::string(method) + "' (use email-code, knowledge or document)");
  }
  std::string proof = requested_proof;
  if (proof.empty()) {
    proof = method == "knowledge" ? "a recent order number, invoice number or transaction id from your account"
                                  : "a copy of a valid government-issued ID (passport, driving licence or national ID "
                                    "card)";
  }
  auto requested = desk.record_check(view->c.number, method, VerificationOutcome::requested, std::nullopt,
                                     json{{"method", method}, {"outcome", "requested"}}.dump());
  if (!requested) return propagate(requested.error());
  if (!has_email) {
    return result_for(
        desk, std::move(*requested), false,
        "proof of identity requested; the case has no email address, so ask for " + proof + " by another channel");
  }
  LetterFields fields;
  // The operator's own words as given; the built-in request in the requester's language.
  fields.values["requested_proof"] = requested_proof;
  fields.values["requested_proof_method"] = std::string(method);
  auto sent = mail.send_letter(*requested, "verification-request", fields);
  if (!sent) return propagate(sent.error());
  return result_for(desk, std::move(*requested), false,
                    "proof of identity requested (template B, message #" + std::to_string(sent->message.id) + ", " +
                        sent->message.state + ")");
}

Result<VerificationResult> check_code(Desk& desk, Correspondence& mail, std::string_view number,
                                      std::string_view code) {
  if (code.empty() || code.size() > 20 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return invalid("a verification code is digits only");
  }
  auto view = case_awaiting_check(desk, number);
  if (!view) return propagate(view.error());
  auto challenge = desk.challenge(view->c.number);
  if (!challenge) return propagate(challenge.error());
  if (!*challenge) {
    return precondition("no code was sent for " + view->c.number + ": send one with 'dsar verify start " +
                        view->c.number + " --method email-code'");
  }
  VerificationChallenge c = **challenge;
  Instant now = desk.clock().now();
  // A used or expired code proves nothing either way: refused, but not counted as a failure.
  if (c.used_at) {
    desk.record_action(view->c.number, "verify", "refused",
                       json{{"method", "email-code"}, {"reason", "reused"}}.dump());
    return precondition("this code has already been used: send a new one");
  }
  if (now > c.expires_at) {
    desk.record_action(view->c.number, "verify", "refused",
                       json{{"method", "email-code"}, {"reason", "expired"}}.dump());
    return precondition("the code expired at " + format_instant(c.expires_at) + ": send a new one");
  }
  std::string mac = code_mac(desk, view->c.number, code);
  bool matches = mac.size() == c.code_mac.size() && CRYPTO_memcmp(mac.data(), c.code_mac.data(), mac.size()) == 0;
  if (matches) c.used_at = now;
  auto outcome = matches ? VerificationOutcome::passed : VerificationOutcome::failed;
  auto recorded = desk.record_check(view->c.number, "email-code", outcome, c,
                                    json{{"method", "email-code"}, {"outcome", matches ? "passed" : "failed"}}.dump());
  if (!recorded) return propagate(recorded.error());
  return tell_if_denied(
      mail, result_for(desk, std::move(*recorded), matches, matches ? "the code is correct" : "the code is wrong"));
}

Result<VerificationResult> check_knowledge(Desk& desk, Correspondence& mail, const DataMap& map,
                                           std::string_view number, const KnowledgeAnswers& k) {
  auto view = case_awaiting_check(desk, number);
  if (!view) return propagate(view.error());
  if (k.answers.empty()) return invalid("give the requester's answers as --answer FIELD=VALUE");
  const auto& vp = desk.policy().verification;
  int needed = k.specific_pieces ? vp.specific_pieces_points : vp.knowledge_points_for(view->c.jurisdiction);
  if (k.specific_pieces && !k.signed_declaration) {
    return precondition(
        "a request for specific pieces of information needs the requester's signed declaration "
        "(--signed-declaration) as well as " +
        std::to_string(needed) + " matching data points");
  }
  // The answers are compared with this person's own records: the ones locate finds from the
  // identifiers on the case. Another customer's invoice number matches nothing here.
  std::map<std::string, bool> matched;
  for (const auto& [field, value] : k.answers) matched[field] = false;
  LocateScope scope{view->c.tenants};
  auto located = locate(map, view->c.identifiers, scope, [&](const FoundRecord& f) -> Status {
    for (const auto& [field, value] : k.answers) {
      if (matched[field]) continue;
      std::string column = field;
      auto dot = field.find('.');
      if (dot != std::string::npos && !f.record.get(field)) {
        std::string owner = field.substr(0, dot);
        if (owner != f.collection.name && owner != f.collection.key()) continue;
        column = field.substr(dot + 1);
      }
      Value v = f.record.field(column);
      if (!std::holds_alternative<std::monostate>(v) && normalised(value_text(v)) == normalised(value)) {
        matched[field] = true;
      }
    }
    return {};
  });
  if (!located) return propagate(located.error());
  if (!located->failures.empty()) {
    return fail(ErrorCode::unavailable, "cannot check the answers: the store of " + located->failures.front().system +
                                            " could not be searched; nothing was recorded");
  }
  int points = static_cast<int>(std::count_if(matched.begin(), matched.end(), [](const auto& m) { return m.second; }));
  bool all_match = points == static_cast<int>(matched.size());
  bool passed = all_match && points >= needed;
  if (all_match && points < needed) {
    return invalid(std::to_string(needed) + " matching data points are needed here; only " + std::to_string(points) +
                   " were given");
  }
  auto recorded = desk.record_check(view->c.number, "knowledge",
                                    passed ? VerificationOutcome::passed : VerificationOutcome::failed, std::nullopt,
                                    json{{"method", "knowledge"},
                                         {"outcome", passed ? "passed" : "failed"},
                                         {"points_given", matched.size()},
                                         {"points_matched", points},
                                         {"signed_declaration", k.signed_declaration}}
                                        .dump());
  if (!recorded) return propagate(recorded.error());
  return tell_if_denied(mail, result_for(desk, std::move(*recorded), passed,
                                        std::to_string(points) + " of " + std::to_string(matched.size()) +
                                            " data point(s) matched the person's own records"));
}

const std::vector<std::string>& document_kinds() {
  static const std::vector<std::string> kinds{"passport",     "driving-licence", "national-id", "residence-permit",
                                              "utility-bill", "bank-statement",  "other"};
  return kinds;
}

Result<VerificationResult> record_document(Desk& desk, Correspondence& mail, std::string_view number,
                                           std::string_view document, VerificationOutcome outcome) {
  const auto& kinds = document_kinds();
  if (std::find(kinds.begin(), kinds.end(), document) == kinds.end()) {
    return invalid("unknown document '" + std::string(document) +
                   "' (use passport, driving-licence, national-id, residence-permit, utility-bill, bank-statement or "
                   "other)");
  }
  if (outcome == VerificationOutcome::requested)
    return invalid("record a document check as --outcome passed or failed");
  auto view = case_awaiting_check(desk, number);
  if (!view) return propagate(view.error());
  bool passed = outcome == VerificationOutcome::passed;
  auto recorded = desk.record_check(view->c.number, "document", outcome, std::nullopt,
                                    json{{"method", "document"},
                                         {"document", document},
                                         {"outcome", passed ? "passed" : "failed"},
                                         {"document_stored", false}}
                                        .dump());
  if (!recorded) return propagate(recorded.error());
  return tell_if_denied(mail, result_for(desk, std::move(*recorded), passed,
                                        "the " + std::string(document) +
                                            " was seen by the operator named in the audit trail; it is not stored"));
}

}  // namespace maestro
