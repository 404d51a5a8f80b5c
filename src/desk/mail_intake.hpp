// The privacy inbox as a way in (seed 001: "All DSARs must be submitted to the dedicated email
// address"; seed 002: "support@... Subject: Privacy Request - [Type]"). Each message read from
// the inbox becomes a draft: the rights guessed from its subject and text in the six languages
// Maestro writes, the sender as an email identifier (unverified: control of the address is
// proven by the usual code), the name from the From header or the signature, identifiers found
// in the text (an order number, a phone), the message kept sealed. An operator confirms or
// corrects the draft (`dsar intake --from-mail ID`), which logs the case with the message's own
// date as the day it was received. Machine mail (auto-replies, bounces, spam, mailing lists)
// is set aside with its reason. Each message is moved out of the inbox once recorded, so nothing
// is read twice and nothing is deleted.
//
//   MailFetchReport r = *fetch_mail(desk, *inbox, &mail, options);
//   IntakeResult logged = *log_mail_draft(desk, 7, {.rights = "erasure"});
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "desk/correspondence.hpp"
#include "desk/desk.hpp"
#include "notify/imap_inbox.hpp"
#include "notify/mail_message.hpp"

namespace maestro {

struct MailGuess {
  std::string ignore_reason;  // auto-reply, bounce, spam, mailing list; "" for a person's message
  std::vector<Right> rights;  // empty: the message did not say
  std::string language;       // en, de, fr, es, nl, pt-br
  std::string jurisdiction;   // "" when the message does not say
  std::string name;
  std::vector<std::string> subjects;  // "email:...", "phone:...", "order_number:..."
  std::string confidence;             // high, medium, low
  std::vector<std::string> reasons;   // what the guess rests on, for the operator
};

MailGuess guess_request(const ReceivedMail& message);
std::string guess_json(const MailGuess& guess);
Result<MailGuess> guess_from_json(const std::string& text);

struct MailIntakeOptions {
  bool log_confident = false;  // high-confidence requests are logged and acknowledged at once
  std::uint64_t max_bytes = 25ull << 20;
  std::string processed_folder = "Maestro/Processed";
  std::string ignored_folder = "Maestro/Ignored";
  std::string jurisdiction = "gdpr";  // for a request that does not say
};

struct MailFetchReport {
  int read = 0;
  int drafts = 0;      // waiting for an operator
  int ignored = 0;     // set aside, with their reason
  int logged = 0;      // logged as cases at once (log_confident)
  int duplicates = 0;  // recorded before (a move that failed last time): moved now
  int replies = 0;     // replies that joined their case
  std::vector<std::int64_t> draft_ids;
  std::vector<std::string> problems;  // a message that could not be moved, a case that could not be logged
};

// Reads every message waiting in the inbox, records each, then moves it to the processed or
// ignored folder. A message the inbox cannot give is left where it is and reported.
Result<MailFetchReport> fetch_mail(Desk& desk, Inbox& inbox, Correspondence* mail, const MailIntakeOptions& options);

struct MailDraftView {
  MailDraft draft;
  MailGuess guess;
  std::string from;  // the sender's address
  std::string subject;
  std::string text;  // the message's text
  std::vector<std::string> attachments;  // "name (type, N bytes)"
};

Result<MailDraftView> mail_draft_view(Desk& desk, std::int64_t id);

// The operator's corrections: what is given replaces the guess.
struct MailConfirmation {
  std::optional<std::string> rights;  // comma-separated
  std::optional<std::string> jurisdiction;
  std::optional<std::string> name;
  std::vector<std::string> subjects;  // replace the guessed identifiers when given
  std::string default_jurisdiction = "gdpr";
};

// Logs a pending draft as a case on channel email, received when the message was sent.
Result<IntakeResult> log_mail_draft(Desk& desk, std::int64_t id, const MailConfirmation& confirmation);
// An attachment of a reply that joined its case (`index` from 1), for an operator to look at
// (audited: evidence-viewed); failed_precondition once the check has destroyed it.
Result<MailAttachment> mail_evidence(Desk& desk, std::int64_t id, std::size_t index);

// The evidence still waiting for a check on a case: each reply that joined it with attachments.
struct CaseEvidence {
  struct Attachment {
    std::size_t index = 0;  // from 1, as mail_evidence takes it
    std::string filename;
    std::string content_type;
    std::size_t bytes = 0;
  };
  std::int64_t draft_id = 0;
  Instant received_at{};
  std::string subject;
  std::vector<Attachment> attachments;
};
Result<std::vector<CaseEvidence>> evidence_of_case(Desk& desk, std::string_view case_number);

// Records the operator's check of a reply's evidence on its case (seed 001 step 3: an ID scan)
// and destroys the attachments: the draft keeps the message's text and, of each attachment, its
// name, type, size and SHA-256; the finding goes to the case as an encrypted note. A failed
// check that denies the case (too many failures) sends the refusal letter, as every check does.
struct EvidenceCheck {
  CaseView view;
  std::string letter;  // what became of the refusal letter; "" when the case was not denied
};
Result<EvidenceCheck> check_mail_evidence(Desk& desk, Correspondence& mail, std::int64_t id, std::string_view method,
                                          VerificationOutcome outcome, const std::string& finding);

// Sets a pending draft aside (not a request) with the operator's reason.
Result<MailDraft> ignore_mail_draft(Desk& desk, std::int64_t id, const std::string& reason);

}  // namespace maestro
