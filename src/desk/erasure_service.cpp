#include "desk/erasure_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "common/fault.hpp"
#include "desk/case_resolution.hpp"

namespace maestro {

using nlohmann::json;

namespace {

constexpr const char* k_running = "running";
constexpr const char* k_complete = "complete";

bool requests_erasure(const Case& c) {
  return std::any_of(c.rights.begin(), c.rights.end(),
                     [](Right r) { return r == Right::erasure || r == Right::ccpa_delete; });
}

json subjects_json(const Desk& desk, const std::vector<SubjectIdentifier>& ids) {
  json out = json::array();
  for (const auto& id : ids) out.push_back({{"kind", id.kind}, {"pseudonym", desk.pseudonym(id)}});
  return out;
}

json retained_json(const std::vector<RetainedRecords>& retained) {
  json out = json::array();
  for (const auto& r : retained) {
    out.push_back({{"collection", r.collection},
                   {"tenant", r.tenant},
                   {"fields", r.fields},
                   {"records", r.records},
                   {"reason", r.reason},
                   {"erasable_from", format_date(r.erasable_from)}});
  }
  return out;
}

// The ledger's record of one step: each row's key as a keyed hash, and what was done.
std::vector<LedgerEntry> ledger_for(const Desk& desk, const std::string& case_number, const ErasureStep& step) {
  std::vector<LedgerEntry> out;
  Instant now = desk.clock().now();
  for (const auto& planned : step.collections) {
    for (const auto& row : planned.rows) {
      if (!row.delete_row && row.set.empty()) continue;
      out.push_back({0, now, case_number, step.system, step.tenant, planned.collection, row.key_field,
                     ledger_pseudonym(desk.keys(), row.key), row.delete_row ? "delete" : "anonymize"});
    }
  }
  return out;
}

json step_details(const ErasureStep& step) {
  json collections = json::object();
  for (const auto& c : step.collections) collections[c.collection] = c.rows.size();
  return {{"system", step.system},
          {"tenant", step.tenant},
          {"collections", collections},
          {"rows_deleted", step.applied.rows_deleted},
          {"rows_changed", step.applied.rows_changed}};
}

Result<std::vector<SubjectIdentifier>> identifiers_for(const CaseView* view,
                                                       const std::vector<SubjectIdentifier>& given) {
  std::vector<SubjectIdentifier> ids;
  if (view) {
    if (view->c.personal_data_purged_at) {
      return precondition("case " + view->c.number + " has had its personal data purged: give --subject");
    }
    ids = view->c.identifiers;
  }
  for (const auto& id : given) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  if (ids.empty()) return invalid("give --subject KIND:VALUE or --case ID");
  return ids;
}

class Eraser {
 public:
  Eraser(Desk& desk, const DataMap& map) : m_desk(desk), m_map(map) {}

  Result<ErasureOutcome> preview(const ErasureRequest& r, const std::vector<SubjectIdentifier>& given) {
    ErasureOutcome out;
    out.preview = true;
    std::optional<CaseView> view;
    if (r.case_number) {
      auto found = m_desk.find(*r.case_number);
      if (!found) return propagate(found.error());
      view = std::move(*found);
      out.case_number = view->c.number;
    }
    auto ids = identifiers_for(view ? &*view : nullptr, given);
    if (!ids) return propagate(ids.error());
    auto holds = m_desk.active_holds_for(*ids);
    if (!holds) return propagate(holds.error());
    out.holds = std::move(*holds);
    auto plan = plan_erasure(m_map, *ids, scope(r, view ? &*view : nullptr), m_desk.keys(), m_desk.clock().now());
    if (!plan) return propagate(plan.error());
    out.plan = std::move(*plan);
    out.summary = summarize(m_map, out.plan);
    json details{{"subjects", subjects_json(m_desk, *ids)},
                 {"records_found", out.plan.records_found},
                 {"rows_to_delete", total(out.plan, &ErasureStep::rows_to_delete)},
                 {"rows_to_change", total(out.plan, &ErasureStep::rows_to_change)},
                 {"retained", retained_json(out.plan.retained)},
                 {"held", !out.holds.empty()}};
    if (auto ok = m_desk.record_action(out.case_number, "delete-preview", "ok", details.dump()); !ok) {
      return propagate(ok.error());
    }
    return out;
  }

