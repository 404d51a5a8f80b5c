// The case store's contract, run against both engines: a SQLite file, and a database of its own
// on the real PostgreSQL server that tests/servers/postgres starts. Every behaviour a front end
// relies on (sealing, numbering, the audit chain, the queue, jobs and their leases, accounts,
// links, DROP items) must be the same on both; then the PostgreSQL-only matters: its schema's
// versions, credentials, and moving a SQLite installation there.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "desk/desk.hpp"
#include "store/postgres_case_store.hpp"
#include "store/sqlite_case_store.hpp"
#include "store/store_copy.hpp"
#include "support/postgres_scratch.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

Instant add_seconds(Instant from, long seconds) { return from + std::chrono::seconds{seconds}; }

void sqlite_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// A scratch database's store location.
PostgresLocation location_of(const testing::ScratchDatabase& db, const std::string& user = "postgres",
                             const std::string& password = "") {
  return {db.url(user), password};
}

// One engine's store under test: opened (created the first time) and reachable by raw SQL, as
// an attacker or a careless administrator would reach it.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual Result<std::unique_ptr<CaseStore>> open(const KeyRing& keys) = 0;
  virtual void raw(const std::string& sql) = 0;
  // Everything the engine keeps, as bytes or text, to look for personal data in clear.
  virtual std::string everything_stored() = 0;
};

class SqliteEngine final : public Engine {
 public:
  Result<std::unique_ptr<CaseStore>> open(const KeyRing& keys) override {
    return open_sqlite_case_store(file(), keys, true);
  }
  void raw(const std::string& sql) override { sqlite_sql(file(), sql); }
  std::string everything_stored() override {
    sqlite_sql(file(), "PRAGMA wal_checkpoint(TRUNCATE)");  // folds the WAL into the file
    std::string bytes = testing::read_file(file());
    if (std::filesystem::exists(file().string() + "-wal")) bytes += testing::read_file(file().string() + "-wal");
    return bytes;
  }

 private:
  std::filesystem::path file() const { return m_dir / "maestro.db"; }
  testing::TempDir m_dir;
};

class PostgresEngine final : public Engine {
 public:
  explicit PostgresEngine(const std::string& port) : m_db(port) {}
  Result<std::unique_ptr<CaseStore>> open(const KeyRing& keys) override {
    auto mode = m_migrated ? PostgresOpen::use : PostgresOpen::migrate;
    m_migrated = true;
    return open_postgres_case_store(location_of(m_db), keys, mode);
  }
  void raw(const std::string& sql) override { m_db.sql(sql); }
  std::string everything_stored() override {
    std::string all;
    for (const auto& table : copied_store_tables())
      all += m_db.sql("SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM " + table + " t") + "\n";
    return all;
  }

 private:
  testing::ScratchDatabase m_db;
  bool m_migrated = false;
};

class CaseStoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  CaseStoreContract() : keys(std::string(32, 's')), clock(at("2026-03-02T09:00:00Z")) {}

  void SetUp() override {
    if (GetParam() == "sqlite") {
      m_engine = std::make_unique<SqliteEngine>();
      return;
    }
    auto port = testing::fixture_port("postgres");
    if (!port) {
      if (testing::datasets_required()) FAIL() << "the PostgreSQL fixture is missing";
      GTEST_SKIP() << "no PostgreSQL fixture (run through ctest): skipping the PostgreSQL case store";
    }
    m_engine = std::make_unique<PostgresEngine>(*port);
  }

  CaseStore& store() {
    if (!m_store) {
      auto opened = m_engine->open(keys);
      EXPECT_TRUE(opened) << opened.error().message;
      m_store = std::move(*opened);
    }
    return *m_store;
  }
  // Another connection to the same store, as another process would have.
  std::unique_ptr<CaseStore> another_connection() {
    store();
    auto opened = m_engine->open(keys);
    EXPECT_TRUE(opened) << (opened ? "" : opened.error().message);
    return opened ? std::move(*opened) : nullptr;
  }
  Desk desk() { return Desk(store(), keys, testing::default_policy(), clock, "tester"); }
  void close() { m_store.reset(); }
  void raw(const std::string& sql) { m_engine->raw(sql); }

  std::string intake(const char* email = "jane.example@example.com") {
    IntakeRequest r;
    r.subjects = {std::string("email:") + email, "phone:+44 20 7946 0958"};
    r.name = "Jane Example";
    r.rights = "access";
    r.jurisdiction = "uk-gdpr";
    auto result = desk().intake(r);
    EXPECT_TRUE(result) << (result ? "" : result.error().message);
    return result ? result->c.number : "";
  }
  AuditCheck audit() { return *desk().verify_audit(); }

  JobRecord job(const std::string& kind, const std::string& key = "") {
    JobRecord j;
    j.kind = kind;
    j.case_number = "";
    j.state = "queued";
    j.created_by = "tester";
    j.created_at = clock.now();
    j.not_before = clock.now();
    j.sealed_parameters = keys.seal("{}");
    j.idempotency_key = key;
    return j;
  }

  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<Engine> m_engine;

 private:
  std::unique_ptr<CaseStore> m_store;
};

INSTANTIATE_TEST_SUITE_P(Engines, CaseStoreContract, ::testing::Values("sqlite", "postgres"),
                         [](const auto& engine) { return engine.param; });

