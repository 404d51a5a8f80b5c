// The erasure planner, strategies, proof and plan storage, on a small SQLite store and JSON-lines
// log made here.
#include "fulfil/erasure.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

const SecretKeyRing& keys() {
  static const SecretKeyRing ring(std::string(32, 'k'));
  return ring;
}

Value text(const char* s) {
  return Value(std::string(s));
}

TEST(ErasedValue, EachStrategy) {
  auto value = [](ErasureAction a, const Value& v, std::string t = "") {
    return erased_value(ErasureStrategy{a, std::move(t), "", std::nullopt}, v, keys());
  };
  EXPECT_EQ(*value(ErasureAction::set_null, text("Jane")), Value{});
  EXPECT_EQ(*value(ErasureAction::redact, text("Jane"), "[gone]"), text("[gone]"));
  EXPECT_EQ(*value(ErasureAction::hash, text("abc")),
            text("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  // Keyed: the same person always maps to the same pseudonym, and it is not the plain hash.
  EXPECT_EQ(*value(ErasureAction::hmac, text("jane@example.com")),
            *value(ErasureAction::hmac, text("jane@example.com")));
  EXPECT_NE(*value(ErasureAction::hmac, text("abc")), *value(ErasureAction::hash, text("abc")));
  EXPECT_NE(*value(ErasureAction::random, text("x")), *value(ErasureAction::random, text("x")));
  EXPECT_FALSE(value(ErasureAction::retain, text("x")));
  EXPECT_FALSE(value(ErasureAction::set_null, Value{}));  // nothing to erase
}

// A request sent by identifier (issue 29): one delete per value of its first identity's kind,
// the others taking the person's first value of theirs; nothing when a kind is missing.
TEST(IdentifierRows, OnePerValueOfTheFirstIdentityAndNoneWhenAKindIsMissing) {
  HttpRequestSpec request;
  request.params.push_back({"email", "email", std::string("email"), false});
  request.params.push_back({"phone", "phone", std::string("phone_number"), false});
  std::vector<SubjectIdentifier> both{{"email", "jane@example.com"}, {"email", "j.example@mail.test"},
                                      {"phone_number", "+442079460001"}, {"phone_number", "+442079460002"}};
  auto rows = identifier_rows(request, both);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].key_field, "email");
  EXPECT_EQ(rows[0].key, "jane@example.com");
  EXPECT_EQ(rows[1].key, "j.example@mail.test");
  EXPECT_TRUE(rows[0].delete_row);
  ASSERT_EQ(rows[1].context.size(), 1u);
  EXPECT_EQ(rows[1].context[0], (std::pair<std::string, std::string>{"phone", "+442079460001"}));
  EXPECT_TRUE(identifier_rows(request, {{"email", "jane@example.com"}}).empty());
  EXPECT_TRUE(identifier_rows(HttpRequestSpec{}, both).empty());
}

TEST(ErasedValue, GeneralizeKeepsTheCoarsePartAndNeverLengthens) {
  auto g = [](const Value& v) { return *erased_value({ErasureAction::generalize, "", "", std::nullopt}, v, keys()); };
  EXPECT_EQ(g(text("1984-06-02")), text("1984"));
  EXPECT_EQ(g(text("2026-02-27T10:00:00Z")), text("2026"));
  EXPECT_EQ(g(text("SW1A 1AA")), text("SW1A"));
  EXPECT_EQ(g(text("m1 1ae")), text("M1"));
  EXPECT_EQ(g(text("94105")), text("941XX"));
  EXPECT_EQ(g(text("12227-000")), text("122XX-XXX"));
  EXPECT_EQ(g(Value(std::int64_t{37})), Value(std::int64_t{30}));
  EXPECT_EQ(g(text("Jane")), text("J***"));
  EXPECT_EQ(g(text("J")), text("*"));
}

