// The desk: one call per thing a privacy officer does to a case. Front ends (the CLI, later the
// HTTP service) call these and hold no rules of their own.
//
// Every call that changes a case runs in one store transaction together with its audit event:
// either both are written or neither is. A refused call changes nothing and writes no event.
//
//   Desk desk(store, keys, policy, clock, "dpo@example.com");
//   auto intake = desk.intake(request);            // -> case DSAR-2026-001, duplicates flagged
//   desk.acknowledge(intake->c.number);
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cases/case.hpp"
#include "cases/deadlines.hpp"
#include "cases/lifecycle.hpp"
#include "cases/policy.hpp"
#include "crypto/keyring.hpp"
#include "datamap/datamap.hpp"
#include "store/case_store.hpp"

namespace maestro {

// A request as it arrives, before validation.
struct IntakeRequest {
  std::vector<std::string> subjects;  // "kind:value", a bare email or phone
  std::string name;
  std::string rights;  // comma-separated
  std::string jurisdiction;
  std::string channel = "email";
  std::optional<std::string> received;  // ISO 8601; default now
  std::vector<std::string> tenants;
  std::string ticket;
  std::string formats;   // the package formats the requester asked for ("json,csv"); empty: the default
  std::string language;  // en, de, fr, es, nl, pt-br; empty: the installation's (language: in maestro.yaml)
  bool gpc = false;      // a Global Privacy Control signal came with the request
};

// Parses the JSON form of a request (the shape `maestro dsar intake --from-json` documents).
Result<IntakeRequest> parse_intake_json(std::string_view text);
const std::vector<std::string>& known_channels();

struct IntakeResult {
  Case c;
  Deadlines deadlines;
};

struct CaseQuery {
  std::optional<CaseState> state;
  std::optional<Right> right;
  std::optional<std::string> jurisdiction;
  bool overdue_only = false;
  std::optional<Date> due_before;            // legal due date strictly before this date
  std::optional<std::string> assignee;       // queue only: "" for unassigned cases
  std::optional<SubjectIdentifier> subject;  // queue only: cases naming this identifier
};

struct CaseView {
  Case c;
  Deadlines deadlines;
};

// A row of the queue as the privacy team sees it: bookkeeping only, no personal data.
struct QueueItem {
  QueueEntry entry;
  bool paused = false;
  std::string assignee;
  Date legal_due{};   // in force today (a stopped legal clock has moved it on)
  int days_left = 0;  // from today (or the closing day) to legal_due; negative when late
  bool overdue = false;
};

// One page of the queue (Desk::queue).
struct QueuePage {
  std::vector<QueueItem> items;
  std::optional<std::string> next_cursor;  // the last case's number, when another page follows
};

struct AuditCheck {
  bool intact = true;
  std::int64_t events = 0;
  std::optional<std::int64_t> first_broken;
  std::string problem;
  std::string head_hash;
};

// A legal hold with its operator's details opened.
struct HoldView {
  LegalHold hold;
  std::string details;
};

// The reason codes a legal hold may carry (seed 002, section 7.1).
const std::vector<std::string>& hold_reasons();

// Long work to queue (desk/jobs.cpp): export, erase, send-letters, sweep.
struct JobRequest {
  std::string kind;
  std::string case_number;      // empty for work of no case
  std::string parameters_json;  // sealed in the store; may name the person
  int max_attempts = 3;
  std::string idempotency_key;  // a second request with the same key returns the first job
};

// Who may do what through the API and the dashboard: an auditor reads everything and changes
// nothing; an operator runs requests; a DPO may also deny, override verification, release holds
// and approve in review.
enum class Role { auditor, operator_, dpo };
Result<Role> parse_role(std::string_view text);
const char* role_name(Role role);
bool role_allows(Role held, Role needed);

struct NewToken {
  ApiToken token;
  std::string secret;  // shown once; only its keyed hash is stored
};

// A new operator account and the secret of its one-time set-password link (shown once).
struct NewOperator {
  OperatorAccount account;
  std::string link_secret;
};

// How long a dashboard session lives: unused, and at most.
struct SessionLimits {
  std::chrono::minutes idle{30};
  std::chrono::hours absolute{12};
};

// A signed-in browser: its account and role, the session (with its CSRF token).
struct SignedIn {
  OperatorAccount account;
  Role role = Role::auditor;
  WebSession session;
  std::string secret;  // the cookie's value: set by sign_in only
};

// The job kinds workers know, and whether a kind is one.
const std::vector<std::string>& job_kinds();

struct PurgeResult {
  std::vector<std::string> purged;  // case numbers whose personal data was (or would be) removed
};

class Desk {
 public:
  // All references must outlive the desk. `actor` names the operator in the audit trail.
  Desk(CaseStore& store, const KeyRing& keys, const Policy& policy, const Clock& clock, std::string actor);

