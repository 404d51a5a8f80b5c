// Cases, their yearly numbers, intake idempotency keys and the queue's page and counts.
#include "store/sql_case_store.hpp"

#include <limits>

#include "store/case_codec.hpp"

namespace maestro {

namespace {

using namespace sql_rows;

EncodedCase row_to_encoded(const Statement& q) {
  return {q.text(0),          static_cast<int>(q.integer(1)),
          q.text(2),          q.text(3),
          q.text(4),          q.text(5),
          q.optional_text(6), q.text(7),
          q.blob(8)};
}

Result<QueueEntry> queue_entry(const Statement& q) {
  QueueEntry e;
  e.number = q.text(0);
  e.state = q.text(1);
  e.jurisdiction = q.text(2);
  e.rights = q.text(3);
  auto received = parse_instant(q.text(4));
  if (!received) return fail(ErrorCode::data_loss, "case " + e.number + " has an unreadable receipt time");
  e.received_at = *received;
  if (auto closed = q.optional_text(5)) {
    auto at = parse_instant(*closed);
    if (!at) return fail(ErrorCode::data_loss, "case " + e.number + " has an unreadable closing time");
    e.closed_at = *at;
  }
  if (auto due = q.optional_text(6)) {
    auto date = parse_date(*due);
    if (!date) return fail(ErrorCode::data_loss, "case " + e.number + " has an unreadable due date");
    QueueFacts facts;
    facts.legal_due = *date;
    facts.paused = q.integer(7) != 0;
    if (!q.is_null(8)) facts.frozen_days_left = static_cast<int>(q.integer(8));
    facts.assignee = q.text(9);
    e.facts = facts;
  }
  return e;
}

}  // namespace

Result<int> SqlCaseStore::next_case_sequence(int year) {
  Statement upsert(m_db,
                   "INSERT INTO case_sequence(year, last_number) VALUES (?1, 1) "
                   "ON CONFLICT(year) DO UPDATE SET last_number = case_sequence.last_number + 1 RETURNING last_number");
  upsert.bind(1, std::int64_t{year});
  if (upsert.step() != Step::row) return propagate(error("cannot allocate a case number"));
  return static_cast<int>(upsert.integer(0));
}

Status SqlCaseStore::save_case(const Case& c, const std::vector<std::string>& pseudonyms) {
  EncodedCase e = encode_case(c, m_keys);
  Statement put(
      m_db,
      "INSERT INTO cases(number, year, state, jurisdiction, rights, received_at, closed_at, record, personal) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(number) DO UPDATE SET "
      "state = excluded.state, jurisdiction = excluded.jurisdiction, rights = excluded.rights, "
      "received_at = excluded.received_at, closed_at = excluded.closed_at, "
      "record = excluded.record, personal = excluded.personal");
  put.bind(1, e.number).bind(2, std::int64_t{e.year}).bind(3, e.state).bind(4, e.jurisdiction).bind(5, e.rights);
  put.bind(6, e.received_at).bind_optional(7, e.closed_at).bind(8, e.record).bind_blob(9, e.personal);
  if (put.step() != Step::done) return propagate(error("cannot save case " + c.number));
  Statement clear(m_db, "DELETE FROM case_subjects WHERE case_number = ?1");
  clear.bind(1, c.number);
  if (clear.step() != Step::done) return propagate(error("cannot save case " + c.number));
  for (const auto& pseudonym : pseudonyms) {
    Statement link(m_db, "INSERT INTO case_subjects(case_number, pseudonym) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    link.bind(1, c.number).bind(2, pseudonym);
    if (link.step() != Step::done) return propagate(error("cannot save case " + c.number));
  }
  return {};
}

Result<std::optional<Case>> SqlCaseStore::load_case(std::string_view number) {
  Statement q(m_db,
              "SELECT number, year, state, jurisdiction, rights, received_at, closed_at, record, personal "
              "FROM cases WHERE number = ?1");
  q.bind(1, number);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<Case>{};
  if (rc != Step::row) return propagate(error("cannot read case"));
  auto c = decode_case(row_to_encoded(q), m_keys);
  if (!c) return propagate(c.error());
  return std::optional<Case>{std::move(*c)};
}

Result<std::vector<Case>> SqlCaseStore::load_cases() {
  Statement q(m_db,
              "SELECT number, year, state, jurisdiction, rights, received_at, closed_at, record, personal "
              "FROM cases ORDER BY received_at, number");
  std::vector<Case> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto c = decode_case(row_to_encoded(q), m_keys);
    if (!c) return propagate(c.error());
    out.push_back(std::move(*c));
  }
  if (rc != Step::done) return propagate(error("cannot read cases"));
  return out;
}

Result<std::optional<CaseStore::IntakeKey>> SqlCaseStore::intake_key(std::string_view key) {
  Statement q(m_db, "SELECT case_number, request_mac FROM intake_keys WHERE key = ?1");
  q.bind(1, key);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<IntakeKey>{};
  if (rc != Step::row) return propagate(error("cannot read the idempotency keys"));
  return std::optional<IntakeKey>{IntakeKey{q.text(0), q.text(1)}};
}

Status SqlCaseStore::remember_intake_key(std::string_view key, const IntakeKey& made, Instant at) {
  Statement put(m_db, "INSERT INTO intake_keys(key, case_number, request_mac, created_at) VALUES (?1, ?2, ?3, ?4)");
  put.bind(1, key).bind(2, made.case_number).bind(3, made.request_mac).bind(4, format_instant(at));
  if (put.step() != Step::done) return propagate(error("cannot save the idempotency key"));
  return {};
}

Status SqlCaseStore::set_queue_facts(std::string_view number, const QueueFacts& facts) {
  Statement put(m_db,
                "UPDATE cases SET legal_due = ?1, paused = ?2, frozen_days_left = ?3, assignee = ?4 WHERE number = ?5");
  put.bind(1, format_date(facts.legal_due)).bind(2, std::int64_t{facts.paused ? 1 : 0});
  if (facts.frozen_days_left)
    put.bind(3, std::int64_t{*facts.frozen_days_left});
  else
    put.bind_null(3);
  put.bind(4, facts.assignee).bind(5, number);
  if (put.step() != Step::done) return propagate(error("cannot save the case's queue facts"));
  return {};
}

Result<std::vector<QueueEntry>> SqlCaseStore::queue_page(const CasePageQuery& q) {
  if (!q.after.empty()) {
    Statement exists(m_db, "SELECT 1 FROM cases WHERE number = ?1");
    exists.bind(1, q.after);
    Step rc = exists.step();
    if (rc == Step::done) return not_found("the cursor names no case");
    if (rc != Step::row) return propagate(error("cannot read cases"));
  }
  // Row values in the queue's index order; NULL due dates (not yet known) sort first.
  Statement page(
      m_db,
      "SELECT number, state, jurisdiction, rights, received_at, closed_at, legal_due, paused, frozen_days_left, "
      "assignee FROM cases WHERE (?1 = '' OR state = ?1) "
      "AND (?2 = '' OR ',' || rights || ',' LIKE '%,' || ?2 || ',%') AND (?3 = '' OR jurisdiction = ?3) "
      "AND (?4 = '' OR (closed_at IS NULL AND "
      "     CASE WHEN frozen_days_left IS NULL THEN legal_due < ?4 ELSE frozen_days_left < 0 END)) "
      "AND (?5 = '' OR ((closed_at IS NOT NULL), coalesce(legal_due, ''), number) > "
      "(SELECT (closed_at IS NOT NULL), coalesce(legal_due, ''), number FROM cases WHERE number = ?5)) "
      "AND (?7 = '' OR assignee = (CASE ?7 WHEN '-' THEN '' ELSE ?7 END)) "
      "AND (?8 = '' OR number IN (SELECT case_number FROM case_subjects WHERE pseudonym = ?8)) "
      "ORDER BY (closed_at IS NOT NULL), coalesce(legal_due, ''), number LIMIT ?6");
  page.bind(1, q.state).bind(2, q.right).bind(3, q.jurisdiction);
  page.bind(4, q.overdue_on ? format_date(*q.overdue_on) : std::string());
  page.bind(5, q.after).bind(6, std::int64_t{q.limit} + 1).bind(7, q.assignee).bind(8, q.subject_pseudonym);
  std::vector<QueueEntry> out;
  Step rc;
  while ((rc = page.step()) == Step::row) {
    auto entry = queue_entry(page);
    if (!entry) return propagate(entry.error());
    out.push_back(std::move(*entry));
  }
  if (rc != Step::done) return propagate(error("cannot read cases"));
  return out;
}

Result<CaseStore::QueueCounts> SqlCaseStore::queue_counts(Date today, Date soon) {
  QueueCounts counts;
  Statement states(m_db, "SELECT state, count(*) FROM cases GROUP BY state");
  Step rc;
  while ((rc = states.step()) == Step::row) counts.by_state[states.text(0)] = states.integer(1);
  if (rc != Step::done) return propagate(error("cannot count cases"));
  // A paused case whose legal clock stopped keeps the days it had left. Each count is a range
  // of one partial index (cases_open_due, cases_open_frozen): it reads the cases it counts only.
  auto count = [&](const char* sql, auto&&... values) -> Result<std::int64_t> {
    Statement q(m_db, sql);
    int index = 0;
    (q.bind(++index, values), ...);
    if (q.step() != Step::row) return propagate(error("cannot count cases"));
    return q.integer(0);
  };
  const char* running = "SELECT count(*) FROM cases WHERE closed_at IS NULL AND frozen_days_left IS NULL "
                        "AND legal_due >= ?1 AND legal_due < ?2";
  const char* paused = "SELECT count(*) FROM cases WHERE closed_at IS NULL AND frozen_days_left IS NOT NULL "
                       "AND frozen_days_left >= ?1 AND frozen_days_left < ?2";
  std::int64_t left = days_between(today, soon);
  // Overdue: due before today; every due date is a YYYY-MM-DD text, so "" is below them all.
  auto overdue = count(running, std::string(), format_date(today));
  auto overdue_paused = count(paused, std::numeric_limits<std::int64_t>::min(), std::int64_t{0});
  auto soon_running = count(running, format_date(today), format_date(soon));
  auto soon_paused = count(paused, std::int64_t{0}, left);
  for (const auto* r : {&overdue, &overdue_paused, &soon_running, &soon_paused})
    if (!*r) return propagate(r->error());
  counts.overdue = *overdue + *overdue_paused;
  counts.due_soon = *soon_running + *soon_paused;
  Statement waiting(m_db, "SELECT count(*) FROM outbox WHERE state = 'pending'");
  if (waiting.step() != Step::row) return propagate(error("cannot count letters"));
  counts.letters_waiting = waiting.integer(0);
  return counts;
}

Result<std::vector<std::string>> SqlCaseStore::cases_without_queue_due(int limit) {
  Statement q(m_db, "SELECT number FROM cases WHERE legal_due IS NULL ORDER BY number LIMIT ?1");
  q.bind(1, std::int64_t{limit});
  std::vector<std::string> out;
  Step rc;
  while ((rc = q.step()) == Step::row) out.push_back(q.text(0));
  if (rc != Step::done) return propagate(error("cannot read cases"));
  return out;
}

Result<std::vector<std::string>> SqlCaseStore::cases_with_subject(std::string_view pseudonym) {
  Statement q(m_db, "SELECT case_number FROM case_subjects WHERE pseudonym = ?1 ORDER BY case_number");
  q.bind(1, pseudonym);
  std::vector<std::string> out;
  Step rc;
  while ((rc = q.step()) == Step::row) out.push_back(q.text(0));
  if (rc != Step::done) return propagate(error("cannot search cases"));
  return out;
}

}  // namespace maestro
