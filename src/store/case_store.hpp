// CaseStore: where cases, their sequence numbers and the audit trail are kept.
//
// The SQLite store (one file, WAL) is the embedded default. Implementations encrypt every
// personal field before it reaches storage and index subjects only by keyed pseudonyms.
// A CaseStore is used from one thread at a time; several processes may share one store, and a
// writer that cannot get the lock in time fails with `unavailable`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_chain.hpp"
#include "cases/case.hpp"
#include "common/result.hpp"

namespace maestro {

// An erasure in progress or done for a case: its plan, sealed (it holds personal data until
// the work is proven done, then only counts and reasons).
struct ErasureJobRecord {
  std::string case_number;
  Instant started_at{};
  std::string state;        // running, complete
  std::string sealed_plan;  // KeyRing::seal of the plan's JSON
};

// A legal hold: the subjects it covers are known only by keyed pseudonyms.
struct LegalHold {
  std::int64_t id = 0;
  Instant created_at{};
  std::string created_by;
  std::string reason;          // a code: legal-hold, regulatory-requirement, active-contract, legal-claims
  std::string sealed_details;  // the operator's free text, sealed (may mention the person)
  std::optional<Instant> released_at;
  std::string released_by;
  std::vector<std::string> pseudonyms;
};

// One erased row, by keyed hash only, so that erasures can be re-applied to a restored backup.
struct LedgerEntry {
  std::int64_t sequence = 0;
  Instant at{};
  std::string case_number;
  std::string system, tenant, collection;
  std::string key_field;      // empty for a text log (the key is a token in the line)
  std::string key_pseudonym;  // HMAC of the key's value
  std::string action;         // delete, anonymize
};

// An emailed one-time code: only its keyed hash is kept.
struct VerificationChallenge {
  std::string case_number;
  std::string code_mac;  // KeyRing::integrity_mac of the case number and code
  Instant created_at{};
  Instant expires_at{};
  std::optional<Instant> used_at;
};

// A letter on its way to the requester. The recipient, subject and body are sealed.
struct OutboxMessage {
  std::int64_t id = 0;
  std::string case_number;
  std::string letter;  // the template, e.g. acknowledgement
  Instant created_at{};
  std::string state;  // pending, sending (claimed by a sender), sent, failed (gave up), manual (written as .eml)
  int attempts = 0;
  Instant next_attempt_at{};
  std::optional<Instant> sent_at;
  std::string last_error;
  std::string sealed;  // KeyRing::seal of the message as JSON
};

// Work a person must do by hand for a case: a system Maestro has no connector for.
struct ManualTask {
  std::int64_t id = 0;
  std::string case_number;
  std::string system;
  std::string kind;   // export, erase, rectify, restrict, object
  std::string owner;  // an email address from the data map
  Instant created_at{};
  Date due{};
  std::optional<Instant> done_at;
  std::string done_by;
  std::string sealed_note;             // the owner's confirmation, sealed
  std::optional<Instant> reminded_at;  // when the owner was reminded of an overdue task
};

// Long work (export, erasure, letters) queued for worker threads or processes (ARCHITECTURE.md
// section 4). Several workers, in one process or on several machines, share the table: a worker
// claims a job with a lease it must renew; a job whose lease ran out (its worker died) is claimed
// again and, since the work itself is resumable, completed by another.
struct JobRecord {
  std::int64_t id = 0;
  std::string kind;         // export, erase, send-letters, sweep
  std::string case_number;  // empty for work that belongs to no case
  std::string state;        // queued, running, succeeded, failed, cancelled
  std::string created_by;
  Instant created_at{};
  Instant not_before{};  // not claimed before this (a retry backs off)
  int attempts = 0;      // claims so far
  int max_attempts = 3;
  std::string lease_owner;  // the worker running it
  std::optional<Instant> lease_expires_at;
  std::int64_t progress_done = 0;
  std::int64_t progress_total = 0;
  std::string progress_note;      // e.g. "searching billing"; never personal data
  std::string sealed_parameters;  // KeyRing::seal of the parameters' JSON (they may name the person)
  std::string result;             // JSON without personal data: counts, hashes, codes
  std::string sealed_error;       // KeyRing::seal of the last failure's message (a library's may quote data)
  std::optional<Instant> finished_at;
  std::string idempotency_key;  // empty: none; else unique among jobs
};

// A message read from the privacy inbox (desk/mail_intake.hpp): a draft an operator confirms as a
// case, or one set aside (an auto-reply, a bounce). The message and the guess drawn from it hold
// personal data and are sealed; the rest is bookkeeping.
struct MailDraft {
  std::int64_t id = 0;
  std::string message_mac;  // KeyRing::pseudonym of the Message-ID (else of the bytes): one draft a message
  Instant received_at{};    // when the message was sent (its Date), else when it was read
  Instant recorded_at{};
  std::string state;           // pending, logged (a case), ignored
  std::string ignored_reason;  // auto-reply, bounce, spam, mailing list, too large, unreadable
  std::string confidence;      // high, medium, low
  std::string rights;          // the rights guessed, comma-separated
  std::string language;        // the language guessed (the letters')
  std::string sealed_guess;    // KeyRing::seal of the guess's JSON (name, identifiers)
  std::string sealed_message;  // KeyRing::seal of the raw message
  std::string case_number;     // once logged
};

// A work item of California's DROP deletion lists. The consumer's identifier is known only as
// DROP's hash of it, which Maestro keeps as a keyed hash and sealed (encrypted), never in clear,
// so the list outlives each cycle (a record that appears later is still caught) without holding
// a value anyone could look up.
struct DropItem {
  std::string id;        // DROP's work item ID
  std::string list;      // Email, Phone, ...
  std::string hash_mac;  // KeyRing::pseudonym of "drop:<list>:<DROP's hash>"
  std::string sealed_hash;  // KeyRing::seal of DROP's hash: opened in memory only, to match by digest
  std::string file;      // the list file it came in
  Instant received_at{};
  // pending (not matched yet), matched (an erasure case runs), shared (several consumers hold
  // the identifier: opted out), exempt (matched, nothing may be erased), erased (proof clean),
  // unmatched (searched everywhere, not found), withdrawn (the consumer cancelled).
  std::string state = "pending";
  std::string case_number;  // the case of a match
  int code = 0;             // the status sent to DROP; 0 until then
  std::optional<Instant> responded_at;
};

// A machine client's API token: only a keyed hash of the secret is kept (shown once at creation).
struct ApiToken {
  std::int64_t id = 0;
  std::string name;  // what the client is, e.g. "ticketing-bridge"
  std::string role;  // auditor, operator, dpo
  std::string secret_mac;
  Instant created_at{};
  std::string created_by;
  std::optional<Instant> revoked_at;
};

// An authorized agent admitted from a Data Rights Protocol service directory (desk/agents.hpp).
// Its bearer token is kept only as a keyed hash.
struct AgentRecord {
  std::string id;          // the directory's id, e.g. "CR_AA_DRP_ID_001"
  std::string name;
  std::string verify_key;  // the Ed25519 verify key, 64 hex digits
  std::string web_url;
  bool enabled = true;
  // Its `email_verified` claim counts as one identity check; otherwise the person proves their
  // identity through the portal (need_user_verification).
  bool trusts_email = false;
  std::string token_mac;  // empty: no token issued yet
  Instant imported_at{};
  std::optional<Instant> token_issued_at;
};

// A request an agent exercised and the case it became. Bookkeeping: the case holds the person.
struct AgentRequestRecord {
  std::string request_id;        // a UUID made on arrival
  std::string agent_id;
  std::string agent_request_id;  // the agent's own reference, echoed in every status
  std::string case_number;
  std::string exercise;         // access, deletion, sale:opt-out, sale:opt-in, ...
  std::string status_callback;  // where every change of status is POSTed; empty: nowhere
  Instant received_at{};
  std::string status_link;  // the portal's status page secret for this case (sealed at rest)
  std::string notified;     // "status/reason" last delivered to status_callback
  int callback_failures = 0;
};

// A person of the privacy team who signs in to the dashboard (staff, not a data subject).
struct OperatorAccount {
  std::int64_t id = 0;
  std::string email;
  std::string role;           // auditor, operator, dpo
  std::string password_hash;  // Argon2id, encoded; empty until the one-time link is used
  Instant created_at{};
  std::string created_by;
  std::optional<Instant> disabled_at;
  int failed_logins = 0;  // since the last successful one
  std::optional<Instant> locked_until;
};

// A one-time link (setting a password): only a keyed hash of its secret is kept.
struct OneTimeLink {
  std::string secret_mac;
  std::int64_t operator_id = 0;
  Instant expires_at{};
  std::optional<Instant> used_at;
};

// A signed-in browser: the cookie's secret as a keyed hash, and the form token it must send.
struct WebSession {
  std::string secret_mac;
  std::int64_t operator_id = 0;
  Instant created_at{};
  Instant last_seen_at{};
  std::string csrf_token;
};

// Failed sign-ins from one client address (kept as a keyed hash).
struct ClientThrottle {
  std::string client_mac;
  int failures = 0;
  std::optional<Instant> locked_until;
};

// A page of the queue: cases in the order a privacy team works them (open ones first, by legal
// due date, then number), filtered by indexed columns only.
struct CasePageQuery {
  std::string state;               // empty: any
  std::string right;               // empty: any; else one right's name
  std::string jurisdiction;        // empty: any
  std::optional<Date> overdue_on;  // only open cases overdue on this day (by their stored facts)
  std::string assignee;            // empty: any; "-": unassigned only
  std::string subject_pseudonym;   // empty: any; else cases naming a subject with this pseudonym
  std::string after;               // a case number: the page starts after it; empty: first page
  int limit = 50;
};

// What the queue knows of a case without opening it, kept in plain columns beside the sealed
// case and refreshed in the transaction of every change (set_queue_facts).
struct QueueFacts {
  Date legal_due{};                     // as computed at the change
  bool paused = false;
  std::optional<int> frozen_days_left;  // paused with the legal clock stopped: days left when it stopped
  std::string assignee;                 // the operator working the case; empty: nobody
};

// One row of the queue: bookkeeping only, no personal data, nothing to decrypt.
struct QueueEntry {
  std::string number;
  std::string state;
  std::string jurisdiction;
  std::string rights;  // comma-separated
  Instant received_at{};
  std::optional<Instant> closed_at;
  std::optional<QueueFacts> facts;  // nullopt for a store written before the queue existed
};

class CaseStore {
 public:
  virtual ~CaseStore() = default;