TEST_P(CaseStoreContract, CasesRoundTrip) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  ASSERT_TRUE(desk().pause(number, "awaiting-identity"));
  ASSERT_TRUE(desk().add_note(number, "Called back, left a message"));
  close();
  auto loaded = store().load_case(number);
  ASSERT_TRUE(loaded && *loaded);
  const Case& c = **loaded;
  EXPECT_EQ(c.subject_name, "Jane Example");
  ASSERT_EQ(c.identifiers.size(), 2u);
  EXPECT_EQ(c.identifiers[1].canonical(), "phone:+442079460958");
  EXPECT_EQ(c.state, CaseState::acknowledged);
  EXPECT_TRUE(c.is_paused());
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_EQ(c.notes[0].text, "Called back, left a message");
  EXPECT_EQ(store().load_cases()->size(), 1u);
  EXPECT_FALSE(*store().load_case("DSAR-2026-999"));
}

// The privacy inbox's drafts: found by state (newest first) and by the case they joined, and a
// message recorded once only.
TEST_P(CaseStoreContract, MailDraftsByStateAndByCase) {
  std::string number = intake();
  auto draft = [&](const std::string& key, const std::string& state, const std::string& case_number) {
    MailDraft d;
    d.received_at = clock.now();
    d.state = state;
    d.confidence = "high";
    d.case_number = case_number;
    auto recorded = desk().record_mail_draft(d, key, "{}", "From: a@example.com\r\n\r\nhello");
    EXPECT_TRUE(recorded) << (recorded ? "" : recorded.error().message);
    return recorded ? recorded->id : 0;
  };
  std::int64_t pending = draft("m1", "pending", "");
  std::int64_t reply = draft("m2", "joined", number);
  std::int64_t second_reply = draft("m3", "joined", number);
  EXPECT_EQ(desk().record_mail_draft(MailDraft{}, "m1", "{}", "").error().code, ErrorCode::already_exists);
  auto of_case = desk().mail_drafts_of_case(number);
  ASSERT_TRUE(of_case);
  ASSERT_EQ(of_case->size(), 2u);
  EXPECT_EQ((*of_case)[0].id, reply);
  EXPECT_EQ((*of_case)[1].id, second_reply);
  EXPECT_TRUE(desk().mail_drafts_of_case("DSAR-2026-999")->empty());
  auto waiting = desk().mail_drafts("pending", 10);
  ASSERT_TRUE(waiting);
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ((*waiting)[0].id, pending);
  EXPECT_EQ(desk().mail_drafts("", 10)->front().id, second_reply);
}

TEST_P(CaseStoreContract, PersonalDataIsNeverStoredInClear) {
  std::string number = intake("unmistakable.person@example.org");
  ASSERT_TRUE(desk().add_note(number, "Spoke to Unmistakable on the phone"));
  close();
  std::string stored = m_engine->everything_stored();
  EXPECT_EQ(stored.find("unmistakable.person"), std::string::npos);
  EXPECT_EQ(stored.find("Jane Example"), std::string::npos);
  EXPECT_EQ(stored.find("442079460958"), std::string::npos);
  EXPECT_EQ(stored.find("Spoke to"), std::string::npos);
  // The pseudonym is there: that is how duplicates are found.
  EXPECT_NE(stored.find(keys.pseudonym("email:unmistakable.person@example.org")), std::string::npos);
}

TEST_P(CaseStoreContract, ConnectorCredentialsAreKeptSealedUnderAKeyedName) {
  EXPECT_FALSE(*store().connector_credential("oauth2:crm"));
  ASSERT_TRUE(store().save_connector_credential("oauth2:crm", R"({"refresh_token": "rotated-secret-1"})"));
  ASSERT_TRUE(store().save_connector_credential("oauth2:crm", R"({"refresh_token": "rotated-secret-2"})"));
  ASSERT_TRUE(store().save_connector_credential("oauth2:billing", "other"));
  EXPECT_EQ(**store().connector_credential("oauth2:crm"), R"({"refresh_token": "rotated-secret-2"})");
  EXPECT_EQ(**store().connector_credential("oauth2:billing"), "other");
  close();
  std::string stored = m_engine->everything_stored();
  EXPECT_EQ(stored.find("rotated-secret"), std::string::npos);
  EXPECT_EQ(stored.find("oauth2:crm"), std::string::npos);
}

TEST_P(CaseStoreContract, CaseNumbersFollowAPerYearSequence) {
  EXPECT_EQ(intake(), "DSAR-2026-001");
  EXPECT_EQ(intake("b@example.com"), "DSAR-2026-002");
  IntakeRequest r;
  r.subjects = {"c@example.com"};
  r.rights = "access";
  r.jurisdiction = "gdpr";
  r.received = "2025-12-31T23:00:00Z";
  EXPECT_EQ(desk().intake(r)->c.number, "DSAR-2025-001");
  raw("UPDATE case_sequence SET last_number = 999 WHERE year = 2026");
  EXPECT_EQ(intake("d@example.com"), "DSAR-2026-1000");
}

TEST_P(CaseStoreContract, CasesFoundBySubjectPseudonym) {
  std::string first = intake("same@example.com");
  intake("other@example.com");
  auto found = store().cases_with_subject(keys.pseudonym("email:same@example.com"));
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, std::vector<std::string>{first});
}

