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
    {"close-by-exception", Role::dpo, true}, {"appeal", Role::operator_, false},
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
  if (a == "fulfil") return r.reason.empty() ? desk.fulfil(number) : desk.fulfil_by_exception(number, r.reason);
  if (a == "deny") return desk.deny(number, r.reason, r.details);
  if (a == "withdraw") return desk.withdraw(number);
  if (a == "pause") return desk.pause(number, r.reason);
  if (a == "resume") return desk.resume(number);
  if (a == "extend") return desk.extend(number, r.reason);
  if (a == "note") return desk.add_note(number, r.text);
  if (a == "assign") return desk.assign(number, r.text);
  if (a == "close-by-exception") return desk.fulfil_by_exception(number, r.reason);
  if (a == "appeal") {  // the appeal is a case of its own: the result is that case
    auto made = desk.open_appeal(number);
    if (!made) return propagate(made.error());
    return CaseView{std::move(made->c), std::move(made->deadlines)};
  }
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

std::vector<std::string> case_actions_available(const CaseView& v, Role role, const Policy* policy) {
  const Case& c = v.c;
  bool open = !is_closed(c.state);
  auto fits = [&](std::string_view a) {
    if (a == "note") return true;
    if (a == "appeal") {
      // A refusal under a law that gives the consumer an appeal (VCDPA), not itself an appeal.
      if (c.state != CaseState::denied || !c.appeal_of.empty() || !policy || c.personal_data_purged_at) return false;
      auto j = policy->jurisdiction(c.jurisdiction);
      return j && (*j)->appeal.has_value();
    }
    if (!open) return false;
    if (a == "acknowledge") return c.state == CaseState::received;
    if (a == "start") return c.state == CaseState::verified;
    if (a == "review") return c.state == CaseState::in_progress;
    // Approval is offered once the case's work is done (a staged package, a clean erasure, ...).
    if (a == "fulfil")
      return (c.state == CaseState::in_progress || c.state == CaseState::in_review) && closing_blockers(c).empty();
    // Work still owed: only a DPO's explained exception closes the case.
    if (a == "close-by-exception")
      return (c.state == CaseState::in_progress || c.state == CaseState::in_review) && !closing_blockers(c).empty();
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

std::vector<std::string> letters_for_case_action(std::string_view action, const Case& c) {
  if (action == "acknowledge") return {"acknowledgement"};
  if (action == "deny") return {"refusal"};
  if (action == "extend") return {"extension-notice"};
  if (action != "fulfil" && action != "close-by-exception") return {};
  // Seed 001 step 7: where the package is first, its password apart, then what else was done.
  std::vector<std::string> out;
  if (!c.deliveries.empty()) out.emplace_back("fulfilment");
  if (!c.package_password.empty()) out.emplace_back("package-password");
  if (auto confirmation = confirmation_letter(c)) out.push_back(*confirmation);
  return out;
}

std::optional<std::string> letter_for_case_action(std::string_view action, const Case& c) {
  auto letters = letters_for_case_action(action, c);
  if (letters.empty()) return std::nullopt;
  return letters.front();
}

Result<std::vector<std::string>> letters_due_for_case_action(Desk& desk, std::string_view action, const Case& c) {
  auto letters = letters_for_case_action(action, c);
  if ((action != "fulfil" && action != "close-by-exception") || letters.empty()) return letters;
  // Each closing letter goes once, even when a case is closed again after a re-opening.
  auto sent_before = desk.messages_of_case(c.number);
  if (!sent_before) return propagate(sent_before.error());
  std::erase_if(letters, [&](const std::string& letter) {
    return letter != "package-password" &&
           std::any_of(sent_before->begin(), sent_before->end(),
                       [&](const OutboxMessage& m) { return m.letter == letter; });
  });
  return letters;
}

Result<std::optional<std::string>> letter_due_for_case_action(Desk& desk, std::string_view action, const Case& c) {
  auto due = letters_due_for_case_action(desk, action, c);
  if (!due) return propagate(due.error());
  if (due->empty()) return std::optional<std::string>();
  return std::optional<std::string>(due->front());
}

Result<std::vector<OutboxView>> send_case_action_letters(Correspondence& mail, const CaseView& view,
                                                         std::string_view action) {
  auto due = letters_due_for_case_action(mail.desk(), action, view.c);
  if (!due) return propagate(due.error());
  std::vector<OutboxView> sent;
  for (const auto& letter : *due) {
    auto fields = mail.closing_fields(view, letter);
    if (!fields) return propagate(fields.error());
    auto queued = mail.send_letter(view, letter, *fields);
    if (!queued) return propagate(queued.error());
    sent.push_back(std::move(*queued));
    // The outbox carries the password now: the case need not keep it.
    if (letter == "package-password") {
      if (auto ok = mail.desk().forget_package_password(view.c.number); !ok) return propagate(ok.error());
    }
  }
  return sent;
}

Result<std::optional<OutboxView>> send_case_action_letter(Correspondence& mail, const CaseView& view,
                                                          std::string_view action) {
  auto sent = send_case_action_letters(mail, view, action);
  if (!sent) return propagate(sent.error());
  if (sent->empty()) return std::optional<OutboxView>();
  return std::optional<OutboxView>(std::move(sent->front()));
}

Result<CaseActionResult> run_case_action(Desk& desk, Correspondence* mail, std::string_view number,
                                         const CaseActionRequest& request) {
  const ActionRule* rule = rule_for(request.action);
  if (!rule) return invalid("unknown action '" + request.action + "'; one of: acknowledge, start, review, fulfil, deny, "
                            "withdraw, pause, resume, extend, note, assign, override-verification, close-by-exception, appeal");
  if (rule->needs_reason && request.reason.empty()) return invalid("'" + request.action + "' needs a reason");
  if (request.action == "note" && request.text.empty()) return invalid("a note needs its text");
  auto view = apply(desk, number, request);
  if (!view) return propagate(view.error());
  CaseActionResult result;
  auto letters = letters_due_for_case_action(desk, request.action, view->c);
  if (!letters) return propagate(letters.error());
  if (!letters->empty()) result.letter = letters->front();
  result.letters = *letters;
  result.view = std::move(*view);
  if (!result.letter || !request.send_letter) return result;
  if (!mail) {
    result.letter_problem = "no mailer is configured";
    return result;
  }
  auto sent = send_case_action_letters(*mail, result.view, request.action);
  if (!sent) {
    result.letter_problem = sent.error().message;
  } else if (!sent->empty()) {
    result.sent = sent->front();
    result.sent_all = std::move(*sent);
  }
  return result;
}

}  // namespace maestro