  // Runs `work` in one write transaction: commits when it succeeds, rolls back when it fails,
  // so a failed command leaves the store exactly as it was.
  virtual Status transaction(const std::function<Status()>& work) = 0;

  // The next number in `year`'s sequence (1, 2, ...). Call inside a transaction.
  virtual Result<int> next_case_sequence(int year) = 0;
  // Inserts or replaces a case, with its subjects' pseudonyms for duplicate look-ups.
  virtual Status save_case(const Case& c, const std::vector<std::string>& subject_pseudonyms) = 0;
  virtual Result<std::optional<Case>> load_case(std::string_view number) = 0;
  // Every case, oldest first.
  virtual Result<std::vector<Case>> load_cases() = 0;
  // Records what the queue orders and filters by (as computed when the case last changed). Call
  // in the transaction that saves the case.
  virtual Status set_queue_facts(std::string_view number, const QueueFacts& facts) = 0;
  // Up to `limit` + 1 rows of the queue's page (one more tells the caller another page follows).
  // not_found when `after` names no case.
  virtual Result<std::vector<QueueEntry>> queue_page(const CasePageQuery& query) = 0;
  // Cases per state, and open cases by their stored due date: overdue (due before `today`, or
  // paused with no days left) and due from today to before `soon`.
  struct QueueCounts {
    std::map<std::string, std::int64_t> by_state;
    std::int64_t overdue = 0, due_soon = 0;
    std::int64_t letters_waiting = 0;  // outbox messages pending (to be sent or retried)
  };
  virtual Result<QueueCounts> queue_counts(Date today, Date soon) = 0;
  // Cases whose queue due date was never recorded (stores from before it existed), at most `limit`.
  virtual Result<std::vector<std::string>> cases_without_queue_due(int limit) = 0;
  // Numbers of the cases that name a subject with this pseudonym.
  virtual Result<std::vector<std::string>> cases_with_subject(std::string_view pseudonym) = 0;

