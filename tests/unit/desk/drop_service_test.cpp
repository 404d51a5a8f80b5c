// A DROP cycle against a copy of the real Chinook database: lists generated here from the
// documented rules (hashes computed with OpenSSL, not with Maestro's rules), matched by hash,
// erased, answered; a hold, a shared phone, a withdrawal, a consumer who appears later, and a
// malformed download.
#include "desk/drop_service.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>

#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

std::string last_ten_digits(const std::string& phone) {
  std::string digits;
  for (char c : phone)
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  return digits.size() > 10 ? digits.substr(digits.size() - 10) : digits;
}

class DropCycle : public ::testing::Test {
 protected:
  DropCycle()
      : keys(std::string(32, 'd')),
        clock(at("2026-11-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "dpo") {}

  // `also` is a replacement in the map's text: (what, with what).
  bool prepare(const std::filesystem::path& datasets, const std::vector<std::pair<std::string, std::string>>& also = {}) {
    std::filesystem::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", dir / "chinook.db");
    std::string map = testing::read_file(testing::fixture("chinook-anonymize.datamap.yaml"));
    const std::string phone = "{name: Phone, categories: [user.contact.phone_number]}";
    map.replace(map.find(phone), phone.size(), "{name: Phone, categories: [user.contact.phone_number], identity: phone}");
    for (const auto& [what, with] : also) {
      EXPECT_NE(map.find(what), std::string::npos) << what;
      if (map.find(what) != std::string::npos) map.replace(map.find(what), what.size(), with);
    }
    std::ofstream(dir / "datamap.yaml") << map;
    auto loaded = load_data_map(dir / "datamap.yaml");
    EXPECT_TRUE(loaded) << loaded.error().message;
    if (!loaded) return false;
    data_map = std::move(*loaded);
    // Customers 3 and 4 share a household phone.
    sql("UPDATE Customer SET Phone = (SELECT Phone FROM Customer WHERE CustomerId = 3) WHERE CustomerId = 4");
    return true;
  }

  std::string sql_text(const std::string& query) {
    sqlite3* db = nullptr;
    sqlite3_open((dir / "chinook.db").c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW &&
        sqlite3_column_text(stmt, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }
  void sql(const std::string& statement) {
    sqlite3* db = nullptr;
    sqlite3_open((dir / "chinook.db").c_str(), &db);
    ASSERT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  std::string email_of(int id) { return sql_text("SELECT Email FROM Customer WHERE CustomerId = " + std::to_string(id)); }
  std::string phone_of(int id) { return sql_text("SELECT Phone FROM Customer WHERE CustomerId = " + std::to_string(id)); }
  std::string email_hash(int id) {
    std::string email = email_of(id);
    std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
    return testing::sha256_base64(email);
  }

  std::filesystem::path download(const std::string& name, const std::vector<std::pair<std::string, std::string>>& files) {
    std::filesystem::path zip = dir / name;
    testing::write_zip(zip, files);
    return zip;
  }

  std::map<std::string, std::string> states() {
    std::map<std::string, std::string> out;
    auto items = desk.drop_items("");
    EXPECT_TRUE(items);
    if (items)
      for (const auto& item : *items) out[item.id] = item.state;
    return out;
  }

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
  DataMap data_map;
  DropRules rules = *DropRules::load(std::nullopt);
};

TEST_F(DropCycle, ListsAreMatchedByHashErasedAndAnsweredWithTheRightCodes) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  std::string untouched_customer = sql_text("SELECT Email || Phone FROM Customer WHERE CustomerId = 10");
  // Customer 5 is under a legal hold: exempt.
  ASSERT_TRUE(desk.add_hold({*parse_identifier("email:" + email_of(5))}, "legal-claims", "dispute"));
  std::string unknown_email = testing::sha256_base64("nobody@example.com");
  auto zip = download("20261101_B1234.zip",
                      {{"20261101_B1234_Email.csv", "ID,Hash\nE-1," + email_hash(1) + "\nE-5," + email_hash(5) +
                                                        "\nE-X," + unknown_email + "\n"},
                       {"20261101_B1234_Phone.csv", "ID,Hash\nP-2," + testing::sha256_base64(last_ten_digits(phone_of(2))) +
                                                        "\nP-34," + testing::sha256_base64(last_ten_digits(phone_of(3))) +
                                                        "\nP-X," + testing::sha256_base64("4155550000") + "\n"}});
  auto imported = import_drop_lists(desk, zip, rules);
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(imported->new_items, 6u);
  EXPECT_EQ(import_drop_lists(desk, zip, rules)->known_items, 6u);  // the same download again adds nothing

  // A preview tells what a match would do and changes nothing.
  auto preview = match_drop_lists(desk, data_map, rules, true);
  ASSERT_TRUE(preview) << preview.error().message;
  EXPECT_EQ(preview->items_by_state,
            (std::map<std::string, std::size_t>{{"matched", 3}, {"shared", 1}, {"unmatched", 2}}));
  EXPECT_TRUE(preview->cases_opened.empty());
  EXPECT_EQ(states().at("E-1"), "pending");
  EXPECT_NE(email_of(1), "");

  auto matched = match_drop_lists(desk, data_map, rules);
  ASSERT_TRUE(matched) << matched.error().message;
  EXPECT_TRUE(matched->failures.empty());
  EXPECT_TRUE(matched->problems.empty()) << matched->problems.front();
  EXPECT_EQ(matched->records_read, 59u);  // one pass over the customers
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"E-1", "erased"},
                                                          {"E-5", "exempt"},
                                                          {"E-X", "unmatched"},
                                                          {"P-2", "erased"},
                                                          {"P-34", "shared"},
                                                          {"P-X", "unmatched"}}));
  // Customers 1 and 2 are anonymized; their invoices are kept for the tax law; nobody else changed.
  EXPECT_EQ(sql_text("SELECT count(*) FROM Customer WHERE CustomerId IN (1, 2) AND Email LIKE '%@%'"), "0");
  EXPECT_EQ(sql_text("SELECT count(*) FROM Invoice WHERE CustomerId = 1"), "7");
  EXPECT_EQ(sql_text("SELECT Email || Phone FROM Customer WHERE CustomerId = 10"), untouched_customer);
  EXPECT_NE(email_of(5), "");  // held

