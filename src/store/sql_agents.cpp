// Authorized agents of the Data Rights Protocol, their requests and the signed bodies seen.
#include "store/sql_case_store.hpp"

namespace maestro {

namespace {

using namespace sql_rows;

constexpr const char* k_agent_select =
    "SELECT id, name, verify_key, web_url, enabled, trusts_email, token_mac, imported_at, token_issued_at FROM drp_agents";

Result<AgentRecord> read_agent(const Statement& q) {
  AgentRecord a;
  a.id = q.text(0);
  a.name = q.text(1);
  a.verify_key = q.text(2);
  a.web_url = q.text(3);
  a.enabled = q.integer(4) != 0;
  a.trusts_email = q.integer(5) != 0;
  a.token_mac = q.text(6);
  auto imported = instant_column(q, 7);
  if (!imported) return fail(ErrorCode::data_loss, "agent " + a.id + " has an unreadable time");
  a.imported_at = *imported;
  auto issued = read_optional_time(q, 8);
  if (!issued) return propagate(issued.error());
  a.token_issued_at = *issued;
  return a;
}

constexpr const char* k_request_select =
    "SELECT request_id, agent_id, agent_request_id, case_number, exercise, status_callback, received_at, sealed_link, "
    "notified, callback_failures FROM drp_requests";

}  // namespace

Status SqlCaseStore::save_agent(const AgentRecord& a) {
  Statement put(m_db,
                "INSERT INTO drp_agents(id, name, verify_key, web_url, enabled, trusts_email, token_mac, imported_at, "
                "token_issued_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO UPDATE SET "
                "name = excluded.name, verify_key = excluded.verify_key, web_url = excluded.web_url, enabled = excluded.enabled, "
                "trusts_email = excluded.trusts_email, token_mac = excluded.token_mac, imported_at = excluded.imported_at, "
                "token_issued_at = excluded.token_issued_at");
  put.bind(1, a.id).bind(2, a.name).bind(3, a.verify_key).bind(4, a.web_url);
  put.bind(5, static_cast<std::int64_t>(a.enabled)).bind(6, static_cast<std::int64_t>(a.trusts_email));
  put.bind(7, a.token_mac).bind(8, format_instant(a.imported_at)).bind_optional(9, optional_time(a.token_issued_at));
  if (put.step() != Step::done) return propagate(error("cannot save agent " + a.id));
  return {};
}

Result<std::optional<AgentRecord>> SqlCaseStore::agent(std::string_view id) {
  Statement q(m_db, std::string(k_agent_select) + " WHERE id = ?1");
  q.bind(1, id);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<AgentRecord>();
  if (rc != Step::row) return propagate(error("cannot read the agents"));
  auto a = read_agent(q);
  if (!a) return propagate(a.error());
  return std::optional(std::move(*a));
}

Result<std::vector<AgentRecord>> SqlCaseStore::load_agents() {
  Statement q(m_db, std::string(k_agent_select) + " ORDER BY id");
  std::vector<AgentRecord> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto a = read_agent(q);
    if (!a) return propagate(a.error());
    out.push_back(std::move(*a));
  }
  if (rc != Step::done) return propagate(error("cannot read the agents"));
  return out;
}

Result<AgentRequestRecord> SqlCaseStore::read_agent_request(const Statement& q) {
  AgentRequestRecord r;
  r.request_id = q.text(0);
  r.agent_id = q.text(1);
  r.agent_request_id = q.text(2);
  r.case_number = q.text(3);
  r.exercise = q.text(4);
  r.status_callback = q.text(5);
  auto received = instant_column(q, 6);
  if (!received) return fail(ErrorCode::data_loss, "agent request " + r.request_id + " has an unreadable time");
  r.received_at = *received;
  auto link = m_keys.open(q.blob(7).value_or(""));
  if (!link) return fail(ErrorCode::data_loss, "agent request " + r.request_id + " cannot be opened with this key");
  r.status_link = std::move(*link);
  r.notified = q.text(8);
  r.callback_failures = static_cast<int>(q.integer(9));
  return r;
}

Status SqlCaseStore::add_agent_request(const AgentRequestRecord& r) {
  Statement put(m_db,
                "INSERT INTO drp_requests(request_id, agent_id, agent_request_id, case_number, exercise, status_callback, "
                "received_at, sealed_link, notified, callback_failures) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  put.bind(1, r.request_id).bind(2, r.agent_id).bind(3, r.agent_request_id).bind(4, r.case_number).bind(5, r.exercise);
  put.bind(6, r.status_callback).bind(7, format_instant(r.received_at)).bind_blob(8, m_keys.seal(r.status_link));
  put.bind(9, r.notified).bind(10, static_cast<std::int64_t>(r.callback_failures));
  if (put.step() != Step::done) return propagate(error("cannot store the agent's request"));
  return {};
}

Status SqlCaseStore::update_agent_request(const AgentRequestRecord& r) {
  Statement put(m_db, "UPDATE drp_requests SET notified = ?1, callback_failures = ?2 WHERE request_id = ?3");
  put.bind(1, r.notified).bind(2, static_cast<std::int64_t>(r.callback_failures)).bind(3, r.request_id);
  if (put.step() != Step::done) return propagate(error("cannot update the agent's request"));
  if (m_db.changes() == 0) return not_found("no agent request " + r.request_id);
  return {};
}

Result<std::optional<AgentRequestRecord>> SqlCaseStore::one_agent_request(const std::string& where, std::string_view value) {
  Statement q(m_db, std::string(k_request_select) + " WHERE " + where + " = ?1");
  q.bind(1, value);
  Step rc = q.step();
  if (rc == Step::done) return std::optional<AgentRequestRecord>();
  if (rc != Step::row) return propagate(error("cannot read the agents' requests"));
  auto r = read_agent_request(q);
  if (!r) return propagate(r.error());
  return std::optional(std::move(*r));
}

Result<std::optional<AgentRequestRecord>> SqlCaseStore::agent_request(std::string_view request_id) {
  return one_agent_request("request_id", request_id);
}

Result<std::optional<AgentRequestRecord>> SqlCaseStore::agent_request_of_case(std::string_view case_number) {
  return one_agent_request("case_number", case_number);
}

Result<std::vector<AgentRequestRecord>> SqlCaseStore::agent_requests_with_callback() {
  // A final status told once is never told again (fulfilled is not final: its results expire).
  Statement q(m_db, std::string(k_request_select) +
                        " WHERE status_callback <> '' AND notified NOT LIKE 'expired/%' AND notified NOT LIKE "
                        "'revoked/%' AND notified NOT LIKE 'denied/%' ORDER BY received_at, request_id");
  std::vector<AgentRequestRecord> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto r = read_agent_request(q);
    if (!r) return propagate(r.error());
    out.push_back(std::move(*r));
  }
  if (rc != Step::done) return propagate(error("cannot read the agents' requests"));
  return out;
}

Result<bool> SqlCaseStore::remember_signed_body(std::string_view body_mac, Instant at) {
  Statement put(m_db, "INSERT INTO drp_signed_bodies(body_mac, seen_at) VALUES (?1, ?2) ON CONFLICT(body_mac) DO NOTHING");
  put.bind(1, body_mac).bind(2, format_instant(at));
  if (put.step() != Step::done) return propagate(error("cannot remember the signed body"));
  return m_db.changes() == 1;
}

}  // namespace maestro
