// Erasure plans, legal holds and the erasure ledger (keyed hashes of erased keys).
#include "store/sql_case_store.hpp"

namespace maestro {

namespace {

using namespace sql_rows;



}  // namespace

Status SqlCaseStore::save_erasure_job(const ErasureJobRecord& job) {
  Statement put(m_db,
                "INSERT INTO erasure_jobs(case_number, started_at, state, plan) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT(case_number) DO UPDATE SET started_at = excluded.started_at, state = excluded.state, "
                "plan = excluded.plan");
  put.bind(1, job.case_number).bind(2, format_instant(job.started_at)).bind(3, job.state);
  put.bind_blob(4, job.sealed_plan);
  if (put.step() != Step::done) return propagate(error("cannot save the erasure plan of " + job.case_number));
  return {};
}

Result<std::optional<ErasureJobRecord>> SqlCaseStore::load_erasure_job(std::string_view case_number) {
  Statement q(m_db, "SELECT case_number, started_at, state, plan FROM erasure_jobs WHERE case_number = ?1");
  q.bind(1, case_number);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<ErasureJobRecord>{};
  if (rc != Step::row) return propagate(error("cannot read the erasure plan"));
  auto at = parse_instant(q.text(1));
  if (!at) return fail(ErrorCode::data_loss, "the erasure plan of " + q.text(0) + " has a corrupt date");
  return std::optional<ErasureJobRecord>{ErasureJobRecord{q.text(0), *at, q.text(2), q.blob(3).value_or("")}};
}

Result<std::int64_t> SqlCaseStore::add_hold(const LegalHold& hold) {
  Statement put(m_db,
                "INSERT INTO legal_holds(created_at, created_by, reason, details) VALUES (?1, ?2, ?3, ?4) "
                "RETURNING id");
  put.bind(1, format_instant(hold.created_at)).bind(2, hold.created_by).bind(3, hold.reason);
  put.bind_blob(4, hold.sealed_details);
  if (put.step() != Step::row) return propagate(error("cannot record the legal hold"));
  std::int64_t id = put.integer(0);
  for (const auto& pseudonym : hold.pseudonyms) {
    Statement link(m_db, "INSERT INTO legal_hold_subjects(hold_id, pseudonym) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    link.bind(1, id).bind(2, pseudonym);
    if (link.step() != Step::done) return propagate(error("cannot record the legal hold"));
  }
  return id;
}

Status SqlCaseStore::release_hold(std::int64_t id, Instant at, const std::string& by) {
  Statement q(m_db,
              "UPDATE legal_holds SET released_at = ?2, released_by = ?3 WHERE id = ?1 AND released_at IS NULL");
  q.bind(1, id).bind(2, format_instant(at)).bind(3, by);
  if (q.step() != Step::done) return propagate(error("cannot release the legal hold"));
  if (m_db.changes() == 0) return not_found("no active legal hold #" + std::to_string(id));
  return {};
}

Result<std::vector<LegalHold>> SqlCaseStore::load_holds() {
  Statement q(m_db,
              "SELECT id, created_at, created_by, reason, details, released_at, released_by FROM legal_holds "
              "ORDER BY id");
  std::vector<LegalHold> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    LegalHold h;
    h.id = q.integer(0);
    auto created = parse_instant(q.text(1));
    if (!created) return fail(ErrorCode::data_loss, "legal hold #" + std::to_string(h.id) + " has a corrupt date");
    h.created_at = *created;
    h.created_by = q.text(2);
    h.reason = q.text(3);
    h.sealed_details = q.blob(4).value_or("");
    if (auto released = q.optional_text(5)) {
      auto at = parse_instant(*released);
      if (!at) return fail(ErrorCode::data_loss, "legal hold #" + std::to_string(h.id) + " has a corrupt date");
      h.released_at = *at;
    }
    h.released_by = q.optional_text(6).value_or("");
    Statement subjects(m_db, "SELECT pseudonym FROM legal_hold_subjects WHERE hold_id = ?1 ORDER BY pseudonym");
    subjects.bind(1, h.id);
    while (subjects.step() == Step::row) h.pseudonyms.push_back(subjects.text(0));
    out.push_back(std::move(h));
  }
  if (rc != Step::done) return propagate(error("cannot read legal holds"));
  return out;
}

Status SqlCaseStore::append_ledger(const LedgerEntry& e) {
  Statement put(m_db,
                "INSERT INTO erasure_ledger(at, case_number, system, tenant, collection, key_field, key_pseudonym, "
                "action) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  put.bind(1, format_instant(e.at)).bind(2, e.case_number).bind(3, e.system).bind(4, e.tenant);
  put.bind(5, e.collection).bind(6, e.key_field).bind(7, e.key_pseudonym).bind(8, e.action);
  if (put.step() != Step::done) return propagate(error("cannot append to the erasure ledger"));
  return {};
}

Status SqlCaseStore::for_each_ledger_entry(Instant since, const std::function<Status(const LedgerEntry&)>& visit) {
  Statement q(m_db,
              "SELECT sequence, at, case_number, system, tenant, collection, key_field, key_pseudonym, action "
              "FROM erasure_ledger WHERE at >= ?1 ORDER BY sequence");
  q.bind(1, format_instant(since));
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto at = parse_instant(q.text(1));
    if (!at) return fail(ErrorCode::data_loss, "the erasure ledger has a corrupt date");
    LedgerEntry e{q.integer(0), *at, q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7), q.text(8)};
    if (auto ok = visit(e); !ok) return ok;
  }
  if (rc != Step::done) return propagate(error("cannot read the erasure ledger"));
  return {};
}

}  // namespace maestro