TEST_P(CaseStoreContract, TheAuditTrailHoldsOnlyPseudonymsAndVerifies) {
  std::string number = intake("someone.specific@example.net");
  ASSERT_TRUE(desk().acknowledge(number));
  std::string all;
  ASSERT_TRUE(desk().audit_events("", [&](const AuditEvent& e) -> Status {
    all += e.details;
    return {};
  }));
  EXPECT_EQ(all.find("someone.specific"), std::string::npos);
  EXPECT_NE(all.find(keys.pseudonym("email:someone.specific@example.net")), std::string::npos);
  AuditCheck check = audit();
  EXPECT_TRUE(check.intact) << check.problem;
  EXPECT_EQ(check.events, 2);
}

// Webhooks follow the trail: a page of events after a sequence number, and a cursor per follower.
TEST_P(CaseStoreContract, FollowersReadTheTrailInPagesFromTheirCursor) {
  std::string number = intake("follower@example.net");
  ASSERT_TRUE(desk().acknowledge(number));
  std::vector<std::int64_t> seen;
  ASSERT_TRUE(store().for_each_event_after(0, 1, [&](const AuditEvent& e) -> Status {
    seen.push_back(e.sequence);
    return {};
  }));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1}));
  seen.clear();
  ASSERT_TRUE(store().for_each_event_after(1, 10, [&](const AuditEvent& e) -> Status {
    seen.push_back(e.sequence);
    return {};
  }));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), 2);
  EXPECT_FALSE(*store().trail_cursor("webhook:jira"));
  ASSERT_TRUE(store().save_trail_cursor("webhook:jira", 2));
  ASSERT_TRUE(store().save_trail_cursor("webhook:jira", 5));
  ASSERT_TRUE(store().save_trail_cursor("webhook:slack", 1));
  EXPECT_EQ(**store().trail_cursor("webhook:jira"), 5);
  EXPECT_EQ(**store().trail_cursor("webhook:slack"), 1);
}

TEST_P(CaseStoreContract, AlteringARowBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  ASSERT_TRUE(desk().withdraw(number));
  close();
  raw("UPDATE audit_events SET outcome = 'denied' WHERE sequence = 2");
  AuditCheck check = audit();
  EXPECT_FALSE(check.intact);
  EXPECT_EQ(check.first_broken, 2);
}

TEST_P(CaseStoreContract, DeletingARowBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  ASSERT_TRUE(desk().withdraw(number));
  close();
  raw("DELETE FROM audit_events WHERE sequence = 2");
  EXPECT_EQ(audit().first_broken, 2);
}

TEST_P(CaseStoreContract, DeletingTheNewestRowBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  close();
  raw("DELETE FROM audit_events WHERE sequence = 2");
  AuditCheck check = audit();
  EXPECT_FALSE(check.intact);
  EXPECT_EQ(check.first_broken, 2);
}

TEST_P(CaseStoreContract, ReorderingRowsBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  ASSERT_TRUE(desk().withdraw(number));
  close();
  raw("UPDATE audit_events SET sequence = -sequence WHERE sequence IN (2, 3)");
  raw("UPDATE audit_events SET sequence = 3 WHERE sequence = -2");
  raw("UPDATE audit_events SET sequence = 2 WHERE sequence = -3");
  AuditCheck check = audit();
  EXPECT_FALSE(check.intact);
  EXPECT_EQ(check.first_broken, 2);
}

TEST_P(CaseStoreContract, AnotherKeyIsRefused) {
  intake();
  close();
  SecretKeyRing other(std::string(32, 'x'));
  auto reopened = m_engine->open(other);
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code, ErrorCode::permission_denied);
}

TEST_P(CaseStoreContract, AFailedChangeRollsBackCompletely) {
  std::string number = intake();
  EXPECT_FALSE(desk().start(number));  // not verified
  EXPECT_EQ(audit().events, 1);
  EXPECT_EQ((*store().load_case(number))->state, CaseState::received);
  auto failed = store().transaction([&]() -> Status {
    if (auto ok = store().add_message(OutboxMessage{0, number, "acknowledgement", clock.now(), "pending", 0,
                                                    clock.now(), std::nullopt, "", "sealed"});
        !ok)
      return propagate(ok.error());
    return fail(ErrorCode::internal, "a step after the insert failed");
  });
  EXPECT_FALSE(failed);
  EXPECT_TRUE(store().load_messages()->empty());
}

