// maestro mail: the privacy inbox (mail.imap in maestro.yaml). Fetch turns each waiting message
// into a draft (or sets machine mail aside); list and show let an operator read the drafts; a
// draft becomes a case with 'maestro dsar intake --from-mail ID', or is set aside with ignore.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include "desk/mail_intake.hpp"

namespace maestro::cli {

namespace {

nlohmann::json draft_json(const MailDraftView& v) {
  nlohmann::json rights = nlohmann::json::array();
  for (Right r : v.guess.rights) rights.push_back(std::string(right_name(r)));
  return {{"id", v.draft.id},
          {"state", v.draft.state},
          {"received", format_instant(v.draft.received_at)},
          {"from", v.from},
          {"subject", v.subject},
          {"rights", rights},
          {"jurisdiction", v.guess.jurisdiction},
          {"language", v.guess.language},
          {"name", v.guess.name},
          {"subjects", v.guess.subjects},
          {"confidence", v.draft.confidence},
          {"reasons", v.guess.reasons},
          {"ignored_reason", v.draft.ignored_reason},
          {"case", v.draft.case_number},
          {"attachments", v.attachments}};
}

void print_fetch(Session& s, const MailFetchReport& r) {
  s.out << r.read << " message(s) read: " << r.drafts << " draft(s) to confirm, " << r.logged << " logged at once, "
        << r.replies << " repl" << (r.replies == 1 ? "y" : "ies") << " joined their case, " << r.ignored << " set aside";
  if (r.duplicates > 0) s.out << ", " << r.duplicates << " recorded before (moved now)";
  s.out << ".\n";
  for (const auto& p : r.problems) s.err << "warning: " << p << "\n";
  if (r.drafts > 0) s.out << "See them with 'maestro mail list'; log one with 'maestro dsar intake --from-mail ID'.\n";
}

}  // namespace

Result<MailFetchReport> fetch_privacy_inbox(Session& s) {
  const Settings& settings = s.installation().settings;
  auto inbox = open_inbox(settings);
  if (!inbox) return propagate(inbox.error());
  MailIntakeOptions options;
  options.log_confident = settings.imap_auto_log;
  options.max_bytes = static_cast<std::uint64_t>(settings.max_message_mb) << 20;
  options.processed_folder = settings.imap_processed_folder;
  options.ignored_folder = settings.imap_ignored_folder;
  return fetch_mail(s.desk(), **inbox, &s.correspondence(), options);
}

void add_mail_commands(CLI::App& app, Session& s) {
  auto* mail = app.add_subcommand("mail", "The privacy inbox: requests that arrive by email become drafts to confirm");
  mail->require_subcommand(1);
  mail->footer(
      "Configure the inbox in maestro.yaml: mail.imap: imaps://privacy@mail.example.com/INBOX with "
      "mail.imap_password_env (docs/verification.md#the-privacy-inbox). 'maestro serve' fetches every minute.");

  auto fetch_json = std::make_shared<bool>(false);
  auto* fetch = mail->add_subcommand("fetch", "Read every message waiting in the inbox and record it as a draft");
  fetch->add_flag("--json", *fetch_json, "Print JSON");
  fetch->footer(
      "Each message is recorded (sealed), then moved to Maestro/Processed, or to Maestro/Ignored when it is an "
      "auto-reply, a bounce, spam or a mailing list's; nothing is deleted and nothing is read twice.");
  fetch->callback([&s, fetch_json] {
    MailFetchReport r = must(fetch_privacy_inbox(s));
    if (!*fetch_json) return print_fetch(s, r);
    s.out << nlohmann::json{{"read", r.read}, {"drafts", r.drafts}, {"logged", r.logged}, {"ignored", r.ignored},
                            {"replies", r.replies},
                            {"duplicates", r.duplicates}, {"draft_ids", r.draft_ids}, {"problems", r.problems}}
                 .dump(2)
          << "\n";
  });

  struct ListOptions {
    std::string state = "pending";
    int limit = 50;
    bool json = false;
  };
  auto lo = std::make_shared<ListOptions>();
  auto* list = mail->add_subcommand("list", "The drafts: what each message asks, as guessed");
  list->add_option("--state", lo->state, "pending (default), logged, joined (replies to a case), ignored, or all");
  list->add_option("--limit", lo->limit, "At most this many, newest first (default 50)")->check(CLI::Range(1, 1000));
  list->add_flag("--json", lo->json, "Print JSON");
  list->callback([&s, lo] {
    if (lo->state != "pending" && lo->state != "logged" && lo->state != "joined" && lo->state != "ignored" &&
        lo->state != "all")
      fail_command(Error{ErrorCode::invalid_argument, "--state is pending, logged, joined, ignored or all"});
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : must(s.desk().mail_drafts(lo->state == "all" ? "" : lo->state, lo->limit))) {
      MailDraftView v = must(mail_draft_view(s.desk(), d.id));
      out.push_back(draft_json(v));
      if (lo->json) continue;
      s.out << "#" << d.id << "  " << format_instant(d.received_at) << "  " << d.state << "  " << v.from << "  \""
            << v.subject << "\"\n    rights: " << (d.rights.empty() ? "(none named)" : d.rights) << "  confidence: "
            << d.confidence << (d.ignored_reason.empty() ? "" : "  set aside: " + d.ignored_reason)
            << (d.case_number.empty() ? "" : "  case: " + d.case_number) << "\n";
    }
    if (lo->json) s.out << out.dump(2) << "\n";
  });

