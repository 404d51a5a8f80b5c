// The actions an operator takes on a case, by name, with who may take them and the letter each
// sends the requester. The CLI's lifecycle commands, the JSON API and the dashboard's forms all
// run these, so "acknowledging sends template A" and "only a DPO may refuse" hold everywhere.
//
//   CaseActionRequest r{.action = "deny", .reason = "manifestly-unfounded"};
//   auto done = run_case_action(desk, &mail, "DSAR-2026-001", r);   // case denied, refusal letter sent
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "desk/correspondence.hpp"
#include "desk/desk.hpp"

namespace maestro {

struct CaseActionRequest {
  std::string action;   // one of case_actions()
  std::string reason;   // pause, extend, deny, override-verification: a reason code or text
  std::string details;  // deny: an explanation for the requester (kept encrypted)
  std::string text;     // note: the note; assign: the operator (empty: unassign)
  bool send_letter = true;
};

struct CaseActionResult {
  CaseView view;
  std::optional<std::string> letter;   // the (first) letter the action called for
  std::vector<std::string> letters;    // every letter it called for, in the order they go
  std::optional<OutboxView> sent;      // what became of the first, when it was queued
  std::vector<OutboxView> sent_all;    // every letter queued
  std::string letter_problem;          // why it was not queued; the case change stands
};

// acknowledge, start, review, fulfil, deny, withdraw, pause, resume, extend, note, assign,
// override-verification, close-by-exception, appeal (logs the requester's appeal of a refusal as a
// case of its own; the result's view is that case).
const std::vector<std::string>& case_actions();
// The actions that fit the case as it stands and that `role` may take, in case_actions() order
// (what the dashboard offers as forms; the desk still checks each one when it runs).
// `policy` tells which laws give an appeal (null: "appeal" is never offered).
std::vector<std::string> case_actions_available(const CaseView& view, Role role, const Policy* policy = nullptr);
// The least role that may take the action: a DPO alone refuses a request, overrides
// verification and approves in review (fulfil); an auditor takes none.
Result<Role> role_for_case_action(std::string_view action);
// The letters an action sends on this case, in order: acknowledgement, refusal or
// extension-notice; for fulfil the fulfilment letter (template C) when a package was given, then
// the package's password apart (when the case holds it), then the confirmation the other rights
// call for (erasure, rectification, restriction, objection).
std::vector<std::string> letters_for_case_action(std::string_view action, const Case& c);
std::optional<std::string> letter_for_case_action(std::string_view action, const Case& c);  // the first
// The same, less the closing letters the requester has had already (each goes once).
Result<std::vector<std::string>> letters_due_for_case_action(Desk& desk, std::string_view action, const Case& c);
Result<std::optional<std::string>> letter_due_for_case_action(Desk& desk, std::string_view action, const Case& c);

// Validates the request, runs the desk call and, unless told not to, sends the letter through
// `mail` (null: the letter is reported as not sent). A letter that cannot go does not undo the
// change: it is reported in `letter_problem`.
Result<CaseActionResult> run_case_action(Desk& desk, Correspondence* mail, std::string_view number,
                                         const CaseActionRequest& request);

// Sends the letters `action` calls for on a case already changed (the CLI's commands), in order;
// the package's password is forgotten by the case once its letter is queued.
Result<std::vector<OutboxView>> send_case_action_letters(Correspondence& mail, const CaseView& view,
                                                         std::string_view action);
Result<std::optional<OutboxView>> send_case_action_letter(Correspondence& mail, const CaseView& view,
                                                          std::string_view action);  // the first

}  // namespace maestro
