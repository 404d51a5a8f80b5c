#include "store/sqlite_case_store.hpp"

#include <sqlite3.h>

#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/case_codec.hpp"

namespace maestro {

namespace {

constexpr int k_application_id = 0x4d414553;  // "MAES": marks a file as a Maestro store
constexpr int k_busy_timeout_ms = 5000;

// Each entry upgrades the schema by one version; PRAGMA user_version records how far we are.
constexpr std::array<const char*, 13> k_migrations{R"sql(
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
)sql"};

// The columns of an operator account, in the order read_operator expects.
constexpr const char* k_operator_columns =
    "id, email, role, password_hash, created_at, created_by, disabled_at, failed_logins, locked_until";

// The columns of a job, in the order read_job expects.
constexpr const char* k_job_columns =
    "id, kind, case_number, state, created_by, created_at, not_before, attempts, max_attempts, lease_owner, "
    "lease_expires_at, progress_done, progress_total, progress_note, parameters, result, error, finished_at, "
    "idempotency_key";

// The store's connection, with its compiled statements kept for reuse: compiling the queue's
// SELECT cost more than running it. A statement in use is never handed out twice (a query run
// while another of the same text is being read gets a fresh one).
class Connection {
 public:
  explicit Connection(sqlite3* db) : m_db(db) {}
  ~Connection() {
    for (auto& [sql, idle] : m_idle) {
      for (sqlite3_stmt* stmt : idle) sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(m_db);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  operator sqlite3*() const { return m_db; }

  // A compiled statement for `sql` (SQLITE_OK), or the compile error.
  int acquire(const char* sql, sqlite3_stmt** out) {
    auto it = m_idle.find(sql);
    if (it != m_idle.end() && !it->second.empty()) {
      *out = it->second.back();
      it->second.pop_back();
      return SQLITE_OK;
    }
    return sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, nullptr);
  }
  void release(sqlite3_stmt* stmt) {
    if (!stmt) return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    auto& idle = m_idle[sqlite3_sql(stmt)];
    if (idle.size() < 4)
      idle.push_back(stmt);
    else
      sqlite3_finalize(stmt);
  }

 private:
  sqlite3* m_db;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> m_idle;
};

class Statement {
 public:
  Statement(Connection& db, const char* sql) : m_db(db), m_prepare_rc(db.acquire(sql, &m_stmt)) {}
  Statement(Connection& db, const std::string& sql) : Statement(db, sql.c_str()) {}
  ~Statement() { m_db.release(m_stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool prepared() const { return m_prepare_rc == SQLITE_OK; }
  Statement& bind(int i, std::string_view text) {
    sqlite3_bind_text(m_stmt, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, i, value);
    return *this;
  }
  Statement& bind_blob(int i, const std::optional<std::string>& blob) {
    if (blob)
      sqlite3_bind_blob(m_stmt, i, blob->data(), static_cast<int>(blob->size()), SQLITE_TRANSIENT);
    else
      sqlite3_bind_null(m_stmt, i);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(m_stmt, i);
    return *this;
  }
  bool is_null(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
  Statement& bind_optional(int i, const std::optional<std::string>& text) {
    if (text)
      bind(i, *text);
    else
      sqlite3_bind_null(m_stmt, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code (the prepare error if the SQL did not compile).
  int step() { return prepared() ? sqlite3_step(m_stmt) : m_prepare_rc; }
  std::string text(int col) const {
    auto p = sqlite3_column_text(m_stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)))
             : std::string();
  }
  std::optional<std::string> optional_text(int col) const {
    if (sqlite3_column_type(m_stmt, col) == SQLITE_NULL) return std::nullopt;
    return text(col);
  }
  std::optional<std::string> blob(int col) const {
    if (sqlite3_column_type(m_stmt, col) == SQLITE_NULL) return std::nullopt;
    auto p = static_cast<const char*>(sqlite3_column_blob(m_stmt, col));
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, col)));
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }

 private:
  Connection& m_db;
  sqlite3_stmt* m_stmt = nullptr;
  int m_prepare_rc;
};

class SqliteCaseStore final : public CaseStore {
 public:
  SqliteCaseStore(sqlite3* db, std::filesystem::path path, const KeyRing& keys)
      : m_db(db), m_path(std::move(path)), m_keys(keys) {}

  Status initialise(bool is_new) {
    if (auto ok = exec("PRAGMA busy_timeout = " + std::to_string(k_busy_timeout_ms)); !ok) return ok;
    if (auto ok = exec("PRAGMA foreign_keys = ON"); !ok) return ok;
    auto app_id = pragma_int("application_id");
    if (!app_id) return propagate(app_id.error());
    auto version = pragma_int("user_version");
    if (!version) return propagate(version.error());
    if (*app_id != k_application_id && !(is_new || (*app_id == 0 && *version == 0 && empty_schema()))) {
      return fail(ErrorCode::data_loss, "case store " + m_path.string() + " is not a Maestro store");
    }
    if (*version > static_cast<int>(k_migrations.size())) {
      return fail(ErrorCode::failed_precondition, "case store " + m_path.string() +
                                                      " was written by a newer Maestro (schema " +
                                                      std::to_string(*version) + "); upgrade Maestro");
    }
    if (auto ok = exec("PRAGMA journal_mode = WAL"); !ok) return ok;
    if (*version < static_cast<int>(k_migrations.size())) {
      auto migrated = transaction([&]() -> Status {
        for (auto v = static_cast<std::size_t>(*version); v < k_migrations.size(); ++v) {
          if (auto ok = exec(k_migrations[v]); !ok) return ok;
        }
        if (auto ok = exec("PRAGMA application_id = " + std::to_string(k_application_id)); !ok) return ok;
        if (auto ok = exec("PRAGMA user_version = " + std::to_string(k_migrations.size())); !ok) return ok;
        if (*version == 0) return set_meta("key_check", key_check());
        return {};
      });
      if (!migrated) return migrated;
    }
    auto check = get_meta("key_check");
    if (!check) return propagate(check.error());
    if (*check != key_check()) {
      return fail(ErrorCode::permission_denied, "the key file does not belong to case store " + m_path.string() +
                                                    ": use the key file this store was created with");
    }
    return {};
  }

  Status transaction(const std::function<Status()>& work) override {
    if (m_in_transaction) return work();  // nested: the outer transaction decides
    if (auto ok = exec("BEGIN IMMEDIATE"); !ok) return ok;
    m_in_transaction = true;
    Status result = work();
    m_in_transaction = false;
    if (result) {
      if (auto ok = exec("COMMIT"); !ok) {
        exec("ROLLBACK");
        return ok;
      }
      return result;
    }
    exec("ROLLBACK");
    return result;
  }

