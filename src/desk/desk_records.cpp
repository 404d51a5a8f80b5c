// The desk's stored records besides cases: legal holds, sealed erasure plans, the erasure ledger,
// the outbox and one-time verification codes. Every change is one store transaction with its audit event.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/text.hpp"
#include "desk/desk.hpp"

namespace maestro {

using nlohmann::json;

const std::vector<std::string>& hold_reasons() {
  static const std::vector<std::string> reasons{"legal-hold",      "litigation",   "regulatory-requirement",
                                                "active-contract", "legal-claims", "investigation"};
  return reasons;
}

namespace {

constexpr std::size_t k_max_details_length = 2000;

json pseudonym_list(const std::vector<std::string>& pseudonyms) {
  return json(pseudonyms);
}

}  // namespace

Result<std::int64_t> Desk::add_hold(const std::vector<SubjectIdentifier>& subjects, std::string_view reason,
                                    std::string_view details) {
  if (subjects.empty()) return invalid("a legal hold needs at least one --subject");
  const auto& reasons = hold_reasons();
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
    std::string known;
    for (const auto& r : reasons) known += (known.empty() ? "" : ", ") + r;
    return invalid("unknown hold reason '" + std::string(reason) + "' (use one of: " + known + ")");
  }
  if (details.size() > k_max_details_length) return invalid("hold details are limited to 2000 characters");
  LegalHold hold;
  hold.created_at = m_clock.now();
  hold.created_by = m_actor;
  hold.reason = std::string(reason);
  hold.sealed_details = m_keys.seal(details);
  for (const auto& id : subjects) hold.pseudonyms.push_back(m_keys.pseudonym(id.canonical()));
  std::int64_t id = 0;
  Status done = m_store.transaction([&]() -> Status {
    auto added = m_store.add_hold(hold);
    if (!added) return propagate(added.error());
    id = *added;
    json d{{"hold", id}, {"reason", hold.reason}, {"subjects", pseudonym_list(hold.pseudonyms)}};
    return append_audit("", "hold-add", "ok", d.dump());
  });
  if (!done) return propagate(done.error());
  return id;
}

Status Desk::release_hold(std::int64_t id) {
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.release_hold(id, m_clock.now(), m_actor); !ok) return ok;
    return append_audit("", "hold-release", "ok", json{{"hold", id}}.dump());
  });
}

Result<std::vector<HoldView>> Desk::list_holds(bool include_released) {
  auto holds = m_store.load_holds();
  if (!holds) return propagate(holds.error());
  std::vector<HoldView> out;
  for (auto& h : *holds) {
    if (h.released_at && !include_released) continue;
    auto details = m_keys.open(h.sealed_details);
    if (!details) return propagate(details.error());
    out.push_back({std::move(h), std::move(*details)});
  }
  return out;
}

Status Desk::save_drop_item(const DropItem& item) { return m_store.save_drop_item(item); }

Status Desk::save_drop_items(const std::vector<DropItem>& items) {
  return m_store.transaction([&]() -> Status {
    for (const auto& item : items) {
      if (auto ok = m_store.save_drop_item(item); !ok) return ok;
    }
    return {};
  });
}

Result<std::optional<DropItem>> Desk::drop_item(std::string_view id) { return m_store.drop_item(id); }

Result<std::vector<DropItem>> Desk::drop_items(std::string_view state) { return m_store.drop_items(state); }

Result<std::vector<std::string>> Desk::drop_item_ids() { return m_store.drop_item_ids(); }

Status Desk::for_each_drop_item(const std::function<Status(DropItem&)>& visit) { return m_store.for_each_drop_item(visit); }

Result<std::vector<LegalHold>> Desk::active_holds_for(const std::vector<SubjectIdentifier>& identifiers) {
  auto holds = m_store.load_holds();
  if (!holds) return propagate(holds.error());
  std::vector<std::string> wanted;
  for (const auto& id : identifiers) wanted.push_back(m_keys.pseudonym(id.canonical()));
  std::vector<LegalHold> out;
  for (auto& h : *holds) {
    if (h.released_at) continue;
    bool covers = std::any_of(h.pseudonyms.begin(), h.pseudonyms.end(), [&](const std::string& p) {
      return std::find(wanted.begin(), wanted.end(), p) != wanted.end();
    });
    if (covers) out.push_back(std::move(h));
  }
  return out;
}

Result<std::optional<std::pair<ErasureJobRecord, std::string>>> Desk::erasure_job(std::string_view case_number) {
  auto job = m_store.load_erasure_job(case_number);
  if (!job) return propagate(job.error());
  if (!*job) return std::optional<std::pair<ErasureJobRecord, std::string>>{};
  auto plan = m_keys.open((*job)->sealed_plan);
  if (!plan) return propagate(plan.error());
  return std::optional<std::pair<ErasureJobRecord, std::string>>{std::pair{**job, *plan}};
}

Status Desk::record_erasure_progress(const ErasureJobRecord& job, const std::string& plan_json,
                                     const std::vector<LedgerEntry>& ledger, std::string_view action,
                                     std::string_view outcome, const std::string& details_json,
                                     const std::optional<WorkOutcome>& work) {
  ErasureJobRecord sealed = job;
  sealed.sealed_plan = m_keys.seal(plan_json);
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.save_erasure_job(sealed); !ok) return ok;
    if (work) {
      auto c = load(job.case_number);
      if (!c) return propagate(c.error());
      c->outcomes.push_back(*work);
      if (auto ok = m_store.save_case(*c, c->personal_data_purged_at ? std::vector<std::string>{} : pseudonyms(*c));
          !ok) {
        return ok;
      }
    }
    for (const auto& entry : ledger) {
      if (auto ok = m_store.append_ledger(entry); !ok) return ok;
    }
    return append_audit(job.case_number, action, outcome, details_json);
  });
}

