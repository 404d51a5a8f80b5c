#include "desk/desk.hpp"

#include <gtest/gtest.h>

#include <sqlite3.h>

#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

class DeskTest : public ::testing::Test {
 protected:
  DeskTest()
      : keys(std::string(32, 'd')),
        clock(at("2026-03-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "dpo") {}

  IntakeRequest request(const char* subject = "jane@example.com", const char* rights = "access") {
    IntakeRequest r;
    r.subjects = {subject};
    r.name = "Jane Example";
    r.rights = rights;
    r.jurisdiction = "uk-gdpr";
    return r;
  }

  std::string open_case(const char* subject = "jane@example.com", const char* rights = "access") {
    auto r = desk.intake(request(subject, rights));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r->c.number : "";
  }

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
};

TEST_F(DeskTest, IntakeValidatesEveryField) {
  struct Bad {
    std::function<void(IntakeRequest&)> change;
    const char* message;
  };
  std::vector<Bad> bad{
      {[](IntakeRequest& r) { r.subjects.clear(); }, "at least one subject"},
      {[](IntakeRequest& r) { r.subjects = {"email:nope"}; }, "invalid email"},
      {[](IntakeRequest& r) { r.rights = "access,fly"; }, "unknown right 'fly'"},
      {[](IntakeRequest& r) { r.jurisdiction = "mars"; }, "unknown jurisdiction 'mars'"},
      {[](IntakeRequest& r) { r.jurisdiction = ""; }, "give the jurisdiction"},
      {[](IntakeRequest& r) { r.channel = "pigeon"; }, "unknown channel 'pigeon'"},
      {[](IntakeRequest& r) { r.received = "31/01/2026"; }, "invalid time"},
      {[](IntakeRequest& r) { r.received = "2026-03-09T09:00:00Z"; }, "in the future"},
      {[](IntakeRequest& r) { r.tenants = {"acme; drop"}; }, "invalid tenant"},
      {[](IntakeRequest& r) { r.name = std::string(300, 'x'); }, "at most 200"},
      {[](IntakeRequest& r) { r.received = "2017-01-01T00:00:00Z"; }, "no uk-gdpr rule is in force"},
  };
  for (const auto& b : bad) {
    IntakeRequest r = request();
    b.change(r);
    auto result = desk.intake(r);
    ASSERT_FALSE(result) << b.message;
    EXPECT_NE(result.error().message.find(b.message), std::string::npos) << result.error().message;
  }
  EXPECT_TRUE(desk.list({})->empty());
  EXPECT_EQ(desk.verify_audit()->events, 0);
}

TEST_F(DeskTest, DuplicatesWithinTwelveMonthsAreFlaggedNotRefused) {
  std::string first = open_case("email:jane@example.com", "access,erasure");
  clock.set(at("2026-09-01T09:00:00Z"));
  auto second = desk.intake(request("JANE@example.com", "erasure"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->c.possible_duplicates, std::vector<std::string>{first});
  auto other_right = desk.intake(request("jane@example.com", "rectification"));
  EXPECT_TRUE(other_right->c.possible_duplicates.empty());
  auto other_person = desk.intake(request("john@example.com", "erasure"));
  EXPECT_TRUE(other_person->c.possible_duplicates.empty());
  clock.set(at("2027-03-03T09:00:00Z"));
  auto much_later = desk.intake(request("jane@example.com", "access"));
  EXPECT_TRUE(much_later->c.possible_duplicates.empty());
}

TEST_F(DeskTest, CaseNumbersAreAcceptedInAnyCase) {
  std::string number = open_case();
  EXPECT_TRUE(desk.find("dsar-2026-001"));
  auto missing = desk.find("DSAR-2026-002");
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_EQ(desk.find("42").error().code, ErrorCode::invalid_argument);
}

TEST_F(DeskTest, ListFilters) {
  std::string a = open_case("a@example.com", "access");
  std::string b = open_case("b@example.com", "erasure");
  ASSERT_TRUE(desk.acknowledge(b));
  EXPECT_EQ(desk.list({.state = CaseState::acknowledged})->size(), 1u);
  EXPECT_EQ(desk.list({.right = Right::access})->at(0).c.number, a);
  EXPECT_EQ(desk.list({.jurisdiction = std::string("ccpa")})->size(), 0u);
  EXPECT_EQ(desk.list({.due_before = testing::day("2026-04-02")})->size(), 0u);
  EXPECT_EQ(desk.list({.due_before = testing::day("2026-04-03")})->size(), 2u);
  EXPECT_EQ(desk.list({.overdue_only = true})->size(), 0u);
  clock.set(at("2026-04-03T09:00:00Z"));
  EXPECT_EQ(desk.list({.overdue_only = true})->size(), 2u);
}

TEST_F(DeskTest, EveryChangeIsAnAuditEvent) {
  std::string number = open_case();
  ASSERT_TRUE(desk.acknowledge(number));
  ASSERT_TRUE(desk.record_verification(number, "knowledge", VerificationOutcome::failed));
  ASSERT_TRUE(desk.pause(number, "awaiting-identity"));
  ASSERT_TRUE(desk.resume(number));
  ASSERT_TRUE(desk.record_verification(number, "document", VerificationOutcome::passed));
  ASSERT_TRUE(desk.extend(number, "complex"));
  ASSERT_TRUE(desk.start(number));
  ASSERT_TRUE(desk.submit_for_review(number));
  EXPECT_FALSE(desk.fulfil(number));  // no package: refused, and no event
  ASSERT_TRUE(desk.fulfil_by_exception(number, "Delivered on paper at the front desk"));
  std::vector<std::string> actions;
  ASSERT_TRUE(desk.audit_events(number, [&](const AuditEvent& e) -> Status {
    actions.push_back(e.action);
    EXPECT_EQ(e.actor, "dpo");
    return {};
  }));
  EXPECT_EQ(actions, (std::vector<std::string>{"intake", "acknowledge", "verify", "pause", "resume", "verify", "extend",
                                               "start", "review", "fulfil"}));
  EXPECT_TRUE(desk.verify_audit()->intact);
}

TEST_F(DeskTest, NotesAndDenialDetailsStayOutOfTheAuditTrail) {
  std::string number = open_case();
  ASSERT_TRUE(desk.add_note(number, "Jane called from her mobile"));
  ASSERT_TRUE(desk.deny(number, "excessive", "Third identical request from Jane this month"));
  std::string details;
  ASSERT_TRUE(desk.audit_events(number, [&](const AuditEvent& e) -> Status {
    details += e.details;
    return {};
  }));
  EXPECT_EQ(details.find("Jane"), std::string::npos);
  EXPECT_NE(details.find("excessive"), std::string::npos);
  EXPECT_FALSE(desk.add_note(number, "   "));
}

TEST_F(DeskTest, PurgeRemovesPersonalDataAfterRetention) {
  std::string number = open_case();
  ASSERT_TRUE(desk.withdraw(number));
  clock.set(at("2028-03-01T09:00:00Z"));
  EXPECT_TRUE(desk.purge_expired(false)->purged.empty());  // one day short of 2 years
  clock.set(at("2028-03-02T09:00:00Z"));
  EXPECT_EQ(desk.purge_expired(true)->purged, std::vector<std::string>{number});
  EXPECT_EQ(desk.find(number)->c.subject_name, "Jane Example");  // dry run changed nothing
  EXPECT_EQ(desk.purge_expired(false)->purged, std::vector<std::string>{number});
  CaseView v = *desk.find(number);
  EXPECT_TRUE(v.c.subject_name.empty());
  EXPECT_TRUE(v.c.identifiers.empty());
  EXPECT_TRUE(v.c.personal_data_purged_at);
  EXPECT_TRUE(store->cases_with_subject(keys.pseudonym("email:jane@example.com"))->empty());
  EXPECT_TRUE(desk.purge_expired(false)->purged.empty());
  EXPECT_TRUE(desk.verify_audit()->intact);
}

TEST_F(DeskTest, OpenCasesAreNeverPurged) {
  open_case();
  clock.set(at("2030-01-01T00:00:00Z"));
  EXPECT_TRUE(desk.purge_expired(false)->purged.empty());
}

TEST_F(DeskTest, IntakeJsonIsParsedStrictly) {
  auto r = parse_intake_json(R"({"subjects": ["jane@example.com", "customer_id:7"], "name": "Jane",
                                 "rights": ["access", "erasure"], "jurisdiction": "uk-gdpr",
                                 "received": "2026-03-01T10:00:00Z", "tenant": "eu-1", "ticket": "ZD-1"})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->subjects.size(), 2u);
  EXPECT_EQ(r->rights, "access,erasure");
  EXPECT_EQ(r->tenants, std::vector<std::string>{"eu-1"});
  EXPECT_FALSE(parse_intake_json("{not json"));
  EXPECT_FALSE(parse_intake_json("[]"));
  EXPECT_NE(
      parse_intake_json(R"({"subject": "a@b.co", "colour": "red"})").error().message.find("unknown field 'colour'"),
      std::string::npos);
  EXPECT_FALSE(parse_intake_json(R"({"subject": 42})"));
}

TEST_F(DeskTest, TheQueueIsPagedInDueOrderReadingOnlyThePage) {
  // UK GDPR a month, CCPA 45 days: the CCPA case received first is due last.
  auto ccpa = request("carol@example.com");
  ccpa.jurisdiction = "ccpa";
  ccpa.rights = "ccpa-know";
  std::string carol = desk.intake(ccpa)->c.number;
  clock.advance(std::chrono::hours{24});
  std::string jane = open_case("jane@example.com");
  clock.advance(std::chrono::hours{24});
  std::string bob = open_case("bob@example.com");
  auto first = desk.queue({}, 2, "");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].entry.number, jane);
  EXPECT_EQ(first->items[1].entry.number, bob);
  ASSERT_TRUE(first->next_cursor);
  auto second = desk.queue({}, 2, *first->next_cursor);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].entry.number, carol);
  EXPECT_FALSE(second->next_cursor);
  // A closed case goes to the end, after every open one.
  ASSERT_TRUE(desk.withdraw(jane));
  auto all = desk.queue({}, 10, "");
  EXPECT_EQ(all->items.back().entry.number, jane);
  CaseQuery ccpa_only;
  ccpa_only.jurisdiction = "ccpa";
  EXPECT_EQ(desk.queue(ccpa_only, 10, "")->items.size(), 1u);
  CaseQuery know;
  know.right = Right::ccpa_know;
  EXPECT_EQ(desk.queue(know, 10, "")->items.size(), 1u);
  EXPECT_EQ(desk.queue({}, 0, "").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.queue({}, 10, "DSAR-2026-999").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.queue({}, 10, "'; DROP TABLE cases;--").error().code, ErrorCode::invalid_argument);
}

