// The desk's data-finding calls: locate a subject's records across the data map, with an audit
// event that records what was searched and how much was found, never the data itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "desk/desk.hpp"
#include "locate/locate.hpp"

namespace maestro {

struct LocateRequest {
  std::vector<std::string> subjects;       // as typed: kind:value, or a bare email or phone
  std::optional<std::string> case_number;  // the case the search is for; its identifiers are added
  std::vector<std::string> tenants;        // empty: the case's tenants, else every tenant
};

struct LocateOutcome {
  std::string case_number;  // empty when the search was not for a case
  LocateResult result;
};

// Runs locate and appends a `locate` audit event (pseudonyms, counts per collection, failures).
Result<LocateOutcome> locate_subject(Desk& desk, const DataMap& map, const LocateRequest& request,
                                     const FoundRecordVisitor& visit);

// The `locate` audit event of one search (also of one person's share of a batch).
Status record_locate(Desk& desk, const std::string& case_number, const std::vector<SubjectIdentifier>& identifiers,
                     const LocateResult& result);

// Cases searched together (locate_batch), all scoped to the same tenants (the first case's): each
// case's identifiers, and its own `locate` audit event. Purged cases are refused.
Result<BatchLocateResult> locate_case_batch(Desk& desk, const DataMap& map, const std::vector<CaseView>& cases,
                                            const SubjectRecordVisitor& visit);

// maestro dsar locate --case A --case B ...: the cases grouped by tenants, `batch_size` at a time.
struct CasesLocateOutcome {
  std::vector<LocateOutcome> cases;  // in the order given
  std::size_t queries = 0;
  std::vector<StoreStats> stores;
  double seconds = 0;
};
Result<CasesLocateOutcome> locate_cases(Desk& desk, const DataMap& map, const std::vector<std::string>& case_numbers,
                                        std::size_t batch_size = 200);

// The number of cases searched together must be from 1 to 10000.
Status check_batch_size(std::size_t batch_size);

// Cases that can be searched together: the same tenants, at most `batch_size` in each; every
// batch as positions in `cases`.
std::vector<std::vector<std::size_t>> case_batches(const std::vector<CaseView>& cases, std::size_t batch_size);

// Adds one batch's per-store figures to a running total.
void add_store_stats(std::vector<StoreStats>& total, const std::vector<StoreStats>& more);

}  // namespace maestro
