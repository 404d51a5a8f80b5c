#include "desk/locate_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>

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

Result<BatchLocateResult> locate_case_batch(Desk& desk, const DataMap& map, const std::vector<CaseView>& cases,
                                            const SubjectRecordVisitor& visit) {
  std::vector<std::vector<SubjectIdentifier>> subjects;
  for (const auto& v : cases) {
    if (v.c.personal_data_purged_at) return precondition("case " + v.c.number + " has had its personal data purged");
    subjects.push_back(v.c.identifiers);
  }
  LocateScope scope{cases.empty() ? std::vector<std::string>{} : cases.front().c.tenants};
  auto located = locate_batch(map, subjects, scope, visit);
  if (!located) return propagate(located.error());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (auto ok = record_locate(desk, cases[i].c.number, cases[i].c.identifiers, located->subjects[i]); !ok)
      return propagate(ok.error());
  }
  return located;
}

Status check_batch_size(std::size_t batch_size) {
  if (batch_size < 1 || batch_size > 10000) return invalid("the batch size must be from 1 to 10000");
  return {};
}

std::vector<std::vector<std::size_t>> case_batches(const std::vector<CaseView>& cases, std::size_t batch_size) {
  std::map<std::vector<std::string>, std::vector<std::size_t>> by_scope;  // tenants -> positions
  for (std::size_t i = 0; i < cases.size(); ++i) by_scope[cases[i].c.tenants].push_back(i);
  std::vector<std::vector<std::size_t>> batches;
  for (const auto& [tenants, positions] : by_scope) {
    for (std::size_t from = 0; from < positions.size(); from += batch_size) {
      auto end = positions.begin() + static_cast<std::ptrdiff_t>(std::min(positions.size(), from + batch_size));
      batches.emplace_back(positions.begin() + static_cast<std::ptrdiff_t>(from), end);
    }
  }
  return batches;
}

Result<CasesLocateOutcome> locate_cases(Desk& desk, const DataMap& map, const std::vector<std::string>& case_numbers,
                                        std::size_t batch_size) {
  if (auto ok = check_batch_size(batch_size); !ok) return propagate(ok.error());
  std::vector<CaseView> views;
  for (const auto& number : case_numbers) {
    auto v = desk.find(number);
    if (!v) return propagate(v.error());
    views.push_back(std::move(*v));
  }
  CasesLocateOutcome outcome;
  outcome.cases.resize(views.size());
  auto start = std::chrono::steady_clock::now();
  for (const auto& positions : case_batches(views, batch_size)) {
    std::vector<CaseView> batch;
    for (std::size_t i : positions) batch.push_back(views[i]);
    auto located = locate_case_batch(desk, map, batch, [](std::size_t, const FoundRecord&) { return Status{}; });
    if (!located) return propagate(located.error());
    outcome.queries += located->queries;
    add_store_stats(outcome.stores, located->stores);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      outcome.cases[positions[i]] = LocateOutcome{batch[i].c.number, std::move(located->subjects[i])};
    }
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

void add_store_stats(std::vector<StoreStats>& total, const std::vector<StoreStats>& more) {
  for (const auto& s : more) {
    auto same = std::find_if(total.begin(), total.end(),
                             [&](const StoreStats& t) { return t.system == s.system && t.tenant == s.tenant; });
    if (same == total.end()) {
      total.push_back(s);
    } else {
      same->queries += s.queries;
      same->records += s.records;
      same->seconds += s.seconds;
      same->requests += s.requests;
      same->bytes_read += s.bytes_read;
    }
  }
}

}  // namespace maestro
