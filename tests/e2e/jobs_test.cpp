// End to end: long work queued with 'maestro jobs queue' and run by 'maestro worker', as
// 'maestro serve' will: a Chinook customer's export, its password mailed apart, retries, cancel.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "maestro_runner.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class Jobs : public ::testing::Test {
 protected:
  void chinook(const fs::path& datasets) {
    fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
    fs::copy_file(testing::fixture("chinook.datamap.yaml"), maestro.dir() / "datamap.yaml");
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }
  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err;
    return r;
  }
  void verified_case() {
    ok({"dsar", "intake", "--subject", "email:luisg@embraer.com.br", "--name", "Luís Gonçalves", "--rights", "access",
        "--jurisdiction", "gdpr"});
    ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
    ok({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"});
  }
  json job(int id) { return json::parse(ok({"jobs", "show", std::to_string(id), "--json"}).out); }
  // The letters written to the outbox as .eml files, by name.
  std::vector<std::string> letters() {
    std::vector<fs::path> files;
    if (fs::exists(maestro.home() / "outbox"))
      for (const auto& e : fs::directory_iterator(maestro.home() / "outbox")) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(testing::read_file(f));
    return out;
  }
  Maestro maestro;
};

TEST_F(Jobs, AQueuedExportRunsInTheWorkerAndMailsThePasswordApart) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  verified_case();
  json queued = json::parse(
      ok({"jobs", "queue", "export", "--case", "DSAR-2026-001", "--out", "exports/DSAR-2026-001/", "--json"}).out);
  EXPECT_EQ(queued["state"], "queued");
  EXPECT_EQ(queued["case"], "DSAR-2026-001");
  EXPECT_NE(ok({"jobs", "list"}).out.find("#1  export  DSAR-2026-001  queued"), std::string::npos);

  RunResult worker = ok({"worker", "--once"});
  EXPECT_NE(worker.out.find("1 job(s) run: 1 succeeded"), std::string::npos) << worker.out;
  json done = job(1);
  EXPECT_EQ(done["state"], "succeeded");
  EXPECT_EQ(done["attempts"], 1);
  fs::path zip = maestro.dir() / "exports/DSAR-2026-001/DSAR-2026-001_DSAR_PACKAGE.zip";
  EXPECT_EQ(done["result"]["sha256"], sha256_hex(testing::read_file(zip)));
  EXPECT_GT(done["result"]["records"]["chinook.invoice"].get<int>(), 0);
  EXPECT_EQ(done.dump().find("luisg"), std::string::npos);  // no personal data in the job's record

  // Staged for review: the requester hears nothing until the DPO approves.
  EXPECT_TRUE(letters().empty());
  EXPECT_EQ(done["result"]["status"], "staged");
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  ASSERT_EQ(letters().size(), 2u);  // template C and the password (their order: verification_test)

  // Nobody saw a terminal: the password went to the requester in a letter of its own, after the link.
  std::string password;
  for (const auto& letter : letters()) {
    std::smatch m;
    if (letter.find("Password for your data") != std::string::npos &&
        std::regex_search(letter, m, std::regex("\\n\\s+(\\S{16,})\\r?\\n")))
      password = m[1].str();
  }
  ASSERT_FALSE(password.empty());
  std::string open = "7z t -p'" + password + "' " + zip.string() + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(open.c_str()), 0) << "the mailed password opens the package";

  // The case records the delivery; the audit trail tells the job's story without the person.
  json c = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(c["deliveries"][0]["sha256"], done["result"]["sha256"]);
  std::string trail = ok({"audit", "export"}).out;
  EXPECT_NE(trail.find("\"job-queued\""), std::string::npos);
  EXPECT_NE(trail.find("\"job-succeeded\""), std::string::npos);
  EXPECT_EQ(trail.find("luisg"), std::string::npos);
  EXPECT_EQ(trail.find(password), std::string::npos);
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
}

TEST_F(Jobs, AStoreThatIsDownMakesTheJobWaitForARetryNotFail) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  verified_case();
  fs::rename(maestro.dir() / "chinook.db", maestro.dir() / "chinook.away");
  ok({"jobs", "queue", "export", "--case", "DSAR-2026-001", "--out", "exports/DSAR-2026-001/"});
  EXPECT_NE(ok({"worker", "--once"}).out.find("1 to retry"), std::string::npos);
  json waiting = job(1);
  EXPECT_EQ(waiting["state"], "queued");
  EXPECT_TRUE(waiting.contains("retry_at"));
  EXPECT_NE(waiting["error"].get<std::string>().find("could not be searched"), std::string::npos);
  EXPECT_FALSE(fs::exists(maestro.dir() / "exports/DSAR-2026-001/DSAR-2026-001_DSAR_PACKAGE.zip"));
  EXPECT_TRUE(letters().empty());  // no password for a package that was not made

  // The store is back; at the retry time the job completes.
  fs::rename(maestro.dir() / "chinook.away", maestro.dir() / "chinook.db");
  maestro.set_now(waiting["retry_at"].get<std::string>());
  EXPECT_NE(ok({"worker", "--once"}).out.find("1 succeeded"), std::string::npos);
  EXPECT_EQ(job(1)["state"], "succeeded");
  EXPECT_EQ(job(1)["attempts"], 2);
}

