// A case: one data subject request, from intake to closure.
//
// Fields marked "personal data" are encrypted at rest by the case store and removed when the
// retention period after closure ends; everything else is the request's bookkeeping, which is
// kept as evidence and carries no personal data (reason codes, dates, states).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cases/rights.hpp"
#include "cases/subject.hpp"
#include "common/time.hpp"

namespace maestro {

struct CasePause {
  Instant started;
  std::optional<Instant> ended;
  std::string reason;  // a code from the policy's pause_reasons
};

struct CaseExtension {
  Instant at;
  std::string reason;  // a code from the policy's extension_reasons
};

struct VerificationAttempt {
  Instant at;
  std::string method;   // email-code, knowledge, document, override, ...
  std::string outcome;  // requested, passed, failed
};

// An access package handed over for this case (seed 001 step 8: the hash of the delivered file).
struct PackageDelivery {
  Instant at;
  std::string sha256;  // of the encrypted ZIP
  std::uintmax_t bytes = 0;
  std::string destination;  // the folder or s3:// prefix it was written to
  // What the data map left unsaid for collections in the package ("shop.orders: recipients"):
  // the report says "not recorded" there; the reviewer sees it before the requester does.
  std::vector<std::string> map_gaps;
  // staged: sealed and written, waiting for the DPO's review (seed 001 step 5), nothing sent to
  // the requester; delivered: approved, the requester told where it is and, apart, its password.
  std::string status = "delivered";
  // The stores that could not be searched (`--allow-incomplete`): empty for a complete package.
  // The case, the letter and the package say so.
  std::vector<std::string> unsearched;
  bool complete() const { return unsearched.empty(); }
};

// What was done for the rights of a case: the evidence that closing it as fulfilled rests on
// (lifecycle.hpp closing_blockers). Bookkeeping only: codes, no personal data.
struct WorkOutcome {
  Instant at;
  std::string work;    // erasure, rectification, restriction, objection, exception
  std::string result;  // clean / incomplete (erasure), done / incomplete (the others), granted (exception)
};

// A value of another person that the access package left out (Art. 15(4)), kept with the case
// for the DPO's review: released (the redaction stands) or restored (the next package keeps
// the value). Personal data: sealed with the case, never in the audit trail.
struct Redaction {
  int id = 0;
  std::string field;               // "support.tickets.body"
  std::string kind;                // name, email or phone
  std::string value;               // as it stood in the text
  std::string before;              // the text around it, as found
  std::string after;               // the same text, as the requester gets it
  std::string status = "pending";  // pending, released, restored
};

struct CaseNote {
  Instant at;
  std::string actor;
  std::string text;  // personal data: may mention the subject
};

struct Case {
  std::string number;  // DSAR-YYYY-NNN
  CaseState state = CaseState::received;
  std::string jurisdiction;
  std::vector<Right> rights;
  std::string channel;
  Instant received_at{};
  std::vector<std::string> tenants;  // empty: every tenant
  std::string ticket;                // external ticket reference
  std::string appeal_of;             // the refused case this one appeals (Va. Code 59.1-577 C); empty: none
  std::string assignee;              // the operator working the case; empty: nobody yet
  std::string formats;               // package formats the requester chose ("json,csv"); empty: default
  std::string language;              // the requester's language for letters and the report; empty: the default
  bool gpc = false;                  // a Global Privacy Control signal (Sec-GPC: 1) came with it
  int downloads = 0;                 // times the requester downloaded the package through the portal

  // Personal data.
  std::string subject_name;
  std::vector<SubjectIdentifier> identifiers;
  std::vector<CaseNote> notes;
  std::string denial_details;
  std::vector<Redaction> redactions;         // from the latest access package
  std::vector<std::string> restored_values;  // the DPO's restorations: never redacted again in this case
  std::optional<Instant> personal_data_purged_at;
  // The staged package's password while it waits for approval: the password letter takes it to
  // the requester after the fulfilment letter, and it is forgotten once that letter is queued.
  std::string package_password;

  std::optional<Instant> acknowledged_at;
  std::optional<Instant> verified_at;
  std::optional<Instant> started_at;
  std::optional<Instant> review_requested_at;
  std::optional<Instant> closed_at;
  std::vector<CasePause> pauses;
  std::vector<CaseExtension> extensions;
  std::vector<VerificationAttempt> verifications;
  std::vector<PackageDelivery> deliveries;
  std::vector<WorkOutcome> outcomes;
  std::string denial_reason;                     // a code from the policy's denial_reasons
  std::vector<std::string> possible_duplicates;  // case numbers

  bool is_paused() const { return !pauses.empty() && !pauses.back().ended; }
  int failed_verifications() const;
  // The newest outcome recorded for this kind of work, if any.
  const WorkOutcome* outcome_of(std::string_view work) const;
  bool has_staged_package() const { return !deliveries.empty() && deliveries.back().status == "staged"; }
};

}  // namespace maestro
