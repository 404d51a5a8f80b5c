// Letters in the outbox, manual tasks, and emailed verification codes (keyed hashes only).
#include "store/sql_case_store.hpp"

namespace maestro {

namespace {

using namespace sql_rows;

void bind_task(Statement& put, const ManualTask& t) {
  put.bind(1, t.case_number).bind(2, t.system).bind(3, t.kind).bind(4, t.owner);
  put.bind(5, format_instant(t.created_at)).bind(6, format_date(t.due));
  put.bind_optional(7, t.done_at ? std::optional<std::string>(format_instant(*t.done_at)) : std::nullopt);
  put.bind(8, t.done_by).bind_blob(9, t.sealed_note);
  put.bind_optional(10, t.reminded_at ? std::optional<std::string>(format_instant(*t.reminded_at)) : std::nullopt);
}

void bind_message(Statement& put, const OutboxMessage& m) {
  put.bind(1, m.case_number).bind(2, m.letter).bind(3, format_instant(m.created_at)).bind(4, m.state);
  put.bind(5, std::int64_t{m.attempts}).bind(6, format_instant(m.next_attempt_at));
  put.bind_optional(7, m.sent_at ? std::optional<std::string>(format_instant(*m.sent_at)) : std::nullopt);
  put.bind(8, m.last_error).bind_blob(9, m.sealed);
}

}  // namespace

Status SqlCaseStore::save_challenge(const VerificationChallenge& c) {
  Statement put(m_db,
                "INSERT INTO verification_challenges(case_number, code_mac, created_at, expires_at, used_at) "
                "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(case_number) DO UPDATE SET code_mac = excluded.code_mac, "
                "created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = excluded.used_at");
  put.bind(1, c.case_number).bind(2, c.code_mac).bind(3, format_instant(c.created_at));
  put.bind(4, format_instant(c.expires_at));
  put.bind_optional(5, c.used_at ? std::optional<std::string>(format_instant(*c.used_at)) : std::nullopt);
  if (put.step() != Step::done) return propagate(error("cannot save the verification code"));
  return {};
}

Result<std::optional<VerificationChallenge>> SqlCaseStore::load_challenge(std::string_view case_number) {
  Statement q(m_db,
              "SELECT case_number, code_mac, created_at, expires_at, used_at FROM verification_challenges "
              "WHERE case_number = ?1");
  q.bind(1, case_number);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<VerificationChallenge>{};
  if (rc != Step::row) return propagate(error("cannot read the verification code"));
  VerificationChallenge c;
  c.case_number = q.text(0);
  c.code_mac = q.text(1);
  auto created = instant_column(q, 2);
  auto expires = instant_column(q, 3);
  if (!created || !expires) return fail(ErrorCode::data_loss, "a verification code has a corrupt date");
  c.created_at = *created;
  c.expires_at = *expires;
  if (q.optional_text(4)) {
    auto used = instant_column(q, 4);
    if (!used) return fail(ErrorCode::data_loss, "a verification code has a corrupt date");
    c.used_at = *used;
  }
  return std::optional<VerificationChallenge>{c};
}

Result<std::int64_t> SqlCaseStore::add_message(const OutboxMessage& m) {
  Statement put(m_db,
                "INSERT INTO outbox(case_number, letter, created_at, state, attempts, next_attempt_at, sent_at, "
                "last_error, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id");
  bind_message(put, m);
  if (put.step() != Step::row) return propagate(error("cannot add to the outbox"));
  return put.integer(0);
}

Status SqlCaseStore::update_message(const OutboxMessage& m) {
  Statement put(m_db,
                "UPDATE outbox SET case_number = ?1, letter = ?2, created_at = ?3, state = ?4, attempts = ?5, "
                "next_attempt_at = ?6, sent_at = ?7, last_error = ?8, message = ?9 WHERE id = ?10");
  bind_message(put, m);
  put.bind(10, m.id);
  if (put.step() != Step::done) return propagate(error("cannot update the outbox"));
  return {};
}

Result<bool> SqlCaseStore::claim_message(std::int64_t id) {
  Statement put(m_db, "UPDATE outbox SET state = 'sending' WHERE id = ?1 AND state = 'pending'");
  put.bind(1, id);
  if (put.step() != Step::done) return propagate(error("cannot update the outbox"));
  return m_db.changes() == 1;
}

Result<std::vector<OutboxMessage>> SqlCaseStore::load_messages() { return read_messages(""); }

Result<std::vector<OutboxMessage>> SqlCaseStore::load_messages_of_case(std::string_view case_number) {
  return read_messages(case_number);
}

// Every message, or one case's (`case_number` not empty), oldest first.
Result<std::vector<OutboxMessage>> SqlCaseStore::read_messages(std::string_view case_number) {
  std::string sql =
      "SELECT id, case_number, letter, created_at, state, attempts, next_attempt_at, sent_at, last_error, "
      "message FROM outbox";
  if (!case_number.empty()) sql += " WHERE case_number = ?1";
  Statement q(m_db, sql + " ORDER BY id");
  if (!case_number.empty()) q.bind(1, std::string(case_number));
  std::vector<OutboxMessage> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    OutboxMessage m;
    m.id = q.integer(0);
    m.case_number = q.text(1);
    m.letter = q.text(2);
    auto created = instant_column(q, 3);
    auto next = instant_column(q, 6);
    if (!created || !next)
      return fail(ErrorCode::data_loss, "outbox message #" + std::to_string(m.id) + " has a corrupt date");
    m.created_at = *created;
    m.state = q.text(4);
    m.attempts = static_cast<int>(q.integer(5));
    m.next_attempt_at = *next;
    if (q.optional_text(7)) {
      auto sent = instant_column(q, 7);
      if (!sent) return fail(ErrorCode::data_loss, "outbox message #" + std::to_string(m.id) + " has a corrupt date");
      m.sent_at = *sent;
    }
    m.last_error = q.text(8);
    m.sealed = q.blob(9).value_or("");
    out.push_back(std::move(m));
  }
  if (rc != Step::done) return propagate(error("cannot read the outbox"));
  return out;
}

