// CaseStore: where cases, their sequence numbers and the audit trail are kept.
//
// The SQLite store (one file, WAL) is the embedded default. Implementations encrypt every
// personal field before it reaches storage and index subjects only by keyed pseudonyms.
// A CaseStore is used from one thread at a time; several processes may share one store, and a
// writer that cannot get the lock in time fails with `unavailable`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_chain.hpp"
#include "cases/case.hpp"
#include "common/result.hpp"

namespace maestro {

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
};

}  // namespace maestro
