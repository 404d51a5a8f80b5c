// The privacy inbox's drafts: one per message read, the message and the guess sealed.
#include "store/sql_case_store.hpp"

namespace maestro {

namespace {

using namespace sql_rows;

constexpr const char* k_draft_select =
    "SELECT id, message_mac, received_at, recorded_at, state, ignored_reason, confidence, rights, language, "
    "sealed_guess, sealed_message, case_number FROM mail_drafts";

Result<MailDraft> read_draft(const Statement& q) {
  MailDraft d;
  d.id = q.integer(0);
  d.message_mac = q.text(1);
  auto received = instant_column(q, 2);
  auto recorded = instant_column(q, 3);
  if (!received || !recorded) return fail(ErrorCode::data_loss, "mail draft #" + std::to_string(d.id) + " has a corrupt date");
  d.received_at = *received;
  d.recorded_at = *recorded;
  d.state = q.text(4);
  d.ignored_reason = q.text(5);
  d.confidence = q.text(6);
  d.rights = q.text(7);
  d.language = q.text(8);
  d.sealed_guess = q.blob(9).value_or("");
  d.sealed_message = q.blob(10).value_or("");
  d.case_number = q.text(11);
  return d;
}

}  // namespace

Result<std::int64_t> SqlCaseStore::add_mail_draft(const MailDraft& d) {
  Statement put(m_db,
                "INSERT INTO mail_drafts(message_mac, received_at, recorded_at, state, ignored_reason, confidence, "
                "rights, language, sealed_guess, sealed_message, case_number) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id");
  put.bind(1, d.message_mac).bind(2, format_instant(d.received_at)).bind(3, format_instant(d.recorded_at));
  put.bind(4, d.state).bind(5, d.ignored_reason).bind(6, d.confidence).bind(7, d.rights).bind(8, d.language);
  put.bind_blob(9, d.sealed_guess).bind_blob(10, d.sealed_message).bind(11, d.case_number);
  if (put.step() != Step::row) {
    if (m_db.last_failure() == SqlFailure::constraint) {
      return fail(ErrorCode::already_exists, "this message was recorded already");
    }
    return propagate(error("cannot record the message"));
  }
  return put.integer(0);
}

Result<std::optional<MailDraft>> SqlCaseStore::mail_draft(std::int64_t id) {
  Statement q(m_db, std::string(k_draft_select) + " WHERE id = ?1");
  q.bind(1, id);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<MailDraft>{};
  if (rc != Step::row) return propagate(error("cannot read mail draft #" + std::to_string(id)));
  auto d = read_draft(q);
  if (!d) return propagate(d.error());
  return std::optional<MailDraft>{std::move(*d)};
}

namespace {

Result<std::vector<MailDraft>> read_drafts(SqlSession& db, Statement& q, const std::string& what) {
  std::vector<MailDraft> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto d = read_draft(q);
    if (!d) return propagate(d.error());
    out.push_back(std::move(*d));
  }
  if (rc != Step::done) return propagate(store_error(db, what));
  return out;
}

}  // namespace

Result<std::vector<MailDraft>> SqlCaseStore::load_mail_drafts(std::string_view state, int limit) {
  Statement q(m_db, std::string(k_draft_select) + " WHERE ?1 = '' OR state = ?1 ORDER BY id DESC LIMIT ?2");
  q.bind(1, state).bind(2, std::int64_t{limit});
  return read_drafts(m_db, q, "cannot read the mail drafts");
}

Result<std::vector<MailDraft>> SqlCaseStore::load_mail_drafts_of_case(std::string_view case_number) {
  Statement q(m_db, std::string(k_draft_select) + " WHERE case_number = ?1 ORDER BY id");
  q.bind(1, case_number);
  return read_drafts(m_db, q, "cannot read the mail of " + std::string(case_number));
}

Status SqlCaseStore::update_mail_draft(const MailDraft& d) {
  Statement put(m_db,
                "UPDATE mail_drafts SET state = ?1, ignored_reason = ?2, case_number = ?3, sealed_guess = ?4, "
                "sealed_message = ?5, rights = ?6, confidence = ?7, language = ?8 WHERE id = ?9");
  put.bind(1, d.state).bind(2, d.ignored_reason).bind(3, d.case_number).bind_blob(4, d.sealed_guess);
  put.bind_blob(5, d.sealed_message).bind(6, d.rights).bind(7, d.confidence).bind(8, d.language).bind(9, d.id);
  if (put.step() != Step::done) return propagate(error("cannot save mail draft #" + std::to_string(d.id)));
  if (m_db.changes() == 0) return fail(ErrorCode::not_found, "no mail draft #" + std::to_string(d.id));
  return {};
}

}  // namespace maestro