TEST_F(Jobs, BadJobsAreRefusedAndAQueuedJobCanBeCancelled) {
  ok({"dsar", "intake", "--subject", "jane@example.com", "--name", "Jane", "--rights", "access", "--jurisdiction",
      "gdpr"});
  EXPECT_EQ(maestro.run({"jobs", "queue", "mine"}).exit_code, 2);
  EXPECT_EQ(maestro.run({"jobs", "queue", "export", "--case", "DSAR-2026-001"}).exit_code, 2);  // no --out
  EXPECT_EQ(maestro.run({"jobs", "queue", "erase"}).exit_code, 2);                              // no --case
  EXPECT_EQ(maestro.run({"jobs", "queue", "erase", "--case", "DSAR-2026-404"}).exit_code, 3);
  EXPECT_EQ(maestro.run({"jobs", "queue", "locate"}).exit_code, 2);                              // no --case
  EXPECT_EQ(maestro.run({"jobs", "queue", "rectify", "--case", "DSAR-2026-001"}).exit_code, 2);  // no --set
  EXPECT_EQ(maestro.run({"jobs", "queue", "rectify", "--case", "DSAR-2026-001", "--set", "phone"}).exit_code, 2);
  EXPECT_EQ(maestro.run({"jobs", "queue", "locate", "--case", "DSAR-2026-001", "--lift"}).exit_code, 2);
  EXPECT_NE(ok({"jobs", "list"}).out.find("(no jobs)"), std::string::npos);

  ok({"jobs", "queue", "send-letters", "--idempotency-key", "nightly-1"});
  ok({"jobs", "queue", "send-letters", "--idempotency-key", "nightly-1"});  // the same job again
  EXPECT_NE(ok({"jobs", "cancel", "1"}).out.find("cancelled"), std::string::npos);
  EXPECT_EQ(maestro.run({"jobs", "cancel", "1"}).exit_code, 4);
  EXPECT_EQ(maestro.run({"jobs", "show", "2"}).exit_code, 3);
  EXPECT_NE(ok({"worker", "--once"}).out.find("0 job(s) run"), std::string::npos);
}

TEST_F(Jobs, ALocateJobCountsThePersonsRecordsAndShowsNoValue) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  verified_case();
  ok({"dsar", "start", "DSAR-2026-001"});
  ok({"jobs", "queue", "locate", "--case", "DSAR-2026-001"});
  EXPECT_NE(ok({"worker", "--once"}).out.find("1 job(s) run"), std::string::npos);
  json done = job(1);
  ASSERT_EQ(done["state"], "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["records"]["chinook.customer"], 1);
  EXPECT_EQ(done["result"]["not_searched"], json::array());
  EXPECT_EQ(done.dump().find("luisg"), std::string::npos);
  EXPECT_NE(ok({"audit", "show", "--json"}).out.find("\"locate\""), std::string::npos);
}

TEST_F(Jobs, TheSweepRunsAsAJob) {
  ok({"jobs", "queue", "sweep"});
  ok({"worker", "--once"});
  json done = job(1);
  EXPECT_EQ(done["state"], "succeeded");
  EXPECT_EQ(done["result"]["cases_acted_on"], 0);
}

// export-batch as a job: every waiting case's package from one search, each password mailed to
// its own requester; a second run finds nothing waiting.
TEST_F(Jobs, AnExportBatchJobDeliversEveryWaitingCaseAndMailsEachPassword) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  verified_case();
  ok({"dsar", "intake", "--subject", "email:hholy@gmail.com", "--rights", "access", "--jurisdiction", "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-002", "--no-letter"});
  ok({"dsar", "verify", "DSAR-2026-002", "--method", "knowledge"});
  EXPECT_EQ(maestro.run({"jobs", "queue", "export-batch"}).exit_code, 2);  // --out is needed
  ok({"jobs", "queue", "export-batch", "--out", "exports/batch/"});
  RunResult worker = ok({"worker", "--once"});
  EXPECT_NE(worker.out.find("1 succeeded"), std::string::npos) << worker.out;
  json done = job(1);
  EXPECT_EQ(done["result"]["staged"], 2);
  EXPECT_EQ(done["result"]["queries"], 3);
  EXPECT_TRUE(letters().empty());  // staged for review: nothing before approval
  for (std::string number : {"DSAR-2026-001", "DSAR-2026-002"}) ok({"dsar", "fulfil", number});
  std::size_t passwords = 0;
  for (const auto& letter : letters()) passwords += letter.find("Password for your data") != std::string::npos;
  EXPECT_EQ(passwords, 2u);
  for (std::string number : {"DSAR-2026-001", "DSAR-2026-002"}) {
    EXPECT_TRUE(fs::exists(maestro.dir() / "exports/batch" / (number + "_DSAR_PACKAGE.zip"))) << number;
    EXPECT_EQ(json::parse(ok({"dsar", "show", number, "--json"}).out)["deliveries"].size(), 1u);
  }
  ok({"jobs", "queue", "export-batch", "--out", "exports/batch/"});
  ok({"worker", "--once"});
  EXPECT_EQ(job(2)["result"]["staged"], 0);
}

