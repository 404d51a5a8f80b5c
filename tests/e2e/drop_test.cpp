// End to end: a data broker's DROP cycle through the maestro binary on a copy of Chinook.
// The download is generated here from DROP's documented rules (OpenSSL, not Maestro's code).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "maestro_runner.hpp"
#include "support/server_process.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class DropCli : public ::testing::Test {
 protected:
  void setup(const fs::path& datasets) {
    fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", db());
    std::string map = testing::read_file(testing::fixture("chinook-anonymize.datamap.yaml"));
    const std::string phone = "{name: Phone, categories: [user.contact.phone_number]}";
    map.replace(map.find(phone), phone.size(), "{name: Phone, categories: [user.contact.phone_number], identity: phone}");
    std::ofstream(maestro.dir() / "datamap.yaml") << map;
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
    maestro.set_now("2026-11-02T09:00:00Z");
  }
  fs::path db() const { return maestro.dir() / "chinook.db"; }
  json run_json(const std::vector<std::string>& args, int expected_exit = 0) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, expected_exit) << r.err << r.out;
    return json::parse(r.out.empty() ? "{}" : r.out, nullptr, false);
  }
  Maestro maestro;
};

TEST_F(DropCli, ImportMatchAndRespondWriteTheStatusFile) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  // Luís (customer 1) by email, Leonie (customer 2) by phone "+49 0711 2842222", and a stranger.
  std::string lines = "ID,Hash\nW-1," + testing::sha256_base64("luisg@embraer.com.br") + "\nW-2," +
                      testing::sha256_base64("stranger@example.com") + "\n";
  std::string phones = "ID,Hash\nW-3," + testing::sha256_base64("7112842222") + "\n";  // the last ten digits

  // A malformed download first: an error naming the file and row, and nothing stored.
  testing::write_zip(maestro.dir() / "bad.zip", {{"20261101_B77_Email.csv", "ID,Hash\nW-9,tooshort\n"}});
  RunResult bad = maestro.run({"drop", "import", (maestro.dir() / "bad.zip").string()});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("bad.zip: 20261101_B77_Email.csv row 2: the hash is not 44 Base64 characters"),
            std::string::npos)
      << bad.err;
  EXPECT_EQ(run_json({"drop", "status", "--json"})["items"], json::object());

  testing::write_zip(maestro.dir() / "download.zip",
                     {{"20261101_B77_Email.csv", lines}, {"20261101_B77_Phone.csv", phones}});
  json imported = run_json({"drop", "import", (maestro.dir() / "download.zip").string(), "--json"});
  EXPECT_EQ(imported["new_items"], 3);
  json matched = run_json({"drop", "match", "--json"});
  EXPECT_EQ(matched["records_read"], 59) << matched.dump();
  EXPECT_EQ(matched["items"], json({{"erased", 2}, {"unmatched", 1}})) << matched.dump();
  EXPECT_EQ(matched["cases_opened"].size(), 2u);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM Customer WHERE Email = 'luisg@embraer.com.br'"), 0);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM Customer WHERE CustomerId = 2 AND Phone LIKE '+49%'"), 0);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM Invoice WHERE CustomerId IN (1, 2)"), 14);  // kept by tax law

  json answered = run_json({"drop", "respond", "--out", (maestro.dir() / "status").string(), "--json"});
  EXPECT_EQ(answered["codes"], json({{"3", 2}, {"5", 1}}));
  EXPECT_EQ(testing::read_file(maestro.dir() / "status/20261102_B77_Email_Status.csv"), "ID,Status\r\nW-1,3\r\nW-2,5\r\n");
  EXPECT_EQ(testing::read_file(maestro.dir() / "status/20261102_B77_Phone_Status.csv"), "ID,Status\r\nW-3,3\r\n");

  // The cases are on record, verified by the platform, and the trail holds no identifier.
  RunResult list = maestro.run({"dsar", "list", "--json"});
  EXPECT_NE(list.out.find("\"channel\": \"drop\""), std::string::npos) << list.out;
  std::string trail = maestro.run({"audit", "show", "--json"}).out;
  EXPECT_EQ(trail.find("luisg@embraer.com.br"), std::string::npos);
  EXPECT_EQ(trail.find("stranger@example.com"), std::string::npos);
  EXPECT_NE(trail.find("drop-respond"), std::string::npos);
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
}