  Result<IntakeResult> intake(const IntakeRequest& request);
  // Logs the requester's appeal against the refusal of `original` (where the law gives one, e.g.
  // VCDPA: answered within 60 days of receipt): a case of its own, with the original's subject
  // and rights, its own deadline, linked by appeal_of and audited on both cases.
  Result<IntakeResult> open_appeal(std::string_view original, std::optional<std::string> received = std::nullopt);
  // intake with a client's idempotency key: the same key and request again return the case the
  // first made (`replayed`); the same key with another request is already_exists.
  struct IdempotentIntake {
    IntakeResult made;
    bool replayed = false;
  };
  Result<IdempotentIntake> intake_once(const IntakeRequest& request, std::string_view key,
                                       std::string_view request_text);
  Result<CaseView> acknowledge(std::string_view number);
  Result<CaseView> record_verification(std::string_view number, std::string_view method, VerificationOutcome outcome);
  Result<CaseView> start(std::string_view number);
  Result<CaseView> submit_for_review(std::string_view number);
  // Closes the case as fulfilled when its work is done (lifecycle.hpp closing_blockers) and
  // delivers a staged package. fulfil_by_exception is the DPO's decision to close it anyway: the
  // reason (at least 5 characters) is kept encrypted as a note, the exception audited.
  Result<CaseView> fulfil(std::string_view number);
  Result<CaseView> fulfil_by_exception(std::string_view number, std::string_view reason);
  Result<CaseView> deny(std::string_view number, std::string_view reason, std::string_view details);
  Result<CaseView> withdraw(std::string_view number);
  Result<CaseView> pause(std::string_view number, std::string_view reason);
  Result<CaseView> resume(std::string_view number);
  Result<CaseView> extend(std::string_view number, std::string_view reason);
  Result<CaseView> add_note(std::string_view number, std::string_view text);

  Result<CaseView> find(std::string_view number);
  // Open cases that name any of these identifiers, oldest first.
  Result<std::vector<CaseView>> open_cases_for(const std::vector<SubjectIdentifier>& identifiers);
  // Records that identity was checked outside Maestro; the operator's reason is kept encrypted.
  // Logs a case and records at once that identity was verified elsewhere (an ad-hoc export or
  // erasure); a refused reason leaves no case behind.
  Result<CaseView> intake_verified_elsewhere(const IntakeRequest& request, std::string_view reason);
  Result<CaseView> override_verification(std::string_view number, std::string_view reason);
  // Records a staged package on the case, with an `export` audit event carrying `details_json`;
  // the package's redactions (sealed with the case) replace the previous package's for review
  // (seed 001 step 5); the requester hears of it when the DPO approves (fulfil). `password`, when given, is sealed with the case
  // until approval sends it in the password letter; empty: the operator was shown it.
  Result<CaseView> record_delivery(std::string_view number, const PackageDelivery& delivery,
                                   const std::string& details_json, const std::vector<Redaction>& redactions = {},
                                   const std::string& password = {});
  // Records the outcome of a case's work (rectification, restriction, objection) with its audit
  // event (`action`, `outcome`, `details_json`), in one transaction.
  Result<CaseView> record_work(std::string_view number, std::string_view action, std::string_view outcome,
                               const std::string& details_json, const WorkOutcome& work);
  // Forgets the staged package's password once the password letter carries it.
  Status forget_package_password(std::string_view number);
  // The DPO's review of a redaction (Art. 15(4)): `restore` puts the value back in the next
  // package of this case (re-export it), `release` accepts the redaction. id 0: every pending one.
  // Audited without the value; the reason is kept encrypted as a case note.
  Result<CaseView> review_redaction(std::string_view number, int id, bool restore, std::string_view reason);
  Result<std::vector<CaseView>> list(const CaseQuery& query);
  // The queue a page at a time: open cases first, by legal due date, then number. Reads only the
  // page's rows and opens no sealed case, so it stays fast with hundreds of thousands of cases;
  // `subject` is found through the keyed index. `cursor` is a previous page's next_cursor.
  Result<QueuePage> queue(const CaseQuery& query, int limit, std::string_view cursor);
  // Gives the case to an operator (an empty `assignee` takes it back); audited.
  Result<CaseView> assign(std::string_view number, std::string_view assignee);
  // Counts for dashboards and /metrics without reading every case: cases per state, open cases
  // overdue and due within `days` (by their due date as of their last change).
  Result<CaseStore::QueueCounts> queue_counts(int days);