  struct ShowOptions {
    std::int64_t id = 0;
    bool json = false;
  };
  auto so = std::make_shared<ShowOptions>();
  auto* show = mail->add_subcommand("show", "One draft: the message's text and the guess drawn from it");
  show->add_option("id", so->id, "The draft's number (maestro mail list)")->required();
  show->add_flag("--json", so->json, "Print JSON (with the message's text)");
  show->callback([&s, so] {
    MailDraftView v = must(mail_draft_view(s.desk(), so->id));
    nlohmann::json j = draft_json(v);
    j["text"] = v.text;
    if (so->json) {
      s.out << j.dump(2) << "\n";
      return;
    }
    s.out << "Draft #" << v.draft.id << " (" << v.draft.state << ")\nFrom: " << v.from << "\nSubject: " << v.subject
          << "\nReceived: " << format_instant(v.draft.received_at) << "\nGuess: rights "
          << (v.draft.rights.empty() ? "(none named)" : v.draft.rights) << ", jurisdiction "
          << (v.guess.jurisdiction.empty() ? "(not said)" : v.guess.jurisdiction) << ", language " << v.guess.language
          << ", name " << (v.guess.name.empty() ? "(none)" : v.guess.name) << "; confidence " << v.draft.confidence
          << "\nIdentifiers:";
    for (const auto& id : v.guess.subjects) s.out << " " << id;
    s.out << "\n";
    for (const auto& r : v.guess.reasons) s.out << "  - " << r << "\n";
    for (const auto& a : v.attachments) s.out << "Attachment: " << a << "\n";
    s.out << "\n" << v.text << "\n";
  });

  struct EvidenceOptions {
    std::int64_t id = 0;
    std::size_t index = 1;
    std::string out;
  };
  auto eo = std::make_shared<EvidenceOptions>();
  auto* evidence = mail->add_subcommand("evidence", "Write a reply's attachment (an ID scan) to a file to look at it");
  evidence->add_option("id", eo->id, "The reply's draft number (its case's notes name it)")->required();
  evidence->add_option("--attachment", eo->index, "Which attachment, from 1 (default 1)");
  evidence->add_option("--out", eo->out, "The file to write (mode 0600); delete it after the check")->required();
  evidence->footer("Then record what you found: maestro mail check ID --method document --outcome passed --finding ...");
  evidence->callback([&s, eo] {
    MailAttachment a = must(mail_evidence(s.desk(), eo->id, eo->index));
    std::filesystem::path out(eo->out);
    {
      std::ofstream file(out, std::ios::binary | std::ios::trunc);
      if (!file) fail_command(Error{ErrorCode::permission_denied, "cannot write " + eo->out});
      file << a.bytes;
    }
    std::filesystem::permissions(out, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
    s.out << "Wrote " << (a.filename.empty() ? "the attachment" : a.filename) << " (" << a.content_type << ", "
          << a.bytes.size() << " bytes) to " << eo->out << ".\n";
  });

  struct CheckOptions {
    std::int64_t id = 0;
    std::string method = "document", outcome, finding;
  };
  auto co = std::make_shared<CheckOptions>();
  auto* check = mail->add_subcommand(
      "check", "Record the check of a reply's evidence on its case, then destroy the attachments (seed 001 step 3)");
  check->add_option("id", co->id, "The reply's draft number")->required();
  check->add_option("--method", co->method, "The kind of check (default document)");
  check->add_option("--outcome", co->outcome, "passed or failed")->required();
  check->add_option("--finding", co->finding, "What the check found, kept as an encrypted case note")->required();
  check->footer(
      "Only each attachment's name, type, size and SHA-256 and your finding remain: the scan is gone from the case "
      "store (it was removed from the mailbox when it was read).");
  check->callback([&s, co] {
    VerificationOutcome outcome = must(parse_verification_outcome(co->outcome));
    EvidenceCheck done = must(check_mail_evidence(s.desk(), s.correspondence(), co->id, co->method, outcome, co->finding));
    s.out << "Recorded the " << co->method << " check (" << co->outcome << ") on " << done.view.c.number
          << "; the attachments are destroyed.\n";
    if (!done.letter.empty()) s.out << done.view.c.number << " is denied: " << done.letter << ".\n";
  });

  struct IgnoreOptions {
    std::int64_t id = 0;
    std::string reason;
  };
  auto io = std::make_shared<IgnoreOptions>();
  auto* ignore = mail->add_subcommand("ignore", "Set a draft aside: the message is no request");
  ignore->add_option("id", io->id, "The draft's number")->required();
  ignore->add_option("--reason", io->reason, "Why (e.g. 'a question about an order, not a privacy request')")->required();
  ignore->callback([&s, io] {
    MailDraft d = must(ignore_mail_draft(s.desk(), io->id, io->reason));
    s.out << "Draft #" << d.id << " set aside.\n";
  });
}

}  // namespace maestro::cli