  virtual Result<std::optional<AuditEvent>> newest_event() = 0;
  // Appends an already linked event and moves the anchor to it. Call inside a transaction.
  virtual Status append_event(const AuditEvent& event, const AuditAnchor& anchor) = 0;
  // Visits events in sequence order; `case_number` empty means all. Stops at the first failure.
  virtual Status for_each_event(std::string_view case_number,
                                const std::function<Status(const AuditEvent&)>& visit) = 0;
  virtual Result<std::optional<AuditAnchor>> audit_anchor() = 0;

  // The privacy inbox's drafts. add_mail_draft assigns the id; a second draft of the same message
  // (message_mac) is already_exists.
  virtual Result<std::int64_t> add_mail_draft(const MailDraft& draft) = 0;
  virtual Result<std::optional<MailDraft>> mail_draft(std::int64_t id) = 0;
  // Newest first; `state` empty: every state.
  virtual Result<std::vector<MailDraft>> load_mail_drafts(std::string_view state, int limit) = 0;
  // The drafts attached to a case (its logged request, the replies that joined it), oldest first.
  virtual Result<std::vector<MailDraft>> load_mail_drafts_of_case(std::string_view case_number) = 0;
  // Saves the state, ignored reason, case number and the sealed guess and message.
  virtual Status update_mail_draft(const MailDraft& draft) = 0;
  // Up to `limit` events after sequence number `after`, in order (webhooks follow the trail).
  virtual Status for_each_event_after(std::int64_t after, int limit,
                                      const std::function<Status(const AuditEvent&)>& visit) = 0;
  // How far a follower of the trail (a webhook) has read it: the last sequence number it has
  // handled, or nullopt when it never read it.
  virtual Result<std::optional<std::int64_t>> trail_cursor(std::string_view follower) = 0;
  virtual Status save_trail_cursor(std::string_view follower, std::int64_t sequence) = 0;
  // What connectors keep between runs (connectors/credential_vault.hpp: OAuth2 tokens), sealed
  // with the installation's key under a keyed hash of `name`; nullopt when nothing was kept.
  virtual Result<std::optional<std::string>> connector_credential(std::string_view name) = 0;
  virtual Status save_connector_credential(std::string_view name, std::string_view value) = 0;
  // The latest `maestro datamap drift` summary (JSON, names and counts only); "" when none ran.
  virtual Result<std::string> drift_report() = 0;
  virtual Status save_drift_report(std::string_view summary_json) = 0;

