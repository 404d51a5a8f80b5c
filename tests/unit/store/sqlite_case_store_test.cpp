#include "store/sqlite_case_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "desk/desk.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

// Runs SQL directly against the store file, as an attacker or a careless admin would.
void raw_sql(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : keys(std::string(32, 's')), clock(at("2026-03-02T09:00:00Z")) {}

  CaseStore& store() {
    if (!m_store) m_store = std::move(*open_sqlite_case_store(db_path(), keys, true));
    return *m_store;
  }
  Desk desk() { return Desk(store(), keys, testing::default_policy(), clock, "tester"); }
  std::filesystem::path db_path() const { return dir / "maestro.db"; }
  void close() { m_store.reset(); }

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

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;

 private:
  std::unique_ptr<CaseStore> m_store;
};

TEST_F(StoreTest, CasesRoundTrip) {
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
}

TEST_F(StoreTest, PersonalDataNeverAppearsInTheFileInClear) {
  std::string number = intake("unmistakable.person@example.org");
  ASSERT_TRUE(desk().add_note(number, "Spoke to Unmistakable on the phone"));
  close();
  // Fold the WAL into the main file, then read every byte of both.
  raw_sql(db_path(), "PRAGMA wal_checkpoint(TRUNCATE)");
  for (auto file : {db_path(), std::filesystem::path(db_path().string() + "-wal")}) {
    std::string bytes = testing::read_file(file);
    EXPECT_EQ(bytes.find("unmistakable.person"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("Jane Example"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("442079460958"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("Spoke to"), std::string::npos) << file;
  }
  // The pseudonym is there: that is how duplicates are found.
  EXPECT_NE(testing::read_file(db_path()).find(keys.pseudonym("email:unmistakable.person@example.org")),
            std::string::npos);
}

TEST_F(StoreTest, CaseNumbersFollowAPerYearSequence) {
  EXPECT_EQ(intake(), "DSAR-2026-001");
  EXPECT_EQ(intake("b@example.com"), "DSAR-2026-002");
  IntakeRequest r;
  r.subjects = {"c@example.com"};
  r.rights = "access";
  r.jurisdiction = "gdpr";
  r.received = "2025-12-31T23:00:00Z";
  EXPECT_EQ(desk().intake(r)->c.number, "DSAR-2025-001");
}

TEST_F(StoreTest, SequenceGrowsPastThreeDigits) {
  store();  // creates the schema
  raw_sql(db_path(), "INSERT INTO case_sequence VALUES (2026, 999)");
  EXPECT_EQ(intake(), "DSAR-2026-1000");
}

TEST_F(StoreTest, AuditTrailIsIntactAfterNormalUse) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  AuditCheck check = audit();
  EXPECT_TRUE(check.intact) << check.problem;
  EXPECT_EQ(check.events, 2);
}

TEST_F(StoreTest, AuditHoldsOnlyPseudonyms) {
  intake("someone.specific@example.net");
  std::string all;
  ASSERT_TRUE(desk().audit_events("", [&](const AuditEvent& e) -> Status {
    all += e.details;
    return {};
  }));
  EXPECT_EQ(all.find("someone.specific"), std::string::npos);
  EXPECT_EQ(all.find("Jane"), std::string::npos);
  EXPECT_NE(all.find(keys.pseudonym("email:someone.specific@example.net")), std::string::npos);
}

TEST_F(StoreTest, AlteringARowInSqliteBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  ASSERT_TRUE(desk().withdraw(number));
  close();
  raw_sql(db_path(), "UPDATE audit_events SET outcome = 'denied' WHERE sequence = 2");
  AuditCheck check = audit();
  EXPECT_FALSE(check.intact);
  EXPECT_EQ(check.first_broken, 2);
}

TEST_F(StoreTest, DeletingARowInSqliteBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  ASSERT_TRUE(desk().withdraw(number));
  close();
  raw_sql(db_path(), "DELETE FROM audit_events WHERE sequence = 2");
  EXPECT_EQ(audit().first_broken, 2);
}

TEST_F(StoreTest, DeletingTheNewestRowInSqliteBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  close();
  raw_sql(db_path(), "DELETE FROM audit_events WHERE sequence = 2");
  AuditCheck check = audit();
  EXPECT_FALSE(check.intact);
  EXPECT_EQ(check.first_broken, 2);
}

TEST_F(StoreTest, ReorderingRowsInSqliteBreaksTheTrail) {
  std::string number = intake();
  ASSERT_TRUE(desk().acknowledge(number));
  ASSERT_TRUE(desk().withdraw(number));
  close();
  raw_sql(db_path(),
          "UPDATE audit_events SET sequence = -sequence WHERE sequence IN (2, 3);"
          "UPDATE audit_events SET sequence = 3 WHERE sequence = -2;"
          "UPDATE audit_events SET sequence = 2 WHERE sequence = -3;");
  AuditCheck check = audit();
  EXPECT_FALSE(check.intact);
  EXPECT_EQ(check.first_broken, 2);
}

TEST_F(StoreTest, AnotherKeyIsRefused) {
  intake();
  close();
  SecretKeyRing other(std::string(32, 'x'));
  auto reopened = open_sqlite_case_store(db_path(), other, true);
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code, ErrorCode::permission_denied);
}

TEST_F(StoreTest, ACorruptFileIsDataLoss) {
  std::ofstream(db_path()) << std::string(8192, 'z');
  auto opened = open_sqlite_case_store(db_path(), keys, true);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::data_loss);
}

TEST_F(StoreTest, AnotherSqliteDatabaseIsNotAMaestroStore) {
  raw_sql(db_path(), "CREATE TABLE customers(id INTEGER)");
  auto opened = open_sqlite_case_store(db_path(), keys, true);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("not a Maestro store"), std::string::npos);
}

TEST_F(StoreTest, ALockedStoreIsUnavailableAndNothingIsWritten) {
  std::string number = intake();
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &locker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto r = desk().acknowledge(number);
  sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(locker);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_NE(r.error().message.find("locked"), std::string::npos);
  EXPECT_EQ((*store().load_case(number))->state, CaseState::received);
  EXPECT_EQ(audit().events, 1);
}

TEST_F(StoreTest, AFailedChangeRollsBackCompletely) {
  std::string number = intake();
  EXPECT_FALSE(desk().start(number));  // not verified
  EXPECT_EQ(audit().events, 1);
  EXPECT_EQ((*store().load_case(number))->state, CaseState::received);
}

}  // namespace
}  // namespace maestro
