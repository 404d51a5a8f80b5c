// What only the SQLite file can get wrong: a corrupt file, another program's database, another
// process's lock. What every engine must do is tests/integration/case_store_test.cpp.
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

}  // namespace
}  // namespace maestro