class PlanOnSqlite : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* db = nullptr;
    sqlite3_open((dir / "shop.db").c_str(), &db);
    sqlite3_exec(db,
                 "CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, phone TEXT, "
                 "rep TEXT, profile TEXT);"
                 "CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);"
                 "CREATE TABLE note (customer_id INTEGER, body TEXT);"
                 "INSERT INTO customer VALUES (1, 'jane@example.com', 'Jane', '+441234', 'Bob', "
                 "'{\"nick\":\"jj\",\"city\":\"Leeds\"}'), (2, 'john@example.com', 'John', '+449999', 'Bob', '{}');"
                 "INSERT INTO invoice VALUES (10, 1, 9.5), (11, 1, 3.0), (12, 2, 7.0);"
                 "INSERT INTO note VALUES (1, 'called'), (2, 'other');",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::ofstream(dir / "datamap.yaml") << R"(systems:
  - name: shop
    store: {type: sqlite, path: shop.db}
    collections:
      - name: customer
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id]}
          - {name: email, categories: [user.contact.email], identity: email}
          - {name: name, categories: [user.name], erasure: {strategy: redact, text: "[erased]"}}
          - {name: phone, categories: [user.contact.phone_number]}
          - {name: rep, categories: [user.name], other_person: true}
          - name: profile
            categories: [user]
            erasure: {strategy: retain, reason: "Contract", period: 1 year}
      - name: invoice
        erasure: {strategy: retain, reason: "Tax law", period: 7 years}
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - name: customer_id
            categories: [user.unique_id]
            references: [{field: customer.id, direction: from}]
      - name: note
        erasure: {strategy: delete}
        fields:
          - name: customer_id
            categories: [user.unique_id]
            references: [{field: customer.id, direction: from}]
          - {name: body, categories: [user]}
)";
    auto loaded = load_data_map(dir / "datamap.yaml");
    ASSERT_TRUE(loaded) << loaded.error().message;
    map = std::move(*loaded);
  }

  Result<ErasurePlan> plan() { return plan_erasure(map, ids, {}, keys(), testing::at("2026-03-02T09:00:00Z")); }

  testing::TempDir dir;
  DataMap map;
  std::vector<SubjectIdentifier> ids{{"email", "jane@example.com"}};
};

TEST_F(PlanOnSqlite, ChoosesEachFieldsStrategyAndListsWhatTheLawKeeps) {
  auto p = plan();
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->steps.size(), 1u);
  const auto& step = p->steps[0];
  // note points at customer.id: its rows go first.
  ASSERT_EQ(step.collections.size(), 2u);
  EXPECT_EQ(step.collections[0].collection, "shop.note");
  EXPECT_TRUE(step.collections[0].rows[0].delete_row);
  const RowChange& customer = step.collections[1].rows.at(0);
  EXPECT_EQ(customer.key_field, "id");
  EXPECT_EQ(customer.key, "1");
  std::map<std::string, FieldChange> set;
  for (const auto& f : customer.set) set[f.field] = f;
  EXPECT_EQ(set.size(), 3u);  // email, name, phone; not rep, profile or id
  EXPECT_EQ(set["email"].to,
            *erased_value({ErasureAction::hmac, "", "", std::nullopt}, text("jane@example.com"), keys()));
  EXPECT_EQ(set["name"].to, text("[erased]"));
  EXPECT_EQ(set["phone"].to, Value{});
  ASSERT_EQ(p->retained.size(), 2u);
  for (const auto& r : p->retained) {
    if (r.collection == "shop.invoice") {
      EXPECT_EQ(r.records, 2u);
      EXPECT_EQ(format_date(r.erasable_from), "2033-03-02");
      EXPECT_EQ(r.reason, "Tax law");
    } else {
      EXPECT_EQ(r.fields, std::vector<std::string>{"profile"});
    }
  }
}

// An order the map states (Fides' erase_after) is kept where references give none.
TEST_F(PlanOnSqlite, AnEraseAfterOrderIsKept) {
  for (auto& f : map.collections.at("shop.customer").fields) f.primary_key = false;  // no order from keys
  auto unordered = plan();
  ASSERT_TRUE(unordered) << unordered.error().message;
  ASSERT_EQ(unordered->steps.at(0).collections.size(), 2u);
  EXPECT_EQ(unordered->steps[0].collections[0].collection, "shop.customer");
  map.collections.at("shop.customer").erase_after = {"shop.note"};
  auto p = plan();
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->steps.at(0).collections.size(), 2u);
  EXPECT_EQ(p->steps[0].collections[0].collection, "shop.note");
  EXPECT_EQ(p->steps[0].collections[1].collection, "shop.customer");
}

