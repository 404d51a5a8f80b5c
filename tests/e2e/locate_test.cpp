// End to end: maestro dsar locate against a copy of Chinook.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "maestro_runner.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;

class LocateCommand : public ::testing::Test {
 protected:
  void copy_chinook(const std::filesystem::path& datasets) {
    std::filesystem::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
    std::filesystem::copy_file(testing::fixture("chinook.datamap.yaml"), maestro.dir() / "datamap.yaml");
  }
  Maestro maestro;
};

TEST_F(LocateCommand, SummarisesACustomersRecordsAndAuditsOnlyCounts) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  copy_chinook(datasets);
  RunResult r = maestro.run({"dsar", "locate", "--subject", "luisg@embraer.com.br", "--map", "datamap.yaml", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["records"]["chinook.customer"], 1);
  EXPECT_EQ(j["records"]["chinook.invoice"],
            count_rows(maestro.dir() / "chinook.db", "SELECT count(*) FROM Invoice WHERE CustomerId = 1"));
  RunResult trail = maestro.run({"audit", "export"});
  EXPECT_NE(trail.out.find("\"action\":\"locate\""), std::string::npos);
  EXPECT_EQ(trail.out.find("luisg"), std::string::npos);
}

TEST_F(LocateCommand, UsesTheCasesIdentifiers) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  copy_chinook(datasets);
  std::ofstream(maestro.home().parent_path() / "maestro.yaml") << "datamap: datamap.yaml\n";
  maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  ASSERT_EQ(
      maestro.run({"dsar", "intake", "--subject", "customer_id:1", "--rights", "access", "--jurisdiction", "gdpr"})
          .exit_code,
      0);
  RunResult r = maestro.run({"dsar", "locate", "--case", "DSAR-2026-001"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("46 record(s) in 3 collection(s), 3 queries, for DSAR-2026-001"), std::string::npos) << r.out;
  RunResult trail = maestro.run({"audit", "show", "--case", "DSAR-2026-001"});
  EXPECT_NE(trail.out.find("locate"), std::string::npos);
}

TEST_F(LocateCommand, AStoreThatIsDownExitsFiveButPrintsTheRest) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  copy_chinook(datasets);
  std::ofstream(maestro.dir() / "datamap.yaml", std::ios::app)
      << "  - name: crm\n    store: {type: sqlite, path: gone.db}\n    collections:\n"
         "      - {name: contact, fields: [{name: email, identity: email}]}\n";
  RunResult r = maestro.run({"dsar", "locate", "--subject", "luisg@embraer.com.br", "--map", "datamap.yaml"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.out.find("NOT SEARCHED: crm"), std::string::npos);
  EXPECT_NE(r.out.find("invoice_line             38"), std::string::npos) << r.out;
}

TEST_F(LocateCommand, BadMapsAndInputsAreClearErrors) {
  std::ofstream(maestro.dir() / "dangling.yaml")
      << "systems:\n  - name: a\n    store: {type: sqlite, path: a.db}\n    collections:\n"
         "      - {name: c, fields: [{name: email, identity: email}, {name: x, references: [{field: nowhere.id}]}]}\n";
  RunResult dangling = maestro.run({"dsar", "locate", "--subject", "a@example.com", "--map", "dangling.yaml"});
  EXPECT_EQ(dangling.exit_code, 2);
  EXPECT_NE(dangling.err.find("dangling.yaml:5: reference to 'nowhere.id'"), std::string::npos) << dangling.err;
  RunResult no_map = maestro.run({"dsar", "locate", "--subject", "a@example.com"});
  EXPECT_EQ(no_map.exit_code, 4);
  EXPECT_NE(no_map.err.find("no data map"), std::string::npos);
  RunResult no_subject = maestro.run({"dsar", "locate", "--map", "dangling.yaml"});
  EXPECT_EQ(no_subject.exit_code, 2);
}

}  // namespace
}  // namespace maestro::e2e
