// maestro dsar delete: preview and carry out a person's erasure, resumably, with proof.
//
// A preview plans the erasure and changes nothing. An erasure needs a verified case (given,
// found, or ad hoc with an override reason) and no active legal hold on the subject. Its plan
// is sealed into the case store before anything changes; each store's step is recorded done
// (with ledger entries and a `delete` or `anonymize` audit event) right after it commits. A run
// that stops anywhere, even killed, is completed by running the same command again: finished
// steps are skipped and a step that ran but was not recorded is re-applied, which changes
// nothing twice. When every step is done, locate runs again to prove nothing erasable is left.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "desk/desk.hpp"
#include "fulfil/erasure.hpp"

namespace maestro {

struct ErasureRequest {
  std::vector<std::string> subjects;
  std::optional<std::string> case_number;
  std::vector<std::string> tenants;
  std::string jurisdiction = "gdpr";  // for an ad-hoc case
  std::optional<std::string> override_reason;
  bool preview = false;
};

struct StepFailure {
  std::string system;
  std::string tenant;
  std::string message;
};

struct ErasureOutcome {
  std::string case_number;  // empty for a preview without a case
  bool preview = false;
  bool ad_hoc_case = false;
  bool resumed = false;          // an interrupted run was completed
  std::vector<LegalHold> holds;  // active holds (a preview shows them; an erasure is refused)
  ErasurePlan plan;              // personal data stripped once the work is done
  std::vector<PlanSummaryLine> summary;
  std::vector<StepFailure> failed_steps;  // stores that could not be changed: re-run to complete
  std::optional<ErasureProof> proof;
  Desk::TaskOpening manual;  // systems without a connector: their owners erase by hand
};

Result<ErasureOutcome> erase_subject(Desk& desk, const DataMap& map, const ErasureRequest& request);

// Several cases' erasures together (dsar delete-batch, a DROP cycle). Each case gets the plan,
// audit events, ledger entries and proof that `dsar delete --case` would give it, and resumes
// the same way after a crash; but the stores are searched once for all the cases (per tenant
// scope), each store is changed once for all of them (a file rewritten once, a database in one
// transaction), and the proofs come from one re-read and one search. A case that cannot be
// erased (not verified, held, a store not searched) is refused alone; the others go on.
struct BatchErasureOutcome {
  std::vector<ErasureOutcome> cases;                         // erased, or with steps to re-run
  std::vector<std::pair<std::string, std::string>> refused;  // case, why nothing was changed for it
};
Result<BatchErasureOutcome> erase_cases(Desk& desk, const DataMap& map, const std::vector<ErasureRequest>& requests);

// The outcome of the case's erasure ("clean" or "incomplete") if one planned at or after `since`
// has been proven; nullopt otherwise. A retried job asks, so that a worker that died after the
// proof does not lead to a second erasure and proof.
Result<std::optional<std::string>> erasure_proven_since(Desk& desk, const std::string& case_number, Instant since);

// The open, verified cases that request erasure and whose erasure is not proven yet (never run,
// or interrupted).
Result<std::vector<std::string>> cases_waiting_for_erasure(Desk& desk);

struct ReplayOutcome {
  std::size_t ledger_entries = 0;
  std::size_t rows_deleted = 0;
  std::size_t rows_changed = 0;
  std::vector<StepFailure> failed_steps;
  std::vector<PlanSummaryLine> summary;
};

// Re-applies the ledger's erasures since `since` to the stores of `map` (a restored backup).
Result<ReplayOutcome> replay_erasures(Desk& desk, const DataMap& map, Instant since, bool preview);

}  // namespace maestro
