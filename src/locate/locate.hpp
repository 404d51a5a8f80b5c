// Locate: find every record of one person across the data map.
//
// Starting from the identifiers the request knows, locate queries every collection that holds
// an identity of that kind, then follows references breadth-first (customer -> invoice ->
// invoice_line), batching all keys of one level into one query per collection and field, with
// the stores of one level searched in parallel (one connection and thread each). Every
// tenant of a templated store is searched unless the request is scoped. A store that fails is
// reported and the others' results are kept. Records stream to the visitor; locate itself keeps
// only the keys it still has to follow and the identities of the records it has seen.
//
// The visitor is called from several threads, one call at a time.
//
//   LocateResult r = *locate(map, identifiers, {}, [](const FoundRecord& f) { ...; return Status{}; });
//
// locate_batch() searches for many people at once (the pending requests): each level queries a
// collection once with the keys of all of them bound together (chunked by the connector), and
// each record found is handed to the people whose keys it matched, with what they asked, exactly
// as if each had been searched alone. A store whose answers depend on the person (an API that
// filters by the person's identifiers) is asked once per person.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cases/subject.hpp"
#include "connectors/connector.hpp"
#include "datamap/datamap.hpp"

namespace maestro {

struct FoundRecord {
  const System& system;
  const Collection& collection;
  const std::string& tenant;  // empty for a store without tenants
  const Record& record;
  const std::string& matched_field;              // the field the query matched on
  const std::vector<std::string>& asked_values;  // the values it was asked for (a text log matches any)
};

using FoundRecordVisitor = std::function<Status(const FoundRecord&)>;

struct StoreFailure {
  std::string system;
  std::string tenant;
  std::string message;
};

struct LocateResult {
  std::map<std::string, std::size_t> records_by_collection;  // "<system>.<collection>" -> count
  std::vector<StoreFailure> failures;
  std::size_t queries = 0;
  std::size_t total() const;
};

struct LocateScope {
  std::vector<std::string> tenants;  // empty: every tenant
};

// Opens connectors through `open` (the registry by default; tests may pass another).
using ConnectorOpener = std::function<Result<std::unique_ptr<Connector>>(const StoreSpec&, std::string_view)>;

// The registry's connectors, opened read-only.
Result<std::unique_ptr<Connector>> open_for_reading(const StoreSpec& store, std::string_view tenant);

Result<LocateResult> locate(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                            const LocateScope& scope, const FoundRecordVisitor& visit,
                            const ConnectorOpener& open = open_for_reading);

// What one store (system and tenant) did in a search: queries sent, records returned, and the
// time spent waiting for them.
struct StoreStats {
  std::string system;
  std::string tenant;
  std::size_t queries = 0;
  std::size_t records = 0;
  double seconds = 0;
  std::size_t requests = 0;      // statements or HTTP requests the store received (chunks, pages)
  std::uint64_t bytes_read = 0;  // of files
};

struct BatchLocateResult {
  std::vector<LocateResult> subjects;  // one per subject, in the order given
  std::vector<StoreStats> stores;
  std::size_t queries = 0;  // queries sent for all subjects together
};

// `subject` is the index of the person in `subjects`.
using SubjectRecordVisitor = std::function<Status(std::size_t subject, const FoundRecord&)>;

// Locates many people in one search. Fails (internal) if a record cannot be told apart: a store
// returned a row whose key matches none of the values asked, even ignoring case and spaces.
Result<BatchLocateResult> locate_batch(const DataMap& map, const std::vector<std::vector<SubjectIdentifier>>& subjects,
                                       const LocateScope& scope, const SubjectRecordVisitor& visit,
                                       const ConnectorOpener& open = open_for_reading);

}  // namespace maestro