TEST_P(CaseStoreContract, TheQueueListsOpenCasesByDueDateWithUnknownDatesFirst) {
  std::string a = intake("a@example.com"), b = intake("b@example.com"), c = intake("c@example.com");
  ASSERT_TRUE(store().set_queue_facts(a, QueueFacts{testing::day("2026-04-01"), false, std::nullopt, "ann"}));
  ASSERT_TRUE(store().set_queue_facts(b, QueueFacts{testing::day("2026-03-20"), false, std::nullopt, ""}));
  raw("UPDATE cases SET legal_due = NULL WHERE number = '" + c + "'");
  CasePageQuery q;
  auto page = store().queue_page(q);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].number, c);  // not yet known: first, to be filled
  EXPECT_EQ((*page)[1].number, b);
  EXPECT_EQ((*page)[2].number, a);
  EXPECT_EQ((*page)[2].facts->assignee, "ann");
  q.after = b;
  page = store().queue_page(q);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].number, a);
  q = {};
  q.assignee = "-";
  EXPECT_EQ(store().queue_page(q)->size(), 2u);
  q = {};
  q.overdue_on = testing::day("2026-03-25");
  page = store().queue_page(q);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].number, b);
  q = {};
  q.after = "DSAR-2026-404";
  EXPECT_EQ(store().queue_page(q).error().code, ErrorCode::not_found);
  auto counts = store().queue_counts(testing::day("2026-03-25"), testing::day("2026-04-05"));
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->overdue, 1);
  EXPECT_EQ(counts->due_soon, 1);
  EXPECT_EQ(*store().cases_without_queue_due(10), std::vector<std::string>{c});
}

// The counts come from indexes (issue 27): running clocks by due date, paused ones by the days
// they had left; closed cases never count.
TEST_P(CaseStoreContract, TheQueueCountsOverdueAndDueSoonCasesWhetherRunningOrPaused) {
  std::vector<std::string> n;
  for (int i = 0; i < 6; ++i) n.push_back(intake(("p" + std::to_string(i) + "@example.com").c_str()));
  auto facts = [&](const std::string& number, const char* due, std::optional<int> frozen) {
    ASSERT_TRUE(store().set_queue_facts(number, QueueFacts{testing::day(due), frozen.has_value(), frozen, ""}));
  };
  facts(n[0], "2026-03-24", std::nullopt);  // overdue on the 25th
  facts(n[1], "2026-03-25", std::nullopt);  // due today: due soon
  facts(n[2], "2026-04-30", std::nullopt);  // later
  facts(n[3], "2026-01-01", -2);            // paused after its due date passed: overdue
  facts(n[4], "2026-01-01", 3);             // paused with three days left: due soon
  facts(n[5], "2026-03-01", std::nullopt);  // overdue, but closed below
  raw("UPDATE cases SET closed_at = '2026-03-20T10:00:00Z' WHERE number = '" + n[5] + "'");
  auto counts = store().queue_counts(testing::day("2026-03-25"), testing::day("2026-04-05"));
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->overdue, 2);
  EXPECT_EQ(counts->due_soon, 2);
  std::int64_t all = 0;
  for (const auto& [state, count] : counts->by_state) all += count;
  EXPECT_EQ(all, 6);
}

TEST_P(CaseStoreContract, IntakeKeysAreRememberedOnce) {
  std::string number = intake();
  ASSERT_TRUE(store().remember_intake_key("key-1", {number, "mac"}, clock.now()));
  auto known = store().intake_key("key-1");
  ASSERT_TRUE(known && *known);
  EXPECT_EQ((*known)->case_number, number);
  EXPECT_FALSE(store().remember_intake_key("key-1", {number, "mac"}, clock.now()));
  EXPECT_FALSE(*store().intake_key("key-2"));
}

TEST_P(CaseStoreContract, JobsAreClaimedOnceAndALostLeaseIsRefused) {
  auto first = store().add_job(job("export", "once"));
  ASSERT_TRUE(first) << first.error().message;
  auto duplicate = store().add_job(job("export", "once"));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::already_exists);
  ASSERT_TRUE(store().add_job(job("erase")));
  Instant now = clock.now(), lease = add_seconds(now, 60);
  auto claimed = store().claim_job("worker-a", now, lease);
  ASSERT_TRUE(claimed && *claimed);
  EXPECT_EQ((*claimed)->id, *first);
  EXPECT_EQ((*claimed)->attempts, 1);
  EXPECT_EQ((*claimed)->lease_owner, "worker-a");
  EXPECT_EQ((*claimed)->sealed_error, "");
  auto second = store().claim_job("worker-b", now, lease);
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->kind, "erase");
  EXPECT_FALSE(*store().claim_job("worker-c", now, lease));  // nothing ready
  // worker-a dies: after its lease, worker-c takes the export over.
  auto taken = store().claim_job("worker-c", add_seconds(lease, 1), add_seconds(lease, 61));
  ASSERT_TRUE(taken && *taken);
  EXPECT_EQ((*taken)->id, *first);
  EXPECT_EQ((*taken)->attempts, 2);
  JobRecord late = **claimed;
  EXPECT_EQ(store().renew_job(late, "worker-a", add_seconds(lease, 120)).error().code, ErrorCode::failed_precondition);
  late.state = "succeeded";
  EXPECT_EQ(store().finish_job(late, "worker-a").error().code, ErrorCode::failed_precondition);
  JobRecord done = **taken;
  done.state = "succeeded";
  done.result = R"({"rows":3})";
  done.sealed_error = keys.seal("");
  done.finished_at = add_seconds(lease, 30);
  ASSERT_TRUE(store().finish_job(done, "worker-c"));
  auto loaded = store().load_job(*first);
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ((*loaded)->state, "succeeded");
  EXPECT_EQ((*loaded)->result, R"({"rows":3})");
  EXPECT_EQ((*loaded)->lease_owner, "");
  EXPECT_EQ((*store().job_with_key("once"))->id, *first);
  auto counts = store().count_jobs();
  EXPECT_EQ((*counts)["succeeded"], 1);
  EXPECT_EQ((*counts)["running"], 1);
  EXPECT_EQ(store().load_jobs("", "running", 10)->size(), 1u);
  EXPECT_EQ(store().load_jobs("", "", 10)->front().kind, "erase");  // newest first
}

