// maestro dsar verify (start, check, record), maestro dsar sweep, maestro outbox: identity
// checks and letters to the requester.
#include <CLI/CLI.hpp>

#include <map>

#include <nlohmann/json.hpp>

#include "cli/render.hpp"
#include "cli/session.hpp"
#include "desk/case_actions.hpp"
#include "desk/sweep.hpp"
#include "desk/verification_service.hpp"

namespace maestro::cli {

namespace {

using nlohmann::json;

void print_verification(Session& s, const VerificationResult& r, bool as_json) {
  if (as_json) {
    s.out << json{{"case", r.view.c.number},
                  {"state", std::string(state_name(r.view.c.state))},
                  {"passed", r.passed},
                  {"checks_passed", r.factors_passed},
                  {"checks_required", r.factors_required},
                  {"explanation", r.explanation}}
                 .dump(2)
          << "\n";
    return;
  }
  s.out << r.view.c.number << ": " << r.explanation << ". State: " << state_name(r.view.c.state) << " ("
        << r.factors_passed << " of " << r.factors_required << " required check(s) passed).\n";
}

void add_verify_start(CLI::App& verify, Session& s) {
  struct Options {
    std::string number, method, proof;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = verify.add_subcommand("start", "Ask the requester to prove who they are (mails a code or template B)");
  cmd->add_option("case", o->number, "The case number")->required();
  cmd->add_option("--method", o->method, "email-code, knowledge or document")->required();
  cmd->add_option("--ask-for", o->proof, "What template B asks for (default depends on the method)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "email-code mails a one-time code to the case's email address (valid 10 minutes, usable once; only its hash "
      "is kept). knowledge and document send template B asking for the proof.\n\nExample:\n"
      "  maestro dsar verify start DSAR-2026-001 --method email-code");
  cmd->callback([&s, o] {
    print_verification(s, must(start_verification(s.desk(), s.correspondence(), o->number, o->method, o->proof)),
                       o->json);
  });
}

void add_verify_check(CLI::App& verify, Session& s) {
  struct Options {
    std::string number, code, map;
    std::vector<std::string> answers;
    bool specific = false, declaration = false, json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = verify.add_subcommand("check", "Check the code or the answers the requester gave");
  cmd->add_option("case", o->number, "The case number")->required();
  cmd->add_option("--code", o->code, "The code the requester gave back");
  cmd->add_option("--answer", o->answers,
                  "A data point the requester gave, FIELD=VALUE (e.g. invoice.InvoiceId=98, orders.id=1042); "
                  "repeatable");
  cmd->add_option("--map", o->map, "The data map the answers are checked against (default: maestro.yaml's)");
  cmd->add_flag("--specific-pieces", o->specific, "CCPA: the request is for specific pieces of information");
  cmd->add_flag("--signed-declaration", o->declaration,
                "CCPA: the requester signed a declaration under penalty of perjury");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "Answers are compared with this person's own records (found from the case's identifiers through the data "
      "map), so another customer's order number does not match. Neither the code nor the answers are logged. A "
      "wrong code or answer counts as a failed check; after two the case is denied. An expired or already used "
      "code is refused without counting.\n\nExamples:\n  maestro dsar verify check DSAR-2026-001 --code 123456\n"
      "  maestro dsar verify check DSAR-2026-001 --answer invoice.InvoiceId=98");
  cmd->callback([&s, o] {
    if (o->code.empty() == o->answers.empty()) {
      fail_command(Error{ErrorCode::invalid_argument, "give either --code or --answer FIELD=VALUE"});
    }
    if (!o->code.empty()) {
      print_verification(s, must(check_code(s.desk(), s.correspondence(), o->number, o->code)), o->json);
      return;
    }
    KnowledgeAnswers k;
    k.specific_pieces = o->specific;
    k.signed_declaration = o->declaration;
    for (const auto& a : o->answers) {
      auto eq = a.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == a.size()) {
        fail_command(Error{ErrorCode::invalid_argument, "an answer is FIELD=VALUE, e.g. invoice.InvoiceId=98"});
      }
      k.answers[a.substr(0, eq)] = a.substr(eq + 1);
    }
    const DataMap& map = s.data_map(o->map);
    print_verification(s, must(check_knowledge(s.desk(), s.correspondence(), map, o->number, k)), o->json);
  });
}

void add_verify_record(CLI::App& verify, Session& s) {
  struct Options {
    std::string number, document, outcome;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = verify.add_subcommand("record", "Record that an operator checked an identity document");
  cmd->add_option("case", o->number, "The case number")->required();
  cmd->add_option("--document", o->document,
                  "passport, driving-licence, national-id, residence-permit, utility-bill, bank-statement, other")
      ->required();
  cmd->add_option("--outcome", o->outcome, "passed or failed")->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "Maestro records that the document was seen, by whom (--actor) and the outcome; never the document. "
      "Delete your copy once checked (seed 001).");
  cmd->callback([&s, o] {
    VerificationOutcome outcome = must(parse_verification_outcome(o->outcome));
    print_verification(s, must(record_document(s.desk(), s.correspondence(), o->number, o->document, outcome)), o->json);
  });
}

void add_sweep(CLI::App& dsar, Session& s) {
  auto json_out = std::make_shared<bool>(false);
  auto* cmd =
      dsar.add_subcommand("sweep", "Remind requesters who have not proved their identity; close stale requests");
  cmd->add_flag("--json", *json_out, "Print JSON");
  cmd->footer(
      "Run it daily (cron). A case waiting for proof of identity longer than the policy's reminder_after (24 hours) "
      "gets one reminder; after expire_after (7 days) it is denied as identity-not-verified and the refusal letter "
      "is sent. Also retries the outbox.");
  cmd->callback([&s, json_out] {
    SweepReport report = must(run_sweep(s.desk(), s.correspondence()));
    for (const auto& w : report.warnings) s.err << "warning: " << w << "\n";
    if (*json_out) {
      json done = json::array();
      for (const auto& a : report.actions) done.push_back({{"case", a.case_number}, {"action", a.action}});
      s.out << json{{"cases", done}, {"sent", report.outbox.sent}, {"waiting", report.outbox.waiting}}.dump(2) << "\n";
    } else {
      for (const auto& a : report.actions) s.out << a.case_number << ": " << a.action << "\n";
      s.out << report.actions.size() << " case(s) acted on; outbox: " << report.outbox.sent << " sent, "
            << report.outbox.waiting << " waiting.\n";
    }
  });
}

std::string describe(const OutboxMessage& m) {
  if (m.state == "sent") return "sent " + format_instant(*m.sent_at);
  if (m.state == "manual") return "written as .eml for manual sending";
  if (m.state == "failed") return "FAILED after " + std::to_string(m.attempts) + " attempt(s): " + m.last_error;
  return "pending, next attempt " + format_instant(m.next_attempt_at) +
         (m.last_error.empty() ? "" : " (last error: " + m.last_error + ")");
}

}  // namespace

LetterFields confirmation_fields(Session& s, const CaseView& v, std::string_view letter) {
  return must(s.correspondence().closing_fields(v, letter));
}

void send_case_letter(Session& s, const CaseView& view, std::string_view letter, const LetterFields& extra) {
  Correspondence* mail = nullptr;
  try {
    mail = &s.correspondence();
  } catch (const CommandFailed& failure) {
    // The case change itself stands; the operator is told the letter did not go.
    s.err << "warning: the " << letter << " letter was not sent: " << failure.error.message << "\n";
    return;
  }
  auto sent = mail->send_letter(view, letter, extra);
  if (!sent) {
    // The case change itself stands; the operator is told the letter did not go.
    s.err << "warning: the " << letter << " letter was not sent: " << sent.error().message << "\n";
    return;
  }
  s.out << "Letter '" << letter << "' (message #" << sent->message.id << "): " << describe(sent->message) << "\n";
}

void send_action_letters(Session& s, const CaseView& view, std::string_view action) {
  auto due = must(letters_due_for_case_action(s.desk(), action, view.c));
  if (due.empty()) return;
  Correspondence* mail = nullptr;
  try {
    mail = &s.correspondence();
  } catch (const CommandFailed& failure) {
    s.err << "warning: the " << due.front() << " letter was not sent: " << failure.error.message << "\n";
    return;
  }
  auto sent = send_case_action_letters(*mail, view, action);
  if (!sent) {
    s.err << "warning: the letters were not all sent: " << sent.error().message << "\n";
    return;
  }
  for (const auto& letter : *sent) {
    s.out << "Letter '" << letter.message.letter << "' (message #" << letter.message.id
          << "): " << describe(letter.message) << "\n";
  }
}

// Mails a task to its owner (a reminder when `reminder`); false when it could not be sent.
// Mails a manual task to its owner; a failure is a warning (the task stands).
bool mail_task(Session& s, const ManualTask& t, bool reminder) {
  Correspondence* mail = nullptr;
  try {
    mail = &s.correspondence();
  } catch (const CommandFailed& failure) {
    s.err << "warning: the task was not mailed to " << t.owner << ": " << failure.error.message << "\n";
    return false;
  }
  auto sent = mail->mail_task(t, reminder);
  if (!sent) {
    s.err << "warning: the task was not mailed to " << t.owner << ": " << sent.error().message << "\n";
    return false;
  }
  return true;
}

void report_manual_tasks(Session& s, const Desk::TaskOpening& opening, bool quiet) {
  for (const auto& t : opening.tasks) {
    bool fresh = std::find(opening.opened.begin(), opening.opened.end(), t.id) != opening.opened.end();
    if (!quiet)
      s.out << "MANUAL: " << t.system << ": task #" << t.id << " (" << t.kind << ") for " << t.owner << ", due "
            << format_date(t.due) << (t.done_at ? ", done" : ", open") << "\n";
    if (fresh) mail_task(s, t, false);
  }
}

void add_task_commands(CLI::App& app, Session& s) {
  auto* tasks = app.add_subcommand("tasks", "Work for the owners of systems Maestro cannot reach (manual systems)");
  tasks->require_subcommand(1);
  struct ListOptions {
    bool all = false, json = false;
    std::string case_number;
  };
  auto lo = std::make_shared<ListOptions>();
  auto* list = tasks->add_subcommand("list", "List open tasks (with --all, done ones too)");
  list->add_flag("--all", lo->all, "Include done tasks");
  list->add_option("--case", lo->case_number, "Only this case's tasks");
  list->add_flag("--json", lo->json, "Print JSON");
  list->callback([&s, lo] {
    Date today = date_of(s.clock().now());
    json out = json::array();
    std::size_t shown = 0;
    for (const auto& t : must(s.desk().tasks())) {
      if ((t.done_at && !lo->all) || (!lo->case_number.empty() && t.case_number != lo->case_number)) continue;
      bool overdue = !t.done_at && t.due < today;
      if (lo->json) {
        json item{{"id", t.id},
                  {"case", t.case_number},
                  {"system", t.system},
                  {"kind", t.kind},
                  {"owner", t.owner},
                  {"due", format_date(t.due)},
                  {"done", t.done_at.has_value()},
                  {"overdue", overdue}};
        if (t.done_at) item["done_at"] = format_instant(*t.done_at);
        out.push_back(item);
        continue;
      }
      ++shown;
      s.out << "#" << t.id << "  " << t.case_number << "  " << t.system << "  " << t.kind << "  " << t.owner << "  due "
            << format_date(t.due)
            << (t.done_at ? "  done " + format_instant(*t.done_at)
                : overdue ? "  OVERDUE"
                          : "")
            << "\n";
    }
    if (lo->json)
      s.out << out.dump(2) << "\n";
    else if (shown == 0)
      s.out << "No tasks.\n";
  });
  struct DoneOptions {
    std::int64_t id = 0;
    std::string note;
  };
  auto d = std::make_shared<DoneOptions>();
  auto* done = tasks->add_subcommand("done", "Confirm that a task was done by hand");
  done->add_option("ID", d->id, "The task number (tasks list)")->required();
  done->add_option("--note", d->note, "What was done (kept encrypted), e.g. 'Deleted from archive box 12'")->required();
  done->footer(
      "For an erasure, run 'maestro dsar delete' for the case again afterwards: its proof then includes "
      "the confirmation.");
  done->callback([&s, d] {
    ManualTask t = must(s.desk().complete_task(d->id, d->note));
    s.out << "Task #" << t.id << " (" << t.system << ", " << t.kind << " for " << t.case_number << ") done.\n";
  });
  tasks->footer(
      "A system whose store is 'type: manual' in the data map has an 'owner'. Export and erasure open a "
      "task for that owner with the case's internal due date and mail it to them.");
}

void add_verify_commands(CLI::App& dsar, Session& s) {
  // `dsar verify CASE --method M --outcome O` records a check done elsewhere; the subcommands run one.
  auto number = std::make_shared<std::string>();
  auto method = std::make_shared<std::string>();
  auto outcome = std::make_shared<std::string>("passed");
  auto json_out = std::make_shared<bool>(false);
  auto* cmd = dsar.add_subcommand("verify", "Verify the requester's identity: start, check or record a check");
  cmd->add_option("case", *number, "The case number (to record a check done elsewhere)");
  cmd->add_option("--method", *method,
                  "With CASE: how identity was checked elsewhere (call, account-login, override, ...)");
  cmd->add_option("--outcome", *outcome, "With CASE: requested, passed or failed (default passed)");
  cmd->add_flag("--json", *json_out, "Print the case as JSON afterwards");
  add_verify_start(*cmd, s);
  add_verify_check(*cmd, s);
  add_verify_record(*cmd, s);
  cmd->footer(
      "Access and export need one passed check; erasure and rectification two of different kinds (seed 002). "
      "Only the method and outcome are recorded, never the code, answer or document. After two failed checks the "
      "case is denied with reason identity-not-verified (seed 001).\n\nExamples:\n"
      "  maestro dsar verify start DSAR-2026-001 --method email-code\n"
      "  maestro dsar verify check DSAR-2026-001 --code 482913\n"
      "  maestro dsar verify check DSAR-2026-001 --answer invoice.InvoiceId=98\n"
      "  maestro dsar verify record DSAR-2026-001 --document passport --outcome passed\n"
      "  maestro dsar verify DSAR-2026-001 --method call --outcome passed");
  cmd->callback([&s, cmd, number, method, outcome, json_out] {
    if (!cmd->get_subcommands().empty()) return;  // a subcommand did the work
    if (number->empty() || method->empty()) {
      fail_command(Error{ErrorCode::invalid_argument,
                         "give 'verify start|check|record CASE ...', or 'verify CASE --method M --outcome O'"});
    }
    VerificationOutcome parsed = must(parse_verification_outcome(*outcome));
    CaseView v = must(s.desk().record_verification(*number, *method, parsed));
    if (v.c.state == CaseState::denied) {
      s.err << "note: " << v.c.number << " was denied: identity could not be verified after "
            << v.c.failed_verifications() << " failed checks\n";
    }
    s.out << (*json_out ? case_json(v) + "\n" : case_text(v, s.desk().policy()));
  });
  add_sweep(dsar, s);
}

void add_outbox_commands(CLI::App& app, Session& s) {
  auto* outbox = app.add_subcommand("outbox", "Letters to requesters: list, send (retry), show and settle them");
  outbox->require_subcommand(1);
  auto list_json = std::make_shared<bool>(false);
  auto* list = outbox->add_subcommand("list", "List messages and their state");
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback([&s, list_json] {
    auto views = must(s.correspondence().list());
    if (*list_json) {
      json out = json::array();
      for (const auto& v : views) {
        out.push_back({{"id", v.message.id},
                       {"case", v.message.case_number},
                       {"letter", v.message.letter},
                       {"state", v.message.state},
                       {"attempts", v.message.attempts},
                       {"to", v.to},
                       {"subject", v.subject}});
      }
      s.out << out.dump(2) << "\n";
      return;
    }
    for (const auto& v : views) {
      s.out << "#" << v.message.id << "  " << v.message.case_number << "  " << v.message.letter << "  to " << v.to
            << "  " << describe(v.message) << "\n";
    }
    if (views.empty()) s.out << "The outbox is empty.\n";
  });
  auto* send = outbox->add_subcommand("send", "Send every message that is due (retries with backoff)");
  send->callback([&s] {
    SendReport r = must(s.correspondence().send_due());
    s.out << r.sent << " sent, " << r.written << " written as .eml, " << r.waiting << " waiting for a retry, "
          << r.failed << " failed.\n";
    for (const auto& e : r.errors) s.out << "  " << e << "\n";
    if (r.waiting > 0 || r.failed > 0) fail_command(Error{ErrorCode::unavailable, "some messages were not sent"});
  });
  auto id = std::make_shared<std::int64_t>(0);
  auto* show = outbox->add_subcommand("show", "Show one message, with its text");
  show->add_option("ID", *id, "The message number (outbox list)")->required();
  show->callback([&s, id] {
    OutboxView v = must(s.correspondence().show(*id));
    s.out << "Message #" << v.message.id << " (" << v.message.letter << ", " << v.message.case_number
          << "): " << describe(v.message) << "\nTo: " << v.to << "\nSubject: " << v.subject << "\n\n"
          << v.body;
  });
  struct Settle {
    std::int64_t id = 0;
    bool went = false, did_not_go = false;
    std::string checked;
  };
  auto settle = std::make_shared<Settle>();
  auto* settle_cmd =
      outbox->add_subcommand("settle", "Say whether a letter left 'sending' by a sender that died went out");
  settle_cmd->add_option("ID", settle->id, "The message number (outbox list)")->required();
  settle_cmd->add_flag("--sent", settle->went, "The mail server's log shows it was accepted: record it as sent");
  settle_cmd->add_flag("--not-sent", settle->did_not_go, "The log does not show it: send it again");
  settle_cmd->add_option("--checked", settle->checked, "How you checked, for the audit trail (e.g. 'Postfix log, 09:14')")
      ->required();
  settle_cmd->footer(
      "A letter is marked 'sending' before the mail server has it, so that it is never sent twice. If the process "
      "sending it died in that moment (a killed worker, a power cut), the letter stays 'sending': look for its "
      "Message-ID (outbox show ID) in the mail server's log, then record what you found. The audit trail records "
      "who settled it and how it was checked.\n\nExample:\n"
      "  maestro outbox settle 12 --not-sent --checked 'no such Message-ID in the Postfix log'");
  settle_cmd->callback([&s, settle] {
    if (settle->went == settle->did_not_go) fail_command(Error{ErrorCode::invalid_argument, "give --sent or --not-sent"});
    must(s.correspondence().settle_sending(settle->id, settle->went, settle->checked));
    s.out << "Message #" << settle->id << (settle->went ? " recorded as sent.\n" : " will be sent again by 'outbox send'.\n");
  });
  outbox->footer(
      "Without 'mail:' in maestro.yaml, messages are written as .eml files in <home>/outbox for you to send. With "
      "SMTP, a message the server does not take waits and is retried by 'outbox send' (or 'dsar sweep') with "
      "growing pauses; after 8 attempts it is marked failed.");
}

}  // namespace maestro::cli