// The DROP API: a stand-in answering its documented statuses (202 while preparing, 429 with
// Retry-After, the ZIP, "no new data", 401 for a wrong key) and receiving status files.
TEST_F(DropCli, DownloadAndUploadGoThroughTheDropApi) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  fs::path api_dir = maestro.dir() / "api";
  fs::create_directories(api_dir);
  testing::write_zip(api_dir / "download.zip",
                     {{"20261101_B77_Email.csv", "ID,Hash\nW-1," + testing::sha256_base64("luisg@embraer.com.br") + "\n"}});
  testing::ServerProcess api;
  ASSERT_TRUE(api.start({"/usr/bin/python3", (fs::path(MAESTRO_SOURCE_ROOT) / "tests/support/drop_api.py").string(),
                         "{port}", api_dir.string()}));
  std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\ndrop: {api_url: \"" << api.url() << "\"}\n";
  fs::path zip = maestro.dir() / "lists.zip";

  maestro.set_env("DROP_API_KEY", "wrong-key");
  RunResult refused = maestro.run({"drop", "download", "--out", zip.string()});
  EXPECT_EQ(refused.exit_code, 7) << refused.err;
  EXPECT_NE(refused.err.find("refused the API key"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("wrong-key"), std::string::npos);  // the key is never printed

  maestro.set_env("DROP_API_KEY", "test-key");
  RunResult preparing = maestro.run({"drop", "download", "--out", zip.string()});
  EXPECT_EQ(preparing.exit_code, 5) << preparing.err;
  EXPECT_NE(preparing.err.find("preparing"), std::string::npos) << preparing.err;
  EXPECT_FALSE(fs::exists(zip));
  RunResult fetched = maestro.run({"drop", "download", "--out", zip.string(), "--import"});  // after a 429
  ASSERT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_NE(fetched.out.find("1 new work item(s)"), std::string::npos) << fetched.out;
  RunResult nothing = maestro.run({"drop", "download", "--out", (maestro.dir() / "again.zip").string()});
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_NE(nothing.out.find("no new data"), std::string::npos) << nothing.out;

  // Matching as a job, as 'maestro serve' or a worker on another machine runs it.
  ASSERT_EQ(maestro.run({"jobs", "queue", "drop-match"}).exit_code, 0);
  RunResult worker = maestro.run({"worker", "--once"});
  EXPECT_NE(worker.out.find("1 succeeded"), std::string::npos) << worker.out << worker.err;
  ASSERT_EQ(maestro.run({"drop", "respond", "--out", (maestro.dir() / "status").string()}).exit_code, 0);
  fs::path status = maestro.dir() / "status/20261102_B77_Email_Status.csv";
  RunResult sent = maestro.run({"drop", "upload", status.string()});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  std::string received = testing::read_file(api_dir / "upload-1.txt");
  EXPECT_NE(received.find("multipart/form-data"), std::string::npos);
  EXPECT_NE(received.find("20261102_B77_Email_Status.csv"), std::string::npos);
  EXPECT_NE(received.find("W-1,3"), std::string::npos) << received;
  EXPECT_EQ(testing::read_file(api_dir / "hits.txt"),
            "GET /data/download\nGET /data/download\nGET /data/download\nGET /data/download\n"
            "GET /data/download\nPOST /data/upload\n");
  std::string trail = maestro.run({"audit", "show"}).out;
  EXPECT_NE(trail.find("drop-upload"), std::string::npos);
  EXPECT_NE(trail.find("drop-download"), std::string::npos);
}

}  // namespace
}  // namespace maestro::e2e