// A worker waiting for the parts of its own search claims them by id: only while one is ready.
TEST_P(CaseStoreContract, AJobIsClaimedByItsIdOnlyWhileReady) {
  auto part = store().add_job(job("scan-objects"));
  ASSERT_TRUE(part) << part.error().message;
  Instant now = clock.now(), lease = add_seconds(now, 60);
  EXPECT_FALSE(*store().claim_job_by_id(*part + 1, "worker-a", now, lease));  // no such job
  EXPECT_FALSE(*store().claim_job_by_id(*part, "worker-a", add_seconds(now, -3600), lease));  // not due yet
  auto mine = store().claim_job_by_id(*part, "worker-a", now, lease);
  ASSERT_TRUE(mine && *mine);
  EXPECT_EQ((*mine)->lease_owner, "worker-a");
  EXPECT_EQ((*mine)->attempts, 1);
  EXPECT_FALSE(*store().claim_job_by_id(*part, "worker-b", now, lease));       // held
  EXPECT_FALSE(*store().claim_job("worker-b", now, lease));                    // by either way
  auto taken = store().claim_job_by_id(*part, "worker-b", add_seconds(lease, 1), add_seconds(lease, 61));
  ASSERT_TRUE(taken && *taken);  // worker-a died: its lease ran out
  EXPECT_EQ((*taken)->attempts, 2);
  JobRecord done = **taken;
  done.state = "succeeded";
  done.sealed_error = keys.seal("");
  done.finished_at = add_seconds(lease, 2);
  ASSERT_TRUE(store().finish_job(done, "worker-b"));
  EXPECT_FALSE(*store().claim_job_by_id(*part, "worker-c", add_seconds(lease, 3600), add_seconds(lease, 3660)));
}

TEST_P(CaseStoreContract, TokensOperatorsLinksAndSessions) {
  ApiToken t{0, "bridge", "operator", "mac-1", clock.now(), "tester", std::nullopt};
  auto token = store().add_token(t);
  ASSERT_TRUE(token);
  EXPECT_EQ(store().add_token(t).error().code, ErrorCode::already_exists);
  EXPECT_EQ((*store().token_with_mac("mac-1"))->name, "bridge");
  ASSERT_TRUE(store().revoke_token(*token, clock.now()));
  EXPECT_EQ(store().revoke_token(*token, clock.now()).error().code, ErrorCode::not_found);
  EXPECT_TRUE(store().load_tokens()->front().revoked_at);

  OperatorAccount a{0, "dpo@example.com", "dpo", "", clock.now(), "tester", std::nullopt, 0, std::nullopt};
  auto id = store().add_operator(a);
  ASSERT_TRUE(id);
  EXPECT_EQ(store().add_operator(a).error().code, ErrorCode::already_exists);
  a.id = *id;
  a.password_hash = "$argon2id$...";
  a.failed_logins = 2;
  a.locked_until = add_seconds(clock.now(), 900);
  ASSERT_TRUE(store().update_operator(a));
  auto back = store().operator_by_email("dpo@example.com");
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->failed_logins, 2);
  EXPECT_EQ((*back)->locked_until, a.locked_until);
  EXPECT_EQ((*store().operator_by_id(*id))->email, "dpo@example.com");
  a.id = 999;
  EXPECT_EQ(store().update_operator(a).error().code, ErrorCode::not_found);

  ASSERT_TRUE(store().add_link(OneTimeLink{"link-mac", *id, add_seconds(clock.now(), 3600), std::nullopt}));
  ASSERT_TRUE(store().use_link("link-mac", clock.now()));
  EXPECT_EQ(store().use_link("link-mac", clock.now()).error().code, ErrorCode::failed_precondition);
  EXPECT_TRUE((*store().link_with_mac("link-mac"))->used_at);

  ASSERT_TRUE(store().add_session(WebSession{"session-mac", *id, clock.now(), clock.now(), "csrf"}));
  ASSERT_TRUE(store().touch_session("session-mac", add_seconds(clock.now(), 60)));
  EXPECT_EQ((*store().session_with_mac("session-mac"))->last_seen_at, add_seconds(clock.now(), 60));
  ASSERT_TRUE(store().end_sessions_of(*id));
  EXPECT_FALSE(*store().session_with_mac("session-mac"));

  ASSERT_TRUE(store().save_client_throttle(ClientThrottle{"client", 3, std::nullopt}));
  ASSERT_TRUE(store().save_client_throttle(ClientThrottle{"client", 5, add_seconds(clock.now(), 60)}));
  EXPECT_EQ(store().client_throttle("client")->failures, 5);
  EXPECT_EQ(store().client_throttle("unknown")->failures, 0);
}

TEST_P(CaseStoreContract, RequestersLinksOpenOnlyTheirCase) {
  std::string number = intake();
  ASSERT_TRUE(store().add_status_link("status-mac", number, clock.now()));
  EXPECT_EQ(*store().case_for_status_link("status-mac"), number);
  EXPECT_FALSE(*store().case_for_status_link("other"));
  ASSERT_TRUE(store().add_download_session("download-mac", number, add_seconds(clock.now(), 600)));
  auto session = store().download_session("download-mac");
  ASSERT_TRUE(session && *session);
  EXPECT_EQ((*session)->first, number);
}