TEST_F(PlanOnSqlite, ExecuteThenProveAndAReRunChangesNothing) {
  auto p = plan();
  ASSERT_TRUE(p);
  ASSERT_TRUE(execute_step(map, p->steps[0]));
  EXPECT_TRUE(p->steps[0].done);
  EXPECT_EQ(p->steps[0].applied.rows_deleted, 1u);
  EXPECT_EQ(p->steps[0].applied.rows_changed, 1u);
  auto proof = prove_erasure(map, *p, ids, {});
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_TRUE(proof->clean());
  EXPECT_EQ(proof->verified_rows, 2u);
  // The same plan applied again (as after a crash) leaves the same state.
  p->steps[0].done = false;
  ASSERT_TRUE(execute_step(map, p->steps[0]));
  EXPECT_TRUE(prove_erasure(map, *p, ids, {})->clean());
  auto again = plan();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->records_found, 0u);  // the email is gone: nothing is found by it any more
}

TEST_F(PlanOnSqlite, TheProofFindsWhatWasNotErased) {
  auto p = plan();
  ASSERT_TRUE(p);
  // Nothing executed: every planned row still holds its data.
  auto proof = prove_erasure(map, *p, ids, {});
  ASSERT_TRUE(proof);
  EXPECT_FALSE(proof->clean());
  EXPECT_GE(proof->remaining, 2u);
}

TEST_F(PlanOnSqlite, ThePlanSurvivesStorageAndCanBeStrippedOfPersonalData) {
  auto p = plan();
  ASSERT_TRUE(p);
  auto back = plan_from_json(plan_to_json(*p));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(plan_to_json(*back), plan_to_json(*p));
  std::string stripped = plan_to_json(strip_personal_data(*p));
  EXPECT_EQ(stripped.find("jane@example.com"), std::string::npos);
  EXPECT_EQ(stripped.find("+441234"), std::string::npos);
  EXPECT_NE(stripped.find("Tax law"), std::string::npos);
  EXPECT_FALSE(plan_from_json("{\"version\": 9}"));
}