  Result<int> next_case_sequence(int year) override {
    Statement upsert(m_db,
                     "INSERT INTO case_sequence(year, last_number) VALUES (?1, 1) "
                     "ON CONFLICT(year) DO UPDATE SET last_number = last_number + 1 RETURNING last_number");
    upsert.bind(1, std::int64_t{year});
    if (upsert.step() != SQLITE_ROW) return propagate(error("cannot allocate a case number"));
    return static_cast<int>(upsert.integer(0));
  }

  Status save_case(const Case& c, const std::vector<std::string>& pseudonyms) override {
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
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save case " + c.number));
    Statement clear(m_db, "DELETE FROM case_subjects WHERE case_number = ?1");
    clear.bind(1, c.number);
    if (clear.step() != SQLITE_DONE) return propagate(error("cannot save case " + c.number));
    for (const auto& pseudonym : pseudonyms) {
      Statement link(m_db, "INSERT OR IGNORE INTO case_subjects(case_number, pseudonym) VALUES (?1, ?2)");
      link.bind(1, c.number).bind(2, pseudonym);
      if (link.step() != SQLITE_DONE) return propagate(error("cannot save case " + c.number));
    }
    return {};
  }

  Result<std::optional<Case>> load_case(std::string_view number) override {
    Statement q(m_db,
                "SELECT number, year, state, jurisdiction, rights, received_at, closed_at, record, personal "
                "FROM cases WHERE number = ?1");
    q.bind(1, number);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<Case>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read case"));
    auto c = decode_case(row_to_encoded(q), m_keys);
    if (!c) return propagate(c.error());
    return std::optional<Case>{std::move(*c)};
  }

  Result<std::vector<Case>> load_cases() override {
    Statement q(m_db,
                "SELECT number, year, state, jurisdiction, rights, received_at, closed_at, record, personal "
                "FROM cases ORDER BY received_at, number");
    std::vector<Case> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto c = decode_case(row_to_encoded(q), m_keys);
      if (!c) return propagate(c.error());
      out.push_back(std::move(*c));
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read cases"));
    return out;
  }

  Result<std::optional<IntakeKey>> intake_key(std::string_view key) override {
    Statement q(m_db, "SELECT case_number, request_mac FROM intake_keys WHERE key = ?1");
    q.bind(1, key);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<IntakeKey>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the idempotency keys"));
    return std::optional<IntakeKey>{IntakeKey{q.text(0), q.text(1)}};
  }

  Status remember_intake_key(std::string_view key, const IntakeKey& made, Instant at) override {
    Statement put(m_db, "INSERT INTO intake_keys(key, case_number, request_mac, created_at) VALUES (?1, ?2, ?3, ?4)");
    put.bind(1, key).bind(2, made.case_number).bind(3, made.request_mac).bind(4, format_instant(at));
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save the idempotency key"));
    return {};
  }

  Status set_queue_facts(std::string_view number, const QueueFacts& facts) override {
    Statement put(m_db,
                  "UPDATE cases SET legal_due = ?1, paused = ?2, frozen_days_left = ?3, assignee = ?4 WHERE number = ?5");
    put.bind(1, format_date(facts.legal_due)).bind(2, std::int64_t{facts.paused ? 1 : 0});
    if (facts.frozen_days_left)
      put.bind(3, std::int64_t{*facts.frozen_days_left});
    else
      put.bind_null(3);
    put.bind(4, facts.assignee).bind(5, number);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save the case's queue facts"));
    return {};
  }

  Result<std::vector<QueueEntry>> queue_page(const CasePageQuery& q) override {
    if (!q.after.empty()) {
      Statement exists(m_db, "SELECT 1 FROM cases WHERE number = ?1");
      exists.bind(1, q.after);
      int rc = exists.step();
      if (rc == SQLITE_DONE) return not_found("the cursor names no case");
      if (rc != SQLITE_ROW) return propagate(error("cannot read cases"));
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
        "ORDER BY (closed_at IS NOT NULL), legal_due, number LIMIT ?6");
    page.bind(1, q.state).bind(2, q.right).bind(3, q.jurisdiction);
    page.bind(4, q.overdue_on ? format_date(*q.overdue_on) : std::string());
    page.bind(5, q.after).bind(6, std::int64_t{q.limit} + 1).bind(7, q.assignee).bind(8, q.subject_pseudonym);
    std::vector<QueueEntry> out;
    int rc;
    while ((rc = page.step()) == SQLITE_ROW) {
      auto entry = queue_entry(page);
      if (!entry) return propagate(entry.error());
      out.push_back(std::move(*entry));
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read cases"));
    return out;
  }

  Result<QueueCounts> queue_counts(Date today, Date soon) override {
    QueueCounts counts;
    Statement states(m_db, "SELECT state, count(*) FROM cases GROUP BY state");
    int rc;
    while ((rc = states.step()) == SQLITE_ROW) counts.by_state[states.text(0)] = states.integer(1);
    if (rc != SQLITE_DONE) return propagate(error("cannot count cases"));
    // A paused case whose legal clock stopped keeps the days it had left.
    Statement due(m_db,
                  "SELECT count(*) FILTER (WHERE CASE WHEN frozen_days_left IS NULL THEN legal_due < ?1 "
                  "                                   ELSE frozen_days_left < 0 END), "
                  "count(*) FILTER (WHERE CASE WHEN frozen_days_left IS NULL THEN legal_due >= ?1 AND legal_due < ?2 "
                  "                            ELSE frozen_days_left >= 0 AND frozen_days_left < ?3 END) "
                  "FROM cases WHERE closed_at IS NULL");
    due.bind(1, format_date(today)).bind(2, format_date(soon)).bind(3, std::int64_t{days_between(today, soon)});
    if (due.step() != SQLITE_ROW) return propagate(error("cannot count cases"));
    counts.overdue = due.integer(0);
    counts.due_soon = due.integer(1);
    Statement waiting(m_db, "SELECT count(*) FROM outbox WHERE state = 'pending'");
    if (waiting.step() != SQLITE_ROW) return propagate(error("cannot count letters"));
    counts.letters_waiting = waiting.integer(0);
    return counts;
  }

  Result<std::vector<std::string>> cases_without_queue_due(int limit) override {
    Statement q(m_db, "SELECT number FROM cases WHERE legal_due IS NULL ORDER BY number LIMIT ?1");
    q.bind(1, std::int64_t{limit});
    std::vector<std::string> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.text(0));
    if (rc != SQLITE_DONE) return propagate(error("cannot read cases"));
    return out;
  }