TEST_F(DeskTest, OverdueCasesAndCountsComeFromTheQueue) {
  std::string late = open_case("jane@example.com");
  clock.advance(std::chrono::hours{24 * 40});
  std::string fresh = open_case("bob@example.com");
  CaseQuery overdue;
  overdue.overdue_only = true;
  auto page = desk.queue(overdue, 10, "");
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].entry.number, late);
  auto counts = desk.queue_counts(7);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->by_state["received"], 2);
  EXPECT_EQ(counts->overdue, 1);
  EXPECT_EQ(counts->due_soon, 0);
  EXPECT_EQ(counts->letters_waiting, 0);
  clock.advance(std::chrono::hours{24 * 25});
  EXPECT_EQ(desk.queue_counts(7)->due_soon, 1);  // the fresh case is due within a week now
  for (const char* state : {"pending", "sent", "pending", "manual"}) {
    OutboxMessage m;
    m.case_number = fresh;
    m.letter = "acknowledgement";
    m.created_at = m.next_attempt_at = clock.now();
    m.state = state;
    m.sealed = "x";
    ASSERT_TRUE(desk.add_message(m, "{}"));
  }
  EXPECT_EQ(desk.queue_counts(7)->letters_waiting, 2);
}

TEST_F(DeskTest, APausedCaseKeepsItsDaysLeftInTheQueueWhileTheLegalClockStands) {
  // UK GDPR from 2026-02-05 stops the legal clock while waiting on the requester (Art. 12A).
  std::string number = open_case();
  ASSERT_TRUE(desk.acknowledge(number));
  auto paused = desk.pause(number, "awaiting-identity");
  ASSERT_TRUE(paused) << paused.error().message;
  int days_left = paused->deadlines.days_left;
  clock.advance(std::chrono::hours{24 * 60});
  auto page = desk.queue({}, 10, "");
  ASSERT_EQ(page->items.size(), 1u);
  const QueueItem& item = page->items[0];
  EXPECT_TRUE(item.paused);
  EXPECT_EQ(item.days_left, days_left);
  EXPECT_FALSE(item.overdue);
  EXPECT_FALSE(desk.find(number)->deadlines.overdue);  // the full computation agrees
  CaseQuery overdue;
  overdue.overdue_only = true;
  EXPECT_TRUE(desk.queue(overdue, 10, "")->items.empty());
  EXPECT_EQ(desk.queue_counts(7)->overdue, 0);
}