  Result<ErasureOutcome> erase(const ErasureRequest& r, const std::vector<SubjectIdentifier>& given) {
    ErasureOutcome out;
    // Holds are checked before a case is opened or anything is planned.
    auto known = identifiers_for_request(r, given);
    if (!known) return propagate(known.error());
    if (auto refused = refuse_if_held(*known); !refused) return propagate(refused.error());

    CaseResolution resolution{r.subjects,     r.case_number,    r.tenants, r.jurisdiction,
                              "erasure",      r.override_reason, k_erasure_serves};
    auto resolved = resolve_working_case(m_desk, resolution, given);
    if (!resolved) return propagate(resolved.error());
    const CaseView& view = resolved->view;
    out.case_number = view.c.number;
    out.ad_hoc_case = resolved->ad_hoc;
    if (!requests_erasure(view.c)) {
      return precondition("case " + view.c.number + " does not request erasure (rights: " + join_rights(view.c.rights) +
                          "); log the erasure request as its own case");
    }
    auto ids = identifiers_for(&view, given);
    if (!ids) return propagate(ids.error());
    if (auto refused = refuse_if_held(*ids, view.c.number); !refused) return propagate(refused.error());

    auto job = load_or_plan(view, r, *ids, out);
    if (!job) return propagate(job.error());
    ErasureJobRecord record = std::move(*job);

    for (auto& step : out.plan.steps) {
      if (step.done) continue;
      crash_point();
      if (auto ok = execute_step(m_map, step); !ok) {
        out.failed_steps.push_back({step.system, step.tenant, ok.error().message});
        continue;
      }
      crash_point();
      std::string action = step.rows_to_delete() > 0 ? "delete" : "anonymize";
      if (auto ok =
              m_desk.record_erasure_progress(record, plan_to_json(out.plan), ledger_for(m_desk, out.case_number, step),
                                             action, "ok", step_details(step).dump());
          !ok) {
        return propagate(ok.error());
      }
      crash_point();
    }
    if (!out.failed_steps.empty()) {
      out.summary = summarize(m_map, out.plan);
      return out;
    }
    return prove(view, r, *ids, std::move(record), std::move(out));
  }

 private:
  static std::size_t total(const ErasurePlan& plan, std::size_t (ErasureStep::*count)() const) {
    std::size_t n = 0;
    for (const auto& s : plan.steps) n += (s.*count)();
    return n;
  }

  LocateScope scope(const ErasureRequest& r, const CaseView* view) const {
    LocateScope s{r.tenants};
    if (s.tenants.empty() && view) s.tenants = view->c.tenants;
    return s;
  }

  Result<std::vector<SubjectIdentifier>> identifiers_for_request(const ErasureRequest& r,
                                                                 const std::vector<SubjectIdentifier>& given) {
    if (!r.case_number) return identifiers_for(nullptr, given);
    auto found = m_desk.find(*r.case_number);
    if (!found) return propagate(found.error());
    return identifiers_for(&*found, given);
  }

  Status refuse_if_held(const std::vector<SubjectIdentifier>& ids, const std::string& case_number = "") {
    auto holds = m_desk.active_holds_for(ids);
    if (!holds) return propagate(holds.error());
    if (holds->empty()) return {};
    json held = json::array();
    std::string text;
    for (const auto& h : *holds) {
      held.push_back({{"hold", h.id}, {"reason", h.reason}});
      text += (text.empty() ? "" : ", ") + std::string("#") + std::to_string(h.id) + " (" + h.reason + ")";
    }
    json details{{"subjects", subjects_json(m_desk, ids)}, {"holds", held}};
    if (auto ok = m_desk.record_action(case_number, "delete", "refused", details.dump()); !ok) return ok;
    return precondition("erasure refused: the subject is under legal hold " + text +
                        "; nothing was changed. Release the hold (maestro hold release) once it no longer applies, "
                        "and tell the requester what is kept and why");
  }

  // Resumes the case's unfinished erasure, or plans a new one and stores it before any change.
  Result<ErasureJobRecord> load_or_plan(const CaseView& view, const ErasureRequest& r,
                                        const std::vector<SubjectIdentifier>& ids, ErasureOutcome& out) {
    auto existing = m_desk.erasure_job(view.c.number);
    if (!existing) return propagate(existing.error());
    if (*existing && (*existing)->first.state == k_running) {
      auto plan = plan_from_json((*existing)->second);
      if (!plan) return propagate(plan.error());
      out.plan = std::move(*plan);
      out.resumed = true;
      return (*existing)->first;
    }
    auto plan = plan_erasure(m_map, ids, scope(r, &view), m_desk.keys(), m_desk.clock().now());
    if (!plan) return propagate(plan.error());
    out.plan = std::move(*plan);
    if (!out.plan.unsearched.empty()) {
      // Erasing part of a person's data and calling it done would be worse than waiting.
      std::string names;
      for (const auto& f : out.plan.unsearched) names += (names.empty() ? "" : "; ") + f.system + " (" + f.message + ")";
      return fail(ErrorCode::unavailable, "cannot plan the erasure: store(s) " + names +
                                              " could not be searched; nothing was changed. Try again when they are "
                                              "reachable");
    }
    ErasureJobRecord record{view.c.number, m_desk.clock().now(), k_running, ""};
    json details{{"subjects", subjects_json(m_desk, ids)},
                 {"records_found", out.plan.records_found},
                 {"steps", out.plan.steps.size()},
                 {"rows_to_delete", total(out.plan, &ErasureStep::rows_to_delete)},
                 {"rows_to_change", total(out.plan, &ErasureStep::rows_to_change)},
                 {"retained", retained_json(out.plan.retained)}};
    if (auto ok =
            m_desk.record_erasure_progress(record, plan_to_json(out.plan), {}, "delete-plan", "ok", details.dump());
        !ok) {
      return propagate(ok.error());
    }
    return record;
  }

