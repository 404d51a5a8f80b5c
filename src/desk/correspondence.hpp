// Correspondence: the letters a case sends its requester, through the outbox.
//
// Every letter is rendered from its template, stored in the outbox (recipient and text sealed),
// and handed to the mailer at once. A message the mail server does not take stays pending and
// is retried with growing pauses (1, 2, 4 ... minutes, at most 6 hours) each time the outbox is
// sent (`maestro outbox send`, or the next command that sends mail); after 8 attempts it is
// marked failed. Without SMTP, messages are written as .eml files and marked `manual`. The audit
// trail records each message's letter and outcome, never its text or recipient.
//
//   Correspondence mail(desk, *mailer, settings);
//   mail.send_letter(view, "acknowledgement", {});
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "desk/desk.hpp"
#include "notify/letters.hpp"
#include "notify/mailer.hpp"
#include "package/report_texts.hpp"

namespace maestro {

struct OutboxView {
  OutboxMessage message;
  std::string from;
  std::string to;
  std::string subject;
  std::string body;
  std::string message_id;
  std::string reply_to;  // where the requester's reply goes: the privacy inbox
};

struct SendReport {
  std::size_t sent = 0;
  std::size_t written = 0;  // as .eml files for manual sending
  std::size_t waiting = 0;  // pending, to be retried
  std::size_t failed = 0;   // given up
  std::vector<std::string> errors;
};

// The confirmation letter a fulfilled case's rights call for (erasure, rectification, ...), if any.
std::optional<std::string> confirmation_letter(const Case& c);

class Correspondence {
 public:
  // All references must outlive this object.
  Correspondence(Desk& desk, Mailer& mailer, const Settings& settings);
  // Opens the mailer the settings name (SMTP, or .eml files) and keeps it: what a front end or
  // a job holds for the length of one request.
  static Result<std::unique_ptr<Correspondence>> open(Desk& desk, const Settings& settings);

  // Renders `letter` for the case, queues it for `to` (default: the case's email address) and
  // tries to send it and anything else due. Fails when the case has no email address and no
  // `to` is given, or the template cannot be rendered.
  Result<OutboxView> send_letter(const CaseView& view, std::string_view letter, const LetterFields& extra,
                                 const std::optional<std::string>& to = std::nullopt);
  Desk& desk() { return m_desk; }
  // Sends every pending message that is due.
  Result<SendReport> send_due();
  Result<std::vector<OutboxView>> list();
  Result<OutboxView> show(std::int64_t id);
  // A letter left "sending" by a sender that died (it may or may not have gone): an operator
  // checked the mail server's log for its Message-ID and says what it found. Went: recorded as
  // sent. Did not go: pending again, for the next send. `checked` says how it was checked, for
  // the audit trail. Only a message in state "sending" can be settled.
  Status settle_sending(std::int64_t id, bool went, const std::string& checked);

  // The fields every letter of a case can use (case number, name, dates, authority, ...).
  LetterFields case_fields(const CaseView& view) const;
  // The language the case's letters and report are written in: the requester's, else the
  // installation's (language: in maestro.yaml).
  std::string language_of(const Case& c) const;
  // A date as the case's letters write it ("27 February 2026", "27. Februar 2026").
  std::string date_for(const Case& c, Date date) const;
  // A word Maestro puts inside a letter, in the case's language (templates/<language>/
  // report.yaml, "letters." keys: rights, proof asked for, reasons, "Sir or Madam"); `fallback`
  // where the language has none (an operator's own policy reason).
  std::string word_for(const Case& c, const std::string& key, const std::string& fallback,
                       const std::map<std::string, std::string>& values = {}) const;
  // The fields a closing letter needs beyond those: the refusal's reason, the extension's, the
  // records an erasure kept and why.
  Result<LetterFields> closing_fields(const CaseView& view, std::string_view letter);
  // The fields of the fulfilment letter (template C) for a delivered package. With the portal
  // configured (server.public_url), a fresh status link replaces the storage path: the requester
  // downloads from their request's page, which a path or an s3:// address would not let them do.
  Result<LetterFields> fulfilment_fields(const CaseView& view, const std::string& delivered_to);
  // Mails a manual task to its owner (the first time, or as a reminder when it is overdue).
  Result<OutboxView> mail_task(const ManualTask& task, bool reminder);

 private:
  Result<OutboxView> open(const OutboxMessage& message) const;
  Status attempt(OutboxMessage& message, SendReport& report);

  Correspondence(Desk& desk, std::unique_ptr<Mailer> owned, const Settings& settings);

  Desk& m_desk;
  std::unique_ptr<Mailer> m_owned;  // declared before m_mailer: set first
  Mailer& m_mailer;
  const Settings& m_settings;
  // The report texts (months, date forms, letter words) of each language written in, loaded once.
  mutable std::map<std::string, std::shared_ptr<const ReportTexts>> m_dates;
  const ReportTexts* texts_for(const Case& c) const;
};

}  // namespace maestro
