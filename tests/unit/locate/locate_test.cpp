// Locate against a copy of the real Chinook database, checked with independent SQL.
#include "locate/locate.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "support/test_support.hpp"

namespace maestro {
namespace {

long long sql_count(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  long long n = -1;
  if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    n = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return n;
}

class ChinookLocate : public ::testing::Test {
 protected:
  // Copies Chinook and the data map into a temporary folder (the data set stays read-only).
  bool prepare(const std::filesystem::path& datasets, const std::string& extra_systems = "") {
    std::filesystem::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", db());
    std::ofstream(dir / "datamap.yaml") << testing::read_file(testing::fixture("chinook.datamap.yaml"))
                                        << extra_systems;
    auto taxonomy = Taxonomy::load(datasets / "fides/fideslang_data_categories.yml");
    EXPECT_TRUE(taxonomy) << taxonomy.error().message;
    auto loaded = load_data_map(dir / "datamap.yaml", &*taxonomy);
    EXPECT_TRUE(loaded) << loaded.error().message;
    if (!loaded) return false;
    map = std::move(*loaded);
    return true;
  }
  std::filesystem::path db() const { return dir / "chinook.db"; }

  Result<LocateResult> run(std::vector<std::string> subjects, LocateScope scope = {}) {
    std::vector<SubjectIdentifier> ids;
    for (const auto& s : subjects) ids.push_back(*parse_identifier(s));
    found.clear();
    return locate(map, ids, scope, [&](const FoundRecord& f) -> Status {
      found.push_back({f.collection.key(), f.tenant, f.record});
      return {};
    });
  }

  struct Found {
    std::string collection;
    std::string tenant;
    Record record;
  };
  testing::TempDir dir;
  DataMap map;
  std::vector<Found> found;
};

TEST_F(ChinookLocate, FindsTheCustomerTheirInvoicesAndInvoiceLinesAndNothingElse) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  auto r = run({"email:luisg@embraer.com.br"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->failures.empty());
  EXPECT_EQ(r->records_by_collection["chinook.customer"], 1u);
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice"]),
            sql_count(db(), "SELECT count(*) FROM Invoice WHERE CustomerId = 1"));
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice_line"]),
            sql_count(db(), "SELECT count(*) FROM InvoiceLine JOIN Invoice USING (InvoiceId) WHERE CustomerId = 1"));
  EXPECT_EQ(r->queries, 3u);  // one batched query per level
  for (const auto& f : found) {
    if (f.collection == "chinook.invoice") {
      EXPECT_EQ(value_text(*f.record.get("CustomerId")), "1");
    }
    if (f.collection == "chinook.customer") {
      EXPECT_EQ(value_text(*f.record.get("Email")), "luisg@embraer.com.br");
    }
  }
}

TEST_F(ChinookLocate, EmailsMatchWhateverCaseTheRequestUsed) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  // Chinook stores emails in lower case; the request's spelling is normalised to match.
  auto r = run({"LuisG@Embraer.com.br"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records_by_collection["chinook.customer"], 1u);
}

TEST_F(ChinookLocate, SeveralIdentifiersOfOnePersonAreNotCountedTwice) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  auto r = run({"email:luisg@embraer.com.br", "customer_id:1"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records_by_collection["chinook.customer"], 1u);
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice"]),
            sql_count(db(), "SELECT count(*) FROM Invoice WHERE CustomerId = 1"));
}

TEST_F(ChinookLocate, SqlMetacharactersInAnIdentifierAreOnlyData) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  auto r = run({"customer_id:1 OR 1=1", "customer_id:1'); DROP TABLE Customer; --"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->total(), 0u);
  EXPECT_EQ(sql_count(db(), "SELECT count(*) FROM Customer"), 59);
}

TEST_F(ChinookLocate, AStoreThatIsDownIsReportedAndOtherResultsAreKept) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets, R"(  - name: crm
    store: {type: sqlite, path: missing-crm.db}
    collections:
      - name: contact
        fields: [{name: email, categories: [user.contact.email], identity: email}]
)"));
  auto r = run({"email:luisg@embraer.com.br"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->failures.size(), 1u);
  EXPECT_EQ(r->failures[0].system, "crm");
  EXPECT_NE(r->failures[0].message.find("missing-crm.db"), std::string::npos);
  EXPECT_EQ(r->records_by_collection["chinook.customer"], 1u);
}

