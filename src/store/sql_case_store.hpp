// SqlCaseStore: the CaseStore over any SqlSession (SQLite or PostgreSQL), its SQL written once.
//
// Internal to store/: front ends open a store with open_case_store and see only CaseStore. The
// methods are defined by what they keep, one file each: sql_cases.cpp (cases, their numbers,
// intake keys, the queue), sql_audit.cpp (the audit trail and store metadata), sql_erasure.cpp
// (erasure plans, legal holds, the erasure ledger), sql_correspondence.cpp (outbox, manual
// tasks, verification codes), sql_jobs.cpp (the job queue), sql_access.cpp (operators, their
// links and sessions, API tokens, requesters' links), sql_drop.cpp (DROP work items). Each
// engine's file (sqlite_case_store.cpp, postgres_case_store.cpp) has only its schema and
// migrations.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crypto/keyring.hpp"
#include "store/case_store.hpp"
#include "store/sql_session.hpp"

namespace maestro {

// A migration both engines share, in the same SQL (each lists it in its own numbered order).
// The queue's counts from indexes alone: per state, and the open cases due before a date
// (running clocks by due date, paused ones by the days they have left).
inline constexpr const char* k_queue_count_indexes = R"sql(
  CREATE INDEX cases_by_state ON cases(state);
  CREATE INDEX cases_open_due ON cases(legal_due) WHERE closed_at IS NULL AND frozen_days_left IS NULL;
  CREATE INDEX cases_open_frozen ON cases(frozen_days_left) WHERE closed_at IS NULL AND frozen_days_left IS NOT NULL;
)sql";

// A case's mail (its request, the replies that joined it) for the case page.
inline constexpr const char* k_mail_drafts_by_case_index = R"sql(
  CREATE INDEX mail_drafts_by_case ON mail_drafts(case_number, id);
)sql";

class SqlCaseStore final : public CaseStore {
 public:
  SqlCaseStore(std::unique_ptr<SqlSession> db, const KeyRing& keys) : m_session(std::move(db)), m_db(*m_session), m_keys(keys) {}

  SqlSession& session() { return m_db; }
  // A new store records a check of its keys, in the transaction that creates its schema; every
  // opening checks them (permission_denied: another installation's key file).
  Status record_keys();
  Status check_keys();
  Result<std::string> get_meta(const std::string& key);
  Status set_meta(const std::string& key, const std::string& value);

  Status transaction(const std::function<Status()>& work) override;

  // sql_cases.cpp
  Result<int> next_case_sequence(int year) override;
  Status save_case(const Case& c, const std::vector<std::string>& pseudonyms) override;
  Result<std::optional<Case>> load_case(std::string_view number) override;
  Result<std::vector<Case>> load_cases() override;
  Result<std::optional<IntakeKey>> intake_key(std::string_view key) override;
  Status remember_intake_key(std::string_view key, const IntakeKey& made, Instant at) override;
  Status set_queue_facts(std::string_view number, const QueueFacts& facts) override;
  Result<std::vector<QueueEntry>> queue_page(const CasePageQuery& q) override;
  Result<QueueCounts> queue_counts(Date today, Date soon) override;
  Result<std::vector<std::string>> cases_without_queue_due(int limit) override;
  Result<std::vector<std::string>> cases_with_subject(std::string_view pseudonym) override;

  // sql_audit.cpp
  Result<std::optional<AuditEvent>> newest_event() override;
  Status append_event(const AuditEvent& e, const AuditAnchor& anchor) override;
  Status for_each_event(std::string_view case_number, const std::function<Status(const AuditEvent&)>& visit) override;
  Status for_each_event_after(std::int64_t after, int limit,
                              const std::function<Status(const AuditEvent&)>& visit) override;
  Result<std::optional<std::int64_t>> trail_cursor(std::string_view follower) override;
  Result<std::int64_t> add_mail_draft(const MailDraft& draft) override;
  Result<std::optional<MailDraft>> mail_draft(std::int64_t id) override;
  Result<std::vector<MailDraft>> load_mail_drafts(std::string_view state, int limit) override;
  Result<std::vector<MailDraft>> load_mail_drafts_of_case(std::string_view case_number) override;
  Status update_mail_draft(const MailDraft& draft) override;
  Status save_trail_cursor(std::string_view follower, std::int64_t sequence) override;
  Result<std::optional<std::string>> connector_credential(std::string_view name) override;
  Status save_connector_credential(std::string_view name, std::string_view value) override;
  Result<std::string> drift_report() override { return get_meta("drift_report"); }
  Status save_drift_report(std::string_view summary_json) override {
    return set_meta("drift_report", std::string(summary_json));
  }
  Status save_agent(const AgentRecord& agent) override;
  Result<std::optional<AgentRecord>> agent(std::string_view id) override;
  Result<std::vector<AgentRecord>> load_agents() override;
  Status add_agent_request(const AgentRequestRecord& request) override;
  Status update_agent_request(const AgentRequestRecord& request) override;
  Result<std::optional<AgentRequestRecord>> agent_request(std::string_view request_id) override;
  Result<std::optional<AgentRequestRecord>> agent_request_of_case(std::string_view case_number) override;
  Result<std::vector<AgentRequestRecord>> agent_requests_with_callback() override;
  Result<bool> remember_signed_body(std::string_view body_mac, Instant at) override;
  Result<std::optional<AuditAnchor>> audit_anchor() override;

