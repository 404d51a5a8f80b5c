// Who may use Maestro and how: operators, their one-time links, browser sessions and sign-in
// throttles, API tokens, and the requesters' status links and download sessions.
#include "store/sql_case_store.hpp"

namespace maestro {

namespace {

using namespace sql_rows;

// The columns of an operator account, in the order read_operator expects.
constexpr const char* k_operator_columns =
    "id, email, role, password_hash, created_at, created_by, disabled_at, failed_logins, locked_until";

Result<OperatorAccount> read_operator(const Statement& q) {
  OperatorAccount a;
  a.id = q.integer(0);
  a.email = q.text(1);
  a.role = q.text(2);
  a.password_hash = q.text(3);
  auto created = parse_instant(q.text(4));
  if (!created) return fail(ErrorCode::data_loss, "account #" + std::to_string(a.id) + " has an unreadable time");
  a.created_at = *created;
  a.created_by = q.text(5);
  auto disabled = read_optional_time(q, 6);
  if (!disabled) return propagate(disabled.error());
  a.disabled_at = *disabled;
  a.failed_logins = static_cast<int>(q.integer(7));
  auto locked = read_optional_time(q, 8);
  if (!locked) return propagate(locked.error());
  a.locked_until = *locked;
  return a;
}

Result<ApiToken> read_token(const Statement& q) {
  ApiToken t;
  t.id = q.integer(0);
  t.name = q.text(1);
  t.role = q.text(2);
  t.secret_mac = q.text(3);
  auto created = instant_column(q, 4);
  if (!created) return fail(ErrorCode::data_loss, "token #" + std::to_string(t.id) + " has a corrupt date");
  t.created_at = *created;
  t.created_by = q.text(5);
  if (q.optional_text(6)) {
    auto revoked = instant_column(q, 6);
    if (!revoked) return fail(ErrorCode::data_loss, "token #" + std::to_string(t.id) + " has a corrupt date");
    t.revoked_at = *revoked;
  }
  return t;
}

}  // namespace

Result<std::int64_t> SqlCaseStore::add_token(const ApiToken& t) {
  Statement put(m_db,
                "INSERT INTO api_tokens(name, role, secret_mac, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5) "
                "RETURNING id");
  put.bind(1, t.name).bind(2, t.role).bind(3, t.secret_mac).bind(4, format_instant(t.created_at));
  put.bind(5, t.created_by);
  if (put.step() != Step::row) {
    if (m_db.last_failure() == SqlFailure::constraint)
      return fail(ErrorCode::already_exists, "a token named '" + t.name + "' exists already");
    return propagate(error("cannot store the token"));
  }
  return put.integer(0);
}

Result<std::optional<ApiToken>> SqlCaseStore::token_with_mac(std::string_view mac) {
  Statement q(m_db,
              "SELECT id, name, role, secret_mac, created_at, created_by, revoked_at FROM api_tokens "
              "WHERE secret_mac = ?1");
  q.bind(1, mac);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<ApiToken>{};
  if (rc != Step::row) return propagate(error("cannot read the tokens"));
  auto t = read_token(q);
  if (!t) return propagate(t.error());
  return std::optional<ApiToken>{std::move(*t)};
}

Result<std::vector<ApiToken>> SqlCaseStore::load_tokens() {
  Statement q(m_db,
              "SELECT id, name, role, secret_mac, created_at, created_by, revoked_at FROM api_tokens "
              "ORDER BY id");
  std::vector<ApiToken> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto t = read_token(q);
    if (!t) return propagate(t.error());
    out.push_back(std::move(*t));
  }
  if (rc != Step::done) return propagate(error("cannot read the tokens"));
  return out;
}

Status SqlCaseStore::revoke_token(std::int64_t id, Instant at) {
  Statement put(m_db, "UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL");
  put.bind(1, format_instant(at)).bind(2, id);
  if (put.step() != Step::done) return propagate(error("cannot revoke the token"));
  if (m_db.changes() == 0) return not_found("no active token #" + std::to_string(id));
  return {};
}

Result<std::int64_t> SqlCaseStore::add_operator(const OperatorAccount& a) {
  Statement put(m_db,
                "INSERT INTO operators(email, role, password_hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5) "
                "RETURNING id");
  put.bind(1, a.email).bind(2, a.role).bind(3, a.password_hash).bind(4, format_instant(a.created_at));
  put.bind(5, a.created_by);
  if (put.step() != Step::row) {
    if (m_db.last_failure() == SqlFailure::constraint)
      return fail(ErrorCode::already_exists, "an account for " + a.email + " exists already");
    return propagate(error("cannot store the account"));
  }
  return put.integer(0);
}

