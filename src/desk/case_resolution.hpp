// Which case a data command (export, delete) works for: the one given, else the subject's one
// open verified case, else an ad-hoc case logged on the spot, which needs the operator's
// explicit verification override with a reason (nothing is exported or erased for an
// unverified requester: ARCHITECTURE.md section 1).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "desk/desk.hpp"

namespace maestro {

struct CaseResolution {
  std::vector<std::string> subjects;  // as typed
  std::optional<std::string> case_number;
  std::vector<std::string> tenants;
  std::string jurisdiction = "gdpr";  // for an ad-hoc case
  std::string rights = "access";      // for an ad-hoc case
  std::optional<std::string> override_reason;
  // The rights this work serves: the case must ask for one of them, checked before the case is
  // started (a refused call leaves the case as it was). Empty: any.
  std::vector<Right> serves;
};

// How a request of the desk's (ExportRequest, ErasureRequest) finds its case, for work that
// serves `serves` (an ad-hoc case asks for `rights`).
template <typename Request>
CaseResolution resolution_of(const Request& request, std::string rights, std::vector<Right> serves) {
  return {request.subjects, request.case_number,     request.tenants,  request.jurisdiction,
          std::move(rights), request.override_reason, std::move(serves)};
}

// What each kind of work serves.
inline const std::vector<Right> k_export_serves{Right::access, Right::portability, Right::ccpa_know};
inline const std::vector<Right> k_erasure_serves{Right::erasure, Right::ccpa_delete};

struct ResolvedCase {
  CaseView view;
  bool ad_hoc = false;
};

// Parses "kind:value" or bare identifiers.
Result<std::vector<SubjectIdentifier>> parse_subjects(const std::vector<std::string>& subjects);

// Resolves the case and moves a verified case to in_progress, so that the work is on record.
Result<ResolvedCase> resolve_working_case(Desk& desk, const CaseResolution& request,
                                          const std::vector<SubjectIdentifier>& identifiers);

// Whether identity is verified and work may proceed in this state.
bool ready_for_work(CaseState state);

}  // namespace maestro
