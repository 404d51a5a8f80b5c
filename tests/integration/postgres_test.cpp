// Against a real PostgreSQL server that tests/servers/postgres starts (a CTest fixture).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <fstream>
#include <map>
#include <regex>

#include "connectors/connector.hpp"
#include "connectors/postgres_connector.hpp"
#include "crypto/keyring.hpp"
#include "desk/drop_service.hpp"
#include "fulfil/erasure.hpp"
#include "locate/locate.hpp"
#include "store/sqlite_case_store.hpp"
#include "support/postgres_scratch.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

long long pg_count(const std::string& port, const std::string& db, const std::string& sql) {
  std::string value = testing::postgres_sql(port, db, sql);
  return value.empty() ? -1 : std::atoll(value.c_str());
}

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto datasets = testing::datasets_dir();
    auto found = testing::fixture_port("postgres");
    if (!datasets || !found) {
      if (testing::datasets_required()) FAIL() << "the PostgreSQL fixture or ../shared/datasets is missing";
      GTEST_SKIP() << "no PostgreSQL fixture or shared data sets: skipping";
    }
    m_datasets = *datasets;
    port = *found;
  }

  DataMap load(const std::string& fixture_text) {
    std::string text = std::regex_replace(fixture_text, std::regex("\\$\\{PORT\\}"), port);
    std::ofstream(dir / "datamap.yaml") << text;
    auto taxonomy = Taxonomy::load(m_datasets / "fides/fideslang_data_categories.yml");
    auto map = load_data_map(dir / "datamap.yaml", &*taxonomy);
    EXPECT_TRUE(map) << map.error().message;
    return map ? std::move(*map) : DataMap{};
  }

  // Every record found, keyed by collection, as comparable text.
  using Found = std::map<std::string, std::multiset<std::string>>;
  Result<LocateResult> find(const DataMap& map, const std::string& subject, Found* out = nullptr) {
    return locate(map, {*parse_identifier(subject)}, {}, [&](const FoundRecord& f) -> Status {
      if (out) (*out)[f.collection.name].insert(normalised(f.record));
      return Status{};
    });
  }

  // Column names without case or underscores, numbers in one form: so that Chinook's SQLite
  // (CustomerId) and PostgreSQL (customer_id) editions compare equal.
  static std::string normalised(const Record& r) {
    std::map<std::string, std::string> cells;
    for (const auto& [name, value] : r.columns) {
      std::string key;
      for (char c : name) {
        if (c != '_') key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      std::string text = value_text(value);
      if (std::holds_alternative<double>(value)) {
        char b[32];
        std::snprintf(b, sizeof b, "%.2f", std::get<double>(value));
        text = b;
      }
      cells[key] = text;
    }
    std::string out;
    for (const auto& [k, v] : cells) out += k + "=" + v + ";";
    return out;
  }

  testing::TempDir dir;
  std::string port;
  fs::path m_datasets;
};

TEST_F(PostgresTest, ChinookCustomerInvoicesAndLinesMatchAnIndependentCount) {
  DataMap map = load(testing::read_file(testing::fixture("chinook-postgres.datamap.yaml")));
  auto r = find(map, "email:luisg@embraer.com.br");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->failures.empty()) << r->failures[0].message;
  EXPECT_EQ(r->records_by_collection["chinook.customer"], 1u);
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice"]),
            pg_count(port, "chinook", "SELECT count(*) FROM invoice WHERE customer_id = 1"));
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice_line"]),
            pg_count(port, "chinook",
                     "SELECT count(*) FROM invoice_line JOIN invoice USING (invoice_id) WHERE customer_id = 1"));
}

TEST_F(PostgresTest, SqliteAndPostgresGiveTheSameRecords) {
  DataMap pg = load(testing::read_file(testing::fixture("chinook-postgres.datamap.yaml")));
  Found from_pg, from_sqlite;
  ASSERT_TRUE(find(pg, "email:luisg@embraer.com.br", &from_pg));
  fs::copy_file(m_datasets / "chinook/Chinook_Sqlite.sqlite", dir / "chinook.db");
  DataMap sqlite = load(testing::read_file(testing::fixture("chinook.datamap.yaml")));
  ASSERT_TRUE(find(sqlite, "email:luisg@embraer.com.br", &from_sqlite));
  ASSERT_EQ(from_pg.size(), 3u);
  // Dates print differently in the two engines; compare everything else.
  for (auto* found : {&from_pg, &from_sqlite}) {
    for (auto& [name, rows] : *found) {
      std::multiset<std::string> cleaned;
      for (const auto& row : rows) cleaned.insert(std::regex_replace(row, std::regex("invoicedate=[^;]*;"), ""));
      rows = cleaned;
    }
  }
  EXPECT_EQ(from_pg, from_sqlite);
}

