// End to end: maestro dsar delete (preview, erasure, proof), legal holds, crash recovery,
// text logs and backup replay, on copies of Chinook, loghub and the generated demo shop.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "demo/demo_shop.hpp"
#include "maestro_runner.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* k_override = "identity checked by phone";

// Every row of Chinook that does not belong to customer `id`, as one digest per table.
std::string others_digest(const fs::path& db, int id) {
  std::string c = std::to_string(id);
  std::string invoices = "SELECT InvoiceId FROM Invoice WHERE CustomerId = " + c;
  return digest_rows(db, "SELECT * FROM Customer WHERE CustomerId <> " + c + " ORDER BY CustomerId") +
         digest_rows(db, "SELECT * FROM Invoice WHERE CustomerId <> " + c + " ORDER BY InvoiceId") +
         digest_rows(db, "SELECT * FROM InvoiceLine WHERE InvoiceId NOT IN (" + invoices + ") ORDER BY InvoiceLineId") +
         digest_rows(db, "SELECT * FROM Employee ORDER BY EmployeeId") +
         digest_rows(db, "SELECT * FROM Track ORDER BY TrackId");
}

class ChinookErasure : public ::testing::Test {
 protected:
  void setup(const fs::path& datasets, const std::string& map) {
    fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", db());
    fs::copy_file(testing::fixture(map), maestro.dir() / "datamap.yaml");
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }
  fs::path db() const { return maestro.dir() / "chinook.db"; }
  long long sql(const std::string& q) { return count_rows(db(), q); }
  RunResult erase(const std::string& subject, bool preview = false) {
    std::vector<std::string> args{"dsar", "delete", "--subject", subject, "--json"};
    if (preview) {
      args.push_back("--preview");
    } else {
      args.push_back("--override-verification");
      args.push_back(k_override);
    }
    return maestro.run(args);
  }
  Maestro maestro;
};

TEST_F(ChinookErasure, PreviewListsEveryChangeAndChangesNothing) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets, "chinook-anonymize.datamap.yaml");
  std::string before = digest_rows(db(), "SELECT * FROM Customer ORDER BY CustomerId") +
                       digest_rows(db(), "SELECT * FROM Invoice ORDER BY InvoiceId");
  RunResult r = erase("email:luisg@embraer.com.br", true);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json out = json::parse(r.out);
  EXPECT_TRUE(out["preview"].get<bool>());
  std::map<std::string, json> by_collection;
  for (const auto& line : out["changes"]) by_collection[line["collection"]] = line;
  EXPECT_NE(by_collection["chinook.customer"]["action"].get<std::string>().find("Email=hmac"), std::string::npos);
  EXPECT_EQ(by_collection["chinook.invoice"]["action"], "retain");
  EXPECT_EQ(by_collection["chinook.invoice"]["records"].get<long long>(),
            sql("SELECT count(*) FROM Invoice WHERE CustomerId = 1"));
  EXPECT_EQ(by_collection["chinook.invoice"]["reason"], "Tax law requires invoices to be kept");
  EXPECT_EQ(by_collection["chinook.invoice"]["erasable_from"], "2033-03-02");  // 7 years from MAESTRO_NOW
  std::string after = digest_rows(db(), "SELECT * FROM Customer ORDER BY CustomerId") +
                      digest_rows(db(), "SELECT * FROM Invoice ORDER BY InvoiceId");
  EXPECT_EQ(before, after);
  EXPECT_EQ(maestro.run({"dsar", "list"}).out.find("DSAR-"), std::string::npos);  // no case was opened
}