// A worker that dies after recording an erasure's proof, before it finishes the job: the job is
// claimed again, and is done without erasing and proving a second time.
TEST_F(Jobs, AnErasureProvenBeforeItsWorkerDiedIsNotProvenTwice) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  fs::copy_file(testing::fixture("chinook-delete.datamap.yaml"), maestro.dir() / "datamap.yaml",
                fs::copy_options::overwrite_existing);
  ok({"dsar", "intake", "--subject", "email:luisg@embraer.com.br", "--rights", "erasure", "--jurisdiction", "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "document"});
  ok({"jobs", "queue", "erase", "--case", "DSAR-2026-001"});
  ok({"worker", "--once"});
  ASSERT_EQ(job(1)["state"], "succeeded");
  // As if the worker had died just after the proof: the job is running still, its lease gone.
  exec_sql(maestro.home() / "maestro.db",
           "UPDATE jobs SET state = 'running', lease_owner = 'dead-host:1/1', "
           "lease_expires_at = '2000-01-01T00:00:00Z', finished_at = NULL, result = '' WHERE id = 1");
  ok({"worker", "--once"});
  json again = job(1);
  EXPECT_EQ(again["state"], "succeeded");
  EXPECT_EQ(again["attempts"], 2);
  EXPECT_EQ(again["result"]["already_proven"], true) << again.dump();
  EXPECT_EQ(again["result"]["clean"], true);
  int proofs = 0;
  std::istringstream trail(ok({"audit", "show", "--case", "DSAR-2026-001", "--json"}).out);
  for (std::string line; std::getline(trail, line);)
    if (!line.empty() && json::parse(line)["action"] == "erasure-proof") ++proofs;
  EXPECT_EQ(proofs, 1);
}


// `workers: external`: the commands that do long work queue it for the workers instead.
TEST_F(Jobs, WithExternalWorkersTheCommandsQueueTheirWorkAndTheWorkersDoIt) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  fs::copy_file(testing::fixture("chinook-delete.datamap.yaml"), maestro.dir() / "datamap.yaml",
                fs::copy_options::overwrite_existing);
  std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\nworkers: external\n";
  const std::vector<std::string> emails{"luisg@embraer.com.br", "leonekohler@surfeu.de", "ftremblay@gmail.com"};
  for (std::size_t i = 0; i < emails.size(); ++i) {
    std::string number = "DSAR-2026-00" + std::to_string(i + 1);
    ok({"dsar", "intake", "--subject", "email:" + emails[i], "--rights", "erasure", "--jurisdiction", "gdpr"});
    ok({"dsar", "ack", number, "--no-letter"});
    ok({"dsar", "verify", number, "--method", "knowledge"});
    ok({"dsar", "verify", number, "--method", "document"});
  }
  long long customers = count_rows(maestro.dir() / "chinook.db", "SELECT count(*) FROM Customer");
  // One erasure by the runbook's command, then the others together: both only queued.
  RunResult one = ok({"dsar", "delete", "--subject", "email:" + emails[0]});
  EXPECT_NE(one.out.find("Queued job #1  erase  DSAR-2026-001  queued"), std::string::npos) << one.out;
  RunResult rest = ok({"dsar", "delete-batch", "--json"});
  EXPECT_EQ(json::parse(rest.out)["kind"], "erase-batch") << rest.out;
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", "SELECT count(*) FROM Customer"), customers);
  // A preview still answers at once: it changes nothing.
  EXPECT_NE(ok({"dsar", "delete", "--case", "DSAR-2026-002", "--preview"}).out.find("chinook.customer"),
            std::string::npos);
  RunResult worker = ok({"worker", "--once"});
  EXPECT_NE(worker.out.find("2 succeeded"), std::string::npos) << worker.out;
  EXPECT_EQ(job(2)["result"]["erased"], 2) << job(2).dump();
  EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", "SELECT count(*) FROM Customer"), customers - 3);
  for (const char* number : {"DSAR-2026-001", "DSAR-2026-002", "DSAR-2026-003"}) {
    json c = json::parse(ok({"dsar", "show", number, "--json"}).out);
    ASSERT_FALSE(c["outcomes"].empty()) << c.dump();
    EXPECT_EQ(c["outcomes"].back()["work"], "erasure");
    EXPECT_EQ(c["outcomes"].back()["result"], "clean");
  }
  ok({"audit", "verify"});
}

}  // namespace
}  // namespace maestro::e2e