TEST(PlanOnJsonLines, FieldsChangeOnlyOnTheSubjectsLinesAndKeyOrderIsKept) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "logs");
  std::ofstream(dir / "logs/app.jsonl") << "{\"ts\":\"t1\",\"email\":\"jane@example.com\",\"ip\":\"10.0.0.1\"}\n"
                                        << "not json\n"
                                        << "{\"ts\":\"t2\",\"email\":\"john@example.com\",\"ip\":\"10.0.0.2\"}\n";
  std::ofstream(dir / "datamap.yaml") << R"(systems:
  - name: web
    store: {type: jsonl, path: logs}
    collections:
      - name: events
        source: "*.jsonl"
        fields:
          - {name: ts, categories: [system.operations]}
          - {name: email, categories: [user.contact.email], identity: email, erasure: {strategy: redact, text: "x"}}
          - {name: ip, categories: [user.device.ip_address]}
)";
  auto map = load_data_map(dir / "datamap.yaml");
  ASSERT_TRUE(map) << map.error().message;
  std::vector<SubjectIdentifier> ids{{"email", "jane@example.com"}};
  auto p = plan_erasure(*map, ids, {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(p);
  ASSERT_TRUE(execute_step(*map, p->steps.at(0)));
  EXPECT_EQ(testing::read_file(dir / "logs/app.jsonl"),
            "{\"ts\":\"t1\",\"email\":\"x\",\"ip\":null}\nnot json\n"
            "{\"ts\":\"t2\",\"email\":\"john@example.com\",\"ip\":\"10.0.0.2\"}\n");
  EXPECT_TRUE(prove_erasure(*map, *p, ids, {})->clean());
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

TEST(PlanOnTenants, EveryTenantIsItsOwnStepAndOnlyTheScopedOneChanges) {
  testing::TempDir dir;
  for (const char* tenant : {"eu", "us"}) {
    sqlite3* db = nullptr;
    sqlite3_open((dir / (std::string("shop-") + tenant + ".db")).c_str(), &db);
    sqlite3_exec(db,
                 "CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, name TEXT);"
                 "INSERT INTO customer VALUES (1, 'jane@example.com', 'Jane'), (2, 'john@example.com', 'John');",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  std::ofstream(dir / "datamap.yaml") << R"(systems:
  - name: shop
    store: {type: sqlite, path: "shop-{tenant}.db", tenants: [eu, us]}
    collections:
      - name: customer
        erasure: {strategy: delete}
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id]}
          - {name: email, categories: [user.contact.email], identity: email}
          - {name: name, categories: [user.name]}
)";
  auto map = load_data_map(dir / "datamap.yaml");
  ASSERT_TRUE(map) << map.error().message;
  std::vector<SubjectIdentifier> ids{{"email", "jane@example.com"}};
  auto all = plan_erasure(*map, ids, {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->steps.size(), 2u);
  auto eu_only = plan_erasure(*map, ids, LocateScope{{"eu"}}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(eu_only);
  ASSERT_EQ(eu_only->steps.size(), 1u);
  EXPECT_EQ(eu_only->steps[0].tenant, "eu");
  ASSERT_TRUE(execute_step(*map, eu_only->steps[0]));
  auto count = [&](const char* tenant) {
    sqlite3* db = nullptr;
    sqlite3_open((dir / (std::string("shop-") + tenant + ".db")).c_str(), &db);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM customer", -1, &q, nullptr);
    sqlite3_step(q);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
  };
  EXPECT_EQ(count("eu"), 1);
  EXPECT_EQ(count("us"), 2);
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

TEST(PlanOnSqliteJson, APathInsideAJsonColumnChangesAndTheRestOfTheDocumentStays) {
  testing::TempDir dir;
  sqlite3* db = nullptr;
  sqlite3_open((dir / "app.db").c_str(), &db);
  sqlite3_exec(db,
               "CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT);"
               "INSERT INTO events VALUES (1, '{\"customerName\":\"Test Customer\",\"channel\":\"email\"}'),"
               "(2, '{\"customerName\":\"Other Person\",\"channel\":\"chat\"}');",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  std::ofstream(dir / "datamap.yaml") << R"(systems:
  - name: app
    store: {type: sqlite, path: app.db}
    collections:
      - name: events
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - name: payload
            categories: [system.operations]
            fields:
              - {name: customerName, categories: [user.name], identity: customer_name, erasure: {strategy: redact, text: "[erased]"}}
              - {name: channel, categories: [system.operations]}
)";
  auto map = load_data_map(dir / "datamap.yaml");
  ASSERT_TRUE(map) << map.error().message;
  std::vector<SubjectIdentifier> ids{{"customer_name", "Test Customer"}};
  auto p = plan_erasure(*map, ids, {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(p);
  ASSERT_TRUE(execute_step(*map, p->steps.at(0)));
  sqlite3_open((dir / "app.db").c_str(), &db);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(
      db, "SELECT json_extract(payload, '$.customerName'), json_extract(payload, '$.channel') FROM events ORDER BY id",
      -1, &q, nullptr);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "[erased]");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 1)), "email");
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "Other Person");
  sqlite3_finalize(q);
  sqlite3_close(db);
  EXPECT_TRUE(prove_erasure(*map, *p, ids, {})->clean());
}

// A text log writes the same person's identifiers several ways: each spelling found is erased,
// other people's lines stay byte for byte, and the proof reads the log again by kind.
TEST(PlanOnTextLogs, EverySpellingOfTheSubjectsIdentifiersIsErased) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "logs");
  const std::string others = "login john@example.com from 10.0.0.2\ncall +44 20 7946 9999\n";
  std::ofstream(dir / "logs/app.log") << "login Jane@Example.COM from 10.0.0.1\n"
                                      << others << "sms to +442079461001 sent\n"
                                      << "call (44) 20-7946-1001 by JANE@example.com.\n";
  std::ofstream(dir / "datamap.yaml") << R"(systems:
  - name: app
    store: {type: textlog, path: logs}
    collections:
      - name: log
        source: "*.log"
        erasure: {strategy: redact, text: "[erased]"}
        fields:
          - {name: line, categories: [user.contact.email], identity: email}
          - {name: phone, categories: [user.contact.phone_number], identity: phone}
)";
  auto map = load_data_map(dir / "datamap.yaml");
  ASSERT_TRUE(map) << map.error().message;
  std::vector<SubjectIdentifier> ids{{"email", "jane@example.com"}, {"phone", "+44 20 7946 1001"}};
  auto p = plan_erasure(*map, ids, {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->steps.size(), 1u);
  ASSERT_TRUE(execute_step(*map, p->steps.at(0)));
  EXPECT_EQ(testing::read_file(dir / "logs/app.log"),
            "login [erased] from 10.0.0.1\n" + others + "sms to [erased] sent\ncall [erased] by [erased].\n");
  EXPECT_TRUE(prove_erasure(*map, *p, ids, {})->clean());

  // With `match: exact`, only the spellings as asked are searched for: none here.
  std::ofstream(dir / "logs/app.log") << "login Jane@Example.COM\n";
  std::string exact = testing::read_file(dir / "datamap.yaml");
  exact.replace(exact.find("path: logs}"), 11, "path: logs, match: exact}");
  std::ofstream(dir / "datamap.yaml") << exact;
  auto exact_map = load_data_map(dir / "datamap.yaml");
  ASSERT_TRUE(exact_map) << exact_map.error().message;
  auto none = plan_erasure(*exact_map, ids, {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->steps.empty());
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

// Wraps a store's connector and counts how often its changes are applied.
class CountingConnector final : public Connector {
 public:
  CountingConnector(std::unique_ptr<Connector> inner, int& applies) : m_inner(std::move(inner)), m_applies(applies) {}
  Status find(const Collection& c, const std::string& field, const std::vector<std::string>& values,
              const RecordVisitor& visit) override {
    return m_inner->find(c, field, values, visit);
  }
  Status scan(const Collection& c, const RecordVisitor& visit) override { return m_inner->scan(c, visit); }
  Result<ApplyCounts> apply(const std::vector<CollectionChanges>& changes) override {
    ++m_applies;
    return m_inner->apply(changes);
  }

 private:
  std::unique_ptr<Connector> m_inner;
  int& m_applies;
};

// A shop database and a web log holding four customers; three of them ask for erasure.
class BatchedErasure : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* db = nullptr;
    sqlite3_open((dir / "shop.db").c_str(), &db);
    std::string sql = "CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, name TEXT);"
                      "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL);";
    for (int i = 1; i <= 4; ++i) {
      sql += "INSERT INTO customer VALUES (" + std::to_string(i) + ", '" + email(i) + "', 'Name " + std::to_string(i) +
             "');INSERT INTO orders VALUES (" + std::to_string(10 + i) + ", " + std::to_string(i) + ", 9.5);";
    }
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::filesystem::create_directories(dir / "logs");
    std::ofstream log(dir / "logs/app.log");
    for (int line = 0; line < 40; ++line) log << "GET /cart user=" << email(1 + line % 4) << " status=200\n";
    log.close();
    std::ofstream(dir / "datamap.yaml") << R"(systems:
  - name: shop
    store: {type: sqlite, path: shop.db}
    collections:
      - name: customer
        erasure: {strategy: delete}
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id]}
          - {name: email, categories: [user.contact.email], identity: email}
          - {name: name, categories: [user.name]}
      - name: orders
        erasure: {strategy: delete}
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - {name: customer_id, categories: [user.unique_id], references: [{field: customer.id, direction: from}]}
  - name: web
    store: {type: textlog, path: logs}
    collections:
      - name: access
        source: "*.log"
        erasure: {strategy: delete}
        fields:
          - {name: line, identity: email, categories: [user.contact.email]}
)";
    auto loaded = load_data_map(dir / "datamap.yaml");
    ASSERT_TRUE(loaded) << loaded.error().message;
    map = std::move(*loaded);
  }
  static std::string email(int i) { return "customer" + std::to_string(i) + "@example.com"; }
  std::vector<std::vector<SubjectIdentifier>> people() const {
    return {{{"email", email(1)}}, {{"email", email(2)}}, {{"email", email(3)}}};
  }
  WritableOpener counting(int& applies) {
    return [&applies](const StoreSpec& store, std::string_view tenant) -> Result<std::unique_ptr<Connector>> {
      auto c = open_for_writing(store, tenant);
      if (!c) return propagate(c.error());
      return std::unique_ptr<Connector>(std::make_unique<CountingConnector>(std::move(*c), applies));
    };
  }

  testing::TempDir dir;
  DataMap map;
};