TEST_F(ChinookErasure, AnonymizesTheCustomerKeepsInvoicesAndTouchesNobodyElse) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets, "chinook-anonymize.datamap.yaml");
  std::string others = others_digest(db(), 1);
  long long invoices = sql("SELECT count(*) FROM Invoice WHERE CustomerId = 1");
  RunResult r = erase("email:luisg@embraer.com.br");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  json out = json::parse(r.out);
  EXPECT_TRUE(out["proof"]["clean"].get<bool>());
  EXPECT_EQ(out["proof"]["remaining"], 0);
  EXPECT_EQ(sql("SELECT count(*) FROM Customer WHERE Email = 'luisg@embraer.com.br'"), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM Customer WHERE CustomerId = 1 AND FirstName = '[erased]' AND Phone IS NULL "
                "AND length(Email) = 64"),
            1);
  EXPECT_EQ(sql("SELECT count(*) FROM Invoice WHERE CustomerId = 1"), invoices);  // kept by law
  EXPECT_EQ(others_digest(db(), 1), others);
  // The proof, the steps and the outcome are in the audit trail, which stays intact.
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
  std::string trail = maestro.run({"audit", "show", "--json"}).out;
  EXPECT_NE(trail.find("\"anonymize\""), std::string::npos);
  EXPECT_NE(trail.find("\"erasure-proof\""), std::string::npos);
  EXPECT_EQ(trail.find("luisg@embraer.com.br"), std::string::npos);
  EXPECT_EQ(testing::read_file(maestro.home() / "maestro.db").find("luisg@embraer.com.br"), std::string::npos);
}

TEST_F(ChinookErasure, DeletesChildrenBeforeParentsAndOnlyThatCustomer) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets, "chinook-delete.datamap.yaml");
  exec_sql(db(), "PRAGMA foreign_keys = ON");  // harmless; the connector's own connection decides
  std::string others = others_digest(db(), 5);
  long long lines = sql("SELECT count(*) FROM InvoiceLine");
  long long own_lines =
      sql("SELECT count(*) FROM InvoiceLine WHERE InvoiceId IN (SELECT InvoiceId FROM Invoice WHERE CustomerId = 5)");
  RunResult r = erase("email:frantisekw@jetbrains.com");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM Customer WHERE CustomerId = 5"), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM Invoice WHERE CustomerId = 5"), 0);
  EXPECT_EQ(sql("SELECT count(*) FROM InvoiceLine"), lines - own_lines);
  // Other customers' rows, compared after the subject's are gone.
  EXPECT_EQ(others_digest(db(), 5), others);
  EXPECT_TRUE(json::parse(r.out)["proof"]["clean"].get<bool>());
}

TEST_F(ChinookErasure, AHeldSubjectIsRefusedUntilTheHoldIsReleased) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets, "chinook-delete.datamap.yaml");
  RunResult held = maestro.run({"hold", "add", "--subject", "email:luisg@embraer.com.br", "--reason", "litigation",
                                "--details", "Claim 2026/114"});
  ASSERT_EQ(held.exit_code, 0) << held.err;
  std::string before = digest_rows(db(), "SELECT * FROM Customer ORDER BY CustomerId");
  RunResult refused = erase("email:luisg@embraer.com.br");
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_NE(refused.err.find("legal hold #1 (litigation)"), std::string::npos) << refused.err;
  EXPECT_EQ(digest_rows(db(), "SELECT * FROM Customer ORDER BY CustomerId"), before);
  // The preview still shows what is held.
  EXPECT_NE(erase("email:luisg@embraer.com.br", true).out.find("\"litigation\""), std::string::npos);
  EXPECT_NE(maestro.run({"hold", "list"}).out.find("Claim 2026/114"), std::string::npos);
  EXPECT_EQ(maestro.run({"hold", "add", "--subject", "x@example.com", "--reason", "whim"}).exit_code, 2);
  ASSERT_EQ(maestro.run({"hold", "release", "1"}).exit_code, 0);
  EXPECT_EQ(maestro.run({"hold", "release", "1"}).exit_code, 3);
  RunResult done = erase("email:luisg@embraer.com.br");
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(sql("SELECT count(*) FROM Customer WHERE CustomerId = 1"), 0);
  std::string trail = maestro.run({"audit", "show", "--json"}).out;
  EXPECT_NE(trail.find("\"refused\""), std::string::npos);
  EXPECT_EQ(trail.find("Claim 2026/114"), std::string::npos);  // hold details are sealed
}