Result<std::optional<OperatorAccount>> SqlCaseStore::one_operator(const std::string& where,
                                                                 const std::function<void(Statement&)>& bind) {
  Statement q(m_db, std::string("SELECT ") + k_operator_columns + " FROM operators WHERE " + where);
  bind(q);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<OperatorAccount>{};
  if (rc != Step::row) return propagate(error("cannot read the accounts"));
  auto a = read_operator(q);
  if (!a) return propagate(a.error());
  return std::optional<OperatorAccount>{std::move(*a)};
}

Result<std::optional<OperatorAccount>> SqlCaseStore::operator_by_email(std::string_view email) {
  return one_operator("email = ?1", [&](Statement& q) { q.bind(1, email); });
}

Result<std::optional<OperatorAccount>> SqlCaseStore::operator_by_id(std::int64_t id) {
  return one_operator("id = ?1", [&](Statement& q) { q.bind(1, id); });
}

Result<std::vector<OperatorAccount>> SqlCaseStore::load_operators() {
  Statement q(m_db, std::string("SELECT ") + k_operator_columns + " FROM operators ORDER BY id");
  std::vector<OperatorAccount> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto a = read_operator(q);
    if (!a) return propagate(a.error());
    out.push_back(std::move(*a));
  }
  if (rc != Step::done) return propagate(error("cannot read the accounts"));
  return out;
}

Status SqlCaseStore::update_operator(const OperatorAccount& a) {
  Statement put(m_db,
                "UPDATE operators SET password_hash = ?1, disabled_at = ?2, failed_logins = ?3, locked_until = ?4, "
                "role = ?5 WHERE id = ?6");
  put.bind(1, a.password_hash).bind_optional(2, optional_time(a.disabled_at)).bind(3, std::int64_t{a.failed_logins});
  put.bind_optional(4, optional_time(a.locked_until)).bind(5, a.role).bind(6, a.id);
  if (put.step() != Step::done) return propagate(error("cannot save the account"));
  if (m_db.changes() == 0) return not_found("no account #" + std::to_string(a.id));
  return {};
}

Status SqlCaseStore::add_link(const OneTimeLink& l) {
  Statement put(m_db, "INSERT INTO one_time_links(secret_mac, operator_id, expires_at) VALUES (?1, ?2, ?3)");
  put.bind(1, l.secret_mac).bind(2, l.operator_id).bind(3, format_instant(l.expires_at));
  if (put.step() != Step::done) return propagate(error("cannot store the link"));
  return {};
}

Result<std::optional<OneTimeLink>> SqlCaseStore::link_with_mac(std::string_view mac) {
  Statement q(m_db, "SELECT secret_mac, operator_id, expires_at, used_at FROM one_time_links WHERE secret_mac = ?1");
  q.bind(1, mac);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<OneTimeLink>{};
  if (rc != Step::row) return propagate(error("cannot read the link"));
  OneTimeLink l{q.text(0), q.integer(1), {}, std::nullopt};
  auto expires = parse_instant(q.text(2));
  auto used = read_optional_time(q, 3);
  if (!expires || !used) return fail(ErrorCode::data_loss, "a one-time link has an unreadable time");
  l.expires_at = *expires;
  l.used_at = *used;
  return std::optional<OneTimeLink>{std::move(l)};
}

Status SqlCaseStore::use_link(std::string_view mac, Instant at) {
  Statement put(m_db, "UPDATE one_time_links SET used_at = ?1 WHERE secret_mac = ?2 AND used_at IS NULL");
  put.bind(1, format_instant(at)).bind(2, mac);
  if (put.step() != Step::done) return propagate(error("cannot use the link"));
  if (m_db.changes() == 0) return precondition("the link was used already");
  return {};
}

Status SqlCaseStore::add_session(const WebSession& w) {
  Statement put(m_db,
                "INSERT INTO web_sessions(secret_mac, operator_id, created_at, last_seen_at, csrf_token) "
                "VALUES (?1, ?2, ?3, ?4, ?5)");
  put.bind(1, w.secret_mac).bind(2, w.operator_id).bind(3, format_instant(w.created_at));
  put.bind(4, format_instant(w.last_seen_at)).bind(5, w.csrf_token);
  if (put.step() != Step::done) return propagate(error("cannot store the session"));
  return {};
}

