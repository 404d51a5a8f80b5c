// End to end: one installation on a PostgreSQL case store (the real server tests/servers/postgres
// starts), worked by two `maestro worker` processes at once, as two machines would. Exports and
// erasures over Chinook and a generated access log are each done exactly once, with one clean
// proof each, although one worker is killed (SIGKILL) in the middle of its work; the audit trail
// verifies and no case number is skipped or given twice.
//
// MAESTRO_SCALE_OUT_REQUESTS sets how many requests (default 24; bench/scale_out runs 200).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "maestro_runner.hpp"
#include "support/postgres_scratch.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* k_access_log_system = R"(
  - name: weblog
    description: The web shop's access log
    store: {type: textlog, path: logs}
    collections:
      - name: access
        source: "access*.log"
        purpose: Security monitoring
        legal_basis: legitimate interests (Art. 6(1)(f))
        retention: 90 days
        erasure: {strategy: redact, text: "[erased]"}
        fields:
          - {name: line, categories: [user.contact.email], identity: email}
)";

int requests_wanted() {
  const char* n = std::getenv("MAESTRO_SCALE_OUT_REQUESTS");
  // 24 requests; 8 under the sanitizers, where each of the ~5 commands that set one up takes a second.
  int wanted = n ? std::atoi(n) : (testing::k_sample_stride == 1 ? 24 : 8);
  return std::clamp(wanted, 4, 1000);
}

class ScaleOut : public ::testing::Test {
 protected:
  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err;
    return r;
  }
  json jobs() { return json::parse(ok({"jobs", "list", "--json", "--limit", "1000"}).out); }

  // Chinook's customers' email addresses, in customer order.
  static std::vector<std::string> customer_emails(const fs::path& chinook) {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(chinook.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, "SELECT Email FROM Customer ORDER BY CustomerId", -1, &q, nullptr);
    while (sqlite3_step(q) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return out;
  }
  static std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
    return lines;
  }

  Maestro maestro;
};

