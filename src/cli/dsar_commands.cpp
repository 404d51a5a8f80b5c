// maestro dsar ...: intake and the lifecycle of a case.
#include <CLI/CLI.hpp>

#include <fstream>
#include <functional>
#include <sstream>

#include "cli/render.hpp"
#include "cli/session.hpp"
#include "desk/case_actions.hpp"
#include "desk/mail_intake.hpp"

namespace maestro::cli {

namespace {

struct IntakeOptions {
  IntakeRequest request;
  std::string from_json;
  std::int64_t from_mail = 0;
  bool json = false;
};

std::string read_request_text(Session& s, const std::string& source) {
  std::stringstream text;
  if (source == "-") {
    text << s.in.rdbuf();
  } else {
    std::ifstream file(source);
    if (!file) fail_command(Error{ErrorCode::not_found, "cannot read request file " + source});
    text << file.rdbuf();
  }
  return text.str();
}

void print_case(Session& s, const CaseView& v, bool json) {
  if (json)
    s.out << case_json(v) << "\n";
  else
    s.out << case_text(v, s.desk().policy());
}

// The operator's corrections of a mail draft's guess: the flags given.
MailConfirmation confirmation_of(const IntakeOptions& o, CLI::App* cmd) {
  for (const char* flag : {"--channel", "--received", "--from-json"}) {
    if (cmd->count(flag) > 0) {
      fail_command(Error{ErrorCode::invalid_argument,
                         std::string(flag) + " does not go with --from-mail: the message says how and when it came"});
    }
  }
  MailConfirmation c;
  if (cmd->count("--rights")) c.rights = o.request.rights;
  if (cmd->count("--jurisdiction")) c.jurisdiction = o.request.jurisdiction;
  if (cmd->count("--name")) c.name = o.request.name;
  c.subjects = o.request.subjects;
  return c;
}

void add_intake(CLI::App& dsar, Session& s) {
  auto opts = std::make_shared<IntakeOptions>();
  auto* cmd = dsar.add_subcommand("intake", "Log a new request and open a case with its deadlines");
  cmd->add_option("--subject", opts->request.subjects,
                  "Who the request is about, as KIND:VALUE (email:jane@example.com, customer_id:42, user_id:u-17, "
                  "phone:+442079460000); a bare email or phone is recognised. Repeat for several identifiers.");
  cmd->add_option("--name", opts->request.name, "The requester's name as they gave it");
  cmd->add_option("--rights", opts->request.rights,
                  "The rights requested, comma-separated: access, portability, rectification, erasure, restriction, "
                  "objection, automated-decision-opt-out, ccpa-know, ccpa-delete, ccpa-opt-out-of-sale, "
                  "ccpa-opt-in-to-sale (renewed consent; not with an opt-out in the same case)");
  cmd->add_option("--jurisdiction", opts->request.jurisdiction,
                  "The law that applies: gdpr, uk-gdpr, ccpa, lgpd, vcdpa");
  cmd->add_option(
      "--channel", opts->request.channel,
      "How the request arrived: email, web-form, portal, phone, post, in-person, api, other (default email)");
  cmd->add_option("--received", opts->request.received,
                  "When it was received, ISO 8601 (2026-01-31T09:00:00Z); default now. The legal clock starts here.");
  cmd->add_option("--tenant", opts->request.tenants,
                  "Limit the request to a tenant (repeatable; default: every tenant)");
  cmd->add_option("--ticket", opts->request.ticket, "An external ticket reference (Jira, Zendesk, ...)");
  cmd->add_option("--language", opts->request.language,
                  "The requester's language for letters and the access report: en, de, fr, es, nl, pt-br "
                  "(default: 'language' in maestro.yaml)");
  cmd->add_option("--from-json", opts->from_json,
                  "Read the request from a JSON file instead of flags ('-' reads standard input); see docs/cli.md");
  cmd->add_option("--from-mail", opts->from_mail,
                  "Log the request of privacy-inbox draft ID (see 'maestro mail list'): its guess, corrected by "
                  "--rights, --jurisdiction, --name and --subject where given; received when the message was sent");
  cmd->add_flag("--json", opts->json, "Print the new case as JSON");
  cmd->footer(
      "Prints the case number (DSAR-YYYY-NNN) and its deadlines. A request for the same subject and right within 12 "
      "months is flagged as a possible duplicate, not refused.\n\nExample:\n  maestro dsar intake --subject "
      "jane@example.com --name \"Jane Example\" --rights access,erasure --jurisdiction uk-gdpr --received "
      "2026-01-31T09:00:00Z");
  cmd->callback([&s, opts, cmd] {
    IntakeRequest request = opts->request;
    if (!opts->from_json.empty()) {
      bool flags_used = false;
      for (const char* flag : {"--subject", "--name", "--rights", "--jurisdiction", "--channel", "--received",
                               "--tenant", "--ticket", "--language"}) {
        flags_used = flags_used || cmd->count(flag) > 0;
      }
      if (flags_used)
        fail_command(
            Error{ErrorCode::invalid_argument, "give the request either as flags or with --from-json, not both"});
      request = must(parse_intake_json(read_request_text(s, opts->from_json)));
    }
    IntakeResult result = opts->from_mail > 0 ? must(log_mail_draft(s.desk(), opts->from_mail, confirmation_of(*opts, cmd)))
                                              : must(s.desk().intake(request));
    CaseView view{result.c, result.deadlines};
    if (opts->json) {
      s.out << case_json(view) << "\n";
      return;
    }
    s.out << "Logged " << result.c.number << "\n\n" << case_text(view, s.desk().policy());
    if (!result.c.possible_duplicates.empty()) {
      s.err << "warning: " << result.c.number << " may duplicate an earlier request for the same subject and right:";
      for (const auto& n : result.c.possible_duplicates) s.err << " " << n;
      s.err << "\n";
    }
  });
}

// Adds --no-letter to a command whose action writes to the requester (desk/case_actions.hpp).
std::shared_ptr<bool> letter_flag(CLI::App* cmd, const char* action) {
  auto skip = std::make_shared<bool>(false);
  if (action) cmd->add_flag("--no-letter", *skip, "Do not send the letter to the requester (e.g. it went by post)");
  return skip;
}

// Sends the letter the action calls for on this case, if any.
void maybe_send(Session& s, const CaseView& v, const char* action, bool skip) {
  if (!action || skip) return;
  send_action_letters(s, v, action);
}

// A lifecycle command that takes only the case number.
void add_simple(CLI::App& dsar, Session& s, const char* name, const char* description, const char* footer,
                Result<CaseView> (Desk::*action)(std::string_view), const char* letter = nullptr) {
  auto number = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = dsar.add_subcommand(name, description);
  cmd->add_option("case", *number, "The case number, e.g. DSAR-2026-001")->required();
  cmd->add_flag("--json", *json, "Print the case as JSON afterwards");
  auto skip = letter_flag(cmd, letter);
  cmd->footer(footer);
  cmd->callback([&s, number, json, action, letter, skip] {
    CaseView v = must((s.desk().*action)(*number));
    print_case(s, v, *json);
    maybe_send(s, v, letter, *skip);
  });
}

// A lifecycle command that takes the case number and a reason code.
void add_with_reason(CLI::App& dsar, Session& s, const char* name, const char* description, const char* footer,
                     Result<CaseView> (Desk::*action)(std::string_view, std::string_view),
                     const char* letter = nullptr) {
  auto number = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = dsar.add_subcommand(name, description);
  cmd->add_option("case", *number, "The case number, e.g. DSAR-2026-001")->required();
  cmd->add_option("--reason", *reason, "Why, as a reason code (listed below)")->required();
  cmd->add_flag("--json", *json, "Print the case as JSON afterwards");
  auto skip = letter_flag(cmd, letter);
  cmd->footer(footer);
  cmd->callback([&s, number, reason, json, action, letter, skip] {
    CaseView v = must((s.desk().*action)(*number, *reason));
    print_case(s, v, *json);
    maybe_send(s, v, letter, *skip);
  });
}

void add_deny(CLI::App& dsar, Session& s) {
  auto number = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  auto details = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = dsar.add_subcommand("deny", "Refuse a request, with a reason the requester will be given");
  cmd->add_option("case", *number, "The case number")->required();
  cmd->add_option("--reason", *reason,
                  "identity-not-verified, manifestly-unfounded, excessive, legal-privilege, active-investigation, "
                  "legal-obligation, third-party-rights, no-data-held")
      ->required();
  cmd->add_option("--details", *details, "An explanation (kept encrypted with the case, not in the audit trail)");
  cmd->add_flag("--json", *json, "Print the case as JSON afterwards");
  const char* letter = "deny";
  auto skip = letter_flag(cmd, letter);
  cmd->footer(
      "Sends the refusal letter, with the reason and the requester's right to complain to the supervisory authority "
      "(e.g. the ICO's contact details).");
  cmd->callback([&s, number, reason, details, json, letter, skip] {
    CaseView v = must(s.desk().deny(*number, *reason, *details));
    print_case(s, v, *json);
    maybe_send(s, v, letter, *skip);
  });
}

void add_appeal(CLI::App& dsar, Session& s) {
  auto number = std::make_shared<std::string>();
  auto received = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = dsar.add_subcommand("appeal", "Log the requester's appeal against a refused request (VCDPA and alike)");
  cmd->add_option("case", *number, "The refused case, e.g. DSAR-2026-004")->required();
  cmd->add_option("--received", *received, "When the appeal arrived, ISO 8601 (default: now)");
  cmd->add_flag("--json", *json, "Print the appeal's case as JSON");
  cmd->footer(
      "Where the law gives the consumer an appeal against a refusal (Virginia's VCDPA, 59.1-577 C: 'appeal' in the "
      "policy's jurisdiction), the appeal is a case of its own: the same person and rights, linked to the refused "
      "case, with the law's time to answer from the day it arrived (VCDPA: 60 days, no extension). Work it as any "
      "case; 'dsar deny' on it sends the answer to the appeal with the Attorney General's contact, granting it means "
      "doing the work and 'dsar fulfil'. Every refusal letter under such a law says how to appeal.\n\n"
      "Example:\n  maestro dsar appeal DSAR-2026-004 --received 2026-05-02T10:00:00Z");
  cmd->callback([&s, number, received, json] {
    IntakeResult made = must(s.desk().open_appeal(
        *number, received->empty() ? std::nullopt : std::optional<std::string>(*received)));
    CaseView view{made.c, made.deadlines};
    if (*json) {
      s.out << case_json(view) << "\n";
      return;
    }
    s.out << "Logged " << made.c.number << ", the appeal of " << *number << "\n\n" << case_text(view, s.desk().policy());
  });
}

void add_fulfil(CLI::App& dsar, Session& s) {
  auto number = std::make_shared<std::string>();
  auto exception = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = dsar.add_subcommand("fulfil", "Approve the response and close the case: the requester's letters go now");
  cmd->add_option("case", *number, "The case number, e.g. DSAR-2026-001")->required();
  cmd->add_option("--exception", *exception,
                  "Close although work is still owed (a DPO's decision): the reason, kept encrypted with the case");
  cmd->add_flag("--json", *json, "Print the case as JSON afterwards");
  const char* letter = "fulfil";
  auto skip = letter_flag(cmd, letter);
  cmd->footer(
      "A case closes as fulfilled only once its work is done: an access or portability request needs a complete "
      "package (dsar export), an erasure a clean proof (dsar delete), a rectification, restriction or objection "
      "its change made and checked (dsar rectify / restrict / object). Otherwise the command says what is still "
      "owed and changes nothing; --exception closes it anyway and records why.\n\nApproval delivers the package "
      "the export staged: the requester gets the fulfilment letter (template C, where to get the file), then in "
      "a separate message the password (when the export was run with --notify), then the confirmation of what "
      "else was done (the erasure letter lists what is kept by law and why). Each letter goes once.\n\n"
      "Example:\n  maestro dsar fulfil DSAR-2026-001");
  cmd->callback([&s, number, exception, json, letter, skip] {
    CaseView v = must(exception->empty() ? s.desk().fulfil(*number) : s.desk().fulfil_by_exception(*number, *exception));
    print_case(s, v, *json);
    maybe_send(s, v, letter, *skip);
  });
}

void add_note(CLI::App& dsar, Session& s) {
  auto number = std::make_shared<std::string>();
  auto text = std::make_shared<std::string>();
  auto* cmd = dsar.add_subcommand("note", "Add a note to a case (kept encrypted)");
  cmd->add_option("case", *number, "The case number")->required();
  cmd->add_option("text", *text, "The note")->required();
  cmd->callback([&s, number, text] {
    CaseView v = must(s.desk().add_note(*number, *text));
    s.out << "Note added to " << v.c.number << "\n";
  });
}

void add_list(CLI::App& dsar, Session& s) {
  struct ListOptions {
    std::string state, right, jurisdiction, due_before;
    bool overdue = false, json = false;
  };
  auto opts = std::make_shared<ListOptions>();
  auto* cmd = dsar.add_subcommand("list", "List cases with their legal due dates");
  cmd->add_option("--state", opts->state,
                  "Only cases in this state (received, acknowledged, awaiting_verification, verified, in_progress, "
                  "in_review, fulfilled, denied, withdrawn)");
  cmd->add_option("--right", opts->right, "Only cases that request this right");
  cmd->add_option("--jurisdiction", opts->jurisdiction, "Only cases under this jurisdiction");
  cmd->add_flag("--overdue", opts->overdue, "Only open cases past their legal due date");
  cmd->add_option("--due-before", opts->due_before, "Only open cases legally due before this date (YYYY-MM-DD)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->footer("A * after the state marks a paused case (clock stopped while waiting on the requester).");
  cmd->callback([&s, opts] {
    CaseQuery q;
    if (!opts->state.empty()) q.state = must(parse_state(opts->state));
    if (!opts->right.empty()) q.right = must(parse_right(opts->right));
    if (!opts->jurisdiction.empty())
      q.jurisdiction = must(s.installation().policy.jurisdiction(opts->jurisdiction))->id;
    if (!opts->due_before.empty()) q.due_before = must(parse_date(opts->due_before));
    q.overdue_only = opts->overdue;
    auto views = must(s.desk().list(q));
    s.out << (opts->json ? cases_json(views) + "\n" : case_table(views));
  });
}

void add_show(CLI::App& dsar, Session& s) {
  auto number = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto redactions = std::make_shared<bool>(false);
  auto* cmd = dsar.add_subcommand("show", "Show a case: subject, rights, deadlines and history");
  cmd->add_option("case", *number, "The case number, e.g. DSAR-2026-001")->required();
  cmd->add_flag("--json", *json, "Print JSON, with every date in ISO 8601");
  cmd->add_flag("--redactions", *redactions,
                "Show the other people's names, emails and phone numbers the latest access package replaced, "
                "each with the text before and after, for the DPO's review");
  cmd->callback([&s, number, json, redactions] {
    CaseView v = must(s.desk().find(*number));
    if (*redactions)
      s.out << (*json ? redactions_json(v.c) + "\n" : redactions_text(v.c));
    else
      print_case(s, v, *json);
  });
}

void add_redaction(CLI::App& dsar, Session& s) {
  struct Options {
    std::string number, reason;
    int restore = 0, release = 0;
    bool release_all = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand("redaction", "Review a redaction of other people's data: restore or release it");
  cmd->add_option("case", o->number, "The case number, e.g. DSAR-2026-001")->required();
  auto* restore = cmd->add_option("--restore", o->restore,
                                  "Put this redaction's value back: the case's next package keeps it (export again)")
                      ->check(CLI::PositiveNumber);
  auto* release =
      cmd->add_option("--release", o->release, "Accept this redaction as it is")->check(CLI::PositiveNumber);
  auto* all = cmd->add_flag("--release-all", o->release_all, "Accept every pending redaction");
  cmd->add_option("--reason", o->reason, "Why (required to restore); kept encrypted as a case note");
  restore->excludes(release)->excludes(all);
  release->excludes(all);
  cmd->footer(
      "Article 15(4) GDPR: the copy must not reveal other people's data. Maestro replaces other people's names "
      "(values of fields the data map marks other_person), and any email address or phone number that is not the "
      "requester's, with \"[redacted: another person]\". 'dsar show CASE --redactions' lists each with the text "
      "before and after. Restore one that is in fact the requester's (an alias, a second number), then run 'dsar "
      "export' again; release the others. Each decision is in the audit trail, without the value.");
  cmd->callback([&s, o] {
    if (o->restore == 0 && o->release == 0 && !o->release_all)
      throw CLI::ValidationError("give --restore ID, --release ID or --release-all");
    bool restoring = o->restore != 0;
    int id = restoring ? o->restore : o->release;
    CaseView v = must(s.desk().review_redaction(o->number, id, restoring, o->reason));
    s.out << v.c.number << ": "
          << (restoring ? "redaction #" + std::to_string(id) + " restored; export the package again to deliver it"
              : id == 0 ? std::string("every pending redaction released")
                        : "redaction #" + std::to_string(id) + " released")
          << "\n";
  });
}

}  // namespace

void add_dsar_commands(CLI::App& app, Session& s) {
  auto* dsar = app.add_subcommand("dsar", "Data subject requests: log them and move them through their lifecycle");
  dsar->require_subcommand(1);
  dsar->footer(
      "A case moves: received -> acknowledged -> awaiting_verification -> verified -> in_progress -> in_review -> "
      "fulfilled | denied | withdrawn.\nRun 'maestro dsar COMMAND --help' for a command's options.");
  add_intake(*dsar, s);
  add_simple(*dsar, s, "ack", "Acknowledge the request: sends template A to the requester",
             "Seed 001: acknowledge within 24 hours of receipt. The letter goes to the case's email address through "
             "the outbox (maestro outbox list).",
             &Desk::acknowledge, "acknowledge");
  add_verify_commands(*dsar, s);
  add_simple(*dsar, s, "start", "Start work on a verified case (locate, export, erase, ...)",
             "Nothing is exported or erased for a case whose identity is not verified.", &Desk::start);
  add_simple(*dsar, s, "review", "Send the prepared response to the DPO for review",
             "The DPO checks completeness and redacts other people's data.", &Desk::submit_for_review);
  add_fulfil(*dsar, s);
  add_appeal(*dsar, s);
  add_deny(*dsar, s);
  add_simple(*dsar, s, "withdraw", "Record that the requester withdrew the request; closes the case", "",
             &Desk::withdraw);
  add_with_reason(
      *dsar, s, "pause", "Stop the clock while waiting on the requester",
      "Reasons: awaiting-identity, awaiting-clarification, awaiting-fee.\nThe internal targets always stop; "
      "the legal clock stops only where the law allows it (UK GDPR Art. 12A, from 2026-02-05).",
      &Desk::pause);
  add_simple(*dsar, s, "resume", "Restart the clock when the requester has answered", "", &Desk::resume);
  add_with_reason(*dsar, s, "extend", "Extend the legal deadline once (GDPR: up to two further months; CCPA: 45 days)",
                  "Reasons: complex, numerous. The requester must be told before the original deadline passes, so an "
                  "extension is refused after it; the extension notice is sent with the new due date.",
                  &Desk::extend, "extend");
  add_note(*dsar, s);
  add_list(*dsar, s);
  add_show(*dsar, s);
  add_redaction(*dsar, s);
  add_data_commands(*dsar, s);
  add_erasure_commands(app, *dsar, s);
}

}  // namespace maestro::cli