TEST_F(BatchedErasure, EachPersonGetsThePlanTheyWouldGetAlone) {
  Instant now = testing::at("2026-03-02T09:00:00Z");
  auto together = plan_erasures(map, people(), {}, keys(), now);
  ASSERT_TRUE(together) << together.error().message;
  ASSERT_EQ(together->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    auto alone = plan_erasure(map, people()[i], {}, keys(), now);
    ASSERT_TRUE(alone);
    EXPECT_EQ(plan_to_json((*together)[i]), plan_to_json(*alone)) << "person " << i;
  }
}

TEST_F(BatchedErasure, EachStoreIsChangedOnceForEveryoneAndEachProofIsClean) {
  auto plans = plan_erasures(map, people(), {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(plans);
  std::map<std::string, std::vector<ErasureStep*>> by_store;
  for (auto& plan : *plans)
    for (auto& step : plan.steps) by_store[step.system].push_back(&step);
  ASSERT_EQ(by_store.size(), 2u);
  for (auto& [system, steps] : by_store) {
    int applies = 0;
    ASSERT_EQ(steps.size(), 3u) << system;
    ASSERT_TRUE(execute_steps_together(map, steps, counting(applies)));
    EXPECT_EQ(applies, 1) << system << ": one transaction, one rewrite of the log, for all three";
    for (const ErasureStep* step : steps) {
      EXPECT_TRUE(step->done);
      EXPECT_EQ(step->applied.rows_deleted, step->rows_to_delete());
    }
  }
  // The fourth customer is untouched everywhere.
  std::string log = testing::read_file(dir / "logs/app.log");
  EXPECT_EQ(log.find(email(1)), std::string::npos);
  EXPECT_EQ(log.find(email(3)), std::string::npos);
  EXPECT_NE(log.find(email(4)), std::string::npos);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 10);

  std::vector<const ErasurePlan*> proven{&(*plans)[0], &(*plans)[1], &(*plans)[2]};
  auto proofs = prove_erasures(map, proven, people(), {});
  ASSERT_TRUE(proofs) << proofs.error().message;
  ASSERT_EQ(proofs->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE((*proofs)[i].clean()) << "person " << i;
    EXPECT_EQ((*proofs)[i].verified_rows, prove_erasure(map, (*plans)[i], people()[i], {})->verified_rows);
  }
}

TEST_F(BatchedErasure, AProofOfSeveralStillBlamesThePersonWhoseDataIsLeft) {
  auto plans = plan_erasures(map, people(), {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(plans);
  // Only the first two people's steps run; the third's data stays.
  std::map<std::string, std::vector<ErasureStep*>> by_store;
  for (std::size_t i = 0; i < 2; ++i)
    for (auto& step : (*plans)[i].steps) by_store[step.system].push_back(&step);
  for (auto& [system, steps] : by_store) ASSERT_TRUE(execute_steps_together(map, steps));
  auto proofs = prove_erasures(map, {&(*plans)[0], &(*plans)[1], &(*plans)[2]}, people(), {});
  ASSERT_TRUE(proofs);
  EXPECT_TRUE((*proofs)[0].clean());
  EXPECT_TRUE((*proofs)[1].clean());
  EXPECT_FALSE((*proofs)[2].clean());
  EXPECT_GE((*proofs)[2].remaining, 12u);  // 10 log lines, the customer and the order
}

TEST_F(BatchedErasure, StepsOfDifferentStoresAreNotMixed) {
  auto plans = plan_erasures(map, people(), {}, keys(), testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(plans);
  std::vector<ErasureStep*> mixed{&(*plans)[0].steps[0], &(*plans)[1].steps[1]};
  ASSERT_NE(mixed[0]->system, mixed[1]->system);
  auto refused = execute_steps_together(map, mixed);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::internal);
  EXPECT_FALSE(mixed[0]->done);
}

}  // namespace
}  // namespace maestro