TEST_F(ScaleOut, TwoWorkersOnOnePostgresStoreDoEveryRequestOnceThoughOneIsKilled) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  auto port = testing::fixture_port("postgres");
  if (!port) {
    if (testing::datasets_required()) FAIL() << "the PostgreSQL fixture is missing";
    GTEST_SKIP() << "no PostgreSQL fixture (run through ctest): skipping";
  }
  testing::ScratchDatabase db(*port);
  maestro.unset_env("MAESTRO_NOW");  // leases run in real time

  const int n = requests_wanted();
  fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
  std::vector<std::string> emails = customer_emails(maestro.dir() / "chinook.db");
  fs::create_directories(maestro.dir() / "logs");
  {
    std::ofstream log(maestro.dir() / "logs/access.log");
    for (std::size_t line = 0; line < 3000; ++line)
      log << "2026-03-01T10:" << (line % 60) << ":00Z GET /orders/" << line << " user=" << emails[line % emails.size()]
          << "\n";
  }
  std::string map = testing::read_file(testing::fixture("chinook-delete.datamap.yaml")) + k_access_log_system;
  std::ofstream(maestro.dir() / "datamap.yaml") << map;
  std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\nstore: " << db.url() << "\n";
  maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());

  // A new installation: the schema and the key, then the requests.
  EXPECT_NE(ok({"store", "migrate"}).out.find("has schema"), std::string::npos);
  std::map<std::string, std::string> right_of;  // case -> access or erasure
  std::map<std::string, std::string> email_of;
  for (int i = 0; i < n; ++i) {
    // Odd requests erase, even ones export; each erasure names a customer nobody exports.
    std::string right = i % 2 ? "erasure" : "access";
    std::string email = emails[static_cast<std::size_t>(i % 59)];
    json made = json::parse(ok({"dsar", "intake", "--subject", "email:" + email, "--rights", right,
                                "--jurisdiction", "gdpr", "--json"})
                                .out);
    std::string number = made["number"];
    ok({"dsar", "ack", number, "--no-letter"});
    ok({"dsar", "verify", number, "--method", "knowledge"});
    if (right == "erasure") ok({"dsar", "verify", number, "--method", "document"});  // erasure: two factors
    if (right == "access")
      ok({"jobs", "queue", "export", "--case", number, "--out", "exports/" + number + "/"});
    else
      ok({"jobs", "queue", "erase", "--case", number});
    right_of[number] = right;
    email_of[number] = email;
  }

  const std::vector<std::string> worker{"worker", "--threads", "1", "--lease", "10"};
  auto first = std::make_unique<BackgroundMaestro>(maestro, worker, "worker-1");
  // Kill the first worker while it holds an erasure: freeze it, look at what the store says it
  // holds (frozen, it cannot change that while we look), and kill it there, else let it go on a
  // moment. The second worker starts only then, so that the first is sure to get erasures.
  const std::string first_pid = ":" + std::to_string(first->pid()) + "/";
  auto held_erasure = [&](const json& list) -> std::int64_t {
    for (const auto& j : list)
      if (j["state"] == "running" && j["kind"] == "erase" && j.value("worker", "").find(first_pid) != std::string::npos)
        return j["id"];
    return 0;
  };
  bool killed = false;
  std::int64_t killed_job = 0;
  for (int i = 0; i < 2000 && !killed; ++i) {
    first->send(SIGSTOP);
    if ((killed_job = held_erasure(jobs())) != 0) {
      // The list names the machine and process that holds each running job.
      EXPECT_NE(ok({"jobs", "list"}).out.find("running on "), std::string::npos);
      EXPECT_NE(ok({"jobs", "list"}).out.find(first_pid), std::string::npos);
      first->kill_now();
      killed = true;
      break;
    }
    first->send(SIGCONT);
    std::this_thread::sleep_for(30ms);
  }
  ASSERT_TRUE(killed) << "the first worker never held an erasure: " << first->err() << jobs().dump();
  BackgroundMaestro second(maestro, worker, "worker-2");

  // The second worker finishes everything, the killed job once its lease has run out.
  json all;
  for (int i = 0; i < 900; ++i) {
    all = jobs();
    bool done = std::all_of(all.begin(), all.end(), [](const json& j) { return j["state"] == "succeeded"; });
    if (done) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(n));
  for (const auto& j : all) {
    EXPECT_EQ(j["state"], "succeeded") << j.dump() << "\n" << second.err();
    // Claimed once, or twice for the job whose worker died (once if its finish was on its way to
    // the server when the worker was frozen: then it was done before the kill).
    if (j["id"] == killed_job)
      EXPECT_LE(j["attempts"].get<int>(), 2) << j.dump();
    else
      EXPECT_EQ(j["attempts"], 1) << j.dump();
  }
  EXPECT_EQ(second.stop(), 0) << second.err();

  // Each erasure has exactly one clean proof, each export one staged package.
  std::map<std::string, int> proofs, packages;
  std::set<std::string> unclean;
  for (const auto& line : split_lines(ok({"audit", "show", "--json"}).out)) {
    json e = json::parse(line);
    if (e["action"] == "erasure-proof") {
      ++proofs[e["case"]];
      if (e["outcome"] != "clean") unclean.insert(e["case"]);
    }
  }
  for (const auto& [number, right] : right_of) {
    if (right == "erasure") {
      EXPECT_EQ(proofs[number], 1) << number;
    } else {
      EXPECT_TRUE(fs::exists(maestro.dir() / "exports" / number / (number + "_DSAR_PACKAGE.zip"))) << number;
    }
  }
  EXPECT_TRUE(unclean.empty()) << *unclean.begin();
  // The erased customers are gone from Chinook and from every line of the log.
  std::string log = testing::read_file(maestro.dir() / "logs/access.log");
  for (const auto& [number, right] : right_of) {
    if (right != "erasure") continue;
    const std::string& email = email_of[number];
    EXPECT_EQ(count_rows(maestro.dir() / "chinook.db", "SELECT count(*) FROM Customer WHERE Email = '" + email + "'"),
              0)
        << email;
    EXPECT_EQ(log.find("user=" + email + "\n"), std::string::npos) << email;
  }

  // One chain, every case number once: DSAR-2026-001 ... with none skipped.
  RunResult verified = ok({"audit", "verify"});
  EXPECT_NE(verified.out.find("audit trail intact"), std::string::npos) << verified.out;
  json cases = json::parse(ok({"dsar", "list", "--json"}).out);
  std::set<std::string> numbers;
  for (const auto& c : cases) numbers.insert(c["number"].get<std::string>());
  ASSERT_EQ(numbers.size(), static_cast<std::size_t>(n));
  char last[32];
  std::snprintf(last, sizeof last, "DSAR-2026-%03d", n);
  EXPECT_EQ(*numbers.rbegin(), last);
}