  Result<AuditCheck> verify_audit();
  Status audit_events(std::string_view case_number, const std::function<Status(const AuditEvent&)>& visit);
  // The privacy inbox's drafts (desk/mail_intake.hpp). record_mail_draft seals the guess and the
  // message, keys the draft by the Message-ID (already_exists: recorded before) and audits it
  // without personal data; save_mail_draft records a change (`action`: mail-logged, mail-ignored).
  Result<MailDraft> record_mail_draft(MailDraft draft, std::string_view message_key, std::string_view guess_json,
                                      std::string_view raw_message);
  Status save_mail_draft(const MailDraft& draft, std::string_view action);
  Result<std::vector<MailDraft>> mail_drafts(std::string_view state, int limit);
  // The replies that joined case `number`, oldest first.
  Result<std::vector<MailDraft>> mail_drafts_of_case(std::string_view number);
  Result<MailDraft> mail_draft(std::int64_t id);
  // An operator opened attachment `index` of a reply (an ID scan): audited, by number only.
  Status record_evidence_viewed(const MailDraft& draft, std::size_t index);
  // The trail as its followers (webhooks) read it: up to `limit` events after sequence `after`,
  // the newest sequence number (0 when empty), and each follower's cursor.
  Status audit_events_after(std::int64_t after, int limit, const std::function<Status(const AuditEvent&)>& visit);
  Result<std::int64_t> newest_audit_sequence();
  Result<std::optional<std::int64_t>> trail_cursor(std::string_view follower);
  Status save_trail_cursor(std::string_view follower, std::int64_t sequence);

  // Removes personal data from cases closed longer ago than the policy's retention.
  Result<PurgeResult> purge_expired(bool dry_run);

  // Appends an audit event for an action that does not change a case's state (locate, export).
  // `details_json` must hold no personal data: pseudonyms, counts and codes only.
  Status record_action(std::string_view case_number, std::string_view action, std::string_view outcome,
                       const std::string& details_json);
  // The keyed pseudonym of an identifier, as the audit trail shows it.
  std::string pseudonym(const SubjectIdentifier& id) const { return m_keys.pseudonym(id.canonical()); }

  // Legal holds (desk/desk_records.cpp). A held subject's erasure is refused.
  Result<std::int64_t> add_hold(const std::vector<SubjectIdentifier>& subjects, std::string_view reason,
                                std::string_view details);
  Status release_hold(std::int64_t id);
  // California DROP work items (desk/drop_service.cpp runs the cycle).
  Status save_drop_item(const DropItem& item);
  Status save_drop_items(const std::vector<DropItem>& items);  // in one transaction
  // Runs several desk calls in one store transaction: all of them are recorded, or none (a
  // batch's bookkeeping: one commit, and one disk flush, for a thousand cases).
  Status in_one_transaction(const std::function<Status()>& work) { return m_store.transaction(work); }
  Result<std::optional<DropItem>> drop_item(std::string_view id);
  Result<std::vector<DropItem>> drop_items(std::string_view state);  // "" for all
  Result<std::vector<std::string>> drop_item_ids();
  Status for_each_drop_item(const std::function<Status(DropItem&)>& visit);
  Result<std::vector<HoldView>> list_holds(bool include_released);
  // Active holds that cover any of these identifiers.
  Result<std::vector<LegalHold>> active_holds_for(const std::vector<SubjectIdentifier>& identifiers);

  // Erasure bookkeeping (desk/desk_records.cpp). The plan is sealed before it is stored.
  Result<std::optional<std::pair<ErasureJobRecord, std::string>>> erasure_job(std::string_view case_number);
  // Saves the job, appends ledger entries and an audit event, all in one transaction.
  // `work`, when given, is recorded on the case in the same transaction (the erasure's proof).
  Status record_erasure_progress(const ErasureJobRecord& job, const std::string& plan_json,
                                 const std::vector<LedgerEntry>& ledger, std::string_view action,
                                 std::string_view outcome, const std::string& details_json,
                                 const std::optional<WorkOutcome>& work = std::nullopt);
  Status erasure_ledger(Instant since, const std::function<Status(const LedgerEntry&)>& visit);

