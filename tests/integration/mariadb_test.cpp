// Against a real MariaDB server that tests/servers/mariadb starts (a CTest fixture).
#include <gtest/gtest.h>
#include <mysql.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "crypto/keyring.hpp"
#include "fulfil/erasure.hpp"
#include "locate/locate.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

long long my_count(const std::string& port, const std::string& sql) {
  MYSQL* c = mysql_init(nullptr);
  long long n = -1;
  if (mysql_real_connect(c, "127.0.0.1", "root", "", "Chinook", static_cast<unsigned>(std::stoul(port)), nullptr, 0) &&
      mysql_query(c, sql.c_str()) == 0) {
    MYSQL_RES* r = mysql_store_result(c);
    if (MYSQL_ROW row = mysql_fetch_row(r)) n = std::atoll(row[0]);
    mysql_free_result(r);
  }
  mysql_close(c);
  return n;
}

// The emails of every Chinook customer, read with the client library.
std::vector<std::string> customer_emails(const std::string& port) {
  MYSQL* c = mysql_init(nullptr);
  std::vector<std::string> out;
  if (mysql_real_connect(c, "127.0.0.1", "root", "", "Chinook", static_cast<unsigned>(std::stoul(port)), nullptr, 0) &&
      mysql_query(c, "SELECT Email FROM Customer ORDER BY CustomerId") == 0) {
    MYSQL_RES* r = mysql_store_result(c);
    while (MYSQL_ROW row = mysql_fetch_row(r)) out.emplace_back(row[0]);
    mysql_free_result(r);
  }
  mysql_close(c);
  return out;
}

class MariadbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto datasets = testing::datasets_dir();
    auto found = testing::fixture_port("mariadb");
    if (!datasets || !found) {
      if (testing::datasets_required()) FAIL() << "the MariaDB fixture or ../shared/datasets is missing";
      GTEST_SKIP() << "no MariaDB fixture or shared data sets: skipping";
    }
    m_datasets = *datasets;
    port = *found;
  }

  // The SQLite fixture's map, pointed at the MariaDB edition of Chinook (same names).
  DataMap load(const std::string& store) {
    std::string text = testing::read_file(testing::fixture("chinook.datamap.yaml"));
    text = std::regex_replace(text, std::regex("store: \\{type: sqlite, path: chinook.db\\}"), store);
    std::ofstream(dir / "datamap.yaml") << text;
    auto map = load_data_map(dir / "datamap.yaml");
    EXPECT_TRUE(map) << map.error().message;
    return map ? std::move(*map) : DataMap{};
  }
  DataMap mariadb_map() {
    return load("store: {type: mysql, host: 127.0.0.1, port: \"" + port + "\", database: Chinook, user: root}");
  }

  Result<LocateResult> find(const DataMap& map, const std::string& subject,
                            std::map<std::string, std::multiset<std::string>>* out = nullptr) {
    return locate(map, {*parse_identifier(subject)}, {}, [&](const FoundRecord& f) -> Status {
      if (!out) return {};
      std::string row;
      for (const auto& [name, value] : f.record.columns) {
        if (name == "InvoiceDate") continue;  // the engines print dates differently
        std::string text = value_text(value);
        if (std::holds_alternative<double>(value)) {
          char b[32];
          std::snprintf(b, sizeof b, "%.2f", std::get<double>(value));
          text = b;
        }
        row += name + "=" + text + ";";
      }
      (*out)[f.collection.name].insert(row);
      return Status{};
    });
  }

  testing::TempDir dir;
  std::string port;
  fs::path m_datasets;
};

TEST_F(MariadbTest, ChinookCustomerInvoicesAndLinesMatchAnIndependentCount) {
  DataMap map = mariadb_map();
  auto r = find(map, "email:luisg@embraer.com.br");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->failures.empty()) << r->failures[0].message;
  EXPECT_EQ(r->records_by_collection["chinook.customer"], 1u);
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice"]),
            my_count(port, "SELECT count(*) FROM Invoice WHERE CustomerId = 1"));
  EXPECT_EQ(static_cast<long long>(r->records_by_collection["chinook.invoice_line"]),
            my_count(port, "SELECT count(*) FROM InvoiceLine JOIN Invoice USING (InvoiceId) WHERE CustomerId = 1"));
}

TEST_F(MariadbTest, MariadbAndSqliteGiveTheSameRecords) {
  std::map<std::string, std::multiset<std::string>> from_mariadb, from_sqlite;
  DataMap my = mariadb_map();
  ASSERT_TRUE(find(my, "email:luisg@embraer.com.br", &from_mariadb));
  fs::copy_file(m_datasets / "chinook/Chinook_Sqlite.sqlite", dir / "chinook.db");
  DataMap sqlite = load("store: {type: sqlite, path: chinook.db}");
  ASSERT_TRUE(find(sqlite, "email:luisg@embraer.com.br", &from_sqlite));
  ASSERT_EQ(from_mariadb.size(), 3u);
  EXPECT_EQ(from_mariadb, from_sqlite);
}