  Result<ErasureOutcome> prove(const CaseView& view, const ErasureRequest& r, const std::vector<SubjectIdentifier>& ids,
                               ErasureJobRecord record, ErasureOutcome out) {
    auto proof = prove_erasure(m_map, out.plan, ids, scope(r, &view));
    if (!proof) return propagate(proof.error());
    out.proof = std::move(*proof);
    // Systems without a connector are part of the proof once their owners confirm by hand.
    std::set<std::string> by_hand;  // APIs that cannot erase some of the records: their owners can
    for (const auto& b : out.plan.by_hand) {
      if (const Collection* c = m_map.collection(b.collection)) by_hand.insert(c->system);
    }
    auto manual = m_desk.manual_tasks_for(view, m_map, "erase", by_hand);
    if (!manual) return propagate(manual.error());
    out.manual = std::move(*manual);
    for (const auto& t : out.manual.tasks) {
      if (!t.done_at) out.proof->manual_pending.push_back(t.system + " (task #" + std::to_string(t.id) + ")");
    }
    out.summary = summarize(m_map, out.plan);
    // Once proven, the plan's keys and values are personal data with no further use.
    out.plan = strip_personal_data(out.plan);
    record.state = k_complete;
    std::size_t rows_deleted = 0, rows_changed = 0;
    for (const auto& s : out.plan.steps) {
      rows_deleted += s.applied.rows_deleted;
      rows_changed += s.applied.rows_changed;
    }
    json details{{"rows_deleted", rows_deleted},
                 {"rows_changed", rows_changed},
                 {"verified_rows", out.proof->verified_rows},
                 {"remaining", out.proof->remaining},
                 {"remaining_in", out.proof->remaining_in},
                 {"unsearched", out.proof->unsearched.size()},
                 {"manual_pending", out.proof->manual_pending.size()},
                 {"retained", retained_json(out.proof->retained)}};
    std::string result = out.proof->clean() ? "clean" : "incomplete";
    if (auto ok = m_desk.record_erasure_progress(record, plan_to_json(out.plan), {}, "erasure-proof", result,
                                                 details.dump(), WorkOutcome{m_desk.clock().now(), "erasure", result});
        !ok) {
      return propagate(ok.error());
    }
    return out;
  }

  Desk& m_desk;
  const DataMap& m_map;
};

}  // namespace

Result<ErasureOutcome> erase_subject(Desk& desk, const DataMap& map, const ErasureRequest& r) {
  auto given = parse_subjects(r.subjects);
  if (!given) return propagate(given.error());
  if (given->empty() && !r.case_number) return invalid("give --subject KIND:VALUE or --case ID");
  Eraser eraser(desk, map);
  return r.preview ? eraser.preview(r, *given) : eraser.erase(r, *given);
}

Result<ReplayOutcome> replay_erasures(Desk& desk, const DataMap& map, Instant since, bool preview) {
  ReplayOutcome out;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, LedgerKeys> grouped;
  Status read = desk.erasure_ledger(since, [&](const LedgerEntry& e) -> Status {
    ++out.ledger_entries;
    auto& keys = grouped[{e.system, e.tenant, e.collection, e.key_field}];
    keys.system = e.system;
    keys.tenant = e.tenant;
    keys.collection = e.collection;
    keys.key_field = e.key_field;
    keys.pseudonyms.insert(e.key_pseudonym);
    return {};
  });
  if (!read) return propagate(read.error());
  std::vector<LedgerKeys> ledger;
  for (auto& [key, keys] : grouped) ledger.push_back(std::move(keys));
  auto plan = plan_replay(map, ledger, desk.keys(), desk.clock().now());
  if (!plan) return propagate(plan.error());
  for (const auto& f : plan->unsearched) out.failed_steps.push_back({f.system, f.tenant, f.message});
  if (!preview) {
    for (auto& step : plan->steps) {
      if (auto ok = execute_step(map, step); !ok) {
        out.failed_steps.push_back({step.system, step.tenant, ok.error().message});
        continue;
      }
      out.rows_deleted += step.applied.rows_deleted;
      out.rows_changed += step.applied.rows_changed;
    }
  }
  out.summary = summarize(map, *plan);
  json details{{"since", format_instant(since)},
               {"ledger_entries", out.ledger_entries},
               {"preview", preview},
               {"rows_deleted", out.rows_deleted},
               {"rows_changed", out.rows_changed},
               {"failed_stores", out.failed_steps.size()}};
  if (auto ok = desk.record_action("", "backup-replay", out.failed_steps.empty() ? "ok" : "partial", details.dump());
      !ok) {
    return propagate(ok.error());
  }
  return out;
}

}  // namespace maestro