  virtual Status save_erasure_job(const ErasureJobRecord& job) = 0;
  virtual Result<std::optional<ErasureJobRecord>> load_erasure_job(std::string_view case_number) = 0;

  // Stores a new hold (its id is assigned) and returns the id. Call inside a transaction.
  virtual Result<std::int64_t> add_hold(const LegalHold& hold) = 0;
  virtual Status release_hold(std::int64_t id, Instant at, const std::string& by) = 0;
  // Every hold, oldest first.
  virtual Result<std::vector<LegalHold>> load_holds() = 0;

  virtual Status save_challenge(const VerificationChallenge& challenge) = 0;
  virtual Result<std::optional<VerificationChallenge>> load_challenge(std::string_view case_number) = 0;

  // Stores a new message (its id is assigned) and returns the id.
  virtual Result<std::int64_t> add_message(const OutboxMessage& message) = 0;
  virtual Status update_message(const OutboxMessage& message) = 0;
  // Marks a pending message "sending" before it is handed to the mail server, so that it is sent
  // at most once: of several senders (workers, serve) only one gets true. false: another sender
  // has it, or it is no longer pending. A sender that dies after this leaves it "sending".
  virtual Result<bool> claim_message(std::int64_t id) = 0;
  // Every message, oldest first.
  virtual Result<std::vector<OutboxMessage>> load_messages() = 0;
  // One case's messages, oldest first.
  virtual Result<std::vector<OutboxMessage>> load_messages_of_case(std::string_view case_number) = 0;

