// CaseStore: where cases, their sequence numbers and the audit trail are kept.
//
// The SQLite store (one file, WAL) is the embedded default. Implementations encrypt every
// personal field before it reaches storage and index subjects only by keyed pseudonyms.
// A CaseStore is used from one thread at a time; several processes may share one store, and a
// writer that cannot get the lock in time fails with `unavailable`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_chain.hpp"
#include "cases/case.hpp"
#include "common/result.hpp"

namespace maestro {

// An erasure in progress or done for a case: its plan, sealed (it holds personal data until
// the work is proven done, then only counts and reasons).
struct ErasureJobRecord {
  std::string case_number;
  Instant started_at{};
  std::string state;        // running, complete
  std::string sealed_plan;  // KeyRing::seal of the plan's JSON
};

// A legal hold: the subjects it covers are known only by keyed pseudonyms.
struct LegalHold {
  std::int64_t id = 0;
  Instant created_at{};
  std::string created_by;
  std::string reason;          // a code: legal-hold, regulatory-requirement, active-contract, legal-claims
  std::string sealed_details;  // the operator's free text, sealed (may mention the person)
  std::optional<Instant> released_at;
  std::string released_by;
  std::vector<std::string> pseudonyms;
};

// One erased row, by keyed hash only, so that erasures can be re-applied to a restored backup.
struct LedgerEntry {
  std::int64_t sequence = 0;
  Instant at{};
  std::string case_number;
  std::string system, tenant, collection;
  std::string key_field;      // empty for a text log (the key is a token in the line)
  std::string key_pseudonym;  // HMAC of the key's value
  std::string action;         // delete, anonymize
};

// An emailed one-time code: only its keyed hash is kept.
struct VerificationChallenge {
  std::string case_number;
  std::string code_mac;  // KeyRing::integrity_mac of the case number and code
  Instant created_at{};
  Instant expires_at{};
  std::optional<Instant> used_at;
};

// A letter on its way to the requester. The recipient, subject and body are sealed.
struct OutboxMessage {
  std::int64_t id = 0;
  std::string case_number;
  std::string letter;  // the template, e.g. acknowledgement
  Instant created_at{};
  std::string state;  // pending, sent, failed (gave up), manual (written as .eml)
  int attempts = 0;
  Instant next_attempt_at{};
  std::optional<Instant> sent_at;
  std::string last_error;
  std::string sealed;  // KeyRing::seal of the message as JSON
};

// Work a person must do by hand for a case: a system Maestro has no connector for.
struct ManualTask {
  std::int64_t id = 0;
  std::string case_number;
  std::string system;
  std::string kind;   // export, erase, rectify, restrict, object
  std::string owner;  // an email address from the data map
  Instant created_at{};
  Date due{};
  std::optional<Instant> done_at;
  std::string done_by;
  std::string sealed_note;             // the owner's confirmation, sealed
  std::optional<Instant> reminded_at;  // when the owner was reminded of an overdue task
};

class CaseStore {
 public:
  virtual ~CaseStore() = default;

  // Runs `work` in one write transaction: commits when it succeeds, rolls back when it fails,
  // so a failed command leaves the store exactly as it was.
  virtual Status transaction(const std::function<Status()>& work) = 0;

  // The next number in `year`'s sequence (1, 2, ...). Call inside a transaction.
  virtual Result<int> next_case_sequence(int year) = 0;
  // Inserts or replaces a case, with its subjects' pseudonyms for duplicate look-ups.
  virtual Status save_case(const Case& c, const std::vector<std::string>& subject_pseudonyms) = 0;
  virtual Result<std::optional<Case>> load_case(std::string_view number) = 0;
  // Every case, oldest first.
  virtual Result<std::vector<Case>> load_cases() = 0;
  // Numbers of the cases that name a subject with this pseudonym.
  virtual Result<std::vector<std::string>> cases_with_subject(std::string_view pseudonym) = 0;

  virtual Result<std::optional<AuditEvent>> newest_event() = 0;
  // Appends an already linked event and moves the anchor to it. Call inside a transaction.
  virtual Status append_event(const AuditEvent& event, const AuditAnchor& anchor) = 0;
  // Visits events in sequence order; `case_number` empty means all. Stops at the first failure.
  virtual Status for_each_event(std::string_view case_number,
                                const std::function<Status(const AuditEvent&)>& visit) = 0;
  virtual Result<std::optional<AuditAnchor>> audit_anchor() = 0;

  virtual Status save_erasure_job(const ErasureJobRecord& job) = 0;
  virtual Result<std::optional<ErasureJobRecord>> load_erasure_job(std::string_view case_number) = 0;

  // Stores a new hold (its id is assigned) and returns the id. Call inside a transaction.
  virtual Result<std::int64_t> add_hold(const LegalHold& hold) = 0;
  virtual Status release_hold(std::int64_t id, Instant at, const std::string& by) = 0;
  // Every hold, oldest first.
  virtual Result<std::vector<LegalHold>> load_holds() = 0;

  virtual Status save_challenge(const VerificationChallenge& challenge) = 0;
  virtual Result<std::optional<VerificationChallenge>> load_challenge(std::string_view case_number) = 0;

  // Stores a new message (its id is assigned) and returns the id.
  virtual Result<std::int64_t> add_message(const OutboxMessage& message) = 0;
  virtual Status update_message(const OutboxMessage& message) = 0;
  // Every message, oldest first.
  virtual Result<std::vector<OutboxMessage>> load_messages() = 0;

  virtual Result<std::int64_t> add_task(const ManualTask& task) = 0;
  virtual Status update_task(const ManualTask& task) = 0;
  virtual Result<std::vector<ManualTask>> load_tasks() = 0;  // oldest first

  virtual Status append_ledger(const LedgerEntry& entry) = 0;
  // Entries written at or after `since`, in order.
  virtual Status for_each_ledger_entry(Instant since, const std::function<Status(const LedgerEntry&)>& visit) = 0;
};

}  // namespace maestro