// An installation moves from its SQLite file to PostgreSQL with `maestro store migrate`, and
// carries on there; bad input and an unmigrated database are refused before anything is written.
TEST_F(ScaleOut, AnInstallationMovesToPostgresAndCarriesOn) {
  auto port = testing::fixture_port("postgres");
  if (!port) {
    if (testing::datasets_required()) FAIL() << "the PostgreSQL fixture is missing";
    GTEST_SKIP() << "no PostgreSQL fixture (run through ctest): skipping";
  }
  testing::ScratchDatabase db(*port);
  ok({"dsar", "intake", "--subject", "email:ann@example.com", "--rights", "access", "--jurisdiction", "gdpr"});
  ok({"dsar", "intake", "--subject", "email:bob@example.com", "--rights", "erasure", "--jurisdiction", "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
  const std::string sqlite = "sqlite:" + (maestro.home() / "maestro.db").string();

  // Refused, and nothing is created on the server.
  EXPECT_EQ(maestro.run({"store", "migrate", "--from", sqlite, "--to", "mysql://root@localhost/maestro"}).exit_code, 2);
  EXPECT_EQ(maestro.run({"store", "migrate", "--from", "sqlite:no-such.db", "--to", db.url()}).exit_code, 3);
  EXPECT_EQ(maestro.run({"store", "migrate", "--from", "sqlite:", "--to", db.url()}).exit_code, 2);
  EXPECT_EQ(db.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
  // A worker pointed at a database nobody migrated says what to run, and writes nothing.
  std::ofstream(maestro.dir() / "pg.yaml") << "store: " << db.url() << "\n";
  maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "pg.yaml").string());
  RunResult unmigrated = maestro.run({"worker", "--once"});
  EXPECT_EQ(unmigrated.exit_code, 4) << unmigrated.err;
  EXPECT_NE(unmigrated.err.find("maestro store migrate"), std::string::npos) << unmigrated.err;
  EXPECT_EQ(db.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");

  RunResult moved = ok({"store", "migrate", "--from", sqlite, "--to", db.url()});
  EXPECT_NE(moved.out.find("audit trail intact: 3 events"), std::string::npos) << moved.out;
  EXPECT_NE(moved.out.find("cases: 2"), std::string::npos) << moved.out;
  // Again: the target holds cases now.
  EXPECT_EQ(maestro.run({"store", "migrate", "--from", sqlite, "--to", db.url()}).exit_code, 4);

  // maestro.yaml names the new store: the same cases, the same trail, and the work goes on.
  EXPECT_NE(ok({"audit", "verify"}).out.find("3 events"), std::string::npos);
  json cases = json::parse(ok({"dsar", "list", "--json"}).out);
  ASSERT_EQ(cases.size(), 2u);
  json made = json::parse(ok({"dsar", "intake", "--subject", "email:cy@example.com", "--rights", "access",
                              "--jurisdiction", "gdpr", "--json"})
                              .out);
  EXPECT_EQ(made["number"], "DSAR-2026-003");
  EXPECT_NE(ok({"audit", "verify"}).out.find("4 events"), std::string::npos);
  // The person's data is sealed there as it was in the file.
  EXPECT_EQ(db.sql("SELECT count(*) FROM cases WHERE record LIKE '%ann@example.com%'"), "0");
}

}  // namespace
}  // namespace maestro::e2e
