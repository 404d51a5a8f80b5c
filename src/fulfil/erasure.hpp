// Erasure: what a person's erasure request changes in every store, and proof that it was done.
//
// plan_erasure() runs locate and turns every record found into a change chosen by the data
// map's strategies: delete the row, or change fields (null, redact, hash, hmac, random,
// generalize); records kept by law (`retain`) are listed with their reason and the date they
// may be erased. New values are computed once, at planning time, and kept in the plan, so that
// executing a step again after a crash writes exactly the same thing (keyed pseudonyms and
// random values included). The plan holds personal data (keys and original values): callers
// keep it sealed (KeyRing::seal) and drop it once the work is proven done.
//
// A plan has one step per store (a system, or one tenant of it), run in one transaction, with
// collections ordered children before parents. prove_erasure() re-reads every planned row and
// runs locate again: what is left that should be gone is counted (expected: 0).
//
//   ErasurePlan plan = *plan_erasure(map, ids, {}, keys, clock.now());
//   for (auto& step : plan.steps) execute_step(map, step);
//   ErasureProof proof = *prove_erasure(map, plan, ids, {});   // proof.remaining == 0
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "connectors/connector.hpp"
#include "crypto/keyring.hpp"
#include "locate/locate.hpp"

namespace maestro {

// The changes for one collection of a step.
struct PlannedCollection {
  std::string collection;  // "<system>.<collection>"
  std::vector<RowChange> rows;
};

// One store's share of the work: one transaction (databases) or one atomic rewrite per file.
struct ErasureStep {
  std::string system;
  std::string tenant;
  std::vector<PlannedCollection> collections;  // children before parents
  bool done = false;
  ApplyCounts applied;  // what the store reported when the step ran

  std::size_t rows_to_delete() const;
  std::size_t rows_to_change() const;
};

// Records (or fields of records) kept because the law requires it.
struct RetainedRecords {
  std::string collection;
  std::string tenant;
  std::vector<std::string> fields;  // empty: whole records
  std::size_t records = 0;
  std::string reason;
  Date erasable_from;  // the day the retention period ends
};

// Records an API holds but cannot erase (its map has no delete or update request for them):
// the system's owner erases them by hand, through a manual task.
struct ByHandRecords {
  std::string collection;
  std::string tenant;
  std::size_t records = 0;
};

struct ErasurePlan {
  std::vector<ErasureStep> steps;
  std::vector<RetainedRecords> retained;
  std::vector<ByHandRecords> by_hand;
  std::vector<StoreFailure> unsearched;  // stores that could not be searched: the plan is incomplete
  std::size_t records_found = 0;
  std::map<std::string, std::size_t> found;  // records found per "<collection>\x1f<tenant>"