TEST_F(DeskTest, TheQueueFindsCasesByIdentifierAndAssignee) {
  std::string jane = open_case("jane@example.com");
  std::string bob = open_case("bob@example.com");
  CaseQuery by_subject;
  by_subject.subject = *parse_identifier("email:Jane@Example.com");
  auto found = desk.queue(by_subject, 10, "");
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].entry.number, jane);

  auto assigned = desk.assign(bob, "olivia@example.com");
  ASSERT_TRUE(assigned) << assigned.error().message;
  EXPECT_EQ(assigned->c.assignee, "olivia@example.com");
  CaseQuery mine;
  mine.assignee = "olivia@example.com";
  auto page = desk.queue(mine, 10, "");
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].entry.number, bob);
  EXPECT_EQ(page->items[0].assignee, "olivia@example.com");
  CaseQuery nobody;
  nobody.assignee = "";
  EXPECT_EQ(desk.queue(nobody, 10, "")->items.at(0).entry.number, jane);
  EXPECT_EQ(desk.assign(bob, "line\nbreak").error().code, ErrorCode::invalid_argument);
  ASSERT_TRUE(desk.withdraw(jane));
  EXPECT_EQ(desk.assign(jane, "olivia@example.com").error().code, ErrorCode::failed_precondition);
}

TEST_F(DeskTest, CasesFromBeforeTheQueueGetTheirDueDateOnce) {
  std::string a = open_case("jane@example.com");
  std::string b = open_case("bob@example.com");
  {  // as a store written before the queue's due dates existed
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "maestro.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE cases SET legal_due = NULL", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_EQ(store->cases_without_queue_due(10)->size(), 2u);
  auto page = desk.queue({}, 10, "");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_TRUE(store->cases_without_queue_due(10)->empty());
  (void)a;
  (void)b;
}

}  // namespace
}  // namespace maestro
