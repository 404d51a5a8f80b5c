#include "desk/locate_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace maestro {

Result<LocateOutcome> locate_subject(Desk& desk, const DataMap& map, const LocateRequest& request,
                                     const FoundRecordVisitor& visit) {
  std::vector<SubjectIdentifier> identifiers;
  LocateScope scope{request.tenants};
  LocateOutcome outcome;
  if (request.case_number) {
    auto v = desk.find(*request.case_number);
    if (!v) return propagate(v.error());
    if (v->c.personal_data_purged_at) {
      return precondition("case " + v->c.number + " has had its personal data purged: give --subject");
    }
    outcome.case_number = v->c.number;
    identifiers = v->c.identifiers;
    if (scope.tenants.empty()) scope.tenants = v->c.tenants;
  }
  for (const auto& text : request.subjects) {
    auto id = parse_identifier(text);
    if (!id) return propagate(id.error());
    if (std::find(identifiers.begin(), identifiers.end(), *id) == identifiers.end()) identifiers.push_back(*id);
  }
  if (identifiers.empty()) return invalid("give --subject KIND:VALUE or --case ID");
  std::set<std::string> kinds = map.identity_kinds();
  if (std::none_of(identifiers.begin(), identifiers.end(), [&](const auto& id) { return kinds.contains(id.kind); })) {
    std::string known;
    for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k;
    return invalid("the data map has no identity of the kinds given; it knows: " + known);
  }
  auto result = locate(map, identifiers, scope, visit);
  if (!result) return propagate(result.error());
  outcome.result = std::move(*result);
  if (auto ok = record_locate(desk, outcome.case_number, identifiers, outcome.result); !ok)
    return propagate(ok.error());
  return outcome;
}

Status record_locate(Desk& desk, const std::string& case_number, const std::vector<SubjectIdentifier>& identifiers,
                     const LocateResult& result) {
  nlohmann::json subjects = nlohmann::json::array(), failures = nlohmann::json::array();
  for (const auto& id : identifiers) subjects.push_back({{"kind", id.kind}, {"pseudonym", desk.pseudonym(id)}});
  for (const auto& f : result.failures) failures.push_back({{"system", f.system}, {"tenant", f.tenant}});
  nlohmann::json details{{"subjects", subjects},
                         {"records", result.records_by_collection},
                         {"queries", result.queries},
                         {"failed_stores", failures}};
  auto ok = desk.record_action(case_number, "locate", result.failures.empty() ? "ok" : "partial", details.dump());
  if (!ok) return propagate(ok.error());
  return {};
}

}  // namespace maestro