  bool complete() const;  // every step done
};

// What a preview or a report shows for one collection: how many records, what happens to them.
struct PlanSummaryLine {
  std::string collection;
  std::string tenant;
  std::size_t records = 0;
  std::string action;  // "delete", "anonymize: email=hmac, phone=null", "retain"
  std::string reason;  // for retained records
  std::optional<Date> erasable_from;
};
std::vector<PlanSummaryLine> summarize(const DataMap& map, const ErasurePlan& plan);

Result<ErasurePlan> plan_erasure(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                                 const LocateScope& scope, const KeyRing& keys, Instant now,
                                 const ConnectorOpener& open = open_for_reading);

// The deletes a request sent by identifier (an erasure-only endpoint, a data protection request)
// makes for the person: one for each of their values of its first identity's kind, the others
// taking the person's first value of theirs; none when the person has no value of a kind it needs.
std::vector<RowChange> identifier_rows(const HttpRequestSpec& request, const std::vector<SubjectIdentifier>& identifiers);

// Several people's erasures at once (a DROP cycle, dsar delete-batch): one search of the stores
// for all of them (locate_batch), and for each person the plan plan_erasure() would make.
Result<std::vector<ErasurePlan>> plan_erasures(const DataMap& map,
                                               const std::vector<std::vector<SubjectIdentifier>>& subjects,
                                               const LocateScope& scope, const KeyRing& keys, Instant now,
                                               const ConnectorOpener& open = open_for_reading);

// Opens the step's store for writing and applies its changes; marks the step done.
using WritableOpener = ConnectorOpener;
Result<std::unique_ptr<Connector>> open_for_writing(const StoreSpec& store, std::string_view tenant);
Status execute_step(const DataMap& map, ErasureStep& step, const WritableOpener& open = open_for_writing);

// Applies the steps of several plans that change one store (the same system and tenant) in one
// apply(): a file is rewritten once for all of them, a database changes in one transaction. Each
// step is marked done, its planned counts recorded as applied (the store counts for all).
Status execute_steps_together(const DataMap& map, const std::vector<ErasureStep*>& steps,
                              const WritableOpener& open = open_for_writing);

// Opens each step's store and calls `visit` with its connector for every planned collection.
// A store that cannot be opened is added to `unsearched`; a system or collection the map no
// longer has is an error.
using PlannedCollectionVisitor =
    std::function<Status(const ErasureStep&, Connector&, const PlannedCollection&, const Collection&)>;
Status for_each_planned_collection(const DataMap& map, const ErasurePlan& plan, const ConnectorOpener& open,
                                   std::vector<StoreFailure>& unsearched, const PlannedCollectionVisitor& visit);

struct ErasureProof {
  std::size_t verified_rows = 0;          // planned rows re-read and found erased as planned
  std::size_t not_reread = 0;             // planned rows no request of the API can read again: never clean
  // Deletes sent by the person's identifiers that the API accepted (an erasure-only endpoint, a
  // data protection request): nothing can be read again there; the acceptance is the evidence.
  std::size_t sent_by_identifier = 0;
  std::vector<std::string> sent_to;       // "<collection>" for each collection with some
  std::size_t remaining = 0;              // records or values still there that should be gone (expected 0)
  std::vector<std::string> remaining_in;  // "<collection> (<n>)" for each collection with some
  std::vector<RetainedRecords> retained;
  std::vector<StoreFailure> unsearched;
  std::vector<std::string> manual_pending;  // manual systems whose owners have not confirmed yet
  bool clean() const { return remaining == 0 && not_reread == 0 && unsearched.empty() && manual_pending.empty(); }
};

Result<ErasureProof> prove_erasure(const DataMap& map, const ErasurePlan& plan,
                                   const std::vector<SubjectIdentifier>& identifiers, const LocateScope& scope,
                                   const ConnectorOpener& open = open_for_reading);

// The proofs of several erasures (plans[i] for identifiers[i]), each as prove_erasure() gives
// it, from one re-read of all their planned rows and one search for all the people.
Result<std::vector<ErasureProof>> prove_erasures(const DataMap& map, const std::vector<const ErasurePlan*>& plans,
                                                 const std::vector<std::vector<SubjectIdentifier>>& identifiers,
                                                 const LocateScope& scope, const ConnectorOpener& open = open_for_reading);

// The plan as JSON (for sealing into the case store) and back.
std::string plan_to_json(const ErasurePlan& plan);
Result<ErasurePlan> plan_from_json(std::string_view text);
// The plan without personal data: keys and values dropped, counts and reasons kept.
ErasurePlan strip_personal_data(const ErasurePlan& plan);

// Sets how a found record is found again: databases by its primary key; files (and tables
// without one) by the field the search matched on.
void set_row_key(const FoundRecord& found, RowChange& row);
// For an API: the other fields of the record that its delete or update request needs.
void add_request_context(const FoundRecord& found, RowChange& row);

// The new value for `value` under `strategy` (exposed for tests). nullopt: leave it as it is.
std::optional<Value> erased_value(const ErasureStrategy& strategy, const Value& value, const KeyRing& keys);

}  // namespace maestro

namespace maestro {

// The keyed hash under which the erasure ledger records a row's key.
std::string ledger_pseudonym(const KeyRing& keys, std::string_view key);

// Rows of one collection that the ledger names, by the keyed hash of their key.
struct LedgerKeys {
  std::string system;
  std::string tenant;
  std::string collection;
  std::string key_field;  // empty: a text log, whose lines are searched for tokens
  std::set<std::string> pseudonyms;
};

// Plans the erasure of the rows of (restored) stores whose keys the ledger names: each
// collection is scanned, keys are hashed and compared, and the map's strategies apply as in
// plan_erasure().
Result<ErasurePlan> plan_replay(const DataMap& map, const std::vector<LedgerKeys>& ledger, const KeyRing& keys,
                                Instant now, const ConnectorOpener& open = open_for_reading);

}  // namespace maestro
