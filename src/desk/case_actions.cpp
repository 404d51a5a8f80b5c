#include "desk/case_actions.hpp"

#include <algorithm>

namespace maestro {

namespace {

struct ActionRule {
  const char* name;
  Role role;
  bool needs_reason;
};

constexpr ActionRule k_rules[] = {
    {"acknowledge", Role::operator_, false}, {"start", Role::operator_, false},
    {"review", Role::operator_, false},      {"fulfil", Role::dpo, false},
    {"deny", Role::dpo, true},               {"withdraw", Role::operator_, false},
    {"pause", Role::operator_, true},        {"resume", Role::operator_, false},
    {"extend", Role::operator_, true},       {"note", Role::operator_, false},
    {"assign", Role::operator_, false},      {"override-verification", Role::dpo, true},
};

const ActionRule* rule_for(std::string_view action) {
  for (const auto& rule : k_rules) {
    if (action == rule.name) return &rule;
  }
  return nullptr;
}

Result<CaseView> apply(Desk& desk, std::string_view number, const CaseActionRequest& r) {
  const std::string& a = r.action;
  if (a == "acknowledge") return desk.acknowledge(number);
  if (a == "start") return desk.start(number);
  if (a == "review") return desk.submit_for_review(number);
  if (a == "fulfil") return desk.fulfil(number);
  if (a == "deny") return desk.deny(number, r.reason, r.details);
  if (a == "withdraw") return desk.withdraw(number);
  if (a == "pause") return desk.pause(number, r.reason);
  if (a == "resume") return desk.resume(number);
  if (a == "extend") return desk.extend(number, r.reason);
  if (a == "note") return desk.add_note(number, r.text);
  if (a == "assign") return desk.assign(number, r.text);
  return desk.override_verification(number, r.reason);
}

}  // namespace

const std::vector<std::string>& case_actions() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& rule : k_rules) out.emplace_back(rule.name);
    return out;
  }();
  return names;
}

std::vector<std::string> case_actions_available(const CaseView& v, Role role) {
  const Case& c = v.c;
  bool open = !is_closed(c.state);
  auto fits = [&](std::string_view a) {
    if (a == "note") return true;
    if (!open) return false;
    if (a == "acknowledge") return c.state == CaseState::received;
    if (a == "start") return c.state == CaseState::verified;
    if (a == "review") return c.state == CaseState::in_progress;
    if (a == "fulfil") return c.state == CaseState::in_progress || c.state == CaseState::in_review;
    if (a == "pause") return !c.is_paused();
    if (a == "resume") return c.is_paused();
    if (a == "extend") return v.deadlines.extension_available;
    if (a == "override-verification")
      return c.state == CaseState::acknowledged || c.state == CaseState::awaiting_verification;
    return true;  // deny, withdraw, assign
  };
  std::vector<std::string> out;
  for (const auto& rule : k_rules) {
    if (role_allows(role, rule.role) && fits(rule.name)) out.emplace_back(rule.name);
  }
  return out;
}

Result<Role> role_for_case_action(std::string_view action) {
  const ActionRule* rule = rule_for(action);
  if (!rule) return invalid("unknown action '" + std::string(action) + "'");
  return rule->role;
}

std::optional<std::string> letter_for_case_action(std::string_view action, const Case& c) {
  if (action == "acknowledge") return "acknowledgement";
  if (action == "deny") return "refusal";
  if (action == "extend") return "extension-notice";
  if (action == "fulfil") {
    if (auto confirmation = confirmation_letter(c)) return confirmation;
    // A delivered package: template C tells the requester where it is (once: see run_case_action).
    if (!c.deliveries.empty()) return "fulfilment";
  }
  return std::nullopt;
}

Result<std::optional<std::string>> letter_due_for_case_action(Desk& desk, std::string_view action, const Case& c) {
  auto letter = letter_for_case_action(action, c);
  if (letter != "fulfilment") return letter;
  // An export with --notify (or a job with notify) has told the requester already.
  auto sent_before = desk.messages_of_case(c.number);
  if (!sent_before) return propagate(sent_before.error());
  bool sent = std::any_of(sent_before->begin(), sent_before->end(),
                          [](const OutboxMessage& m) { return m.letter == "fulfilment"; });
  return sent ? std::nullopt : letter;
}

Result<std::optional<OutboxView>> send_case_action_letter(Correspondence& mail, const CaseView& view,
                                                          std::string_view action) {
  auto due = letter_due_for_case_action(mail.desk(), action, view.c);
  if (!due) return propagate(due.error());
  const auto& letter = *due;
  if (!letter) return std::optional<OutboxView>();
  auto fields = mail.closing_fields(view, *letter);
  if (!fields) return propagate(fields.error());
  auto sent = mail.send_letter(view, *letter, *fields);
  if (!sent) return propagate(sent.error());
  return std::optional<OutboxView>(std::move(*sent));
}

Result<CaseActionResult> run_case_action(Desk& desk, Correspondence* mail, std::string_view number,
                                         const CaseActionRequest& request) {
  const ActionRule* rule = rule_for(request.action);
  if (!rule) return invalid("unknown action '" + request.action + "'; one of: acknowledge, start, review, fulfil, deny, "
                            "withdraw, pause, resume, extend, note, assign, override-verification");
  if (rule->needs_reason && request.reason.empty()) return invalid("'" + request.action + "' needs a reason");
  if (request.action == "note" && request.text.empty()) return invalid("a note needs its text");
  auto view = apply(desk, number, request);
  if (!view) return propagate(view.error());
  CaseActionResult result;
  auto letter = letter_due_for_case_action(desk, request.action, view->c);
  if (!letter) return propagate(letter.error());
  result.letter = *letter;
  result.view = std::move(*view);
  if (!result.letter || !request.send_letter) return result;
  if (!mail) {
    result.letter_problem = "no mailer is configured";
    return result;
  }
  auto sent = send_case_action_letter(*mail, result.view, request.action);
  if (!sent)
    result.letter_problem = sent.error().message;
  else
    result.sent = std::move(*sent);
  return result;
}

}  // namespace maestro