Result<std::int64_t> SqlCaseStore::add_task(const ManualTask& t) {
  Statement put(m_db,
                "INSERT INTO manual_tasks(case_number, system, kind, owner, created_at, due, done_at, done_by, note, "
                "reminded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id");
  bind_task(put, t);
  if (put.step() != Step::row) return propagate(error("cannot add the task"));
  return put.integer(0);
}

Status SqlCaseStore::update_task(const ManualTask& t) {
  Statement put(m_db,
                "UPDATE manual_tasks SET case_number = ?1, system = ?2, kind = ?3, owner = ?4, created_at = ?5, "
                "due = ?6, done_at = ?7, done_by = ?8, note = ?9, reminded_at = ?10 WHERE id = ?11");
  bind_task(put, t);
  put.bind(11, t.id);
  if (put.step() != Step::done) return propagate(error("cannot update the task"));
  return {};
}

Result<std::vector<ManualTask>> SqlCaseStore::load_tasks() {
  Statement q(m_db,
              "SELECT id, case_number, system, kind, owner, created_at, due, done_at, done_by, note, reminded_at "
              "FROM manual_tasks ORDER BY id");
  std::vector<ManualTask> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    ManualTask t;
    t.id = q.integer(0);
    t.case_number = q.text(1);
    t.system = q.text(2);
    t.kind = q.text(3);
    t.owner = q.text(4);
    auto created = instant_column(q, 5);
    auto due = parse_date(q.text(6));
    if (!created || !due) return fail(ErrorCode::data_loss, "task #" + std::to_string(t.id) + " has a corrupt date");
    t.created_at = *created;
    t.due = *due;
    if (q.optional_text(7)) {
      auto done = instant_column(q, 7);
      if (!done) return fail(ErrorCode::data_loss, "task #" + std::to_string(t.id) + " has a corrupt date");
      t.done_at = *done;
    }
    t.done_by = q.text(8);
    t.sealed_note = q.blob(9).value_or("");
    if (q.optional_text(10)) {
      auto reminded = instant_column(q, 10);
      if (!reminded) return fail(ErrorCode::data_loss, "task #" + std::to_string(t.id) + " has a corrupt date");
      t.reminded_at = *reminded;
    }
    out.push_back(std::move(t));
  }
  if (rc != Step::done) return propagate(error("cannot read the tasks"));
  return out;
}

}  // namespace maestro