TEST_F(ChinookErasure, AnUnverifiedOrNonErasureCaseIsRefused) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets, "chinook-delete.datamap.yaml");
  RunResult none = maestro.run({"dsar", "delete", "--subject", "luisg@embraer.com.br"});
  EXPECT_EQ(none.exit_code, 4);
  EXPECT_NE(none.err.find("no verified case"), std::string::npos);
  ASSERT_EQ(
      maestro
          .run({"dsar", "intake", "--subject", "luisg@embraer.com.br", "--rights", "access", "--jurisdiction", "gdpr"})
          .exit_code,
      0);
  ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-001"}).exit_code, 0);
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"}).exit_code, 0);
  RunResult access_only = maestro.run({"dsar", "delete", "--case", "DSAR-2026-001"});
  EXPECT_EQ(access_only.exit_code, 4);
  EXPECT_NE(access_only.err.find("does not request erasure"), std::string::npos);
  EXPECT_EQ(sql("SELECT count(*) FROM Customer WHERE CustomerId = 1"), 1);
  EXPECT_EQ(
      maestro.run({"dsar", "delete", "--subject", "email:'; DROP TABLE Customer;--@x.com", "--preview"}).exit_code, 2);
  EXPECT_EQ(maestro.run({"dsar", "delete", "--subject", "customer_id:1 OR 1=1", "--preview", "--json"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT count(*) FROM Customer"), 59);
}

// The generated demo shop: a SQLite database, a JSON-lines log and a CSV export.
class ShopErasure : public ::testing::Test {
 protected:
  static std::string snapshot(const fs::path& shop) {
    std::string s = digest_rows(shop / "shop.db", "SELECT * FROM customers ORDER BY id") +
                    digest_rows(shop / "shop.db", "SELECT * FROM orders ORDER BY id") +
                    digest_rows(shop / "shop.db", "SELECT * FROM order_items ORDER BY id");
    for (const auto& entry : fs::recursive_directory_iterator(shop)) {
      if (entry.is_regular_file() && entry.path().extension() != ".db" && entry.path().extension() != ".yaml" &&
          entry.path().filename().string().find("shop.db") == std::string::npos) {
        s += entry.path().filename().string() + ":" + sha256_hex(testing::read_file(entry.path()));
      }
    }
    return s;
  }
  static DemoShop make_shop(const fs::path& dir) { return *generate_demo_shop(dir, DemoShopOptions{}); }
};

TEST_F(ShopErasure, AKilledRunIsCompletedByRunningItAgain) {
  // The reference: one uninterrupted run.
  Maestro reference;
  DemoShop shop = make_shop(reference.dir() / "shop");
  std::vector<std::string> args{
      "dsar",    "delete", "--subject", shop.sample_email, "--map", "shop/datamap.yaml", "--override-verification",
      k_override};
  std::string before = snapshot(reference.dir() / "shop");
  ASSERT_EQ(reference.run(args).exit_code, 0);
  std::string expected = snapshot(reference.dir() / "shop");
  ASSERT_NE(expected, before);

  int crashes = 0;
  for (int point = 1; point < 40; point += testing::k_sample_stride) {
    Maestro m;
    make_shop(m.dir() / "shop");
    m.set_env("MAESTRO_CRASH_AT", std::to_string(point));
    RunResult killed = m.run(args);
    if (killed.exit_code == 0) break;  // past the last crash point: the run completed
    ASSERT_EQ(killed.exit_code, 137) << "crash point " << point << ": " << killed.err;
    ++crashes;
    m.unset_env("MAESTRO_CRASH_AT");
    RunResult again = m.run(args);
    ASSERT_EQ(again.exit_code, 0) << "crash point " << point << ": " << again.err << again.out;
    EXPECT_EQ(snapshot(m.dir() / "shop"), expected) << "crash point " << point;
    EXPECT_EQ(m.run({"audit", "verify"}).exit_code, 0) << "crash point " << point;
    EXPECT_NE(again.out.find("records still holding erasable data: 0"), std::string::npos) << again.out;
    for (const auto& entry : fs::recursive_directory_iterator(m.dir() / "shop"))
      EXPECT_EQ(entry.path().string().find(".maestro-tmp"), std::string::npos) << entry.path();
  }
  EXPECT_GE(crashes, 8 / testing::k_sample_stride);  // plan saved, before, during and after every store's step
}

// Issue 27: erasures due together. Customers 2 to 6 ask for erasure; customer 4 is under a
// legal hold.
class BatchedShopErasure : public ShopErasure {
 protected:
  static std::string email(int id) { return "customer" + std::to_string(id) + "@example.com"; }
  static std::vector<std::string> map_args() { return {"--map", "shop/datamap.yaml"}; }
  // The stores after erasing each of `ids` one after another, as `dsar delete` does.
  static std::string one_after_another(const std::vector<int>& ids) {
    Maestro m;
    make_shop(m.dir() / "shop");
    for (int id : ids) {
      EXPECT_EQ(m.run({"dsar", "delete", "--subject", email(id), "--map", "shop/datamap.yaml",
                       "--override-verification", k_override})
                    .exit_code,
                0);
    }
    return snapshot(m.dir() / "shop");
  }
  // Opens a verified erasure case per customer: DSAR-2026-001 for the first, and so on.
  static void open_cases(Maestro& m, const std::vector<int>& ids) {
    int n = 0;
    for (int id : ids) {
      std::string number = "DSAR-2026-00" + std::to_string(++n);
      ASSERT_EQ(m.run({"dsar", "intake", "--subject", email(id), "--rights", "erasure", "--jurisdiction", "gdpr"})
                    .exit_code,
                0);
      ASSERT_EQ(m.run({"dsar", "ack", number}).exit_code, 0);
      ASSERT_EQ(m.run({"dsar", "verify", number, "--method", "document"}).exit_code, 0);
      ASSERT_EQ(m.run({"dsar", "verify", number, "--method", "knowledge"}).exit_code, 0);
    }
  }
};

TEST_F(BatchedShopErasure, ABatchLeavesWhatOneErasureAfterAnotherWouldAndProvesEachCase) {
  std::string expected = one_after_another({2, 3, 5, 6});
  Maestro m;
  make_shop(m.dir() / "shop");
  open_cases(m, {2, 3, 4, 5, 6});
  ASSERT_EQ(m.run({"hold", "add", "--subject", email(4), "--reason", "litigation"}).exit_code, 0);
  std::vector<std::string> args{"dsar", "delete-batch", "--json"};
  for (const auto& a : map_args()) args.push_back(a);
  RunResult r = m.run_unchecked(args);
  EXPECT_EQ(r.exit_code, 5) << r.err;  // the held case is not done
  json out = json::parse(r.out);
  ASSERT_EQ(out.size(), 5u) << r.out;
  std::set<std::string> clean;
  for (const auto& c : out) {
    if (c.contains("refused")) {
      EXPECT_EQ(c["case"], "DSAR-2026-003");
      EXPECT_NE(c["refused"].get<std::string>().find("legal hold"), std::string::npos) << c.dump();
      continue;
    }
    EXPECT_TRUE(c["proof"]["clean"].get<bool>()) << c.dump();
    clean.insert(c["case"].get<std::string>());
  }
  EXPECT_EQ(clean, (std::set<std::string>{"DSAR-2026-001", "DSAR-2026-002", "DSAR-2026-004", "DSAR-2026-005"}));
  EXPECT_EQ(snapshot(m.dir() / "shop"), expected);
  EXPECT_GT(count_rows(m.dir() / "shop/shop.db", "SELECT count(*) FROM customers WHERE email = '" + email(4) + "'"), 0);
  // Each case has its own plan, steps and proof in the trail, which holds no address.
  std::string trail = m.run({"audit", "show", "--json"}).out;
  std::size_t proofs = 0;
  for (auto at = trail.find("\"erasure-proof\""); at != std::string::npos; at = trail.find("\"erasure-proof\"", at + 1))
    ++proofs;
  EXPECT_EQ(proofs, 4u);
  EXPECT_EQ(trail.find("@example.com"), std::string::npos);
  EXPECT_EQ(m.run({"audit", "verify"}).exit_code, 0);
  // Nothing else is due: the held case waits for its hold to be released.
  RunResult again = m.run_unchecked(args);
  EXPECT_EQ(again.exit_code, 5);
  EXPECT_EQ(json::parse(again.out).size(), 1u) << again.out;
}

TEST_F(BatchedShopErasure, AKilledBatchIsCompletedByRunningItAgain) {
  std::string expected = one_after_another({2, 3, 5});
  // The shop and its three verified cases, made once and copied for each crash point (twelve
  // commands fewer per point: under the sanitizers each command takes a second to start).
  Maestro ready;
  make_shop(ready.dir() / "shop");
  open_cases(ready, {2, 3, 5});
  int crashes = 0;
  for (int point = 1; point < 60; point += testing::k_sample_stride) {
    Maestro m;
    fs::copy(ready.dir().path(), m.dir().path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    std::vector<std::string> args{"dsar", "delete-batch", "--map", "shop/datamap.yaml"};
    m.set_env("MAESTRO_CRASH_AT", std::to_string(point));
    RunResult killed = m.run(args);
    m.unset_env("MAESTRO_CRASH_AT");
    if (killed.exit_code == 0) break;  // past the last crash point: the run completed
    ASSERT_EQ(killed.exit_code, 137) << "crash point " << point << ": " << killed.err;
    ++crashes;
    RunResult again = m.run(args);
    ASSERT_EQ(again.exit_code, 0) << "crash point " << point << ": " << again.err << again.out;
    EXPECT_EQ(snapshot(m.dir() / "shop"), expected) << "crash point " << point;
    EXPECT_EQ(m.run({"audit", "verify"}).exit_code, 0) << "crash point " << point;
    RunResult nothing = m.run(args);
    EXPECT_NE(nothing.out.find("No erasure is due."), std::string::npos) << "crash point " << point << nothing.out;
  }
  EXPECT_GE(crashes, 8 / testing::k_sample_stride);
}

TEST_F(ShopErasure, BackupReplayReappliesTheErasureToARestoredCopy) {
  Maestro m;
  DemoShop shop = make_shop(m.dir() / "shop");
  fs::copy(m.dir() / "shop", m.dir() / "backup", fs::copy_options::recursive);  // last night's backup
  std::string email = shop.sample_email;
  ASSERT_EQ(
      m.run({"dsar", "delete", "--subject", email, "--map", "shop/datamap.yaml", "--override-verification", k_override})
          .exit_code,
      0);
  std::string erased = snapshot(m.dir() / "shop");
  // The backup is restored: the erased customer is back.
  fs::remove_all(m.dir() / "shop");
  fs::rename(m.dir() / "backup", m.dir() / "shop");
  EXPECT_GT(count_rows(m.dir() / "shop/shop.db", "SELECT count(*) FROM customers WHERE email = '" + email + "'"), 0);
  RunResult preview = m.run({"backup", "replay", "--since", "2026-03-01", "--map", "shop/datamap.yaml", "--preview"});
  ASSERT_EQ(preview.exit_code, 0) << preview.err;
  EXPECT_GT(count_rows(m.dir() / "shop/shop.db", "SELECT count(*) FROM customers WHERE email = '" + email + "'"), 0);
  RunResult replay = m.run({"backup", "replay", "--since", "2026-03-01", "--map", "shop/datamap.yaml", "--json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(snapshot(m.dir() / "shop"), erased);
  EXPECT_EQ(m.run({"backup", "replay", "--since", "yesterday"}).exit_code, 2);
  // The ledger holds keyed hashes only.
  EXPECT_EQ(testing::read_file(m.home() / "maestro.db").find(email), std::string::npos);
}

TEST(LoghubErasure, EveryLineWithTheIpIsRedactedAndNoOtherLineChanges) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  Maestro m;
  fs::create_directories(m.dir() / "logs");
  fs::copy_file(datasets / "loghub/OpenSSH_2k.log", m.dir() / "logs/OpenSSH_2k.log");
  std::ofstream(m.dir() / "datamap.yaml") << R"(systems:
  - name: ssh
    store: {type: textlog, path: logs}
    collections:
      - name: auth
        source: "OpenSSH_*.log"
        erasure: {strategy: redact, text: "[ip erased]"}
        fields:
          - {name: line, categories: [user.device.ip_address], identity: ip}
)";
  const std::string ip = "183.62.140.253";
  RunResult r = m.run({"dsar", "delete", "--subject", "ip:" + ip, "--map", "datamap.yaml", "--override-verification",
                       k_override, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  std::ifstream original(datasets / "loghub/OpenSSH_2k.log"), erased(m.dir() / "logs/OpenSSH_2k.log");
  std::string a, b;
  int lines = 0, redacted = 0;
  while (std::getline(original, a)) {
    ASSERT_TRUE(std::getline(erased, b));
    ++lines;
    EXPECT_EQ(b.find(ip), std::string::npos);
    if (a.find(ip) == std::string::npos) {
      EXPECT_EQ(a, b) << "line " << lines;
    } else {
      ++redacted;
      EXPECT_NE(b.find("[ip erased]"), std::string::npos);
    }
  }
  EXPECT_FALSE(std::getline(erased, b));
  EXPECT_EQ(lines, 2000);
  EXPECT_EQ(redacted, 867);
  EXPECT_TRUE(json::parse(r.out)["proof"]["clean"].get<bool>());
}

}  // namespace
}  // namespace maestro::e2e

namespace maestro::e2e {
namespace {

TEST_F(ChinookErasure, RectificationCorrectsOnlyThatCustomerAndLogsNoValues) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets, "chinook-anonymize.datamap.yaml");
  auto run_ok = [&](const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r;
  };
  run_ok(
      {"dsar", "intake", "--subject", "luisg@embraer.com.br", "--rights", "rectification", "--jurisdiction", "gdpr"});
  run_ok({"dsar", "ack", "DSAR-2026-001"});
  // Rectification is high-risk: two different checks.
  run_ok({"dsar", "verify", "check", "DSAR-2026-001", "--answer",
          "invoice.InvoiceId=" + std::to_string(sql("SELECT min(InvoiceId) FROM Invoice WHERE CustomerId = 1"))});
  EXPECT_EQ(
      maestro.run({"dsar", "rectify", "--case", "DSAR-2026-001", "--set", "customer.Phone=+55 12 0000 0000"}).exit_code,
      4);  // not verified yet
  run_ok({"dsar", "verify", "record", "DSAR-2026-001", "--document", "passport", "--outcome", "passed"});
  std::string before = digest_rows(db(), "SELECT * FROM Customer ORDER BY CustomerId");
  RunResult preview = run_ok({"dsar", "rectify", "--case", "DSAR-2026-001", "--set", "customer.Phone=+55 12 0000 0000",
                              "--set", "customer.City=Campinas", "--preview"});
  EXPECT_NE(preview.out.find("correct: City Phone"), std::string::npos) << preview.out;
  EXPECT_EQ(digest_rows(db(), "SELECT * FROM Customer ORDER BY CustomerId"), before);
  std::string others = others_digest(db(), 1);
  RunResult done = run_ok({"dsar", "rectify", "--case", "DSAR-2026-001", "--set", "customer.Phone=+55 12 0000 0000",
                           "--set", "customer.City=Campinas", "--json"});
  json out = json::parse(done.out);
  EXPECT_TRUE(out["proof"]["clean"].get<bool>());
  EXPECT_EQ(out["recipients_to_notify"], json::array({"Payment processor"}));
  EXPECT_EQ(
      sql("SELECT count(*) FROM Customer WHERE CustomerId = 1 AND Phone = '+55 12 0000 0000' AND City = 'Campinas'"),
      1);
  EXPECT_EQ(others_digest(db(), 1), others);
  std::string trail = run_ok({"audit", "show", "--json"}).out;
  EXPECT_NE(trail.find("\"rectify\""), std::string::npos);
  EXPECT_EQ(trail.find("Campinas"), std::string::npos);
  EXPECT_EQ(maestro.run({"dsar", "rectify", "--case", "DSAR-2026-001", "--set", "customer.CustomerId=7"}).exit_code, 2);
  EXPECT_EQ(maestro.run({"dsar", "rectify", "--case", "DSAR-2026-001", "--set", "customer.Nope=x"}).exit_code, 2);
  EXPECT_EQ(maestro.run({"dsar", "rectify", "--case", "DSAR-2026-001", "--set", "City=Campinas"}).exit_code, 2);
  run_ok({"dsar", "fulfil", "DSAR-2026-001"});
  EXPECT_NE(run_ok({"outbox", "list"}).out.find("rectification-confirmation"), std::string::npos);
}

}  // namespace
}  // namespace maestro::e2e

namespace maestro::e2e {
namespace {

// Seed 002 4.4 and 4.6: a "data-restricted" label on conversations, ai_enabled = false.
TEST(Markers, RestrictionAndObjectionAreSetOnThePersonsRecordsAndCanBeLifted) {
  Maestro m;
  fs::path db = m.dir() / "support.db";
  exec_sql(db,
           "CREATE TABLE conversations (id INTEGER PRIMARY KEY, email TEXT, labels TEXT);"
           "CREATE TABLE preferences (email TEXT PRIMARY KEY, ai_enabled INTEGER);"
           "INSERT INTO conversations VALUES (1, 'jane@example.com', ''), (2, 'jane@example.com', ''), (3, "
           "'john@example.com', '');"
           "INSERT INTO preferences VALUES ('jane@example.com', 1), ('john@example.com', 1);");
  std::ofstream(m.dir() / "datamap.yaml") << R"(systems:
  - name: support
    store: {type: sqlite, path: support.db}
    collections:
      - name: conversations
        restriction: {field: labels, value: data-restricted, lifted: ""}
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - {name: email, categories: [user.contact.email], identity: email}
          - {name: labels, categories: [system.operations]}
      - name: preferences
        objection: {field: ai_enabled, value: "0", lifted: "1"}
        fields:
          - {name: email, primary_key: true, categories: [user.contact.email], identity: email}
          - {name: ai_enabled, categories: [system.operations]}
)";
  auto ok = [&](const std::vector<std::string>& args) {
    RunResult r = m.run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r;
  };
  ok({"dsar", "intake", "--subject", "jane@example.com", "--rights", "restriction,objection", "--jurisdiction",
      "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001"});
  ok({"dsar", "verify", "record", "DSAR-2026-001", "--document", "passport", "--outcome", "passed"});
  std::string john = digest_rows(db, "SELECT * FROM conversations WHERE id = 3") +
                     digest_rows(db, "SELECT * FROM preferences WHERE email = 'john@example.com'");
  ok({"dsar", "restrict", "--case", "DSAR-2026-001", "--map", "datamap.yaml"});
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM conversations WHERE labels = 'data-restricted'"), 2);
  ok({"dsar", "object", "--case", "DSAR-2026-001", "--map", "datamap.yaml"});
  EXPECT_EQ(count_rows(db, "SELECT ai_enabled FROM preferences WHERE email = 'jane@example.com'"), 0);
  ok({"dsar", "restrict", "--case", "DSAR-2026-001", "--lift", "--map", "datamap.yaml"});
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM conversations WHERE labels = 'data-restricted'"), 0);
  EXPECT_EQ(digest_rows(db, "SELECT * FROM conversations WHERE id = 3") +
                digest_rows(db, "SELECT * FROM preferences WHERE email = 'john@example.com'"),
            john);
  std::string trail = ok({"audit", "show", "--json"}).out;
  for (const char* action : {"\"restrict\"", "\"object\"", "\"restrict-lift\""})
    EXPECT_NE(trail.find(action), std::string::npos);
  // A case that does not ask for it is refused.
  ok({"dsar", "intake", "--subject", "john@example.com", "--rights", "access", "--jurisdiction", "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-002"});
  ok({"dsar", "verify", "record", "DSAR-2026-002", "--document", "passport", "--outcome", "passed"});
  EXPECT_EQ(m.run({"dsar", "restrict", "--case", "DSAR-2026-002", "--map", "datamap.yaml"}).exit_code, 4);
}

}  // namespace
}  // namespace maestro::e2e