TEST_P(CaseStoreContract, LettersTasksAndCodes) {
  std::string number = intake();
  OutboxMessage m{0, number, "acknowledgement", clock.now(), "pending", 0, clock.now(), std::nullopt, "", "sealed"};
  auto id = store().add_message(m);
  ASSERT_TRUE(id);
  // Of two senders, one gets the letter: it is never sent twice.
  auto other = another_connection();
  EXPECT_TRUE(*store().claim_message(*id));
  EXPECT_FALSE(*other->claim_message(*id));
  EXPECT_EQ(store().load_messages()->front().state, "sending");
  m.id = *id;
  m.state = "sent";
  m.attempts = 1;
  m.sent_at = clock.now();
  ASSERT_TRUE(store().update_message(m));
  auto letters = store().load_messages_of_case(number);
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ(letters->front().state, "sent");
  EXPECT_EQ(letters->front().sealed, "sealed");
  EXPECT_TRUE(store().load_messages_of_case("DSAR-2026-404")->empty());

  ManualTask t{0, number, "crm", "erase", "owner@example.com", clock.now(), testing::day("2026-03-20"),
               std::nullopt, "", "", std::nullopt};
  auto task = store().add_task(t);
  ASSERT_TRUE(task);
  t.id = *task;
  t.done_at = clock.now();
  t.done_by = "owner@example.com";
  t.sealed_note = keys.seal("done by hand");
  ASSERT_TRUE(store().update_task(t));
  EXPECT_EQ(store().load_tasks()->front().done_by, "owner@example.com");

  VerificationChallenge c{number, "code-mac", clock.now(), add_seconds(clock.now(), 600), std::nullopt};
  ASSERT_TRUE(store().save_challenge(c));
  c.used_at = clock.now();
  ASSERT_TRUE(store().save_challenge(c));
  EXPECT_TRUE((*store().load_challenge(number))->used_at);
}

TEST_P(CaseStoreContract, ErasurePlansHoldsAndTheLedger) {
  std::string number = intake();
  ASSERT_TRUE(store().save_erasure_job(ErasureJobRecord{number, clock.now(), "running", keys.seal("plan")}));
  ASSERT_TRUE(store().save_erasure_job(ErasureJobRecord{number, clock.now(), "complete", keys.seal("proof")}));
  EXPECT_EQ((*store().load_erasure_job(number))->state, "complete");

  LegalHold hold;
  hold.created_at = clock.now();
  hold.created_by = "dpo";
  hold.reason = "legal-claims";
  hold.pseudonyms = {"p1", "p2", "p1"};
  auto id = store().transaction([&]() -> Status { return store().add_hold(hold) ? Status{} : fail(ErrorCode::internal, "hold"); });
  ASSERT_TRUE(id);
  auto holds = store().load_holds();
  ASSERT_EQ(holds->size(), 1u);
  EXPECT_EQ(holds->front().pseudonyms, (std::vector<std::string>{"p1", "p2"}));
  ASSERT_TRUE(store().release_hold(holds->front().id, clock.now(), "dpo"));
  EXPECT_EQ(store().release_hold(holds->front().id, clock.now(), "dpo").error().code, ErrorCode::not_found);

  ASSERT_TRUE(store().append_ledger(LedgerEntry{0, at("2026-03-01T00:00:00Z"), number, "shop", "", "customers", "id",
                                                "key-mac", "delete"}));
  ASSERT_TRUE(store().append_ledger(LedgerEntry{0, at("2026-03-03T00:00:00Z"), number, "shop", "", "orders", "id",
                                                "key-mac-2", "anonymize"}));
  std::vector<std::string> since;
  ASSERT_TRUE(store().for_each_ledger_entry(at("2026-03-02T00:00:00Z"), [&](const LedgerEntry& e) -> Status {
    since.push_back(e.collection);
    return {};
  }));
  EXPECT_EQ(since, std::vector<std::string>{"orders"});
}

TEST_P(CaseStoreContract, DropItemsAreSavedByTheirId) {
  DropItem d;
  d.id = "W-1";
  d.list = "Email";
  d.hash_mac = "hash-mac";
  d.sealed_hash = keys.seal("hash");
  d.file = "list.csv";
  d.received_at = clock.now();
  ASSERT_TRUE(store().save_drop_item(d));
  d.state = "erased";
  d.code = 1;
  d.responded_at = clock.now();
  ASSERT_TRUE(store().save_drop_item(d));
  auto back = store().drop_item("W-1");
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->state, "erased");
  EXPECT_EQ((*back)->case_number, "");
  EXPECT_EQ(store().drop_items("erased")->size(), 1u);
  EXPECT_TRUE(store().drop_items("pending")->empty());
  EXPECT_EQ(*store().drop_item_ids(), std::vector<std::string>{"W-1"});
}