TEST_F(PostgresTest, FidesSampleShopWithFidesOwnDatasetFile) {
  DataMap map = load(
      "systems:\n  - name: fides_shop\n    store: {type: postgres, host: 127.0.0.1, port: \"${PORT}\", "
      "database: fides_shop, user: postgres}\n    fides_dataset: " +
      (m_datasets / "fides/postgres_example_test_dataset.yml").string() + "\n");
  auto r = find(map, "email:customer-1@example.com");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->failures.empty());
  auto count = [&](const char* sql) { return static_cast<std::size_t>(pg_count(port, "fides_shop", sql)); };
  EXPECT_EQ(r->records_by_collection["fides_shop.customer"], 1u);
  EXPECT_EQ(r->records_by_collection["fides_shop.orders"], count("SELECT count(*) FROM orders WHERE customer_id = 1"));
  EXPECT_EQ(r->records_by_collection["fides_shop.login"], count("SELECT count(*) FROM login WHERE customer_id = 1"));
  EXPECT_EQ(r->records_by_collection["fides_shop.order_item"],
            count("SELECT count(*) FROM order_item JOIN orders ON orders.id = order_id WHERE customer_id = 1"));
  EXPECT_EQ(r->records_by_collection["fides_shop.payment_card"],
            count("SELECT count(*) FROM payment_card WHERE customer_id = 1"));
  EXPECT_EQ(r->records_by_collection["fides_shop.visit"],
            count("SELECT count(*) FROM visit WHERE email = 'customer-1@example.com'"));
  EXPECT_EQ(r->records_by_collection["fides_shop.service_request"],
            count("SELECT count(*) FROM service_request WHERE email = 'customer-1@example.com' OR alt_email = "
                  "'customer-1@example.com'"));
  // Every collection that holds anything of customer 1 was reached.
  for (const char* c : {"address", "customer", "login", "order_item", "orders", "payment_card", "product",
                        "service_request", "visit"}) {
    EXPECT_GT(r->records_by_collection[std::string("fides_shop.") + c], 0u) << c;
  }
}

TEST_F(PostgresTest, IdentifiersWithSqlMetacharactersAreOnlyData) {
  DataMap map = load(testing::read_file(testing::fixture("chinook-postgres.datamap.yaml")));
  auto r = find(map, "customer_id:1'); DROP TABLE customer; --");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->total(), 0u);
  EXPECT_EQ(pg_count(port, "chinook", "SELECT count(*) FROM customer"), 59);
}

TEST_F(PostgresTest, AServerThatIsDownIsReportedNotFatal) {
  std::string text = testing::read_file(testing::fixture("chinook-postgres.datamap.yaml"));
  DataMap map = load(std::regex_replace(text, std::regex("\\$\\{PORT\\}"), "1"));
  auto r = find(map, "email:luisg@embraer.com.br");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->failures.size(), 1u);
  EXPECT_NE(r->failures[0].message.find("cannot connect to postgres 127.0.0.1:1/chinook"), std::string::npos);
}