  auto first = respond_to_drop(desk, rules, dir / "status");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->waiting, 1u);  // the shared phone's opt-outs are not fulfilled yet
  EXPECT_EQ(testing::read_file(dir / "status/20261102_B1234_Email_Status.csv"), "ID,Status\r\nE-1,3\r\nE-5,2\r\nE-X,5\r\n");
  EXPECT_EQ(testing::read_file(dir / "status/20261102_B1234_Phone_Status.csv"), "ID,Status\r\nP-2,3\r\nP-X,5\r\n");

  // The two consumers behind the shared phone each have an opt-out case; once fulfilled: code 4.
  auto shared = *desk.drop_item("P-34");
  ASSERT_TRUE(shared);
  std::string cases = shared->case_number;
  ASSERT_NE(cases.find(','), std::string::npos) << cases;
  for (const auto& number : {cases.substr(0, cases.find(',')), cases.substr(cases.find(',') + 1)}) {
    auto view = desk.find(number);
    ASSERT_TRUE(view);
    EXPECT_EQ(join_rights(view->c.rights), "ccpa-opt-out-of-sale");
    ASSERT_TRUE(desk.start(number));
    ASSERT_TRUE(desk.record_work(number, "object", "ok", "{}", WorkOutcome{clock.now(), "objection", "done"}));
    ASSERT_TRUE(desk.submit_for_review(number));
    ASSERT_TRUE(desk.fulfil(number)) << number;
  }
  std::filesystem::remove_all(dir / "status");
  auto second = respond_to_drop(desk, rules, dir / "status");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->waiting, 0u);
  EXPECT_FALSE(std::filesystem::exists(dir / "status/20261102_B1234_Email_Status.csv"));  // answered already
  EXPECT_EQ(testing::read_file(dir / "status/20261102_B1234_Phone_Status.csv"), "ID,Status\r\nP-34,4\r\n");

  // Nobody@example.com signs up after the answer: the next match catches and erases the record.
  sql("INSERT INTO Customer (CustomerId, FirstName, LastName, Email) VALUES (60, 'No', 'Body', 'Nobody@Example.com')");
  auto later = match_drop_lists(desk, data_map, rules);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(later->caught_later, 1u);
  EXPECT_EQ(sql_text("SELECT count(*) FROM Customer WHERE Email = 'Nobody@Example.com'"), "0");
  // "Not found" is no longer true: the correction is owed, and written as an amend file.
  auto owed = drop_corrections_owed(desk);
  ASSERT_TRUE(owed);
  ASSERT_EQ(owed->size(), 1u);
  EXPECT_EQ((*owed)[0].id, "E-X");
  EXPECT_EQ((*owed)[0].sent, 5);
  EXPECT_EQ((*owed)[0].now, 3);
  std::filesystem::remove_all(dir / "status");
  auto amended = respond_to_drop(desk, rules, dir / "status");
  ASSERT_TRUE(amended) << amended.error().message;
  EXPECT_EQ(amended->amended, 1u);
  EXPECT_TRUE(amended->files.empty());
  ASSERT_EQ(amended->amend_files.size(), 1u);
  EXPECT_EQ(amended->amend_files[0].filename(), "20261102_B1234_Email_Status_Amend.csv");
  EXPECT_EQ(testing::read_file(amended->amend_files[0]), "ID,Status\r\nE-X,3\r\n");
  EXPECT_EQ((*desk.drop_item("E-X"))->code, 3);
  EXPECT_TRUE(drop_corrections_owed(desk)->empty());  // corrected once

  // Keyed hashes only: no identifier in Maestro's audit trail.
  std::string trail;
  ASSERT_TRUE(desk.audit_events("", [&](const AuditEvent& e) {
    trail += e.details + "\n";
    return Status{};
  }));
  EXPECT_EQ(trail.find(email_of(5)), std::string::npos);
  EXPECT_EQ(trail.find("nobody@example.com"), std::string::npos);
  EXPECT_EQ(trail.find(unknown_email), std::string::npos);
}