  // Manual tasks (desk/desk_records.cpp): the owners of systems without a connector act by hand.
  // Opens one task per manual system of the map for this case and kind, unless one exists;
  // returns every task of the case and kind.
  struct TaskOpening {
    std::vector<ManualTask> tasks;     // every task of the case and kind
    std::vector<std::int64_t> opened;  // the ones opened by this call
  };
  // `also` names further systems whose owners must act (an API that cannot erase some records).
  Result<TaskOpening> manual_tasks_for(const CaseView& view, const DataMap& map, std::string_view kind,
                                       const std::set<std::string>& also = {});
  Result<ManualTask> complete_task(std::int64_t id, std::string_view note);
  // Records that the owner of an overdue task was reminded.
  Status task_reminded(ManualTask task);
  Result<std::vector<ManualTask>> tasks();
  Result<std::string> task_note(const ManualTask& task) const;

  // The outbox and one-time codes (desk/desk_records.cpp). Each change is audited without content.
  Result<std::int64_t> add_message(const OutboxMessage& message, const std::string& details_json);
  Status update_message(const OutboxMessage& message, std::string_view outcome, const std::string& details_json);
  // Takes a pending message for sending, at most once across senders (CaseStore::claim_message).
  Result<bool> claim_message(std::int64_t id) { return m_store.claim_message(id); }
  Result<std::vector<OutboxMessage>> messages();
  Result<std::vector<OutboxMessage>> messages_of_case(std::string_view number);
  Status save_challenge(const VerificationChallenge& challenge);
  Result<std::optional<VerificationChallenge>> challenge(std::string_view case_number);
  // Records a verification attempt (as record_verification) with extra audit details, and
  // saves the challenge in the same transaction.
  Result<CaseView> record_check(std::string_view number, std::string_view method, VerificationOutcome outcome,
                                const std::optional<VerificationChallenge>& challenge,
                                const std::string& extra_details);

  // Jobs (desk/jobs.cpp): long work queued for worker threads or `maestro worker` processes,
  // sharing the case store. Audit events name a job's kind and id, never its parameters.
  Result<JobRecord> enqueue_job(const JobRequest& request);
  // The next ready job, leased to `worker` for `lease`; nullopt when none is ready. A job whose
  // worker died (its lease ran out) once too often is failed here instead of being run again.
  Result<std::optional<JobRecord>> claim_job(const std::string& worker, std::chrono::seconds lease);
  // Job `id`, if it is ready (queued and due, or its worker died), as claim_job() would claim it.
  Result<std::optional<JobRecord>> claim_job(std::int64_t id, const std::string& worker, std::chrono::seconds lease);
  Result<std::string> job_parameters(const JobRecord& job) const;
  Result<std::string> job_error(const JobRecord& job) const;  // "" when none
  // Records progress and extends the lease; failed_precondition when the lease was lost.
  Status report_job_progress(const JobRecord& job, const std::string& worker, std::chrono::seconds lease);
  Status complete_job(JobRecord job, const std::string& worker, std::string result_json);
  // An `unavailable` error is retried with a growing delay while attempts remain; any other
  // error, or the last attempt, fails the job for good.
  Result<JobRecord> fail_job(JobRecord job, const std::string& worker, const Error& error);
  // Cancels a queued job (a running one finishes its current step first: cancel when it ends).
  Result<JobRecord> cancel_job(std::int64_t id);
  Result<JobRecord> job(std::int64_t id);
  // The job queued with this idempotency key, if any.
  Result<std::optional<JobRecord>> job_with_key(std::string_view idempotency_key);
  Result<std::vector<JobRecord>> jobs(std::string_view case_number, std::string_view state, int limit);

  // Operator accounts and dashboard sessions (desk/operators.cpp). Passwords are hashed with
  // Argon2id; links, sessions and client addresses are kept as keyed hashes only.
  // Opens an account without a password; the link (valid 72 hours) lets its owner choose one.
  Result<NewOperator> add_operator(std::string_view email, Role role);
  // Opens an account with its password set at once (scripts, the demo); a password the rules
  // refuse leaves no account behind.
  Result<OperatorAccount> add_operator_with_password(std::string_view email, Role role, std::string_view password);
  Result<std::vector<OperatorAccount>> operators();
  // Disables the account and ends its sessions at once.
  Status disable_operator(std::string_view email);
  // A fresh set-password link for an existing, enabled account (a forgotten password).
  Result<NewOperator> password_link(std::string_view email);
  // Uses a one-time link: the password is 12 to 256 characters. The link works once.
  Result<OperatorAccount> set_password(std::string_view link_secret, std::string_view password);
  // Checks email and password; locks the account and the client address out for a growing
  // time after repeated failures (failed_precondition, saying until when). A wrong email and a
  // wrong password get the same answer (permission_denied).
  Result<SignedIn> sign_in(std::string_view email, std::string_view password, std::string_view client_address);
  // The session of a cookie, if it is live (idle and absolute limits); touches it.
  Result<std::optional<SignedIn>> session(std::string_view secret, const SessionLimits& limits);
  Status sign_out(std::string_view secret);