TEST_F(ChinookLocate, EveryTenantIsSearchedUnlessScoped) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  std::filesystem::copy_file(db(), dir / "chinook-eu.db");
  std::filesystem::copy_file(db(), dir / "chinook-us.db");
  System& system = map.systems[0];
  system.store.settings["path"] = (dir / "chinook-{tenant}.db").string();
  system.store.tenants = {"eu", "us"};
  auto all = run({"email:luisg@embraer.com.br"});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->records_by_collection["chinook.customer"], 2u);
  auto eu = run({"email:luisg@embraer.com.br"}, LocateScope{{"eu"}});
  ASSERT_TRUE(eu);
  EXPECT_EQ(eu->records_by_collection["chinook.customer"], 1u);
  for (const auto& f : found) EXPECT_EQ(f.tenant, "eu");
}

// A lookup by several fields together (an API's grouped inputs), through the default that any
// store has: invoices billed to the customer's own country, asked as (customer, country) tuples.
TEST_F(ChinookLocate, FieldsAskedTogetherTakeTheirValuesFromOneRecord) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  // Make one of Luís's invoices billed abroad: it must not be found by (1, "Brazil").
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
  sqlite3_exec(handle, "UPDATE Invoice SET BillingCountry = 'Portugal' WHERE InvoiceId = 98", nullptr, nullptr,
               nullptr);
  sqlite3_close(handle);
  map.references.push_back({{"chinook.customer", "Country"}, {"chinook.invoice", "BillingCountry"}});
  map.collections.at("chinook.invoice").grouped_lookups.push_back({"CustomerId", "BillingCountry"});
  auto r = run({"email:luisg@embraer.com.br"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice"]),
            sql_count(db(), "SELECT count(*) FROM Invoice WHERE CustomerId = 1 AND BillingCountry = 'Brazil'"));
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice"]),
            sql_count(db(), "SELECT count(*) FROM Invoice WHERE CustomerId = 1") - 1);
  for (const auto& f : found) {
    if (f.collection == "chinook.invoice") {
      EXPECT_EQ(value_text(*f.record.get("BillingCountry")), "Brazil");
    }
  }
}

// A lookup that combines values of several references (a Fides read with no grouped inputs:
// Square's orders by location and customer): every combination of one person's values is asked,
// and in a batch never one person's value with another's. Luís (customer 1, Brazil) and Leonie
// (customer 2, Germany) searched together: Luís's invoice billed to Germany is not found by
// (1, Germany), which only mixing the two would ask.
TEST_F(ChinookLocate, CombinedLookupsAskEveryCombinationOfOnePersonsValuesOnly) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &handle), SQLITE_OK);
  sqlite3_exec(handle, "UPDATE Invoice SET BillingCountry = 'Germany' WHERE InvoiceId = 98", nullptr, nullptr, nullptr);
  sqlite3_close(handle);
  map.references.push_back({{"chinook.customer", "Country"}, {"chinook.invoice", "BillingCountry"}});
  map.collections.at("chinook.invoice").combined_lookups.push_back({"CustomerId", "BillingCountry"});
  std::vector<std::vector<SubjectIdentifier>> subjects{{{"email", "luisg@embraer.com.br"}},
                                                       {{"email", "leonekohler@surfeu.de"}}};
  std::map<std::size_t, std::size_t> invoices;
  auto together = locate_batch(map, subjects, {}, [&](std::size_t subject, const FoundRecord& f) {
    if (f.collection.key() == "chinook.invoice") {
      ++invoices[subject];
      EXPECT_EQ(value_text(*f.record.get("BillingCountry")), subject == 0 ? "Brazil" : "Germany");
    }
    return Status{};
  });
  ASSERT_TRUE(together) << together.error().message;
  EXPECT_EQ(static_cast<long long>(invoices[0]),
            sql_count(db(), "SELECT count(*) FROM Invoice WHERE CustomerId = 1 AND BillingCountry = 'Brazil'"));
  EXPECT_EQ(static_cast<long long>(invoices[1]), sql_count(db(), "SELECT count(*) FROM Invoice WHERE CustomerId = 2"));
  EXPECT_GT(invoices[0], 0u);
}

TEST(Locate, NeedsAnIdentifier) {
  DataMap empty;
  EXPECT_EQ(locate(empty, {}, {}, [](const FoundRecord&) { return Status{}; }).error().code,
            ErrorCode::invalid_argument);
}

// What one person's search returned (testing::finding_text of each record).
using Findings = std::multiset<std::string>;