  Result<std::vector<std::string>> cases_with_subject(std::string_view pseudonym) override {
    Statement q(m_db, "SELECT case_number FROM case_subjects WHERE pseudonym = ?1 ORDER BY case_number");
    q.bind(1, pseudonym);
    std::vector<std::string> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.text(0));
    if (rc != SQLITE_DONE) return propagate(error("cannot search cases"));
    return out;
  }

  Result<std::optional<AuditEvent>> newest_event() override {
    Statement q(m_db,
                "SELECT sequence, at, actor, case_number, action, outcome, details, previous_hash, hash "
                "FROM audit_events ORDER BY sequence DESC LIMIT 1");
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<AuditEvent>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the audit trail"));
    auto e = row_to_event(q);
    if (!e) return propagate(e.error());
    return std::optional<AuditEvent>{*e};
  }

  Status append_event(const AuditEvent& e, const AuditAnchor& anchor) override {
    Statement put(m_db,
                  "INSERT INTO audit_events(sequence, at, actor, case_number, action, outcome, details, "
                  "previous_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    put.bind(1, e.sequence).bind(2, format_instant(e.at)).bind(3, e.actor).bind(4, e.case_number);
    put.bind(5, e.action).bind(6, e.outcome).bind(7, e.details).bind(8, e.previous_hash).bind(9, e.hash);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot append to the audit trail"));
    if (auto ok = set_meta("audit_anchor_count", std::to_string(anchor.count)); !ok) return ok;
    if (auto ok = set_meta("audit_anchor_hash", anchor.head_hash); !ok) return ok;
    return set_meta("audit_anchor_mac", anchor.mac);
  }

  Status for_each_event(std::string_view case_number, const std::function<Status(const AuditEvent&)>& visit) override {
    Statement q(m_db,
                "SELECT sequence, at, actor, case_number, action, outcome, details, previous_hash, hash "
                "FROM audit_events WHERE ?1 = '' OR case_number = ?1 ORDER BY sequence");
    q.bind(1, case_number);
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto e = row_to_event(q);
      if (!e) return propagate(e.error());
      if (auto ok = visit(*e); !ok) return ok;
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read the audit trail"));
    return {};
  }

  Result<std::optional<AuditAnchor>> audit_anchor() override {
    auto count = get_meta("audit_anchor_count");
    auto hash = get_meta("audit_anchor_hash");
    auto mac = get_meta("audit_anchor_mac");
    if (!count || !hash || !mac) return propagate(error("cannot read the audit anchor"));
    if (count->empty() && hash->empty() && mac->empty()) return std::optional<AuditAnchor>{};
    try {
      return std::optional<AuditAnchor>{AuditAnchor{std::stoll(*count), *hash, *mac}};
    } catch (const std::exception&) {
      return fail(ErrorCode::data_loss, "the audit anchor is corrupt");
    }
  }

  Status save_erasure_job(const ErasureJobRecord& job) override {
    Statement put(m_db,
                  "INSERT INTO erasure_jobs(case_number, started_at, state, plan) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT(case_number) DO UPDATE SET started_at = excluded.started_at, state = excluded.state, "
                  "plan = excluded.plan");
    put.bind(1, job.case_number).bind(2, format_instant(job.started_at)).bind(3, job.state);
    put.bind_blob(4, job.sealed_plan);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save the erasure plan of " + job.case_number));
    return {};
  }

  Result<std::optional<ErasureJobRecord>> load_erasure_job(std::string_view case_number) override {
    Statement q(m_db, "SELECT case_number, started_at, state, plan FROM erasure_jobs WHERE case_number = ?1");
    q.bind(1, case_number);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<ErasureJobRecord>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the erasure plan"));
    auto at = parse_instant(q.text(1));
    if (!at) return fail(ErrorCode::data_loss, "the erasure plan of " + q.text(0) + " has a corrupt date");
    return std::optional<ErasureJobRecord>{ErasureJobRecord{q.text(0), *at, q.text(2), q.blob(3).value_or("")}};
  }

  Result<std::int64_t> add_hold(const LegalHold& hold) override {
    Statement put(m_db,
                  "INSERT INTO legal_holds(created_at, created_by, reason, details) VALUES (?1, ?2, ?3, ?4) "
                  "RETURNING id");
    put.bind(1, format_instant(hold.created_at)).bind(2, hold.created_by).bind(3, hold.reason);
    put.bind_blob(4, hold.sealed_details);
    if (put.step() != SQLITE_ROW) return propagate(error("cannot record the legal hold"));
    std::int64_t id = put.integer(0);
    for (const auto& pseudonym : hold.pseudonyms) {
      Statement link(m_db, "INSERT OR IGNORE INTO legal_hold_subjects(hold_id, pseudonym) VALUES (?1, ?2)");
      link.bind(1, id).bind(2, pseudonym);
      if (link.step() != SQLITE_DONE) return propagate(error("cannot record the legal hold"));
    }
    return id;
  }

  Status release_hold(std::int64_t id, Instant at, const std::string& by) override {
    Statement q(m_db,
                "UPDATE legal_holds SET released_at = ?2, released_by = ?3 WHERE id = ?1 AND released_at IS NULL");
    q.bind(1, id).bind(2, format_instant(at)).bind(3, by);
    if (q.step() != SQLITE_DONE) return propagate(error("cannot release the legal hold"));
    if (sqlite3_changes(m_db) == 0) return not_found("no active legal hold #" + std::to_string(id));
    return {};
  }

  Result<std::vector<LegalHold>> load_holds() override {
    Statement q(m_db,
                "SELECT id, created_at, created_by, reason, details, released_at, released_by FROM legal_holds "
                "ORDER BY id");
    std::vector<LegalHold> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
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
      while (subjects.step() == SQLITE_ROW) h.pseudonyms.push_back(subjects.text(0));
      out.push_back(std::move(h));
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read legal holds"));
    return out;
  }

  Status save_challenge(const VerificationChallenge& c) override {
    Statement put(m_db,
                  "INSERT INTO verification_challenges(case_number, code_mac, created_at, expires_at, used_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(case_number) DO UPDATE SET code_mac = excluded.code_mac, "
                  "created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = excluded.used_at");
    put.bind(1, c.case_number).bind(2, c.code_mac).bind(3, format_instant(c.created_at));
    put.bind(4, format_instant(c.expires_at));
    put.bind_optional(5, c.used_at ? std::optional<std::string>(format_instant(*c.used_at)) : std::nullopt);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save the verification code"));
    return {};
  }

  Result<std::optional<VerificationChallenge>> load_challenge(std::string_view case_number) override {
    Statement q(m_db,
                "SELECT case_number, code_mac, created_at, expires_at, used_at FROM verification_challenges "
                "WHERE case_number = ?1");
    q.bind(1, case_number);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<VerificationChallenge>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the verification code"));
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

  Result<std::int64_t> add_message(const OutboxMessage& m) override {
    Statement put(m_db,
                  "INSERT INTO outbox(case_number, letter, created_at, state, attempts, next_attempt_at, sent_at, "
                  "last_error, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id");
    bind_message(put, m);
    if (put.step() != SQLITE_ROW) return propagate(error("cannot add to the outbox"));
    return put.integer(0);
  }

  Status update_message(const OutboxMessage& m) override {
    Statement put(m_db,
                  "UPDATE outbox SET case_number = ?1, letter = ?2, created_at = ?3, state = ?4, attempts = ?5, "
                  "next_attempt_at = ?6, sent_at = ?7, last_error = ?8, message = ?9 WHERE id = ?10");
    bind_message(put, m);
    put.bind(10, m.id);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot update the outbox"));
    return {};
  }

  Result<std::vector<OutboxMessage>> load_messages() override { return read_messages(""); }
  Result<std::vector<OutboxMessage>> load_messages_of_case(std::string_view case_number) override {
    return read_messages(case_number);
  }

  // Every message, or one case's (`case_number` not empty), oldest first.
  Result<std::vector<OutboxMessage>> read_messages(std::string_view case_number) {
    std::string sql =
        "SELECT id, case_number, letter, created_at, state, attempts, next_attempt_at, sent_at, last_error, "
        "message FROM outbox";
    if (!case_number.empty()) sql += " WHERE case_number = ?1";
    Statement q(m_db, sql + " ORDER BY id");
    if (!case_number.empty()) q.bind(1, std::string(case_number));
    std::vector<OutboxMessage> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
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
    if (rc != SQLITE_DONE) return propagate(error("cannot read the outbox"));
    return out;
  }

  Result<std::int64_t> add_task(const ManualTask& t) override {
    Statement put(m_db,
                  "INSERT INTO manual_tasks(case_number, system, kind, owner, created_at, due, done_at, done_by, note, "
                  "reminded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id");
    bind_task(put, t);
    if (put.step() != SQLITE_ROW) return propagate(error("cannot add the task"));
    return put.integer(0);
  }

  Status update_task(const ManualTask& t) override {
    Statement put(m_db,
                  "UPDATE manual_tasks SET case_number = ?1, system = ?2, kind = ?3, owner = ?4, created_at = ?5, "
                  "due = ?6, done_at = ?7, done_by = ?8, note = ?9, reminded_at = ?10 WHERE id = ?11");
    bind_task(put, t);
    put.bind(11, t.id);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot update the task"));
    return {};
  }

  Result<std::vector<ManualTask>> load_tasks() override {
    Statement q(m_db,
                "SELECT id, case_number, system, kind, owner, created_at, due, done_at, done_by, note, reminded_at "
                "FROM manual_tasks ORDER BY id");
    std::vector<ManualTask> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
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
    if (rc != SQLITE_DONE) return propagate(error("cannot read the tasks"));
    return out;
  }

  Result<std::int64_t> add_job(const JobRecord& j) override {
    Statement put(m_db,
                  "INSERT INTO jobs(kind, case_number, state, created_by, created_at, not_before, attempts, "
                  "max_attempts, lease_owner, lease_expires_at, progress_done, progress_total, progress_note, "
                  "parameters, result, error, finished_at, idempotency_key) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, '', NULL, 0, 0, '', ?9, '', X'', NULL, ?10) RETURNING id");
    put.bind(1, j.kind).bind(2, j.case_number).bind(3, j.state).bind(4, j.created_by);
    put.bind(5, format_instant(j.created_at)).bind(6, format_instant(j.not_before));
    put.bind(7, std::int64_t{j.attempts}).bind(8, std::int64_t{j.max_attempts}).bind_blob(9, j.sealed_parameters);
    put.bind_optional(10, j.idempotency_key.empty() ? std::nullopt : std::optional<std::string>(j.idempotency_key));
    if (put.step() != SQLITE_ROW) {
      if ((sqlite3_errcode(m_db) & 0xff) == SQLITE_CONSTRAINT) {
        return fail(ErrorCode::already_exists, "a job with this idempotency key exists already");
      }
      return propagate(error("cannot queue the job"));
    }
    return put.integer(0);
  }

  Result<std::optional<JobRecord>> claim_job(const std::string& worker, Instant now, Instant lease_until) override {
    // One statement, so SQLite's write lock makes the claim atomic across processes. PostgreSQL
    // will pick the row with FOR UPDATE SKIP LOCKED inside the same UPDATE.
    std::string sql = std::string(
                          "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?1, "
                          "lease_expires_at = ?3 WHERE id = (SELECT id FROM jobs WHERE "
                          "(state = 'queued' AND not_before <= ?2) OR "
                          "(state = 'running' AND lease_expires_at <= ?2) ORDER BY not_before, id LIMIT 1) "
                          "RETURNING ") +
                      k_job_columns;
    Statement claim(m_db, sql.c_str());
    claim.bind(1, worker).bind(2, format_instant(now)).bind(3, format_instant(lease_until));
    int rc = claim.step();
    if (rc == SQLITE_DONE) return std::optional<JobRecord>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot claim a job"));
    auto job = read_job(claim);
    if (!job) return propagate(job.error());
    if (claim.step() != SQLITE_DONE) return propagate(error("cannot claim a job"));
    return std::optional<JobRecord>{std::move(*job)};
  }

  Status renew_job(const JobRecord& j, const std::string& worker, Instant lease_until) override {
    Statement put(m_db,
                  "UPDATE jobs SET lease_expires_at = ?1, progress_done = ?2, progress_total = ?3, "
                  "progress_note = ?4 WHERE id = ?5 AND state = 'running' AND lease_owner = ?6");
    put.bind(1, format_instant(lease_until)).bind(2, j.progress_done).bind(3, j.progress_total);
    put.bind(4, j.progress_note).bind(5, j.id).bind(6, worker);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot renew job #" + std::to_string(j.id)));
    if (sqlite3_changes(m_db) == 0) return lost_lease(j.id);
    return {};
  }

  Status finish_job(const JobRecord& j, const std::string& worker) override {
    Statement put(m_db,
                  "UPDATE jobs SET state = ?1, result = ?2, error = ?3, not_before = ?4, finished_at = ?5, "
                  "progress_done = ?6, progress_total = ?7, progress_note = ?8, lease_owner = '', "
                  "lease_expires_at = NULL WHERE id = ?9 AND (?10 = '' OR (state = 'running' AND lease_owner = ?10))");
    put.bind(1, j.state).bind(2, j.result).bind_blob(3, j.sealed_error).bind(4, format_instant(j.not_before));
    put.bind_optional(5, j.finished_at ? std::optional<std::string>(format_instant(*j.finished_at)) : std::nullopt);
    put.bind(6, j.progress_done).bind(7, j.progress_total).bind(8, j.progress_note).bind(9, j.id).bind(10, worker);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot finish job #" + std::to_string(j.id)));
    if (sqlite3_changes(m_db) == 0) return lost_lease(j.id);
    return {};
  }

  Result<std::optional<JobRecord>> load_job(std::int64_t id) override {
    Statement q(m_db, (std::string("SELECT ") + k_job_columns + " FROM jobs WHERE id = ?1").c_str());
    q.bind(1, id);
    return single_job(q);
  }

  Result<std::map<std::string, std::int64_t>> count_jobs() override {
    Statement q(m_db, "SELECT state, count(*) FROM jobs GROUP BY state");
    std::map<std::string, std::int64_t> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out[q.text(0)] = q.integer(1);
    if (rc != SQLITE_DONE) return propagate(error("cannot count the jobs"));
    return out;
  }

  Result<std::optional<JobRecord>> job_with_key(std::string_view key) override {
    Statement q(m_db, (std::string("SELECT ") + k_job_columns + " FROM jobs WHERE idempotency_key = ?1").c_str());
    q.bind(1, key);
    return single_job(q);
  }

  Result<std::vector<JobRecord>> load_jobs(std::string_view case_number, std::string_view state, int limit) override {
    Statement q(m_db, (std::string("SELECT ") + k_job_columns +
                       " FROM jobs WHERE (?1 = '' OR case_number = ?1) AND (?2 = '' OR state = ?2) "
                       "ORDER BY id DESC LIMIT ?3")
                          .c_str());
    q.bind(1, case_number).bind(2, state).bind(3, std::int64_t{limit});
    std::vector<JobRecord> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto job = read_job(q);
      if (!job) return propagate(job.error());
      out.push_back(std::move(*job));
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read the jobs"));
    return out;
  }

  Result<std::int64_t> add_token(const ApiToken& t) override {
    Statement put(m_db,
                  "INSERT INTO api_tokens(name, role, secret_mac, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5) "
                  "RETURNING id");
    put.bind(1, t.name).bind(2, t.role).bind(3, t.secret_mac).bind(4, format_instant(t.created_at));
    put.bind(5, t.created_by);
    if (put.step() != SQLITE_ROW) {
      if ((sqlite3_errcode(m_db) & 0xff) == SQLITE_CONSTRAINT)
        return fail(ErrorCode::already_exists, "a token named '" + t.name + "' exists already");
      return propagate(error("cannot store the token"));
    }
    return put.integer(0);
  }

  Result<std::optional<ApiToken>> token_with_mac(std::string_view mac) override {
    Statement q(m_db,
                "SELECT id, name, role, secret_mac, created_at, created_by, revoked_at FROM api_tokens "
                "WHERE secret_mac = ?1");
    q.bind(1, mac);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<ApiToken>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the tokens"));
    auto t = read_token(q);
    if (!t) return propagate(t.error());
    return std::optional<ApiToken>{std::move(*t)};
  }

  Result<std::vector<ApiToken>> load_tokens() override {
    Statement q(m_db,
                "SELECT id, name, role, secret_mac, created_at, created_by, revoked_at FROM api_tokens "
                "ORDER BY id");
    std::vector<ApiToken> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto t = read_token(q);
      if (!t) return propagate(t.error());
      out.push_back(std::move(*t));
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read the tokens"));
    return out;
  }

  Status revoke_token(std::int64_t id, Instant at) override {
    Statement put(m_db, "UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL");
    put.bind(1, format_instant(at)).bind(2, id);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot revoke the token"));
    if (sqlite3_changes(m_db) == 0) return not_found("no active token #" + std::to_string(id));
    return {};
  }

  Result<std::int64_t> add_operator(const OperatorAccount& a) override {
    Statement put(m_db,
                  "INSERT INTO operators(email, role, password_hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5) "
                  "RETURNING id");
    put.bind(1, a.email).bind(2, a.role).bind(3, a.password_hash).bind(4, format_instant(a.created_at));
    put.bind(5, a.created_by);
    if (put.step() != SQLITE_ROW) {
      if ((sqlite3_errcode(m_db) & 0xff) == SQLITE_CONSTRAINT)
        return fail(ErrorCode::already_exists, "an account for " + a.email + " exists already");
      return propagate(error("cannot store the account"));
    }
    return put.integer(0);
  }

  Result<std::optional<OperatorAccount>> operator_by_email(std::string_view email) override {
    return one_operator("email = ?1", [&](Statement& q) { q.bind(1, email); });
  }

  Result<std::optional<OperatorAccount>> operator_by_id(std::int64_t id) override {
    return one_operator("id = ?1", [&](Statement& q) { q.bind(1, id); });
  }

  Result<std::vector<OperatorAccount>> load_operators() override {
    Statement q(m_db, std::string("SELECT ") + k_operator_columns + " FROM operators ORDER BY id");
    std::vector<OperatorAccount> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto a = read_operator(q);
      if (!a) return propagate(a.error());
      out.push_back(std::move(*a));
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read the accounts"));
    return out;
  }

  Status update_operator(const OperatorAccount& a) override {
    Statement put(m_db,
                  "UPDATE operators SET password_hash = ?1, disabled_at = ?2, failed_logins = ?3, locked_until = ?4, "
                  "role = ?5 WHERE id = ?6");
    put.bind(1, a.password_hash).bind_optional(2, optional_time(a.disabled_at)).bind(3, std::int64_t{a.failed_logins});
    put.bind_optional(4, optional_time(a.locked_until)).bind(5, a.role).bind(6, a.id);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save the account"));
    if (sqlite3_changes(m_db) == 0) return not_found("no account #" + std::to_string(a.id));
    return {};
  }

  Status add_link(const OneTimeLink& l) override {
    Statement put(m_db, "INSERT INTO one_time_links(secret_mac, operator_id, expires_at) VALUES (?1, ?2, ?3)");
    put.bind(1, l.secret_mac).bind(2, l.operator_id).bind(3, format_instant(l.expires_at));
    if (put.step() != SQLITE_DONE) return propagate(error("cannot store the link"));
    return {};
  }

  Result<std::optional<OneTimeLink>> link_with_mac(std::string_view mac) override {
    Statement q(m_db, "SELECT secret_mac, operator_id, expires_at, used_at FROM one_time_links WHERE secret_mac = ?1");
    q.bind(1, mac);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<OneTimeLink>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the link"));
    OneTimeLink l{q.text(0), q.integer(1), {}, std::nullopt};
    auto expires = parse_instant(q.text(2));
    auto used = read_optional_time(q, 3);
    if (!expires || !used) return fail(ErrorCode::data_loss, "a one-time link has an unreadable time");
    l.expires_at = *expires;
    l.used_at = *used;
    return std::optional<OneTimeLink>{std::move(l)};
  }

  Status use_link(std::string_view mac, Instant at) override {
    Statement put(m_db, "UPDATE one_time_links SET used_at = ?1 WHERE secret_mac = ?2 AND used_at IS NULL");
    put.bind(1, format_instant(at)).bind(2, mac);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot use the link"));
    if (sqlite3_changes(m_db) == 0) return precondition("the link was used already");
    return {};
  }

  Status add_session(const WebSession& w) override {
    Statement put(m_db,
                  "INSERT INTO web_sessions(secret_mac, operator_id, created_at, last_seen_at, csrf_token) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)");
    put.bind(1, w.secret_mac).bind(2, w.operator_id).bind(3, format_instant(w.created_at));
    put.bind(4, format_instant(w.last_seen_at)).bind(5, w.csrf_token);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot store the session"));
    return {};
  }

  Result<std::optional<WebSession>> session_with_mac(std::string_view mac) override {
    Statement q(m_db,
                "SELECT secret_mac, operator_id, created_at, last_seen_at, csrf_token FROM web_sessions "
                "WHERE secret_mac = ?1");
    q.bind(1, mac);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<WebSession>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the session"));
    auto created = parse_instant(q.text(2));
    auto seen = parse_instant(q.text(3));
    if (!created || !seen) return fail(ErrorCode::data_loss, "a session has an unreadable time");
    return std::optional<WebSession>{WebSession{q.text(0), q.integer(1), *created, *seen, q.text(4)}};
  }

  Status touch_session(std::string_view mac, Instant at) override {
    Statement put(m_db, "UPDATE web_sessions SET last_seen_at = ?1 WHERE secret_mac = ?2");
    put.bind(1, format_instant(at)).bind(2, mac);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot update the session"));
    return {};
  }

  Status end_session(std::string_view mac) override {
    Statement put(m_db, "DELETE FROM web_sessions WHERE secret_mac = ?1");
    put.bind(1, mac);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot end the session"));
    return {};
  }

  Status end_sessions_of(std::int64_t operator_id) override {
    Statement put(m_db, "DELETE FROM web_sessions WHERE operator_id = ?1");
    put.bind(1, operator_id);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot end the sessions"));
    return {};
  }

  Result<ClientThrottle> client_throttle(std::string_view mac) override {
    Statement q(m_db, "SELECT failures, locked_until FROM client_throttles WHERE client_mac = ?1");
    q.bind(1, mac);
    int rc = q.step();
    ClientThrottle t{std::string(mac), 0, std::nullopt};
    if (rc == SQLITE_DONE) return t;
    if (rc != SQLITE_ROW) return propagate(error("cannot read the sign-in throttle"));
    t.failures = static_cast<int>(q.integer(0));
    auto locked = read_optional_time(q, 1);
    if (!locked) return propagate(locked.error());
    t.locked_until = *locked;
    return t;
  }

  Status save_client_throttle(const ClientThrottle& t) override {
    Statement put(m_db,
                  "INSERT INTO client_throttles(client_mac, failures, locked_until) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT(client_mac) DO UPDATE SET failures = excluded.failures, "
                  "locked_until = excluded.locked_until");
    put.bind(1, t.client_mac).bind(2, std::int64_t{t.failures}).bind_optional(3, optional_time(t.locked_until));
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save the sign-in throttle"));
    return {};
  }

  Status add_status_link(std::string_view mac, std::string_view case_number, Instant at) override {
    Statement put(m_db, "INSERT INTO status_links(secret_mac, case_number, created_at) VALUES (?1, ?2, ?3)");
    put.bind(1, mac).bind(2, case_number).bind(3, format_instant(at));
    if (put.step() != SQLITE_DONE) return propagate(error("cannot store the status link"));
    return {};
  }

  Status add_download_session(std::string_view mac, std::string_view case_number, Instant expires) override {
    Statement put(m_db, "INSERT INTO download_sessions(secret_mac, case_number, expires_at) VALUES (?1, ?2, ?3)");
    put.bind(1, mac).bind(2, case_number).bind(3, format_instant(expires));
    if (put.step() != SQLITE_DONE) return propagate(error("cannot store the download session"));
    return {};
  }

  Result<std::optional<std::pair<std::string, Instant>>> download_session(std::string_view mac) override {
    Statement q(m_db, "SELECT case_number, expires_at FROM download_sessions WHERE secret_mac = ?1");
    q.bind(1, mac);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<std::pair<std::string, Instant>>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the download session"));
    auto expires = parse_instant(q.text(1));
    if (!expires) return fail(ErrorCode::data_loss, "a download session has an unreadable time");
    return std::optional<std::pair<std::string, Instant>>{std::pair{q.text(0), *expires}};
  }

  Result<std::optional<std::string>> case_for_status_link(std::string_view mac) override {
    Statement q(m_db, "SELECT case_number FROM status_links WHERE secret_mac = ?1");
    q.bind(1, mac);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<std::string>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the status link"));
    return std::optional<std::string>{q.text(0)};
  }

  Status append_ledger(const LedgerEntry& e) override {
    Statement put(m_db,
                  "INSERT INTO erasure_ledger(at, case_number, system, tenant, collection, key_field, key_pseudonym, "
                  "action) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    put.bind(1, format_instant(e.at)).bind(2, e.case_number).bind(3, e.system).bind(4, e.tenant);
    put.bind(5, e.collection).bind(6, e.key_field).bind(7, e.key_pseudonym).bind(8, e.action);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot append to the erasure ledger"));
    return {};
  }

  Status save_drop_item(const DropItem& d) override {
    Statement put(m_db,
                  "INSERT INTO drop_items(id, list, hash_mac, file, received_at, state, case_number, code, responded_at, "
                  "sealed_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
                  "case_number = excluded.case_number, code = excluded.code, responded_at = excluded.responded_at");
    put.bind(1, d.id).bind(2, d.list).bind(3, d.hash_mac).bind(4, d.file).bind(5, format_instant(d.received_at));
    put.bind(6, d.state).bind_optional(7, d.case_number.empty() ? std::nullopt : std::optional(d.case_number));
    put.bind(8, static_cast<std::int64_t>(d.code));
    put.bind_optional(9, d.responded_at ? std::optional(format_instant(*d.responded_at)) : std::nullopt);
    put.bind_blob(10, d.sealed_hash);
    if (put.step() != SQLITE_DONE) return propagate(error("cannot save DROP work item " + d.id));
    return {};
  }

  Result<std::optional<DropItem>> drop_item(std::string_view id) override {
    Statement q(m_db, std::string(k_drop_select) + " WHERE id = ?1");
    q.bind(1, std::string(id));
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<DropItem>();
    if (rc != SQLITE_ROW) return propagate(error("cannot read DROP work items"));
    auto item = read_drop_item(q);
    if (!item) return propagate(item.error());
    return std::optional(std::move(*item));
  }

  Result<std::vector<DropItem>> drop_items(std::string_view state) override {
    Statement q(m_db, std::string(k_drop_select) + (state.empty() ? " ORDER BY id" : " WHERE state = ?1 ORDER BY id"));
    if (!state.empty()) q.bind(1, std::string(state));
    std::vector<DropItem> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto item = read_drop_item(q);
      if (!item) return propagate(item.error());
      out.push_back(std::move(*item));
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read DROP work items"));
    return out;
  }

  Status for_each_drop_item(const std::function<Status(DropItem&)>& visit) override {
    Statement q(m_db, std::string(k_drop_select) + " ORDER BY id");
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto item = read_drop_item(q);
      if (!item) return propagate(item.error());
      if (auto ok = visit(*item); !ok) return ok;
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read DROP work items"));
    return {};
  }

  Result<std::vector<std::string>> drop_item_ids() override {
    Statement q(m_db, "SELECT id FROM drop_items");
    std::vector<std::string> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(q.text(0));
    if (rc != SQLITE_DONE) return propagate(error("cannot read DROP work items"));
    return out;
  }

  Status for_each_ledger_entry(Instant since, const std::function<Status(const LedgerEntry&)>& visit) override {
    Statement q(m_db,
                "SELECT sequence, at, case_number, system, tenant, collection, key_field, key_pseudonym, action "
                "FROM erasure_ledger WHERE at >= ?1 ORDER BY sequence");
    q.bind(1, format_instant(since));
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      auto at = parse_instant(q.text(1));
      if (!at) return fail(ErrorCode::data_loss, "the erasure ledger has a corrupt date");
      LedgerEntry e{q.integer(0), *at, q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7), q.text(8)};
      if (auto ok = visit(e); !ok) return ok;
    }
    if (rc != SQLITE_DONE) return propagate(error("cannot read the erasure ledger"));
    return {};
  }

 private:
  static std::optional<Instant> instant_column(const Statement& q, int col) {
    auto at = parse_instant(q.text(col));
    if (!at) return std::nullopt;
    return *at;
  }

  static constexpr const char* k_drop_select =
      "SELECT id, list, hash_mac, file, received_at, state, case_number, code, responded_at, sealed_hash "
      "FROM drop_items";

  static Result<DropItem> read_drop_item(const Statement& q) {
    DropItem d;
    d.id = q.text(0);
    d.list = q.text(1);
    d.hash_mac = q.text(2);
    d.file = q.text(3);
    auto received = instant_column(q, 4);
    if (!received) return fail(ErrorCode::data_loss, "DROP work item " + d.id + " has a corrupt date");
    d.received_at = *received;
    d.state = q.text(5);
    d.case_number = q.text(6);
    d.code = static_cast<int>(q.integer(7));
    if (q.optional_text(8)) {
      auto responded = instant_column(q, 8);
      if (!responded) return fail(ErrorCode::data_loss, "DROP work item " + d.id + " has a corrupt date");
      d.responded_at = *responded;
    }
    d.sealed_hash = q.blob(9).value_or("");
    return d;
  }

  static Unexpected<Error> lost_lease(std::int64_t id) {
    return fail(ErrorCode::failed_precondition,
                "job #" + std::to_string(id) + " is no longer held by this worker (its lease ran out)");
  }

  static Result<JobRecord> read_job(const Statement& q) {
    JobRecord j;
    j.id = q.integer(0);
    auto corrupt = [&] { return fail(ErrorCode::data_loss, "job #" + std::to_string(j.id) + " has a corrupt date"); };
    j.kind = q.text(1);
    j.case_number = q.text(2);
    j.state = q.text(3);
    j.created_by = q.text(4);
    auto created = instant_column(q, 5);
    auto not_before = instant_column(q, 6);
    if (!created || !not_before) return corrupt();
    j.created_at = *created;
    j.not_before = *not_before;
    j.attempts = static_cast<int>(q.integer(7));
    j.max_attempts = static_cast<int>(q.integer(8));
    j.lease_owner = q.text(9);
    if (q.optional_text(10)) {
      auto lease = instant_column(q, 10);
      if (!lease) return corrupt();
      j.lease_expires_at = *lease;
    }
    j.progress_done = q.integer(11);
    j.progress_total = q.integer(12);
    j.progress_note = q.text(13);
    j.sealed_parameters = q.blob(14).value_or("");
    j.result = q.text(15);
    j.sealed_error = q.blob(16).value_or("");
    if (q.optional_text(17)) {
      auto finished = instant_column(q, 17);
      if (!finished) return corrupt();
      j.finished_at = *finished;
    }
    j.idempotency_key = q.optional_text(18).value_or("");
    return j;
  }

  Result<std::optional<JobRecord>> single_job(Statement& q) {
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<JobRecord>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the job"));
    auto job = read_job(q);
    if (!job) return propagate(job.error());
    return std::optional<JobRecord>{std::move(*job)};
  }

  static std::optional<std::string> optional_time(const std::optional<Instant>& at) {
    return at ? std::optional<std::string>(format_instant(*at)) : std::nullopt;
  }

  static Result<std::optional<Instant>> read_optional_time(const Statement& q, int col) {
    auto text = q.optional_text(col);
    if (!text) return std::optional<Instant>{};
    auto at = parse_instant(*text);
    if (!at) return fail(ErrorCode::data_loss, "an unreadable time in the store: " + *text);
    return std::optional<Instant>{*at};
  }

  static Result<OperatorAccount> read_operator(const Statement& q) {
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

  template <typename Bind>
  Result<std::optional<OperatorAccount>> one_operator(const char* where, Bind&& bind) {
    Statement q(m_db, std::string("SELECT ") + k_operator_columns + " FROM operators WHERE " + where);
    bind(q);
    int rc = q.step();
    if (rc == SQLITE_DONE) return std::optional<OperatorAccount>{};
    if (rc != SQLITE_ROW) return propagate(error("cannot read the accounts"));
    auto a = read_operator(q);
    if (!a) return propagate(a.error());
    return std::optional<OperatorAccount>{std::move(*a)};
  }

  static Result<ApiToken> read_token(const Statement& q) {
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

  static void bind_task(Statement& put, const ManualTask& t) {
    put.bind(1, t.case_number).bind(2, t.system).bind(3, t.kind).bind(4, t.owner);
    put.bind(5, format_instant(t.created_at)).bind(6, format_date(t.due));
    put.bind_optional(7, t.done_at ? std::optional<std::string>(format_instant(*t.done_at)) : std::nullopt);
    put.bind(8, t.done_by).bind_blob(9, t.sealed_note);
    put.bind_optional(10, t.reminded_at ? std::optional<std::string>(format_instant(*t.reminded_at)) : std::nullopt);
  }

  static void bind_message(Statement& put, const OutboxMessage& m) {
    put.bind(1, m.case_number).bind(2, m.letter).bind(3, format_instant(m.created_at)).bind(4, m.state);
    put.bind(5, std::int64_t{m.attempts}).bind(6, format_instant(m.next_attempt_at));
    put.bind_optional(7, m.sent_at ? std::optional<std::string>(format_instant(*m.sent_at)) : std::nullopt);
    put.bind(8, m.last_error).bind_blob(9, m.sealed);
  }

  // Maps the connection's last error to a message a user can act on.
  Error error(const std::string& what) const {
    int code = sqlite3_errcode(m_db) & 0xff;
    std::string detail = sqlite3_errmsg(m_db);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      return {ErrorCode::unavailable,
              "case store " + m_path.string() + " is locked by another process; try again when it has finished"};
    }
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
      return {ErrorCode::data_loss,
              "case store " + m_path.string() + " is corrupt or not a SQLite file (" + detail + ")"};
    }
    if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM) {
      return {ErrorCode::permission_denied, "case store " + m_path.string() + " cannot be written (" + detail + ")"};
    }
    if (code == SQLITE_FULL || code == SQLITE_IOERR) {
      return {ErrorCode::unavailable, "case store " + m_path.string() + ": " + detail};
    }
    return {ErrorCode::internal, what + ": " + detail};
  }