// Several processes at once, each with its own connection: every case number once and none
// skipped, and one audit chain that verifies.
TEST_P(CaseStoreContract, ConcurrentIntakesGetGapFreeNumbersAndOneChain) {
  constexpr int k_threads = 4, k_each = 15;
  std::vector<std::unique_ptr<CaseStore>> connections;
  for (int i = 0; i < k_threads; ++i) connections.push_back(another_connection());
  std::mutex lock;
  std::set<std::string> numbers;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < k_threads; ++i) {
    threads.emplace_back([&, i] {
      Desk d(*connections[static_cast<std::size_t>(i)], keys, testing::default_policy(), clock, "tester");
      for (int n = 0; n < k_each; ++n) {
        IntakeRequest r;
        r.subjects = {"email:p" + std::to_string(i) + "-" + std::to_string(n) + "@example.com"};
        r.rights = "access";
        r.jurisdiction = "gdpr";
        auto made = d.intake(r);
        std::lock_guard guard(lock);
        if (made)
          numbers.insert(made->c.number);
        else
          failures.push_back(made.error().message);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  ASSERT_EQ(numbers.size(), static_cast<std::size_t>(k_threads * k_each));
  char expected[32];
  std::snprintf(expected, sizeof expected, "DSAR-2026-%03d", k_threads * k_each);
  EXPECT_EQ(*numbers.rbegin(), expected);  // 001 ... 060: none skipped, none twice
  AuditCheck check = audit();
  EXPECT_TRUE(check.intact) << check.problem;
  EXPECT_EQ(check.events, k_threads * k_each);
}

TEST_P(CaseStoreContract, ConcurrentWorkersClaimEachJobOnce) {
  constexpr int k_jobs = 80, k_workers = 4;
  for (int i = 0; i < k_jobs; ++i) ASSERT_TRUE(store().add_job(job("export")));
  std::vector<std::unique_ptr<CaseStore>> connections;
  for (int i = 0; i < k_workers; ++i) connections.push_back(another_connection());
  std::mutex lock;
  std::multiset<std::int64_t> claimed;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < k_workers; ++i) {
    threads.emplace_back([&, i] {
      CaseStore& mine = *connections[static_cast<std::size_t>(i)];
      for (;;) {
        auto got = mine.claim_job("worker-" + std::to_string(i), clock.now(), add_seconds(clock.now(), 60));
        std::lock_guard guard(lock);
        if (!got) {
          // SQLite's lock may be busy for a moment: that worker simply tries again.
          if (got.error().code != ErrorCode::unavailable) failures.push_back(got.error().message);
          continue;
        }
        if (!*got) return;
        claimed.insert((*got)->id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(k_jobs));
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), static_cast<std::size_t>(k_jobs));
}

// PostgreSQL only: the schema's versions, the server's answers, and moving an installation.
class PostgresCaseStore : public ::testing::Test {
 protected:
  PostgresCaseStore() : keys(std::string(32, 'k')), clock(at("2026-03-02T09:00:00Z")) {}
  void SetUp() override {
    auto found = testing::fixture_port("postgres");
    if (!found) {
      if (testing::datasets_required()) FAIL() << "the PostgreSQL fixture is missing";
      GTEST_SKIP() << "no PostgreSQL fixture (run through ctest): skipping the PostgreSQL case store";
    }
    db = std::make_unique<testing::ScratchDatabase>(*found);
  }
  std::string intake(CaseStore& store, const std::string& email) {
    Desk d(store, keys, testing::default_policy(), clock, "tester");
    IntakeRequest r;
    r.subjects = {"email:" + email};
    r.name = "Pat Example";
    r.rights = "access,erasure";
    r.jurisdiction = "gdpr";
    auto made = d.intake(r);
    EXPECT_TRUE(made) << (made ? "" : made.error().message);
    return made ? made->c.number : "";
  }

  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<testing::ScratchDatabase> db;
  testing::TempDir dir;
};

TEST_F(PostgresCaseStore, AnUnmigratedDatabaseIsRefusedAndNothingIsWritten) {
  auto opened = open_postgres_case_store(location_of(*db), keys, PostgresOpen::use);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::failed_precondition);
  EXPECT_NE(opened.error().message.find("maestro store migrate"), std::string::npos) << opened.error().message;
  EXPECT_EQ(db->sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
}

TEST_F(PostgresCaseStore, ASchemaFromANewerMaestroIsRefused) {
  ASSERT_TRUE(open_postgres_case_store(location_of(*db), keys, PostgresOpen::migrate));
  db->sql("UPDATE maestro_schema SET version = version + 1");
  for (auto mode : {PostgresOpen::use, PostgresOpen::migrate}) {
    auto opened = open_postgres_case_store(location_of(*db), keys, mode);
    ASSERT_FALSE(opened);
    EXPECT_NE(opened.error().message.find("newer Maestro"), std::string::npos) << opened.error().message;
  }
}

TEST_F(PostgresCaseStore, MigratingTwiceChangesNothing) {
  ASSERT_TRUE(open_postgres_case_store(location_of(*db), keys, PostgresOpen::migrate));
  auto again = open_postgres_case_store(location_of(*db), keys, PostgresOpen::migrate);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(db->sql("SELECT version FROM maestro_schema"), std::to_string(postgres_schema_version()));
}

TEST_F(PostgresCaseStore, ADatabaseOfOtherTablesIsNotAMaestroStore) {
  db->sql("CREATE TABLE customers (id INTEGER)");
  auto opened = open_postgres_case_store(location_of(*db), keys, PostgresOpen::migrate);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::data_loss);
  EXPECT_EQ(db->sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "1");
}

TEST_F(PostgresCaseStore, AnUnreachableServerIsUnavailable) {
  // A port nothing listens on: the server refuses the connection at once.
  auto opened =
      open_postgres_case_store({"postgresql://postgres@127.0.0.1:1/maestro", ""}, keys, PostgresOpen::migrate);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::unavailable);
}

TEST_F(PostgresCaseStore, AWrongPasswordIsRefusedAndNeverShown) {
  auto wrong = open_postgres_case_store(location_of(*db, "maestro_password_test", "wrong-password"), keys,
                                        PostgresOpen::migrate);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::permission_denied) << wrong.error().message;
  EXPECT_EQ(wrong.error().message.find("wrong-password"), std::string::npos);
  // The password in the URL itself is never repeated either.
  PostgresLocation in_url{"postgresql://maestro_password_test:wrong-password@127.0.0.1:" + db->port() + "/postgres", ""};
  auto again = open_postgres_case_store(in_url, keys, PostgresOpen::migrate);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message.find("wrong-password"), std::string::npos) << again.error().message;
}

