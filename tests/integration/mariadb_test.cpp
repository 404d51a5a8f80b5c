// Against a real MariaDB server that tests/servers/mariadb starts (a CTest fixture).
#include <gtest/gtest.h>
#include <mysql.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "locate/locate.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> mariadb_port() {
  const char* servers = std::getenv("MAESTRO_TEST_SERVERS");
  std::ifstream in(servers ? std::string(servers) + "/mariadb.state" : std::string());
  std::string port;
  if (!(in >> port)) return std::nullopt;
  return port;
}

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

class MariadbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto datasets = testing::datasets_dir();
    auto found = mariadb_port();
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