// A consumer on two lists (their email and their phone) is one consumer: one case, one erasure,
// and every one of their items says "deleted" (not "exempt" for the second, which found nothing
// left). The case closes itself on the clean proof.
TEST_F(DropCycle, OneConsumerOnTwoListsGetsOneCaseAndTheSameOutcomeOnEach) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  auto zip = download("1.zip", {{"20261101_B1234_Email.csv", "ID,Hash\nE-7," + email_hash(7) + "\n"},
                                {"20261101_B1234_Phone.csv",
                                 "ID,Hash\nP-7," + testing::sha256_base64(last_ten_digits(phone_of(7))) + "\n"}});
  ASSERT_TRUE(import_drop_lists(desk, zip, rules));
  auto matched = match_drop_lists(desk, data_map, rules);
  ASSERT_TRUE(matched) << matched.error().message;
  EXPECT_TRUE(matched->problems.empty()) << matched->problems.front();
  ASSERT_EQ(matched->cases_opened.size(), 1u);
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"E-7", "erased"}, {"P-7", "erased"}}));
  EXPECT_EQ((*desk.drop_item("E-7"))->case_number, (*desk.drop_item("P-7"))->case_number);
  auto closed = desk.find(matched->cases_opened[0]);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->c.state, CaseState::fulfilled);  // closed on the clean proof, nobody had to
  ASSERT_NE(closed->c.outcome_of("erasure"), nullptr);
  EXPECT_EQ(closed->c.outcome_of("erasure")->result, "clean");
  auto answered = respond_to_drop(desk, rules, dir / "status");
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->codes, (std::map<int, std::size_t>{{3, 2}}));
}

// Where the map records opt-outs (an objection marker), a shared identifier's consumers are
// opted out at once and their cases close: status 4 without anyone acting.
TEST_F(DropCycle, ASharedIdentifiersOptOutsAreSetAndTheirCasesClose) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets, {{"        source: Customer\n",
                                  "        source: Customer\n        objection: {field: Sharing, value: \"no\", lifted: \"yes\"}\n"},
                                 {"{name: Fax, ", "{name: Sharing, categories: [system.operations]}\n          - {name: Fax, "}}));
  sql("ALTER TABLE Customer ADD COLUMN Sharing TEXT DEFAULT 'yes'");
  auto zip = download("1.zip", {{"20261101_B1234_Phone.csv",
                                 "ID,Hash\nP-34," + testing::sha256_base64(last_ten_digits(phone_of(3))) + "\n"}});
  ASSERT_TRUE(import_drop_lists(desk, zip, rules));
  auto matched = match_drop_lists(desk, data_map, rules);
  ASSERT_TRUE(matched) << matched.error().message;
  EXPECT_TRUE(matched->problems.empty()) << matched->problems.front();
  EXPECT_EQ(states().at("P-34"), "shared");
  ASSERT_EQ(matched->cases_opened.size(), 2u);
  for (const auto& number : matched->cases_opened) EXPECT_EQ(desk.find(number)->c.state, CaseState::fulfilled) << number;
  EXPECT_EQ(sql_text("SELECT group_concat(CustomerId) FROM Customer WHERE Sharing = 'no'"), "3,4");
  auto answered = respond_to_drop(desk, rules, dir / "status");
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->codes, (std::map<int, std::size_t>{{4, 1}}));
}