Status Desk::erasure_ledger(Instant since, const std::function<Status(const LedgerEntry&)>& visit) {
  return m_store.for_each_ledger_entry(since, visit);
}

Result<std::int64_t> Desk::add_message(const OutboxMessage& message, const std::string& details_json) {
  std::int64_t id = 0;
  Status done = m_store.transaction([&]() -> Status {
    auto added = m_store.add_message(message);
    if (!added) return propagate(added.error());
    id = *added;
    json d = json::parse(details_json);
    d["message"] = id;
    return append_audit(message.case_number, "mail", "queued", d.dump());
  });
  if (!done) return propagate(done.error());
  return id;
}

Status Desk::update_message(const OutboxMessage& message, std::string_view outcome, const std::string& details_json) {
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.update_message(message); !ok) return ok;
    return append_audit(message.case_number, "mail", outcome, details_json);
  });
}

Result<std::vector<OutboxMessage>> Desk::messages() {
  return m_store.load_messages();
}

Result<std::vector<OutboxMessage>> Desk::messages_of_case(std::string_view number) {
  return m_store.load_messages_of_case(number);
}

Status Desk::save_challenge(const VerificationChallenge& challenge) {
  return m_store.transaction([&] { return m_store.save_challenge(challenge); });
}

Result<std::optional<VerificationChallenge>> Desk::challenge(std::string_view case_number) {
  return m_store.load_challenge(case_number);
}

Result<CaseView> Desk::record_check(std::string_view number, std::string_view method, VerificationOutcome outcome,
                                    const std::optional<VerificationChallenge>& challenge,
                                    const std::string& extra_details) {
  return change_case(
      number, "verify",
      [&](Case& c) -> Status {
        auto state = maestro::record_verification(c, m_clock.now(), method, outcome, m_policy);
        if (!state) return propagate(state.error());
        if (challenge) return m_store.save_challenge(*challenge);
        return {};
      },
      extra_details);
}

Result<Desk::TaskOpening> Desk::manual_tasks_for(const CaseView& view, const DataMap& map, std::string_view kind,
                                                 const std::set<std::string>& also) {
  auto existing = m_store.load_tasks();
  if (!existing) return propagate(existing.error());
  TaskOpening result;
  std::vector<ManualTask>& out = result.tasks;
  Status done = m_store.transaction([&]() -> Status {
    for (const auto& system : map.systems) {
      if (system.store.type != "manual" && !also.contains(system.name)) continue;
      auto found = std::find_if(existing->begin(), existing->end(), [&](const ManualTask& t) {
        return t.case_number == view.c.number && t.system == system.name && t.kind == kind;
      });
      if (found != existing->end()) {
        out.push_back(*found);
        continue;
      }
      ManualTask task;
      task.case_number = view.c.number;
      task.system = system.name;
      task.kind = std::string(kind);
      task.owner = system.owner;
      task.created_at = m_clock.now();
      task.due = view.deadlines.internal_due;
      auto id = m_store.add_task(task);
      if (!id) return propagate(id.error());
      task.id = *id;
      json d{{"task", task.id}, {"system", task.system}, {"kind", task.kind}, {"due", format_date(task.due)}};
      if (auto ok = append_audit(view.c.number, "task-open", "ok", d.dump()); !ok) return ok;
      result.opened.push_back(task.id);
      out.push_back(std::move(task));
    }
    return {};
  });
  if (!done) return propagate(done.error());
  return result;
}

Result<ManualTask> Desk::complete_task(std::int64_t id, std::string_view note) {
  std::string text = trim(note);
  if (text.size() < 5 || text.size() > k_max_details_length) {
    return invalid("describe what was done (at least 5 characters), e.g. 'Deleted from the paper archive, box 12'");
  }
  auto all = m_store.load_tasks();
  if (!all) return propagate(all.error());
  auto it = std::find_if(all->begin(), all->end(), [&](const ManualTask& t) { return t.id == id; });
  if (it == all->end()) return not_found("no task #" + std::to_string(id));
  if (it->done_at) return precondition("task #" + std::to_string(id) + " is already done");
  ManualTask task = *it;
  task.done_at = m_clock.now();
  task.done_by = m_actor;
  task.sealed_note = m_keys.seal(text);
  Status done = m_store.transaction([&]() -> Status {
    if (auto ok = m_store.update_task(task); !ok) return ok;
    json d{{"task", task.id}, {"system", task.system}, {"kind", task.kind}};
    return append_audit(task.case_number, "task-done", "ok", d.dump());
  });
  if (!done) return propagate(done.error());
  return task;
}

Status Desk::task_reminded(ManualTask task) {
  task.reminded_at = m_clock.now();
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.update_task(task); !ok) return ok;
    json d{{"task", task.id}, {"system", task.system}, {"due", format_date(task.due)}};
    return append_audit(task.case_number, "task-remind", "ok", d.dump());
  });
}

Result<std::vector<ManualTask>> Desk::tasks() {
  return m_store.load_tasks();
}

Result<std::string> Desk::task_note(const ManualTask& task) const {
  if (task.sealed_note.empty()) return std::string();
  return m_keys.open(task.sealed_note);
}

}  // namespace maestro