  virtual Result<std::int64_t> add_task(const ManualTask& task) = 0;
  virtual Status update_task(const ManualTask& task) = 0;
  virtual Result<std::vector<ManualTask>> load_tasks() = 0;  // oldest first

  // Jobs. add_job assigns the id; a second job with the same idempotency key is already_exists.
  virtual Result<std::int64_t> add_job(const JobRecord& job) = 0;
  // Atomically (across processes sharing the store) claims the job that is queued and due at
  // `now`, or running with a lease that expired by `now` (those first: a dead worker's job waits
  // no longer than its lease), earliest first: state running, one more attempt, leased to
  // `worker` until `lease_until`. nullopt when nothing is ready.
  virtual Result<std::optional<JobRecord>> claim_job(const std::string& worker, Instant now, Instant lease_until) = 0;
  // Claims job `id` as claim_job() would, if it is queued and due, or running with a lease that
  // expired by `now`; nullopt otherwise (another worker holds it, or it ended). A worker waiting
  // for the parts of its own search takes them this way.
  virtual Result<std::optional<JobRecord>> claim_job_by_id(std::int64_t id, const std::string& worker, Instant now,
                                                           Instant lease_until) = 0;
  // Extends the lease of a job `worker` holds and records its progress; failed_precondition when
  // the worker no longer holds it (its lease ran out and another worker claimed the job).
  virtual Status renew_job(const JobRecord& job, const std::string& worker, Instant lease_until) = 0;
  // Writes a job's state, result, error, not_before and finished_at and releases its lease. With
  // `worker` non-empty, only while that worker holds the job (else failed_precondition).
  virtual Status finish_job(const JobRecord& job, const std::string& worker) = 0;
  virtual Result<std::optional<JobRecord>> load_job(std::int64_t id) = 0;
  // How many jobs are in each state (for /metrics).
  virtual Result<std::map<std::string, std::int64_t>> count_jobs() = 0;
  virtual Result<std::optional<JobRecord>> job_with_key(std::string_view idempotency_key) = 0;
  // Newest first; `case_number` empty means every case, `state` empty every state.
  virtual Result<std::vector<JobRecord>> load_jobs(std::string_view case_number, std::string_view state, int limit) = 0;

  // API tokens. add_token assigns the id; a second token of the same name is already_exists.
  virtual Result<std::int64_t> add_token(const ApiToken& token) = 0;
  virtual Result<std::optional<ApiToken>> token_with_mac(std::string_view secret_mac) = 0;
  virtual Result<std::vector<ApiToken>> load_tokens() = 0;  // oldest first
  virtual Status revoke_token(std::int64_t id, Instant at) = 0;