TEST_F(PostgresTest, ArrayLiteralsEscapeQuotesAndBackslashes) {
  EXPECT_EQ(postgres_array_literal({"a", "b\"c", "d\\e"}), "{\"a\",\"b\\\"c\",\"d\\\\e\"}");
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

// Every row of a table except those the query's WHERE clause leaves out, as one digest.
std::string pg_digest(const std::string& port, const std::string& db, const std::string& table,
                      const std::string& where) {
  return testing::postgres_sql(
      port, db, "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM " + table + " t " + where);
}

Status run_all(const DataMap& map, ErasurePlan& plan) {
  for (auto& step : plan.steps) {
    if (auto ok = execute_step(map, step); !ok) return ok;
  }
  return {};
}

TEST_F(PostgresTest, ChinookErasureAnonymizesTheCustomerKeepsInvoicesAndTouchesNobodyElse) {
  DataMap map = load(testing::read_file(testing::fixture("chinook-postgres-anonymize.datamap.yaml")));
  SecretKeyRing keys(std::string(32, 'k'));
  std::vector<SubjectIdentifier> ids{*parse_identifier("email:luisg@embraer.com.br")};
  auto others = [&] {
    return pg_digest(port, "chinook_erase", "customer", "WHERE customer_id <> 1") +
           pg_digest(port, "chinook_erase", "invoice", "") + pg_digest(port, "chinook_erase", "invoice_line", "");
  };
  std::string before = others();
  auto plan = plan_erasure(map, ids, {}, keys, testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->retained.size(), 2u);
  if (auto ok = run_all(map, *plan); !ok) FAIL() << ok.error().message;
  // Running the same plan again (a re-run after a crash) writes the same values.
  for (auto& step : plan->steps) step.done = false;
  if (auto ok = run_all(map, *plan); !ok) FAIL() << ok.error().message;
  EXPECT_EQ(pg_count(port, "chinook_erase", "SELECT count(*) FROM customer WHERE email = 'luisg@embraer.com.br'"), 0);
  EXPECT_EQ(pg_count(port, "chinook_erase",
                     "SELECT count(*) FROM customer WHERE customer_id = 1 AND first_name = '[erased]' AND phone IS "
                     "NULL AND length(email) = 16 AND postal_code = '122XX-XXX'"),
            1);
  EXPECT_EQ(others(), before);  // invoices (kept by law) and every other customer unchanged
  auto proof = prove_erasure(map, *plan, ids, {});
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_TRUE(proof->clean()) << proof->remaining;
  EXPECT_EQ(proof->retained.size(), 2u);
}

TEST_F(PostgresTest, FidesSampleShopErasureWithFidesOwnDatasetFile) {
  DataMap map = load(
      "systems:\n  - name: fides_shop\n    store: {type: postgres, host: 127.0.0.1, port: \"${PORT}\", "
      "database: fides_shop_erase, user: postgres}\n    fides_dataset: " +
      (m_datasets / "fides/postgres_example_test_dataset.yml").string() + "\n");
  SecretKeyRing keys(std::string(32, 'k'));
  std::vector<SubjectIdentifier> ids{*parse_identifier("email:customer-1@example.com")};
  std::string other_customers = pg_digest(port, "fides_shop_erase", "customer", "WHERE id <> 1") +
                                pg_digest(port, "fides_shop_erase", "orders", "WHERE customer_id <> 1") +
                                pg_digest(port, "fides_shop_erase", "visit", "WHERE email <> 'customer-1@example.com'");
  auto plan = plan_erasure(map, ids, {}, keys, testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(plan->unsearched.empty());
  if (auto ok = run_all(map, *plan); !ok) FAIL() << ok.error().message;
  EXPECT_EQ(pg_count(port, "fides_shop_erase", "SELECT count(*) FROM customer WHERE email = 'customer-1@example.com'"),
            0);
  EXPECT_EQ(pg_count(port, "fides_shop_erase", "SELECT count(*) FROM visit WHERE email = 'customer-1@example.com'"), 0);
  EXPECT_EQ(pg_count(port, "fides_shop_erase", "SELECT count(*) FROM customer WHERE id = 1 AND name IS NULL"), 1);
  // The subject's visits now carry the keyed pseudonym of the email (the default for an identity).
  ErasureStrategy hmac{ErasureAction::hmac, "", "", std::nullopt};
  std::string pseudonym = value_text(*erased_value(hmac, Value(std::string("customer-1@example.com")), keys));
  EXPECT_GT(pg_count(port, "fides_shop_erase", "SELECT count(*) FROM visit WHERE email = '" + pseudonym + "'"), 0);
  EXPECT_EQ(pg_digest(port, "fides_shop_erase", "customer", "WHERE id <> 1") +
                pg_digest(port, "fides_shop_erase", "orders", "WHERE customer_id <> 1") +
                pg_digest(port, "fides_shop_erase", "visit", "WHERE email <> '" + pseudonym + "'"),
            other_customers);
  auto proof = prove_erasure(map, *plan, ids, {});
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_TRUE(proof->clean()) << proof->remaining;
}

// California DROP against Fides' sample shop: a list generated from the documented rules (hashes
// by OpenSSL here) names two of its customers and a stranger; exactly those two are erased in
// every collection that holds their email, and the status file says so.
TEST_F(PostgresTest, FidesShopDropListMatchesExactlyTheListedCustomers) {
  DataMap map = load(
      "systems:\n  - name: fides_shop\n    store: {type: postgres, host: 127.0.0.1, port: \"${PORT}\", "
      "database: fides_shop_drop, user: postgres}\n    fides_dataset: " +
      (m_datasets / "fides/postgres_example_test_dataset.yml").string() + "\n");
  SecretKeyRing keys(std::string(32, 'p'));
  FixedClock clock(testing::at("2026-11-02T09:00:00Z"));
  auto store = open_sqlite_case_store(dir / "maestro.db", keys, true);
  ASSERT_TRUE(store);
  Desk desk(**store, keys, testing::default_policy(), clock, "dpo");
  DropRules rules = *DropRules::load(std::nullopt);
  std::string customer_2 = pg_digest(port, "fides_shop_drop", "customer", "WHERE email = 'customer-2@example.com'");
  testing::write_zip(dir / "download.zip",
                     {{"20261101_B9_Email.csv", "ID,Hash\nF-1," + testing::sha256_base64("customer-1@example.com") +
                                                    "\nF-3," + testing::sha256_base64("jane@example.com") + "\nF-X," +
                                                    testing::sha256_base64("stranger@example.org") + "\n"}});
  ASSERT_TRUE(import_drop_lists(desk, dir / "download.zip", rules));
  auto matched = match_drop_lists(desk, map, rules);
  ASSERT_TRUE(matched) << matched.error().message;
  EXPECT_TRUE(matched->failures.empty());
  EXPECT_TRUE(matched->problems.empty()) << (matched->problems.empty() ? "" : matched->problems.front());
  EXPECT_EQ(matched->items_by_state, (std::map<std::string, std::size_t>{{"erased", 2}, {"unmatched", 1}}));
  for (const char* email : {"customer-1@example.com", "jane@example.com"}) {
    std::string e = email;
    EXPECT_EQ(pg_count(port, "fides_shop_drop", "SELECT count(*) FROM customer WHERE email = '" + e + "'"), 0) << e;
    EXPECT_EQ(pg_count(port, "fides_shop_drop", "SELECT count(*) FROM visit WHERE email = '" + e + "'"), 0) << e;
    EXPECT_EQ(pg_count(port, "fides_shop_drop",
                       "SELECT count(*) FROM service_request WHERE email = '" + e + "' OR alt_email = '" + e + "'"),
              0)
        << e;
  }
  EXPECT_EQ(pg_digest(port, "fides_shop_drop", "customer", "WHERE email = 'customer-2@example.com'"), customer_2);
  auto answered = respond_to_drop(desk, rules, dir / "status");
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(testing::read_file(dir / "status/20261102_B9_Email_Status.csv"),
            "ID,Status\r\nF-1,3\r\nF-3,3\r\nF-X,5\r\n");
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

void pg_exec(const std::string& port, const std::string& db, const std::string& sql) {
  testing::postgres_sql(port, db, sql);  // fails the test when the statement fails
}

// Seed 002: decision logs whose JSONB payload names the customer; the runbook's check after
// deletion is "SELECT COUNT(*) ... WHERE payload->>'customerName' = '...' -- Expected: 0".
TEST_F(PostgresTest, Seed002JsonbPayloadIsFoundAndErasedInPlace) {
  pg_exec(port, "postgres", "DROP DATABASE IF EXISTS hotdash");
  pg_exec(port, "postgres", "CREATE DATABASE hotdash");
  pg_exec(port, "hotdash",
          "CREATE TABLE decision_sync_event_logs (id serial PRIMARY KEY, scope text, actor text, action text, "
          "external_ref text, payload jsonb, created_at timestamptz DEFAULT now());"
          "INSERT INTO decision_sync_event_logs (scope, actor, action, external_ref, payload) VALUES "
          "('ops', 'agent@hotrodan.com', 'chatwoot.approve_send', 'chatwoot:101', "
          "'{\"customerName\": \"Test Customer\", \"channel\": \"email\"}'),"
          "('ops', 'agent@hotrodan.com', 'chatwoot.approve_send', 'chatwoot:102', "
          "'{\"customerName\": \"Test Customer\", \"channel\": \"chat\"}'),"
          "('ops', 'agent@hotrodan.com', 'chatwoot.approve_send', 'chatwoot:103', "
          "'{\"customerName\": \"Other Person\", \"channel\": \"email\"}')");
  DataMap map = load(R"(systems:
  - name: hotdash
    store: {type: postgres, host: 127.0.0.1, port: "${PORT}", database: hotdash, user: postgres}
    collections:
      - name: decisions
        source: decision_sync_event_logs
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - {name: actor, categories: [system.operations]}
          - {name: external_ref, categories: [system.operations]}
          - name: payload
            categories: [system.operations]
            fields:
              - {name: customerName, categories: [user.name], identity: customer_name, erasure: {strategy: redact, text: "[erased]"}}
              - {name: channel, categories: [system.operations]}
)");
  SecretKeyRing keys(std::string(32, 'k'));
  std::vector<SubjectIdentifier> ids{*parse_identifier("customer_name:Test Customer")};
  Found found;
  auto located = find(map, "customer_name:Test Customer", &found);
  ASSERT_TRUE(located) << located.error().message;
  EXPECT_EQ(located->records_by_collection["hotdash.decisions"], 2u);
  std::string other = pg_digest(port, "hotdash", "decision_sync_event_logs", "WHERE id = 3");
  auto plan = plan_erasure(map, ids, {}, keys, testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(plan) << plan.error().message;
  if (auto ok = run_all(map, *plan); !ok) FAIL() << ok.error().message;
  EXPECT_EQ(pg_count(port, "hotdash",
                     "SELECT COUNT(*) FROM decision_sync_event_logs WHERE payload->>'customerName' = 'Test Customer'"),
            0);  // "Expected: 0"
  // The rest of each document stays as it was.
  EXPECT_EQ(pg_count(port, "hotdash",
                     "SELECT COUNT(*) FROM decision_sync_event_logs WHERE payload->>'customerName' = '[erased]' AND "
                     "payload->>'channel' IN ('email', 'chat')"),
            2);
  EXPECT_EQ(pg_digest(port, "hotdash", "decision_sync_event_logs", "WHERE id = 3"), other);
  auto proof = prove_erasure(map, *plan, ids, {});
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_TRUE(proof->clean()) << proof->remaining;
}

// Issue 14's acceptance: a batch of every customer gives each the records of their own search,
// in Chinook and in Fides' shop.
std::vector<std::vector<SubjectIdentifier>> emails_of(const std::string& port, const std::string& db,
                                                      const std::string& sql) {
  std::string conninfo = "host=127.0.0.1 port=" + port + " dbname=" + db + " user=postgres";
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  std::vector<std::vector<SubjectIdentifier>> out;
  for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); ++i)
    out.push_back({{"email", PQgetvalue(r, i, 0)}});
  PQclear(r);
  PQfinish(c);
  return out;
}

TEST_F(PostgresTest, ABatchOfEveryCustomerGivesEachTheirOwnRecords) {
  DataMap chinook = load(testing::read_file(testing::fixture("chinook-postgres.datamap.yaml")));
  auto people = emails_of(port, "chinook", "SELECT email FROM customer ORDER BY customer_id");
  ASSERT_EQ(people.size(), 59u);
  auto compared = testing::compare_batch_with_alone(chinook, people);
  EXPECT_EQ(compared.difference, "");
  EXPECT_EQ(compared.batch_queries, 3u);
  EXPECT_EQ(compared.alone_queries, 59u * 3);
  EXPECT_EQ(static_cast<long long>(compared.records),
            pg_count(port, "chinook",
                     "SELECT (SELECT count(*) FROM customer) + (SELECT count(*) FROM invoice) + "
                     "(SELECT count(*) FROM invoice_line)"));

  DataMap shop = load(
      "systems:\n  - name: fides_shop\n    store: {type: postgres, host: 127.0.0.1, port: \"${PORT}\", "
      "database: fides_shop, user: postgres}\n    fides_dataset: " +
      (m_datasets / "fides/postgres_example_test_dataset.yml").string() + "\n");
  auto customers = emails_of(port, "fides_shop", "SELECT email FROM customer ORDER BY id");
  ASSERT_GE(customers.size(), 2u);
  auto shop_compared = testing::compare_batch_with_alone(shop, customers);
  EXPECT_EQ(shop_compared.difference, "");
  EXPECT_GT(shop_compared.records, 0u);
  EXPECT_LT(shop_compared.batch_queries, shop_compared.alone_queries);
}

}  // namespace
}  // namespace maestro
