#include "desk/erasure_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

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
    auto work = open_work(r, given);
    if (!work) return propagate(work.error());
    Work& w = *work;
    if (!w.record) {
      auto planned = plan_erasure(m_map, w.ids, scope(r, &w.view), m_desk.keys(), m_desk.clock().now());
      if (!planned) return propagate(planned.error());
      auto record = record_plan(w, std::move(*planned));
      if (!record) return propagate(record.error());
    }
    for (auto& step : w.out.plan.steps) {
      if (step.done) continue;
      crash_point();
      if (auto ok = execute_step(m_map, step); !ok) {
        w.out.failed_steps.push_back({step.system, step.tenant, ok.error().message});
        continue;
      }
      if (auto ok = record_step(w, step); !ok) return propagate(ok.error());
    }
    if (!w.out.failed_steps.empty()) {
      w.out.summary = summarize(m_map, w.out.plan);
      return std::move(w.out);
    }
    auto proof = prove_erasure(m_map, w.out.plan, w.ids, scope(r, &w.view));
    if (!proof) return propagate(proof.error());
    return conclude(w, std::move(*proof));
  }

  // Several cases' erasures, the stores searched, changed and searched again once for all.
  Result<BatchErasureOutcome> erase_together(const std::vector<ErasureRequest>& requests) {
    BatchErasureOutcome outcome;
    std::vector<Work> works;
    for (const auto& r : requests) {
      auto given = parse_subjects(r.subjects);
      auto work = given ? open_work(r, *given) : Result<Work>(propagate(given.error()));
      if (!work) {
        outcome.refused.push_back({r.case_number.value_or(""), work.error().message});
        continue;
      }
      works.push_back(std::move(*work));
    }
    if (auto ok = plan_together(works, outcome); !ok) return propagate(ok.error());
    if (auto ok = execute_together(works); !ok) return propagate(ok.error());
    if (auto ok = prove_together(works, outcome); !ok) return propagate(ok.error());
    return outcome;
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

  // One case's erasure on its way: the case, the person's identifiers, the outcome so far, and
  // its job record once its plan is stored.
  struct Work {
    ErasureRequest request;
    CaseView view;
    std::vector<SubjectIdentifier> ids;
    ErasureOutcome out;
    std::optional<ErasureJobRecord> record;
  };

  // Finds or opens the working case and checks it may be erased; resumes its unfinished plan.
  Result<Work> open_work(const ErasureRequest& r, const std::vector<SubjectIdentifier>& given) {
    // Holds are checked before a case is opened or anything is planned.
    auto known = identifiers_for_request(r, given);
    if (!known) return propagate(known.error());
    if (auto refused = refuse_if_held(*known); !refused) return propagate(refused.error());

    CaseResolution resolution{r.subjects,     r.case_number,    r.tenants, r.jurisdiction,
                              "erasure",      r.override_reason, k_erasure_serves};
    auto resolved = resolve_working_case(m_desk, resolution, given);
    if (!resolved) return propagate(resolved.error());
    Work w{r, std::move(resolved->view), {}, {}, std::nullopt};
    w.out.case_number = w.view.c.number;
    w.out.ad_hoc_case = resolved->ad_hoc;
    if (!requests_erasure(w.view.c)) {
      return precondition("case " + w.view.c.number + " does not request erasure (rights: " +
                          join_rights(w.view.c.rights) + "); log the erasure request as its own case");
    }
    auto ids = identifiers_for(&w.view, given);
    if (!ids) return propagate(ids.error());
    w.ids = std::move(*ids);
    if (auto refused = refuse_if_held(w.ids, w.view.c.number); !refused) return propagate(refused.error());
    auto existing = m_desk.erasure_job(w.view.c.number);
    if (!existing) return propagate(existing.error());
    if (*existing && (*existing)->first.state == k_running) {
      auto plan = plan_from_json((*existing)->second);
      if (!plan) return propagate(plan.error());
      w.out.plan = std::move(*plan);
      w.out.resumed = true;
      w.record = (*existing)->first;
    }
    return w;
  }

  // Stores a new plan before anything changes; a plan with a store unsearched is refused.
  Status record_plan(Work& w, ErasurePlan plan) {
    w.out.plan = std::move(plan);
    if (!w.out.plan.unsearched.empty()) {
      // Erasing part of a person's data and calling it done would be worse than waiting.
      std::string names;
      for (const auto& f : w.out.plan.unsearched)
        names += (names.empty() ? "" : "; ") + f.system + " (" + f.message + ")";
      return fail(ErrorCode::unavailable, "cannot plan the erasure: store(s) " + names +
                                              " could not be searched; nothing was changed. Try again when they are "
                                              "reachable");
    }
    ErasureJobRecord record{w.view.c.number, m_desk.clock().now(), k_running, ""};
    const ErasurePlan& p = w.out.plan;
    json details{{"subjects", subjects_json(m_desk, w.ids)},
                 {"records_found", p.records_found},
                 {"steps", p.steps.size()},
                 {"rows_to_delete", total(p, &ErasureStep::rows_to_delete)},
                 {"rows_to_change", total(p, &ErasureStep::rows_to_change)},
                 {"retained", retained_json(p.retained)}};
    if (auto ok = m_desk.record_erasure_progress(record, plan_to_json(p), {}, "delete-plan", "ok", details.dump());
        !ok) {
      return ok;
    }
    w.record = record;
    return {};
  }

  // A step that ran: recorded done, with its ledger entries and audit event.
  Status record_step(Work& w, const ErasureStep& step) {
    crash_point();
    std::string action = step.rows_to_delete() > 0 ? "delete" : "anonymize";
    if (auto ok = m_desk.record_erasure_progress(*w.record, plan_to_json(w.out.plan),
                                                 ledger_for(m_desk, w.out.case_number, step), action, "ok",
                                                 step_details(step).dump());
        !ok) {
      return ok;
    }
    crash_point();
    return {};
  }

  // Plans the cases that have no plan yet together, those of the same tenant scope in one search.
  Status plan_together(std::vector<Work>& works, BatchErasureOutcome& outcome) {
    std::map<std::vector<std::string>, std::vector<std::size_t>> by_scope;
    for (std::size_t i = 0; i < works.size(); ++i)
      if (!works[i].record) by_scope[scope(works[i].request, &works[i].view).tenants].push_back(i);
    std::set<std::size_t> refused;
    for (const auto& scope_members : by_scope) {
      const auto& tenants = scope_members.first;
      const auto& members = scope_members.second;  // named, not bound: the lambda below uses it
      std::vector<std::vector<SubjectIdentifier>> people;
      for (std::size_t i : members) people.push_back(works[i].ids);
      auto plans = plan_erasures(m_map, people, LocateScope{tenants}, m_desk.keys(), m_desk.clock().now());
      if (!plans) return propagate(plans.error());
      // Every plan is stored before anything changes, in one commit.
      Status stored = m_desk.in_one_transaction([&]() -> Status {
        for (std::size_t k = 0; k < members.size(); ++k) {
          Work& w = works[members[k]];
          if (auto ok = record_plan(w, std::move((*plans)[k])); !ok) {
            if (ok.error().code != ErrorCode::unavailable) return ok;
            outcome.refused.push_back({w.out.case_number, ok.error().message});
            refused.insert(members[k]);
          }
        }
        return {};
      });
      if (!stored) return stored;
    }
    std::vector<Work> kept;
    for (std::size_t i = 0; i < works.size(); ++i)
      if (!refused.contains(i)) kept.push_back(std::move(works[i]));
    works = std::move(kept);
    return {};
  }

  // Each store is changed once for every case's step there; each case records its own step.
  Status execute_together(std::vector<Work>& works) {
    std::map<std::pair<std::string, std::string>, std::vector<std::pair<Work*, ErasureStep*>>> by_store;
    for (auto& w : works)
      for (auto& step : w.out.plan.steps)
        if (!step.done) by_store[{step.system, step.tenant}].push_back({&w, &step});
    for (auto& store_members : by_store) {
      const auto& store = store_members.first;
      auto& members = store_members.second;  // named, not bound: the lambda below uses it
      std::vector<ErasureStep*> steps;
      for (auto& [w, step] : members) steps.push_back(step);
      crash_point();
      if (auto ok = execute_steps_together(m_map, steps); !ok) {
        for (auto& [w, step] : members) w->out.failed_steps.push_back({store.first, store.second, ok.error().message});
        continue;
      }
      Status recorded = m_desk.in_one_transaction([&]() -> Status {
        for (auto& [w, step] : members)
          if (auto ok = record_step(*w, *step); !ok) return ok;
        return {};
      });
      if (!recorded) return recorded;
    }
    return {};
  }

  // The cases whose every step is done are proven together, per tenant scope.
  Status prove_together(std::vector<Work>& works, BatchErasureOutcome& outcome) {
    std::map<std::vector<std::string>, std::vector<Work*>> by_scope;
    for (auto& w : works) {
      if (!w.out.failed_steps.empty()) {
        w.out.summary = summarize(m_map, w.out.plan);
        outcome.cases.push_back(std::move(w.out));
        continue;
      }
      by_scope[scope(w.request, &w.view).tenants].push_back(&w);
    }
    for (const auto& scope_members : by_scope) {
      const auto& tenants = scope_members.first;
      const auto& members = scope_members.second;  // named, not bound: the lambda below uses it
      std::vector<const ErasurePlan*> plans;
      std::vector<std::vector<SubjectIdentifier>> people;
      for (Work* w : members) {
        plans.push_back(&w->out.plan);
        people.push_back(w->ids);
      }
      auto proofs = prove_erasures(m_map, plans, people, LocateScope{tenants});
      if (!proofs) return propagate(proofs.error());
      std::vector<ErasureOutcome> concluded;
      Status recorded = m_desk.in_one_transaction([&]() -> Status {
        for (std::size_t k = 0; k < members.size(); ++k) {
          auto done = conclude(*members[k], std::move((*proofs)[k]));
          if (!done) return propagate(done.error());
          concluded.push_back(std::move(*done));
        }
        return {};
      });
      if (!recorded) return recorded;
      for (auto& c : concluded) outcome.cases.push_back(std::move(c));
    }
    return {};
  }

  // Records the proof: manual systems join it, the plan loses its personal data, the job ends.
  Result<ErasureOutcome> conclude(Work& w, ErasureProof proof) {
    ErasureOutcome& out = w.out;
    out.proof = std::move(proof);
    // Systems without a connector are part of the proof once their owners confirm by hand.
    std::set<std::string> by_hand;  // APIs that cannot erase some of the records: their owners can
    for (const auto& b : out.plan.by_hand) {
      if (const Collection* c = m_map.collection(b.collection)) by_hand.insert(c->system);
    }
    auto manual = m_desk.manual_tasks_for(w.view, m_map, "erase", by_hand);
    if (!manual) return propagate(manual.error());
    out.manual = std::move(*manual);
    for (const auto& t : out.manual.tasks) {
      if (!t.done_at) out.proof->manual_pending.push_back(t.system + " (task #" + std::to_string(t.id) + ")");
    }
    out.summary = summarize(m_map, out.plan);
    // Once proven, the plan's keys and values are personal data with no further use.
    out.plan = strip_personal_data(out.plan);
    ErasureJobRecord record = *w.record;
    record.state = k_complete;
    std::size_t rows_deleted = 0, rows_changed = 0;
    for (const auto& s : out.plan.steps) {
      rows_deleted += s.applied.rows_deleted;
      rows_changed += s.applied.rows_changed;
    }
    json details{{"rows_deleted", rows_deleted},
                 {"rows_changed", rows_changed},
                 {"verified_rows", out.proof->verified_rows},
                 {"sent_by_identifier", out.proof->sent_by_identifier},
                 {"sent_to", out.proof->sent_to},
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
    return std::move(out);
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

Result<std::optional<std::string>> erasure_proven_since(Desk& desk, const std::string& case_number, Instant since) {
  auto existing = desk.erasure_job(case_number);
  if (!existing) return propagate(existing.error());
  if (!*existing || (*existing)->first.state != k_complete || (*existing)->first.started_at < since)
    return std::optional<std::string>{};
  auto view = desk.find(case_number);
  if (!view) return propagate(view.error());
  for (auto it = view->c.outcomes.rbegin(); it != view->c.outcomes.rend(); ++it) {
    if (it->work == "erasure" && it->at >= since) return std::optional<std::string>{it->result};
  }
  return std::optional<std::string>{};
}

Result<std::vector<std::string>> cases_waiting_for_erasure(Desk& desk) {
  auto open = desk.list(CaseQuery{});
  if (!open) return propagate(open.error());
  std::vector<std::string> waiting;
  for (const auto& v : *open) {
    if (!requests_erasure(v.c) || v.c.personal_data_purged_at) continue;
    if (v.c.state != CaseState::verified && v.c.state != CaseState::in_progress) continue;
    auto job = desk.erasure_job(v.c.number);
    if (!job) return propagate(job.error());
    if (*job && (*job)->first.state == k_complete) continue;
    waiting.push_back(v.c.number);
  }
  return waiting;
}

Result<BatchErasureOutcome> erase_cases(Desk& desk, const DataMap& map, const std::vector<ErasureRequest>& requests) {
  for (const auto& r : requests) {
    if (r.preview) return invalid("a batch of erasures cannot be a preview: preview each case with dsar delete");
  }
  Eraser eraser(desk, map);
  return eraser.erase_together(requests);
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