  // Operator accounts, their one-time links, browser sessions and sign-in throttles (desk/operators.cpp).
  virtual Result<std::int64_t> add_operator(const OperatorAccount& account) = 0;  // already_exists: same email
  virtual Result<std::optional<OperatorAccount>> operator_by_email(std::string_view email) = 0;
  virtual Result<std::optional<OperatorAccount>> operator_by_id(std::int64_t id) = 0;
  virtual Result<std::vector<OperatorAccount>> load_operators() = 0;
  // Saves the password hash, disabled time, failure count and lock-out of an existing account.
  virtual Status update_operator(const OperatorAccount& account) = 0;
  virtual Status add_link(const OneTimeLink& link) = 0;
  virtual Result<std::optional<OneTimeLink>> link_with_mac(std::string_view secret_mac) = 0;
  // Marks the link used; failed_precondition when it was used already (two tabs, a replay).
  virtual Status use_link(std::string_view secret_mac, Instant at) = 0;
  virtual Status add_session(const WebSession& session) = 0;
  virtual Result<std::optional<WebSession>> session_with_mac(std::string_view secret_mac) = 0;
  virtual Status touch_session(std::string_view secret_mac, Instant at) = 0;
  virtual Status end_session(std::string_view secret_mac) = 0;
  virtual Status end_sessions_of(std::int64_t operator_id) = 0;
  virtual Result<ClientThrottle> client_throttle(std::string_view client_mac) = 0;
  virtual Status save_client_throttle(const ClientThrottle& throttle) = 0;

  // The requester's status links: a keyed hash of each secret and the case it opens.
  virtual Status add_status_link(std::string_view secret_mac, std::string_view case_number, Instant at) = 0;
  virtual Result<std::optional<std::string>> case_for_status_link(std::string_view secret_mac) = 0;
  // A browser allowed to download a case's package until `expires` (after a fresh email code).
  virtual Status add_download_session(std::string_view secret_mac, std::string_view case_number, Instant expires) = 0;
  virtual Result<std::optional<std::pair<std::string, Instant>>> download_session(std::string_view secret_mac) = 0;

  // Idempotency keys of case creation: the key, the case it made, and a keyed hash of the request
  // (the request names the person). remember_intake_key is called in the intake's transaction.
  struct IntakeKey {
    std::string case_number;
    std::string request_mac;
  };
  virtual Result<std::optional<IntakeKey>> intake_key(std::string_view key) = 0;
  virtual Status remember_intake_key(std::string_view key, const IntakeKey& made, Instant at) = 0;

  // DROP work items: saved by ID (a new one is added, a known one updated), read by state ("" all).
  virtual Status save_drop_item(const DropItem& item) = 0;
  virtual Result<std::optional<DropItem>> drop_item(std::string_view id) = 0;
  virtual Result<std::vector<DropItem>> drop_items(std::string_view state) = 0;
  virtual Result<std::vector<std::string>> drop_item_ids() = 0;  // every work item's ID, for a new import
  // Every work item, one at a time (a million need not be in memory twice).
  virtual Status for_each_drop_item(const std::function<Status(DropItem&)>& visit) = 0;

  // Authorized agents (desk/agents.hpp). save_agent inserts or replaces by id.
  virtual Status save_agent(const AgentRecord& agent) = 0;
  virtual Result<std::optional<AgentRecord>> agent(std::string_view id) = 0;
  virtual Result<std::vector<AgentRecord>> load_agents() = 0;  // by id
  virtual Status add_agent_request(const AgentRequestRecord& request) = 0;
  virtual Status update_agent_request(const AgentRequestRecord& request) = 0;  // notified, failures
  virtual Result<std::optional<AgentRequestRecord>> agent_request(std::string_view request_id) = 0;
  virtual Result<std::optional<AgentRequestRecord>> agent_request_of_case(std::string_view case_number) = 0;
  // Requests with a status callback not yet told a final status (expired, revoked, denied), oldest
  // first: the callbacks' sender compares each with its case.
  virtual Result<std::vector<AgentRequestRecord>> agent_requests_with_callback() = 0;
  // Remembers a signed body by its keyed hash: false when it was seen before (a replay).
  virtual Result<bool> remember_signed_body(std::string_view body_mac, Instant at) = 0;

  virtual Status append_ledger(const LedgerEntry& entry) = 0;
  // Entries written at or after `since`, in order.
  virtual Status for_each_ledger_entry(Instant since, const std::function<Status(const LedgerEntry&)>& visit) = 0;
};

}  // namespace maestro