TEST_F(DropCycle, ARemovedIdentifierWithdrawsPendingWorkAndABadDownloadChangesNothing) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  auto first = download("1.zip", {{"20261101_B1234_Email.csv", "ID,Hash\nE-1," + email_hash(1) + "\nE-2," + email_hash(2) + "\n"}});
  ASSERT_TRUE(import_drop_lists(desk, first, rules));
  auto cancelled = download("2.zip", {{"20261115_B1234_Email.csv", "ID,Hash\n"}, {"20261115_B1234_Removed.csv", "ID\nE-2\n"}});
  auto removed = import_drop_lists(desk, cancelled, rules);
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(removed->withdrawn, 1u);

  auto bad = download("3.zip", {{"20261116_B1234_Email.csv", "ID,Hash\nE-3," + email_hash(3) + "\nE-4,not-a-hash\n"}});
  auto refused = import_drop_lists(desk, bad, rules);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("3.zip: 20261116_B1234_Email.csv row 3"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"E-1", "pending"}, {"E-2", "withdrawn"}}));

  ASSERT_TRUE(match_drop_lists(desk, data_map, rules));
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"E-1", "erased"}, {"E-2", "withdrawn"}}));
  EXPECT_NE(email_of(2), "");  // the consumer cancelled: not erased
}

// NDZ: first name, last name, date of birth and ZIP, each standardized and hashed, the hashes
// joined and hashed again (the rules file's reading of DROP's documentation). The map marks the
// four fields; a different birth date is another person.
TEST_F(DropCycle, CompositeNdzListsMatchNameBirthDateAndZipTogether) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets, {{"{name: FirstName, ", "{name: FirstName, drop: first_name, "},
                                 {"{name: LastName, ", "{name: LastName, drop: last_name, "},
                                 {"{name: PostalCode, ", "{name: BirthDate, categories: [user.demographic.date_of_birth], "
                                                         "drop: date_of_birth}\n          - {name: PostalCode, drop: zip, "}}));
  sql("ALTER TABLE Customer ADD COLUMN BirthDate TEXT");
  sql("UPDATE Customer SET BirthDate = '1990-04-01' WHERE CustomerId = 1");  // Luís Gonçalves, 12227-000
  auto ndz = [](const std::string& first, const std::string& last, const std::string& dob, const std::string& zip) {
    return testing::sha256_base64(testing::sha256_base64(first) + testing::sha256_base64(last) + testing::sha256_base64(dob) + testing::sha256_base64(zip));
  };
  auto zip = download("1.zip", {{"20261101_B1234_NDZ.csv", "ID,Hash\nN-1," + ndz("luis", "goncalves", "19900401", "12227") +
                                                            "\nN-2," + ndz("luis", "goncalves", "19900402", "12227") + "\n"}});
  ASSERT_TRUE(import_drop_lists(desk, zip, rules));
  auto matched = match_drop_lists(desk, data_map, rules);
  ASSERT_TRUE(matched) << matched.error().message;
  EXPECT_TRUE(matched->unsearchable.empty());
  EXPECT_EQ(states(), (std::map<std::string, std::string>{{"N-1", "erased"}, {"N-2", "unmatched"}}));
  EXPECT_EQ(sql_text("SELECT FirstName FROM Customer WHERE CustomerId = 1"), "[erased]");
  EXPECT_EQ(sql_text("SELECT FirstName FROM Customer WHERE CustomerId = 2"), "Leonie");
}

TEST_F(DropCycle, AStoreThatCannotBeReadLeavesItemsPendingNeverNotFound) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  std::filesystem::rename(dir / "chinook.db", dir / "elsewhere.db");
  auto zip = download("1.zip", {{"20261101_B1234_Email.csv", "ID,Hash\nE-X," + testing::sha256_base64("nobody@example.com") + "\n"}});
  ASSERT_TRUE(import_drop_lists(desk, zip, rules));
  auto matched = match_drop_lists(desk, data_map, rules);
  ASSERT_TRUE(matched) << matched.error().message;
  ASSERT_EQ(matched->failures.size(), 1u);
  EXPECT_EQ(states().at("E-X"), "pending");
  auto answered = respond_to_drop(desk, rules, dir / "status");
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->waiting, 1u);
  EXPECT_TRUE(answered->files.empty());
}

}  // namespace
}  // namespace maestro