  // The requester's status link (desk/portal.cpp): a random secret whose keyed hash opens the case.
  Result<std::string> add_status_link(std::string_view number);
  Result<std::optional<CaseView>> case_by_status_link(std::string_view secret);
  // The requester's downloads (desk/portal.cpp): a browser session allowed to fetch the package
  // after a fresh email code, and each download counted and audited.
  Result<std::string> open_download_session(std::string_view number, std::chrono::minutes lifetime);
  Result<std::optional<std::string>> download_session_case(std::string_view secret);
  Result<CaseView> record_download(std::string_view number);

  // API tokens for machine clients (desk/tokens.cpp).
  Result<NewToken> create_token(std::string_view name, Role role);
  // The active token with this secret, or nullopt (unknown or revoked).
  Result<std::optional<ApiToken>> authenticate_token(std::string_view secret);
  Result<std::vector<ApiToken>> tokens();
  Status revoke_token(std::int64_t id);

  // Authorized agents of the Data Rights Protocol (desk/agents.cpp; the protocol is desk/drp.hpp).
  struct AgentImport {
    std::vector<std::string> added, updated;  // agent ids
  };
  // Reads a DRP service directory (a JSON list of agents, or {"agents": [...]}, each with id,
  // name, verify_key (Base64 or 64 hex digits), web_url): new agents are enabled, known ones get
  // their name, key and address updated and keep their token and state. A bad entry changes nothing.
  Result<AgentImport> import_agents(std::string_view directory_json, bool trusts_email);
  Result<std::vector<AgentRecord>> agents();
  Result<std::optional<AgentRecord>> agent(std::string_view id);
  // A disabled agent's token stops working at once; enabling does not bring a token back.
  Status set_agent_enabled(std::string_view id, bool enabled);
  // A new bearer token for an enabled agent (the previous one stops working); only its keyed hash is kept.
  Result<std::string> issue_agent_token(std::string_view id);
  // The enabled agent this bearer token was issued to, or nullopt.
  Result<std::optional<AgentRecord>> agent_with_token(std::string_view token);
  // false when these signed bytes arrived before (a replay); remembered by keyed hash.
  Result<bool> remember_signed_body(std::string_view signed_bytes);
  // Records the agent's request of a case (audited on the case with the agent's id).
  Status record_agent_request(const AgentRequestRecord& request);
  Status save_agent_request(const AgentRequestRecord& request);  // notified, callback_failures
  Result<std::optional<AgentRequestRecord>> agent_request(std::string_view request_id);
  Result<std::optional<AgentRequestRecord>> agent_request_of_case(std::string_view number);
  Result<std::vector<AgentRequestRecord>> agent_requests_with_callback();
  // Cases naming any of these pseudonyms (CaseStore::cases_with_subject), for limits per person.
  Result<std::vector<CaseView>> cases_of_subject(const std::vector<SubjectIdentifier>& identifiers);

  // The latest drift check (desk/discovery_service.hpp): its summary is kept and audited with
  // counts and table and column names only. latest_drift() is "" when none ran.
  Status record_drift(const std::string& summary_json, std::size_t personal_unmapped);
  Result<std::string> latest_drift() { return m_store.drift_report(); }

  const Policy& policy() const { return m_policy; }
  const Clock& clock() const { return m_clock; }
  const KeyRing& keys() const { return m_keys; }

 private:
  Result<std::optional<JobRecord>> claim_ready_job(
      const std::string& worker, const std::function<Result<std::optional<JobRecord>>(Instant now)>& claim);
  using Change = std::function<Status(Case&)>;
  // Loads the case, applies `change`, saves it and appends an audit event, in one transaction.
  Result<CaseView> change_case(std::string_view number, std::string_view action, const Change& change,
                               const std::string& extra_details = "");
  Result<Case> load(std::string_view number);
  Result<CaseView> view(Case c);
  // Numbers, saves and audits a validated new case (intake, appeals), in one transaction.
  Result<IntakeResult> log_case(Case c);
  Status append_audit(std::string_view case_number, std::string_view action, std::string_view outcome,
                      const std::string& details_json);
  std::vector<std::string> pseudonyms(const Case& c) const;
  Result<std::vector<std::string>> find_duplicates(const Case& c);
  // Gives cases from before the queue's facts existed their facts, once.
  Status fill_queue_due();
  Status save_queue_facts(const Case& c, const Deadlines& deadlines);

  CaseStore& m_store;
  const KeyRing& m_keys;
  const Policy& m_policy;
  const Clock& m_clock;
  std::string m_actor;
};

}  // namespace maestro