  Status exec(const std::string& sql) {
    if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return propagate(error("case store operation failed"));
    }
    return {};
  }

  Result<int> pragma_int(const char* name) {
    Statement q(m_db, (std::string("PRAGMA ") + name).c_str());
    if (q.step() != SQLITE_ROW) return propagate(error(std::string("cannot read ") + name));
    return static_cast<int>(q.integer(0));
  }

  bool empty_schema() {
    Statement q(m_db, "SELECT count(*) FROM sqlite_master");
    return q.step() == SQLITE_ROW && q.integer(0) == 0;
  }

  std::string key_check() const { return m_keys.integrity_mac("maestro-store-key-check"); }

  Result<std::string> get_meta(const std::string& key) {
    Statement q(m_db, "SELECT value FROM meta WHERE key = ?1");
    q.bind(1, key);
    int rc = q.step();
    if (rc == SQLITE_ROW) return q.text(0);
    if (rc == SQLITE_DONE) return std::string();
    return propagate(error("cannot read store metadata"));
  }

  Status set_meta(const std::string& key, const std::string& value) {
    Statement q(m_db,
                "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    q.bind(1, key).bind(2, value);
    if (q.step() != SQLITE_DONE) return propagate(error("cannot write store metadata"));
    return {};
  }

  static EncodedCase row_to_encoded(const Statement& q) {
    return {q.text(0),          static_cast<int>(q.integer(1)),
            q.text(2),          q.text(3),
            q.text(4),          q.text(5),
            q.optional_text(6), q.text(7),
            q.blob(8)};
  }

  // A row of queue_page's SELECT.
  static Result<QueueEntry> queue_entry(const Statement& q) {
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

  static Result<AuditEvent> row_to_event(const Statement& q) {
    AuditEvent e;
    e.sequence = q.integer(0);
    auto at = parse_instant(q.text(1));
    // An unreadable time is kept as the epoch so that verification reports the altered event.
    e.at = at ? *at : Instant{};
    e.actor = q.text(2);
    e.case_number = q.text(3);
    e.action = q.text(4);
    e.outcome = q.text(5);
    e.details = q.text(6);
    e.previous_hash = q.text(7);
    e.hash = q.text(8);
    return e;
  }

  Connection m_db;
  std::filesystem::path m_path;
  const KeyRing& m_keys;
  bool m_in_transaction = false;
};

}  // namespace

Result<std::unique_ptr<CaseStore>> open_sqlite_case_store(const std::filesystem::path& path, const KeyRing& keys,
                                                          bool create) {
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (!exists && !create) return not_found("case store " + path.string() + " does not exist");
  if (!exists && path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail(ErrorCode::unavailable, "cannot open case store " + path.string() + ": " + detail);
  }
  auto store = std::make_unique<SqliteCaseStore>(db, path, keys);
  if (auto ok = store->initialise(!exists); !ok) return propagate(ok.error());
  return std::unique_ptr<CaseStore>(std::move(store));
}

}  // namespace maestro