  // sql_erasure.cpp
  Status save_erasure_job(const ErasureJobRecord& job) override;
  Result<std::optional<ErasureJobRecord>> load_erasure_job(std::string_view case_number) override;
  Result<std::int64_t> add_hold(const LegalHold& hold) override;
  Status release_hold(std::int64_t id, Instant at, const std::string& by) override;
  Result<std::vector<LegalHold>> load_holds() override;
  Status append_ledger(const LedgerEntry& e) override;
  Status for_each_ledger_entry(Instant since, const std::function<Status(const LedgerEntry&)>& visit) override;

  // sql_correspondence.cpp
  Status save_challenge(const VerificationChallenge& c) override;
  Result<std::optional<VerificationChallenge>> load_challenge(std::string_view case_number) override;
  Result<std::int64_t> add_message(const OutboxMessage& m) override;
  Status update_message(const OutboxMessage& m) override;
  Result<bool> claim_message(std::int64_t id) override;
  Result<std::vector<OutboxMessage>> load_messages() override;
  Result<std::vector<OutboxMessage>> load_messages_of_case(std::string_view case_number) override;
  Result<std::int64_t> add_task(const ManualTask& t) override;
  Status update_task(const ManualTask& t) override;
  Result<std::vector<ManualTask>> load_tasks() override;

  // sql_jobs.cpp
  Result<std::int64_t> add_job(const JobRecord& j) override;
  Result<std::optional<JobRecord>> claim_job(const std::string& worker, Instant now, Instant lease_until) override;
  Result<std::optional<JobRecord>> claim_job_by_id(std::int64_t id, const std::string& worker, Instant now,
                                                   Instant lease_until) override;
  Status renew_job(const JobRecord& j, const std::string& worker, Instant lease_until) override;
  Status finish_job(const JobRecord& j, const std::string& worker) override;
  Result<std::optional<JobRecord>> load_job(std::int64_t id) override;
  Result<std::map<std::string, std::int64_t>> count_jobs() override;
  Result<std::optional<JobRecord>> job_with_key(std::string_view key) override;
  Result<std::vector<JobRecord>> load_jobs(std::string_view case_number, std::string_view state, int limit) override;

  // sql_access.cpp
  Result<std::int64_t> add_token(const ApiToken& t) override;
  Result<std::optional<ApiToken>> token_with_mac(std::string_view mac) override;
  Result<std::vector<ApiToken>> load_tokens() override;
  Status revoke_token(std::int64_t id, Instant at) override;
  Result<std::int64_t> add_operator(const OperatorAccount& a) override;
  Result<std::optional<OperatorAccount>> operator_by_email(std::string_view email) override;
  Result<std::optional<OperatorAccount>> operator_by_id(std::int64_t id) override;
  Result<std::vector<OperatorAccount>> load_operators() override;
  Status update_operator(const OperatorAccount& a) override;
  Status add_link(const OneTimeLink& l) override;
  Result<std::optional<OneTimeLink>> link_with_mac(std::string_view mac) override;
  Status use_link(std::string_view mac, Instant at) override;
  Status add_session(const WebSession& w) override;
  Result<std::optional<WebSession>> session_with_mac(std::string_view mac) override;
  Status touch_session(std::string_view mac, Instant at) override;
  Status end_session(std::string_view mac) override;
  Status end_sessions_of(std::int64_t operator_id) override;
  Result<ClientThrottle> client_throttle(std::string_view mac) override;
  Status save_client_throttle(const ClientThrottle& t) override;
  Status add_status_link(std::string_view mac, std::string_view case_number, Instant at) override;
  Result<std::optional<std::string>> case_for_status_link(std::string_view mac) override;
  Status add_download_session(std::string_view mac, std::string_view case_number, Instant expires) override;
  Result<std::optional<std::pair<std::string, Instant>>> download_session(std::string_view mac) override;

  // sql_drop.cpp
  Status save_drop_item(const DropItem& d) override;
  Result<std::optional<DropItem>> drop_item(std::string_view id) override;
  Result<std::vector<DropItem>> drop_items(std::string_view state) override;
  Status for_each_drop_item(const std::function<Status(DropItem&)>& visit) override;
  Result<std::vector<std::string>> drop_item_ids() override;

 private:
  Error error(const std::string& what) const { return store_error(m_db, what); }
  Result<std::vector<OutboxMessage>> read_messages(std::string_view case_number);
  Result<std::optional<JobRecord>> single_job(Statement& q);
  // Reads the audit events `q` selects to `visit`, in its order.
  Status visit_events(Statement& q, const std::function<Status(const AuditEvent&)>& visit);
  Result<AgentRequestRecord> read_agent_request(const Statement& q);
  Result<std::optional<AgentRequestRecord>> one_agent_request(const std::string& where, std::string_view value);
  Result<std::optional<OperatorAccount>> one_operator(const std::string& where, const std::function<void(Statement&)>& bind);

  std::unique_ptr<SqlSession> m_session;
  SqlSession& m_db;
  const KeyRing& m_keys;
  bool m_in_transaction = false;
};

// Column readers the area files share. Times are stored as ISO-8601 text.
namespace sql_rows {

inline std::optional<Instant> instant_column(const Statement& q, int col) {
  auto at = parse_instant(q.text(col));
  if (!at) return std::nullopt;
  return *at;
}

inline std::optional<std::string> optional_time(const std::optional<Instant>& at) {
  return at ? std::optional<std::string>(format_instant(*at)) : std::nullopt;
}

inline Result<std::optional<Instant>> read_optional_time(const Statement& q, int col) {
  auto text = q.optional_text(col);
  if (!text) return std::optional<Instant>{};
  auto at = parse_instant(*text);
  if (!at) return fail(ErrorCode::data_loss, "an unreadable time in the store: " + *text);
  return std::optional<Instant>{*at};
}

}  // namespace sql_rows

}  // namespace maestro