TEST_F(PostgresCaseStore, EverySqliteTableIsMoved) {
  auto sqlite = open_sqlite_case_store(dir / "maestro.db", keys, true);
  ASSERT_TRUE(sqlite);
  sqlite->reset();
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "maestro.db").c_str(), &handle), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(handle, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1, &q, nullptr);
  std::set<std::string> tables;
  while (sqlite3_step(q) == SQLITE_ROW) tables.insert(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
  sqlite3_finalize(q);
  sqlite3_close(handle);
  const auto& copied = copied_store_tables();
  EXPECT_EQ(tables, std::set<std::string>(copied.begin(), copied.end()));
}

TEST_F(PostgresCaseStore, AnInstallationMovesWithItsWholeTrail) {
  auto sqlite = open_sqlite_case_store(dir / "maestro.db", keys, true);
  ASSERT_TRUE(sqlite);
  std::string first = intake(**sqlite, "first@example.com");
  intake(**sqlite, "second@example.com");
  Desk old_desk(**sqlite, keys, testing::default_policy(), clock, "tester");
  ASSERT_TRUE(old_desk.acknowledge(first));
  ASSERT_TRUE((*sqlite)->add_operator(
      OperatorAccount{0, "dpo@example.com", "dpo", "", clock.now(), "tester", std::nullopt, 0, std::nullopt}));
  sqlite->reset();

  auto moved = copy_sqlite_store_to_postgres(dir / "maestro.db", location_of(*db), keys);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(moved->audit_events, 3);
  auto store = open_postgres_case_store(location_of(*db), keys, PostgresOpen::use);
  ASSERT_TRUE(store) << store.error().message;
  Desk new_desk(**store, keys, testing::default_policy(), clock, "tester");
  auto check = new_desk.verify_audit();
  ASSERT_TRUE(check);
  EXPECT_TRUE(check->intact) << check->problem;
  EXPECT_EQ(check->events, 3);
  EXPECT_EQ((*(*store)->load_case(first))->subject_name, "Pat Example");
  // Work goes on where it stopped: the next number, the next account id, the chain.
  EXPECT_EQ(intake(**store, "third@example.com"), "DSAR-2026-003");
  auto next = (*store)->add_operator(
      OperatorAccount{0, "ops@example.com", "operator", "", clock.now(), "tester", std::nullopt, 0, std::nullopt});
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, 2);
  EXPECT_TRUE(new_desk.verify_audit()->intact);
  // A second move into the same store is refused: it holds cases.
  auto twice = copy_sqlite_store_to_postgres(dir / "maestro.db", location_of(*db), keys);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::failed_precondition);
}

TEST_F(PostgresCaseStore, ABrokenTrailIsNotMovedAndNothingIsCopied) {
  auto sqlite = open_sqlite_case_store(dir / "maestro.db", keys, true);
  ASSERT_TRUE(sqlite);
  std::string number = intake(**sqlite, "first@example.com");
  Desk old_desk(**sqlite, keys, testing::default_policy(), clock, "tester");
  ASSERT_TRUE(old_desk.acknowledge(number));
  sqlite->reset();
  sqlite_sql(dir / "maestro.db", "UPDATE audit_events SET outcome = 'denied' WHERE sequence = 2");
  auto moved = copy_sqlite_store_to_postgres(dir / "maestro.db", location_of(*db), keys);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::data_loss);
  EXPECT_EQ(db->sql("SELECT count(*) FROM cases"), "0");
  EXPECT_EQ(db->sql("SELECT count(*) FROM audit_events"), "0");
}

TEST_F(PostgresCaseStore, AMoveUnderAnotherKeyIsRefused) {
  auto sqlite = open_sqlite_case_store(dir / "maestro.db", keys, true);
  ASSERT_TRUE(sqlite);
  intake(**sqlite, "first@example.com");
  sqlite->reset();
  SecretKeyRing other(std::string(32, 'o'));
  auto moved = copy_sqlite_store_to_postgres(dir / "maestro.db", location_of(*db), other);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::permission_denied);
}

}  // namespace
}  // namespace maestro
