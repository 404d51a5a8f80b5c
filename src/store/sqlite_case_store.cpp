// The embedded case store: SQLite's schema, its numbered migrations, and opening a file. The
// store's queries are SqlCaseStore's (sql_*.cpp), shared with PostgreSQL.
#include "store/sqlite_case_store.hpp"

#include <array>
#include <string>

#include "store/sql_case_store.hpp"
#include "store/sqlite_session.hpp"

namespace maestro {

namespace {

constexpr int k_application_id = 0x4d414553;  // "MAES": marks a file as a Maestro store

// Each entry upgrades the schema by one version; PRAGMA user_version records how far we are.
constexpr std::array<const char*, 19> k_migrations{R"sql(
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE case_sequence (year INTEGER PRIMARY KEY, last_number INTEGER NOT NULL);
  CREATE TABLE cases (
    number TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    state TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    rights TEXT NOT NULL,
    received_at TEXT NOT NULL,
    closed_at TEXT,
    record TEXT NOT NULL,      -- bookkeeping JSON, no personal data
    personal BLOB              -- AES-256-GCM sealed JSON; NULL once purged
  );
  CREATE TABLE case_subjects (
    case_number TEXT NOT NULL REFERENCES cases(number) ON DELETE CASCADE,
    pseudonym TEXT NOT NULL,   -- HMAC-SHA256 of the identifier under the installation key
    PRIMARY KEY (case_number, pseudonym)
  );
  CREATE INDEX case_subjects_by_pseudonym ON case_subjects(pseudonym);
  CREATE TABLE audit_events (
    sequence INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    case_number TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    details TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX audit_events_by_case ON audit_events(case_number, sequence);
)sql",
                                                  R"sql(
  CREATE TABLE erasure_jobs (
    case_number TEXT PRIMARY KEY REFERENCES cases(number),
    started_at TEXT NOT NULL,
    state TEXT NOT NULL,
    plan BLOB NOT NULL           -- AES-256-GCM sealed plan
  );
  CREATE TABLE legal_holds (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reason TEXT NOT NULL,        -- a reason code, no personal data
    details BLOB,                -- sealed free text
    released_at TEXT,
    released_by TEXT
  );
  CREATE TABLE legal_hold_subjects (
    hold_id INTEGER NOT NULL REFERENCES legal_holds(id),
    pseudonym TEXT NOT NULL,
    PRIMARY KEY (hold_id, pseudonym)
  );
  CREATE INDEX legal_hold_subjects_by_pseudonym ON legal_hold_subjects(pseudonym);
  CREATE TABLE erasure_ledger (
    sequence INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    case_number TEXT NOT NULL,
    system TEXT NOT NULL,
    tenant TEXT NOT NULL,
    collection TEXT NOT NULL,
    key_field TEXT NOT NULL,
    key_pseudonym TEXT NOT NULL, -- HMAC of the key's value: no personal data
    action TEXT NOT NULL
  );
  CREATE INDEX erasure_ledger_by_time ON erasure_ledger(at);
)sql",
                                                  R"sql(
  CREATE TABLE verification_challenges (
    case_number TEXT PRIMARY KEY REFERENCES cases(number),
    code_mac TEXT NOT NULL,      -- keyed hash of the code; the code itself is never stored
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
  );
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    case_number TEXT NOT NULL,
    letter TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT NOT NULL,
    message BLOB NOT NULL        -- sealed recipient, subject and body
  );
)sql",
                                                  R"sql(
  CREATE TABLE manual_tasks (
    id INTEGER PRIMARY KEY,
    case_number TEXT NOT NULL,
    system TEXT NOT NULL,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    due TEXT NOT NULL,
    done_at TEXT,
    done_by TEXT NOT NULL,
    note BLOB,                   -- the owner's confirmation, sealed
    reminded_at TEXT
  );
)sql",
                                                  R"sql(
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    case_number TEXT NOT NULL,      -- '' for work of no case
    state TEXT NOT NULL,            -- queued, running, succeeded, failed, cancelled
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    not_before TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    lease_owner TEXT NOT NULL,
    lease_expires_at TEXT,
    progress_done INTEGER NOT NULL,
    progress_total INTEGER NOT NULL,
    progress_note TEXT NOT NULL,
    parameters BLOB NOT NULL,       -- sealed JSON
    result TEXT NOT NULL,
    error BLOB NOT NULL,            -- sealed message of the last failure
    finished_at TEXT,
    idempotency_key TEXT UNIQUE     -- NULL: none
  );
  CREATE INDEX jobs_ready ON jobs(state, not_before);
  CREATE INDEX jobs_by_case ON jobs(case_number, id);
)sql",
                                                  R"sql(
  CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    secret_mac TEXT NOT NULL UNIQUE,  -- keyed hash; the secret itself is never stored
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT
  );
)sql",
                                                  R"sql(
  ALTER TABLE cases ADD COLUMN legal_due TEXT;   -- YYYY-MM-DD as of the last change; NULL: not yet known
  CREATE INDEX cases_queue ON cases((closed_at IS NOT NULL), legal_due, number);
)sql",
                                                  R"sql(
  CREATE TABLE intake_keys (
    key TEXT PRIMARY KEY,           -- the client's Idempotency-Key
    case_number TEXT NOT NULL,
    request_mac TEXT NOT NULL,      -- keyed hash of the request body
    created_at TEXT NOT NULL
  );
)sql",
                                                  R"sql(
  -- The queue's plain facts beside legal_due, so a page of the queue opens no sealed case.
  ALTER TABLE cases ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE cases ADD COLUMN frozen_days_left INTEGER;  -- paused with the legal clock stopped
  ALTER TABLE cases ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
  CREATE INDEX cases_by_assignee ON cases(assignee, legal_due);
  -- Cases whose facts are not known yet (written before they existed): found without a scan.
  CREATE INDEX cases_without_facts ON cases(number) WHERE legal_due IS NULL;
  UPDATE cases SET legal_due = NULL;  -- so that every case gets its facts once (Desk::fill_queue_due)
)sql",
                                                  R"sql(
  CREATE TABLE operators (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,       -- a member of the privacy team, not a data subject
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',  -- Argon2id encoded; '' until set
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    disabled_at TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
  );
  CREATE TABLE one_time_links (
    secret_mac TEXT PRIMARY KEY,      -- keyed hash; the link's secret is only in the mail or on screen
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    expires_at TEXT NOT NULL,
    used_at TEXT
  );
  CREATE TABLE web_sessions (
    secret_mac TEXT PRIMARY KEY,      -- keyed hash of the cookie's secret
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    csrf_token TEXT NOT NULL
  );
  CREATE INDEX web_sessions_by_operator ON web_sessions(operator_id);
  CREATE TABLE client_throttles (
    client_mac TEXT PRIMARY KEY,      -- keyed hash of the client address
    failures INTEGER NOT NULL,
    locked_until TEXT
  );
)sql",
                                                  R"sql(
  CREATE TABLE status_links (
    secret_mac TEXT PRIMARY KEY,      -- keyed hash; the secret is only in the requester's mail
    case_number TEXT NOT NULL REFERENCES cases(number),
    created_at TEXT NOT NULL
  );
  CREATE TABLE download_sessions (
    secret_mac TEXT PRIMARY KEY,      -- keyed hash of the browser's download cookie
    case_number TEXT NOT NULL REFERENCES cases(number),
    expires_at TEXT NOT NULL
  );
)sql",
                                                  R"sql(
  -- A case's letters without reading the whole outbox (the dashboard's case page, fulfilment).
  CREATE INDEX outbox_by_case ON outbox(case_number, id);
)sql",
                                                  R"sql(
  -- California DROP work items: the consumer only as a keyed hash of DROP's hash.
  CREATE TABLE drop_items (
    id TEXT PRIMARY KEY,
    list TEXT NOT NULL,
    hash_mac TEXT NOT NULL,
    sealed_hash BLOB NOT NULL,
    file TEXT NOT NULL,
    received_at TEXT NOT NULL,
    state TEXT NOT NULL,
    case_number TEXT,
    code INTEGER NOT NULL DEFAULT 0,
    responded_at TEXT
  );
  CREATE INDEX drop_items_by_state ON drop_items(state);
)sql",
                                                  R"sql(
  -- A worker's claim picks the next due job, or a dead worker's, each by an index of its own.
  DROP INDEX jobs_ready;
  CREATE INDEX jobs_ready ON jobs(state, not_before, id);
  CREATE INDEX jobs_leases ON jobs(state, lease_expires_at, id);
)sql",
                                                  R"sql(
  -- The queue in the order its page sorts and its cursor compares (unknown due dates first).
  DROP INDEX cases_queue;
  CREATE INDEX cases_queue ON cases((closed_at IS NOT NULL), coalesce(legal_due, ''), number);
)sql",
                                                  k_queue_count_indexes,
                                                  R"sql(
  -- The privacy inbox: each message read becomes a draft an operator confirms (or an ignored
  -- one: an auto-reply, a bounce), the message and the guess sealed.
  CREATE TABLE mail_drafts (
    id INTEGER PRIMARY KEY,
    message_mac TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    state TEXT NOT NULL,
    ignored_reason TEXT NOT NULL,
    confidence TEXT NOT NULL,
    rights TEXT NOT NULL,
    language TEXT NOT NULL,
    sealed_guess BLOB NOT NULL,
    sealed_message BLOB NOT NULL,
    case_number TEXT NOT NULL
  );
  CREATE INDEX mail_drafts_by_state ON mail_drafts(state, id);
)sql",
                                                  k_mail_drafts_by_case_index,
                                                  R"sql(
  -- Authorized agents (the Data Rights Protocol) and the requests they exercised.
  CREATE TABLE drp_agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    verify_key TEXT NOT NULL,
    web_url TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    trusts_email INTEGER NOT NULL,
    token_mac TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    token_issued_at TEXT
  );
  CREATE TABLE drp_requests (
    request_id TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    agent_request_id TEXT NOT NULL,
    case_number TEXT NOT NULL UNIQUE,
    exercise TEXT NOT NULL,
    status_callback TEXT NOT NULL,
    received_at TEXT NOT NULL,
    sealed_link BLOB NOT NULL,
    notified TEXT NOT NULL,
    callback_failures INTEGER NOT NULL
  );
  CREATE TABLE drp_signed_bodies (body_mac TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
)sql"};