Result<std::optional<WebSession>> SqlCaseStore::session_with_mac(std::string_view mac) {
  Statement q(m_db,
              "SELECT secret_mac, operator_id, created_at, last_seen_at, csrf_token FROM web_sessions "
              "WHERE secret_mac = ?1");
  q.bind(1, mac);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<WebSession>{};
  if (rc != Step::row) return propagate(error("cannot read the session"));
  auto created = parse_instant(q.text(2));
  auto seen = parse_instant(q.text(3));
  if (!created || !seen) return fail(ErrorCode::data_loss, "a session has an unreadable time");
  return std::optional<WebSession>{WebSession{q.text(0), q.integer(1), *created, *seen, q.text(4)}};
}

Status SqlCaseStore::touch_session(std::string_view mac, Instant at) {
  Statement put(m_db, "UPDATE web_sessions SET last_seen_at = ?1 WHERE secret_mac = ?2");
  put.bind(1, format_instant(at)).bind(2, mac);
  if (put.step() != Step::done) return propagate(error("cannot update the session"));
  return {};
}

Status SqlCaseStore::end_session(std::string_view mac) {
  Statement put(m_db, "DELETE FROM web_sessions WHERE secret_mac = ?1");
  put.bind(1, mac);
  if (put.step() != Step::done) return propagate(error("cannot end the session"));
  return {};
}

Status SqlCaseStore::end_sessions_of(std::int64_t operator_id) {
  Statement put(m_db, "DELETE FROM web_sessions WHERE operator_id = ?1");
  put.bind(1, operator_id);
  if (put.step() != Step::done) return propagate(error("cannot end the sessions"));
  return {};
}

Result<ClientThrottle> SqlCaseStore::client_throttle(std::string_view mac) {
  Statement q(m_db, "SELECT failures, locked_until FROM client_throttles WHERE client_mac = ?1");
  q.bind(1, mac);
  Step rc = q.step();
  ClientThrottle t{std::string(mac), 0, std::nullopt};
  if (rc == Step::done) return t;
  if (rc != Step::row) return propagate(error("cannot read the sign-in throttle"));
  t.failures = static_cast<int>(q.integer(0));
  auto locked = read_optional_time(q, 1);
  if (!locked) return propagate(locked.error());
  t.locked_until = *locked;
  return t;
}

Status SqlCaseStore::save_client_throttle(const ClientThrottle& t) {
  Statement put(m_db,
                "INSERT INTO client_throttles(client_mac, failures, locked_until) VALUES (?1, ?2, ?3) "
                "ON CONFLICT(client_mac) DO UPDATE SET failures = excluded.failures, "
                "locked_until = excluded.locked_until");
  put.bind(1, t.client_mac).bind(2, std::int64_t{t.failures}).bind_optional(3, optional_time(t.locked_until));
  if (put.step() != Step::done) return propagate(error("cannot save the sign-in throttle"));
  return {};
}

Status SqlCaseStore::add_status_link(std::string_view mac, std::string_view case_number, Instant at) {
  Statement put(m_db, "INSERT INTO status_links(secret_mac, case_number, created_at) VALUES (?1, ?2, ?3)");
  put.bind(1, mac).bind(2, case_number).bind(3, format_instant(at));
  if (put.step() != Step::done) return propagate(error("cannot store the status link"));
  return {};
}

Result<std::optional<std::string>> SqlCaseStore::case_for_status_link(std::string_view mac) {
  Statement q(m_db, "SELECT case_number FROM status_links WHERE secret_mac = ?1");
  q.bind(1, mac);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<std::string>{};
  if (rc != Step::row) return propagate(error("cannot read the status link"));
  return std::optional<std::string>{q.text(0)};
}

Status SqlCaseStore::add_download_session(std::string_view mac, std::string_view case_number, Instant expires) {
  Statement put(m_db, "INSERT INTO download_sessions(secret_mac, case_number, expires_at) VALUES (?1, ?2, ?3)");
  put.bind(1, mac).bind(2, case_number).bind(3, format_instant(expires));
  if (put.step() != Step::done) return propagate(error("cannot store the download session"));
  return {};
}

Result<std::optional<std::pair<std::string, Instant>>> SqlCaseStore::download_session(std::string_view mac) {
  Statement q(m_db, "SELECT case_number, expires_at FROM download_sessions WHERE secret_mac = ?1");
  q.bind(1, mac);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<std::pair<std::string, Instant>>{};
  if (rc != Step::row) return propagate(error("cannot read the download session"));
  auto expires = parse_instant(q.text(1));
  if (!expires) return fail(ErrorCode::data_loss, "a download session has an unreadable time");
  return std::optional<std::pair<std::string, Instant>>{std::pair{q.text(0), *expires}};
}

}  // namespace maestro