TEST_F(MariadbTest, IdentifiersWithSqlMetacharactersAreOnlyData) {
  DataMap map = mariadb_map();
  auto r = find(map, "customer_id:1') OR ('1'='1");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->total(), 0u);
  EXPECT_EQ(my_count(port, "SELECT count(*) FROM Customer"), 59);
}

TEST_F(MariadbTest, AServerThatIsDownIsReportedNotFatal) {
  DataMap map = load("store: {type: mysql, host: 127.0.0.1, port: \"1\", database: Chinook, user: root}");
  auto r = find(map, "email:luisg@embraer.com.br");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->failures.size(), 1u);
  EXPECT_NE(r->failures[0].message.find("cannot connect to mysql 127.0.0.1:1/Chinook"), std::string::npos);
}

}  // namespace
}  // namespace maestro

namespace maestro {
namespace {

// Every other customer's rows as one number: changes to any of them change it.
long long others_checksum(const std::string& port, int id) {
  std::string c = std::to_string(id);
  auto sum = [&](const std::string& sql) { return my_count(port, sql); };
  return sum("SELECT SUM(CRC32(CONCAT_WS('|', CustomerId, FirstName, LastName, Company, Address, City, State, Country, "
             "PostalCode, Phone, Fax, Email, SupportRepId))) FROM ChinookErase.Customer WHERE CustomerId <> " +
             c) +
         sum("SELECT SUM(CRC32(CONCAT_WS('|', InvoiceId, CustomerId, InvoiceDate, BillingAddress, BillingCity, "
             "BillingCountry, Total))) FROM ChinookErase.Invoice WHERE CustomerId <> " +
             c) +
         sum("SELECT SUM(CRC32(CONCAT_WS('|', InvoiceLineId, InvoiceId, TrackId, UnitPrice, Quantity))) FROM "
             "ChinookErase.InvoiceLine WHERE InvoiceId NOT IN (SELECT InvoiceId FROM ChinookErase.Invoice WHERE "
             "CustomerId = " +
             c + ")");
}

TEST_F(MariadbTest, ErasureDeletesChildrenFirstUnderForeignKeysAndTouchesNobodyElse) {
  std::string text = testing::read_file(testing::fixture("chinook-delete.datamap.yaml"));
  text = std::regex_replace(
      text, std::regex("store: \\{type: sqlite, path: chinook.db\\}"),
      "store: {type: mysql, host: 127.0.0.1, port: \"" + port + "\", database: ChinookErase, user: root}");
  std::ofstream(dir / "erase.yaml") << text;
  auto map = load_data_map(dir / "erase.yaml");
  ASSERT_TRUE(map) << map.error().message;
  SecretKeyRing keys(std::string(32, 'k'));
  std::vector<SubjectIdentifier> ids{*parse_identifier("email:frantisekw@jetbrains.com")};
  long long others = others_checksum(port, 5);
  long long lines = my_count(port, "SELECT count(*) FROM ChinookErase.InvoiceLine");
  long long own_lines = my_count(port,
                                 "SELECT count(*) FROM ChinookErase.InvoiceLine JOIN ChinookErase.Invoice "
                                 "USING (InvoiceId) WHERE CustomerId = 5");
  ASSERT_GT(own_lines, 0);
  auto plan = plan_erasure(*map, ids, {}, keys, testing::at("2026-03-02T09:00:00Z"));
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->steps.size(), 1u);
  // InnoDB enforces the foreign keys: only children-before-parents order succeeds.
  ASSERT_EQ(plan->steps[0].collections.front().collection, "chinook.invoice_line");
  ASSERT_EQ(plan->steps[0].collections.back().collection, "chinook.customer");
  ASSERT_TRUE(execute_step(*map, plan->steps[0]));
  EXPECT_EQ(my_count(port, "SELECT count(*) FROM ChinookErase.Customer WHERE CustomerId = 5"), 0);
  EXPECT_EQ(my_count(port, "SELECT count(*) FROM ChinookErase.Invoice WHERE CustomerId = 5"), 0);
  EXPECT_EQ(my_count(port, "SELECT count(*) FROM ChinookErase.InvoiceLine"), lines - own_lines);
  EXPECT_EQ(others_checksum(port, 5), others);
  auto proof = prove_erasure(*map, *plan, ids, {});
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_TRUE(proof->clean());
  EXPECT_EQ(proof->remaining, 0u);
}

// Issue 14's acceptance: a batch of every Chinook customer gives each their own records
// (MariaDB compares emails without case: the batch tells the people apart the same way).
TEST_F(MariadbTest, ABatchOfEveryCustomerGivesEachTheirOwnRecords) {
  DataMap map = mariadb_map();
  std::vector<std::vector<SubjectIdentifier>> people;
  std::size_t n = 0;
  for (std::string email : customer_emails(port)) {
    if (++n % 4 == 0) std::transform(email.begin(), email.end(), email.begin(), ::toupper);
    people.push_back({{"email", email}});
  }
  ASSERT_EQ(people.size(), 59u);
  auto compared = testing::compare_batch_with_alone(map, people);
  EXPECT_EQ(compared.difference, "");
  EXPECT_EQ(compared.batch_queries, 3u);
  EXPECT_EQ(compared.alone_queries, 59u * 3);
}

}  // namespace
}  // namespace maestro
