// maestro dsar rectify: correct a person's data everywhere the data map says it is.
//
// Needs a verified case that requests rectification (two checks: it is a high-risk right). A
// preview lists every record that would change and changes nothing. The correction runs one
// transaction per store (an atomic rewrite per file), then every changed row is read again. The
// audit trail records which fields of which collections changed and how many records, never
// the old or new values. The recipients of the corrected collections are listed, to be told of
// the correction (Art. 19).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "desk/desk.hpp"
#include "desk/erasure_service.hpp"
#include "fulfil/consent.hpp"
#include "fulfil/rectification.hpp"

namespace maestro {

struct RectifyRequest {
  std::string case_number;
  std::vector<std::string> corrections;  // "collection.field=value"
  std::vector<std::string> tenants;
  bool preview = false;
};

struct RectifyOutcome {
  std::string case_number;
  bool preview = false;
  std::vector<PlanSummaryLine> summary;
  std::vector<StepFailure> failed_steps;
  std::vector<StoreFailure> unsearched;
  std::optional<RectificationProof> proof;
  std::vector<std::string> recipients;
  std::vector<ConsentSent> consent;  // an objection's opt-out (or its lifting's opt-in) at APIs
};

Result<RectifyOutcome> rectify_subject(Desk& desk, const DataMap& map, const RectifyRequest& request);

// Restriction (Art. 18) and objection (Art. 21, automated decisions, CCPA opt-out of sale): the
// data map's `restriction` / `objection` markers are set on the person's rows in every system
// (or set back with `lift`), so that those systems stop the processing (seed 002 4.4-4.7).
enum class MarkerKind { restriction, objection };
struct MarkRequest {
  std::string case_number;
  MarkerKind kind = MarkerKind::restriction;
  bool lift = false;
  bool preview = false;
  std::vector<std::string> tenants;
};
Result<RectifyOutcome> mark_subject(Desk& desk, const DataMap& map, const MarkRequest& request);

}  // namespace maestro