Result<int> pragma_int(SqlSession& db, const std::string& name) {
  Statement q(db, "PRAGMA " + name);
  if (q.step() != Step::row) return propagate(store_error(db, "cannot read " + name));
  return static_cast<int>(q.integer(0));
}

bool empty_schema(SqlSession& db) {
  Statement q(db, "SELECT count(*) FROM sqlite_master");
  return q.step() == Step::row && q.integer(0) == 0;
}

// Refuses a file that is not a Maestro store or is newer than this Maestro, then applies the
// migrations it lacks in one transaction and checks the keys.
Status initialise(SqlCaseStore& store, bool is_new) {
  SqlSession& db = store.session();
  auto app_id = pragma_int(db, "application_id");
  if (!app_id) return propagate(app_id.error());
  auto version = pragma_int(db, "user_version");
  if (!version) return propagate(version.error());
  if (*app_id != k_application_id && !(is_new || (*app_id == 0 && *version == 0 && empty_schema(db)))) {
    return fail(ErrorCode::data_loss, "case store " + db.name() + " is not a Maestro store");
  }
  if (*version > static_cast<int>(k_migrations.size())) {
    return fail(ErrorCode::failed_precondition, "case store " + db.name() + " was written by a newer Maestro (schema " +
                                                    std::to_string(*version) + "); upgrade Maestro");
  }
  if (auto ok = db.exec("PRAGMA journal_mode = WAL"); !ok) return ok;
  if (*version < static_cast<int>(k_migrations.size())) {
    auto migrated = store.transaction([&]() -> Status {
      for (auto v = static_cast<std::size_t>(*version); v < k_migrations.size(); ++v) {
        if (auto ok = db.exec(k_migrations[v]); !ok) return ok;
      }
      if (auto ok = db.exec("PRAGMA application_id = " + std::to_string(k_application_id)); !ok) return ok;
      if (auto ok = db.exec("PRAGMA user_version = " + std::to_string(k_migrations.size())); !ok) return ok;
      if (*version == 0) return store.record_keys();
      return {};
    });
    if (!migrated) return migrated;
  }
  return store.check_keys();
}

}  // namespace

Result<std::unique_ptr<SqlCaseStore>> open_sqlite_sql_store(const std::filesystem::path& path, const KeyRing& keys,
                                                            bool create) {
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (!exists && !create) return not_found("case store " + path.string() + " does not exist");
  if (!exists && path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  auto session = open_sqlite_session(path, create);
  if (!session) return propagate(session.error());
  auto store = std::make_unique<SqlCaseStore>(std::move(*session), keys);
  if (auto ok = initialise(*store, !exists); !ok) return propagate(ok.error());
  return store;
}

Result<std::unique_ptr<CaseStore>> open_sqlite_case_store(const std::filesystem::path& path, const KeyRing& keys,
                                                          bool create) {
  auto store = open_sqlite_sql_store(path, keys, create);
  if (!store) return propagate(store.error());
  return std::unique_ptr<CaseStore>(std::move(*store));
}

}  // namespace maestro