// Each person's share of a batch equals their own search, record for record, with far fewer
// queries: every Chinook customer (some by email in another case, some by phone, one by both,
// two people asking for the same customer) and an unknown person, searched together.
TEST_F(ChinookLocate, ABatchGivesEachPersonWhatTheirOwnSearchGives) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  ASSERT_TRUE(prepare(datasets));
  std::vector<std::vector<SubjectIdentifier>> subjects;
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db().c_str(), &handle, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(handle, "SELECT CustomerId, Email, Phone FROM Customer ORDER BY CustomerId", -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    long long id = sqlite3_column_int64(stmt, 0);
    std::string email = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    if (id % 5 == 0) std::transform(email.begin(), email.end(), email.begin(), ::toupper);
    std::vector<SubjectIdentifier> ids{{"email", email}};
    if (id == 3) ids.push_back({"phone", reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2))});
    subjects.push_back(ids);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  ASSERT_EQ(subjects.size(), 59u);
  subjects.push_back(subjects[0]);                        // the same person asks twice
  subjects.push_back({{"email", "nobody@example.com"}});  // not a customer
  auto compared = testing::compare_batch_with_alone(map, subjects);
  EXPECT_EQ(compared.difference, "");
  EXPECT_GT(compared.records, 59u * 3);
  EXPECT_GT(compared.alone_queries, 20 * compared.batch_queries)
      << compared.alone_queries << " queries alone, " << compared.batch_queries << " together";
  std::vector<std::vector<SubjectIdentifier>> one_batch = {subjects[0], subjects[1]};
  auto together = locate_batch(map, one_batch, {}, [](std::size_t, const FoundRecord&) { return Status{}; });
  ASSERT_TRUE(together);
  ASSERT_EQ(together->stores.size(), 1u);
  EXPECT_EQ(together->stores[0].queries, together->queries);
  EXPECT_GT(together->stores[0].records, 0u);
  EXPECT_EQ(together->stores[0].requests, together->queries);  // short key lists: one statement each
  EXPECT_EQ(together->stores[0].bytes_read, 0u);
}

// Text log lines holding two people's addresses go to both, each with only their own values
// (erasure planning replaces what the person asked for, never another's address).
TEST(LocateBatch, ALogLineWithTwoPeoplesAddressesGoesToEachWithTheirOwnValues) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "logs");
  std::ofstream(dir / "logs" / "auth.log")
      << "login 10.0.0.1\nlogin 10.0.0.2\nsession 10.0.0.1 to 10.0.0.2\nnone 10.0.0.3\n"
      << "mail jane@example.com from 10.0.0.9\n";
  std::ofstream(dir / "datamap.yaml")
      << "systems:\n"
         "  - name: ssh\n"
         "    store: {type: textlog, path: logs}\n"
         "    collections:\n"
         "      - name: auth\n"
         "        source: '*.log'\n"
         "        fields:\n"
         "          - {name: line, categories: [user.device.ip_address], identity: ip}\n"
         "          - {name: mail, categories: [user.contact.email], identity: email}\n";
  auto map = load_data_map(dir / "datamap.yaml", nullptr);
  ASSERT_TRUE(map) << map.error().message;
  std::vector<std::vector<SubjectIdentifier>> subjects = {
      {{"ip", "10.0.0.1"}}, {{"ip", "10.0.0.2"}}, {{"ip", "10.0.0.9"}, {"email", "jane@example.com"}}};
  std::vector<Findings> batch(subjects.size());
  auto together = locate_batch(*map, subjects, {}, [&](std::size_t subject, const FoundRecord& f) {
    batch[subject].insert(testing::finding_text(f));
    return Status{};
  });
  ASSERT_TRUE(together) << together.error().message;
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    Findings alone;
    auto r = locate(*map, subjects[i], {}, [&](const FoundRecord& f) {
      alone.insert(testing::finding_text(f));
      return Status{};
    });
    ASSERT_TRUE(r);
    EXPECT_EQ(batch[i], alone) << "subject " << i;
  }
  EXPECT_EQ(batch[0].size(), 2u);
  EXPECT_EQ(batch[1].size(), 2u);
  EXPECT_EQ(batch[2].size(), 1u);  // found by address and by email: reported once
  for (const auto& f : batch[0]) EXPECT_EQ(f.find("10.0.0.2,"), std::string::npos) << f;
  // --stats: each query read the whole log once; a file store receives no requests.
  ASSERT_EQ(together->stores.size(), 1u);
  const StoreStats& log = together->stores[0];
  EXPECT_EQ(log.bytes_read, log.queries * std::filesystem::file_size(dir / "logs" / "auth.log"));
  EXPECT_GT(log.queries, 0u);
  EXPECT_EQ(log.requests, 0u);
}

TEST(LocateBatch, EverySubjectNeedsAnIdentifier) {
  DataMap empty;
  auto none = [](std::size_t, const FoundRecord&) { return Status{}; };
  EXPECT_EQ(locate_batch(empty, {{{"email", "a@example.com"}}, {}}, {}, none).error().code,
            ErrorCode::invalid_argument);
  EXPECT_TRUE(locate_batch(empty, {}, {}, none));
}

}  // namespace
}  // namespace maestro