namespace maestro::e2e {
namespace {

TEST_F(ShopErasure, AManualSystemBecomesATaskForItsOwnerAndJoinsTheProofWhenDone) {
  Maestro m;
  DemoShop shop = make_shop(m.dir() / "shop");
  std::ofstream(m.dir() / "shop/datamap.yaml", std::ios::app) << R"(  - name: paper-archive
    description: Signed order forms in the warehouse archive
    owner: archive-team@demo-shop.example
    store: {type: manual}
)";
  std::vector<std::string> erase{
      "dsar",    "delete", "--subject", shop.sample_email, "--map", "shop/datamap.yaml", "--override-verification",
      k_override};
  RunResult first = m.run(erase);
  EXPECT_EQ(first.exit_code, 5) << first.err << first.out;
  EXPECT_NE(first.out.find("MANUAL: paper-archive: task #1 (erase) for archive-team@demo-shop.example"),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("WAITING for the owner of paper-archive (task #1)"), std::string::npos);
  EXPECT_NE(first.err.find("waiting for 1 manual system"), std::string::npos);
  // The owner got the task by mail (.eml here: no SMTP configured).
  std::string letters = m.run({"outbox", "list"}).out;
  EXPECT_NE(letters.find("manual-task  to archive-team@demo-shop.example"), std::string::npos) << letters;
  // Overdue: the owner is reminded once by the daily sweep.
  m.set_now("2026-04-20T09:00:00Z");
  EXPECT_NE(m.run({"tasks", "list"}).out.find("OVERDUE"), std::string::npos);
  EXPECT_NE(m.run({"dsar", "sweep"}).out.find("task #1 owner reminded"), std::string::npos);
  EXPECT_EQ(m.run({"dsar", "sweep"}).out.find("reminded"), std::string::npos);
  EXPECT_NE(m.run({"outbox", "show", "2"}).out.find("Subject: OVERDUE: Action needed"), std::string::npos)
      << m.run({"outbox", "list"}).out;
  EXPECT_EQ(m.run({"tasks", "done", "1", "--note", "x"}).exit_code, 2);  // say what was done
  ASSERT_EQ(m.run({"tasks", "done", "1", "--note", "Order forms shredded, box 12"}).exit_code, 0);
  EXPECT_EQ(m.run({"tasks", "done", "1", "--note", "Order forms shredded, box 12"}).exit_code, 4);
  RunResult again = m.run(erase);
  EXPECT_EQ(again.exit_code, 0) << again.err << again.out;
  EXPECT_NE(m.run({"tasks", "list", "--all"}).out.find("done"), std::string::npos);
  std::string trail = m.run({"audit", "show", "--json"}).out;
  EXPECT_NE(trail.find("\"task-done\""), std::string::npos);
  EXPECT_EQ(trail.find("box 12"), std::string::npos);  // the owner's note is sealed
}

}  // namespace
}  // namespace maestro::e2e
