// Rectification (GDPR Art. 16, seed 002 section 4.3): correct a person's data in every store.
//
// A correction names a collection's field and its right value ("customer.Phone=+44 20 7946
// 0000"). plan_rectification() finds the person's records with locate and plans, for every
// record of that collection, the change from what it holds to the right value, as one step per
// store (the same steps erasure uses, so execution is one transaction per database and an atomic
// rewrite per file). prove_rectification() reads the rows again: every planned field must now
// hold its right value.
//
//   auto corrections = *parse_corrections(map, {"customer.Phone=+44 20 7946 0000"});
//   ErasurePlan plan = *plan_rectification(map, ids, {}, corrections);
#pragma once

#include <string>
#include <vector>

#include "fulfil/erasure.hpp"

namespace maestro {

struct Correction {
  std::string collection;  // "<system>.<collection>"
  std::string field;       // a column, or a dotted path into a JSON column
  std::string value;
};

// Parses "collection.field=value" (or "system.collection.field=value") against the map.
Result<std::vector<Correction>> parse_corrections(const DataMap& map, const std::vector<std::string>& texts);

Result<ErasurePlan> plan_rectification(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                                       const LocateScope& scope, const std::vector<Correction>& corrections,
                                       const ConnectorOpener& open = open_for_reading);

struct RectificationProof {
  std::size_t verified_rows = 0;
  std::size_t wrong = 0;  // planned rows that do not hold the right value (expected 0)
  std::vector<StoreFailure> unsearched;
  bool clean() const { return wrong == 0 && unsearched.empty(); }
};

Result<RectificationProof> prove_rectification(const DataMap& map, const ErasurePlan& plan,
                                               const ConnectorOpener& open = open_for_reading);

// Who received data of the corrected collections, to be told of the correction (Art. 19).
std::vector<std::string> recipients_to_notify(const DataMap& map, const std::vector<Correction>& corrections);

}  // namespace maestro
