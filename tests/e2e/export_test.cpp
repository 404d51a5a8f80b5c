// End to end: maestro dsar export of a Chinook customer, opened with 7-Zip and checked against SQL.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "maestro_runner.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Opens a package the command reported (case, package, password) into `folder` and returns its
// JSON document.
json open_package_into(const json& outcome, const fs::path& folder) {
  std::string cmd = "7z x -y -p" + outcome["password"].get<std::string>() + " -o" + folder.string() + " " +
                    outcome["package"].get<std::string>() + " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  return json::parse(testing::read_file(folder / (outcome["case"].get<std::string>() + "_DSAR_PACKAGE.json")));
}

class ExportCommand : public ::testing::Test {
 protected:
  void setup(const fs::path& datasets) {
    fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
    fs::copy_file(testing::fixture("chinook.datamap.yaml"), maestro.dir() / "datamap.yaml");
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }
  void verified_case(const std::string& subject) {
    ASSERT_EQ(maestro
                  .run({"dsar", "intake", "--subject", subject, "--name", "Luís Gonçalves", "--rights", "access",
                        "--jurisdiction", "gdpr"})
                  .exit_code,
              0);
    ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-001"}).exit_code, 0);
    ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"}).exit_code, 0);
  }
  json open_package(const json& outcome) { return open_package_into(outcome, maestro.dir() / "opened"); }
  long long sql(const std::string& q) { return count_rows(maestro.dir() / "chinook.db", q); }
  Maestro maestro;
};

// Issue 15: the requester's language is the case's: letters, their dates and the report.
TEST_F(ExportCommand, AGermanCaseGetsGermanLettersWithGermanDatesAndAGermanReport) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  RunResult wrong = maestro.run({"dsar", "intake", "--subject", "email:luisg@embraer.com.br", "--rights", "access",
                                 "--jurisdiction", "gdpr", "--language", "xx"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("unknown language 'xx'"), std::string::npos) << wrong.err;
  ASSERT_EQ(
      maestro
          .run({"dsar", "intake", "--subject", "email:luisg@embraer.com.br", "--name", "Luís Gonçalves", "--rights",
                "access", "--jurisdiction", "gdpr", "--language", "de", "--received", "2026-03-02T09:00:00Z"})
          .exit_code,
      0);
  ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-001"}).exit_code, 0);
  RunResult letter = maestro.run({"outbox", "show", "1"});
  EXPECT_NE(letter.out.find("Ihre Anfrage ist eingegangen"), std::string::npos) << letter.out;
  EXPECT_NE(letter.out.find("am 2. März 2026 erreicht"), std::string::npos) << letter.out;
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"}).exit_code, 0);
  RunResult r = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  open_package(json::parse(r.out));
  std::string report = testing::read_file(maestro.dir() / "opened" / "report.html");
  EXPECT_NE(report.find("<html lang=\"de\">"), std::string::npos);
  EXPECT_NE(report.find("<h1>Ihre personenbezogenen Daten</h1>"), std::string::npos);
  EXPECT_NE(report.find("eingegangen am 2. März 2026, 09:00 Uhr UTC"), std::string::npos);
  EXPECT_NE(report.find("Warum wir sie haben"), std::string::npos);
  EXPECT_EQ(json::parse(maestro.run({"dsar", "show", "DSAR-2026-001", "--json"}).out)["language"], "de");
}

// Issue 16: gaps in the map are seen by the privacy team before the requester sees them.
TEST_F(ExportCommand, AMapWithoutRecipientsForACollectionMakesExportWarnNamingIt) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  verified_case("email:luisg@embraer.com.br");
  RunResult r = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // chinook.datamap.yaml gives invoice and invoice_line no recipients and no source.
  EXPECT_NE(r.err.find("warning: the data map does not give the recipients, source of chinook.invoice:"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("of chinook.invoice_line:"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("chinook.customer"), std::string::npos) << r.err;  // complete
  // The reviewer sees the same on the case.
  RunResult shown = maestro.run({"dsar", "show", "DSAR-2026-001"});
  EXPECT_NE(shown.out.find("Map gap: chinook.invoice: recipients, source"), std::string::npos) << shown.out;
  // And before any request: datamap check lists every gap.
  RunResult check = maestro.run({"datamap", "check"});
  EXPECT_NE(check.out.find("Article 15 gap  chinook.invoice: no recipients, source"), std::string::npos) << check.out;
  json checked = json::parse(maestro.run({"datamap", "check", "--json"}).out);
  EXPECT_EQ(checked["article15_gaps"]["chinook.invoice_line"], json({"recipients", "source"}));
  EXPECT_FALSE(checked["article15_gaps"].contains("chinook.customer"));
}

TEST_F(ExportCommand, TheRunbookCommandExportsExactlyThatCustomer) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  verified_case("email:luisg@embraer.com.br");
  RunResult r =
      maestro.run({"dsar", "export", "--subject", "luisg@embraer.com.br", "--out", "exports/DSAR-2026-001/", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json outcome = json::parse(r.out);
  EXPECT_EQ(outcome["case"], "DSAR-2026-001");
  json p = open_package(outcome);
  const json& data = p["data"]["chinook"];
  ASSERT_EQ(data["customer"].size(), 1u);
  EXPECT_EQ(data["customer"][0]["Email"], "luisg@embraer.com.br");
  EXPECT_FALSE(data["customer"][0].contains("SupportRepId"));  // the employee is another person
  EXPECT_EQ(static_cast<long long>(data["invoice"].size()), sql("SELECT count(*) FROM Invoice WHERE CustomerId = 1"));
  EXPECT_EQ(static_cast<long long>(data["invoice_line"].size()),
            sql("SELECT count(*) FROM InvoiceLine JOIN Invoice USING (InvoiceId) WHERE CustomerId = 1"));
  for (const auto& invoice : data["invoice"]) EXPECT_EQ(invoice["CustomerId"], 1);
  std::string text = p.dump();
  EXPECT_EQ(text.find("leonekohler@surfeu.de"), std::string::npos);  // customer 2
  EXPECT_EQ(p["dataSubject"]["verifiedIdentity"], "Luís Gonçalves");
  EXPECT_FALSE(p["article15"]["rights"].empty());

  // The hash of the delivered file is on the case and in the audit trail (seed 001 step 8).
  std::string sha = sha256_hex(testing::read_file(outcome["package"].get<std::string>()));
  EXPECT_EQ(outcome["sha256"], sha);
  json c = json::parse(maestro.run({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(c["deliveries"][0]["sha256"], sha);
  EXPECT_EQ(c["state"], "in_progress");
  std::string trail = maestro.run({"audit", "export"}).out;
  EXPECT_NE(trail.find(sha), std::string::npos);
  EXPECT_EQ(trail.find("luisg"), std::string::npos);
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
}

TEST_F(ExportCommand, AllThreeFormatsAreThereAndTheManifestMatches) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  verified_case("customer_id:1");
  RunResult r = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "out", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  open_package(json::parse(r.out));
  fs::path x = maestro.dir() / "opened";
  json manifest = json::parse(testing::read_file(x / "manifest.json"));
  for (const auto& f : manifest["files"]) {
    EXPECT_EQ(f["sha256"], sha256_hex(testing::read_file(x / f["file"].get<std::string>())));
  }
  EXPECT_TRUE(fs::exists(x / "csv/chinook.invoice_line.csv"));
  EXPECT_TRUE(fs::exists(x / "report.html"));
  EXPECT_TRUE(fs::exists(x / "schema.json"));
}

TEST_F(ExportCommand, NothingIsExportedForAnUnverifiedRequester) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  RunResult r = maestro.run({"dsar", "export", "--subject", "luisg@embraer.com.br", "--out", "out"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no verified case"), std::string::npos);
  EXPECT_FALSE(fs::exists(maestro.dir() / "out"));
  EXPECT_EQ(count_rows(maestro.home() / "maestro.db", "SELECT count(*) FROM cases"), 0);
}

TEST_F(ExportCommand, AnAdHocExportNeedsAnOverrideReasonAndIsAudited) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  RunResult r = maestro.run({"dsar", "export", "--subject", "luisg@embraer.com.br", "--out", "out",
                             "--override-verification", "Verified in person at the shop counter"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(ad-hoc case)"), std::string::npos);
  std::string trail = maestro.run({"audit", "show", "--case", "DSAR-2026-001", "--json"}).out;
  EXPECT_NE(trail.find("\"method\":\"override\""), std::string::npos);
  EXPECT_NE(trail.find("\"action\":\"export\""), std::string::npos);
  EXPECT_EQ(trail.find("shop counter"), std::string::npos);  // the reason is kept encrypted with the case
}

// The requester chose JSON and CSV on the portal: the package has those, and no report, unless
// the operator asks for other formats.
TEST_F(ExportCommand, ThePackageHasTheFormatsTheRequesterChose) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  json request{{"subjects", {"email:luisg@embraer.com.br"}}, {"name", "Luís Gonçalves"}, {"rights", "access"},
               {"jurisdiction", "gdpr"}, {"formats", "json,csv"}};
  std::ofstream(maestro.dir() / "request.json") << request.dump();
  ASSERT_EQ(maestro.run({"dsar", "intake", "--from-json", (maestro.dir() / "request.json").string()}).exit_code, 0);
  ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-001"}).exit_code, 0);
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"}).exit_code, 0);
  RunResult r = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "out", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json outcome = json::parse(r.out);
  open_package(outcome);
  EXPECT_TRUE(fs::exists(maestro.dir() / "opened/csv"));
  EXPECT_FALSE(fs::exists(maestro.dir() / "opened/report.html"));
  RunResult chosen = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "again", "--format",
                                  "json,html", "--json"});
  ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
  open_package_into(json::parse(chosen.out), maestro.dir() / "opened-again");
  EXPECT_TRUE(fs::exists(maestro.dir() / "opened-again/report.html"));
}

TEST_F(ExportCommand, ARefusedOverrideReasonLeavesNoCaseBehind) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  RunResult r = maestro.run({"dsar", "export", "--subject", "luisg@embraer.com.br", "--out", "out",
                             "--override-verification", "x"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("at least 5 characters"), std::string::npos) << r.err;
  EXPECT_EQ(count_rows(maestro.home() / "maestro.db", "SELECT count(*) FROM cases"), 0);
  EXPECT_EQ(count_rows(maestro.home() / "maestro.db", "SELECT count(*) FROM audit_events"), 0);
  // The next, good call gets the first case number: nothing was used up.
  ASSERT_EQ(maestro.run({"dsar", "export", "--subject", "luisg@embraer.com.br", "--out", "out",
                         "--override-verification", "Verified in person at the shop counter"})
                .exit_code,
            0);
  EXPECT_EQ(maestro.run({"dsar", "show", "DSAR-2026-001"}).exit_code, 0);
}

// Issue 26: an incomplete package is never delivered silently.
TEST_F(ExportCommand, AStoreThatCannotBeSearchedGetsNothingDeliveredUnlessAllowed) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  verified_case("email:luisg@embraer.com.br");
  fs::rename(maestro.dir() / "chinook.db", maestro.dir() / "chinook.away");
  RunResult r = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "out", "--json"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  json out = json::parse(r.out, nullptr, false);  // one JSON document, nothing after it
  ASSERT_FALSE(out.is_discarded()) << r.out;
  EXPECT_FALSE(out["delivered"].get<bool>());
  ASSERT_EQ(out["failed_stores"].size(), 1u) << r.out;
  EXPECT_EQ(out["failed_stores"][0]["system"], "chinook");
  EXPECT_FALSE(out["failed_stores"][0]["error"].get<std::string>().empty());
  EXPECT_FALSE(out.contains("password"));
  EXPECT_NE(r.err.find("nothing was delivered"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(maestro.dir() / "out/DSAR-2026-001_DSAR_PACKAGE.zip"));
  json shown = json::parse(maestro.run({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_TRUE(shown["deliveries"].empty()) << shown.dump();
  std::string trail = maestro.run({"audit", "show", "--case", "DSAR-2026-001", "--json"}).out;
  EXPECT_NE(trail.find("\"outcome\":\"not-delivered\""), std::string::npos) << trail;

  // The text form names the store and its cause too.
  RunResult text = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "out"});
  EXPECT_EQ(text.exit_code, 5);
  EXPECT_NE(text.out.find("NOT SEARCHED: chinook: "), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("Password"), std::string::npos) << text.out;

  // Allowed on purpose: delivered, and said to be incomplete.
  RunResult allowed =
      maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "out", "--json", "--allow-incomplete"});
  EXPECT_EQ(allowed.exit_code, 5) << allowed.err;
  json delivered = json::parse(allowed.out, nullptr, false);
  ASSERT_FALSE(delivered.is_discarded()) << allowed.out;
  EXPECT_TRUE(delivered["delivered"].get<bool>());
  EXPECT_FALSE(delivered["complete"].get<bool>());
  EXPECT_EQ(delivered["failed_stores"][0]["system"], "chinook");
  EXPECT_TRUE(fs::exists(maestro.dir() / "out/DSAR-2026-001_DSAR_PACKAGE.zip"));
  EXPECT_NE(allowed.err.find("INCOMPLETE"), std::string::npos) << allowed.err;
  // ... in the package, its manifest and its report, and on the case ...
  json package = open_package_into(delivered, maestro.dir() / "opened");
  EXPECT_FALSE(package["complete"].get<bool>());
  EXPECT_EQ(package["notSearched"], json::array({"chinook"}));
  EXPECT_FALSE(json::parse(testing::read_file(maestro.dir() / "opened/manifest.json"))["complete"].get<bool>());
  EXPECT_NE(testing::read_file(maestro.dir() / "opened/report.html").find("could not be searched when we prepared"),
            std::string::npos);
  json staged = json::parse(maestro.run({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(staged["deliveries"][0]["status"], "staged");
  EXPECT_EQ(staged["deliveries"][0]["not_searched"], json::array({"chinook"}));
  // ... and the case does not close on it: only the DPO's explained exception closes it.
  RunResult closing = maestro.run({"dsar", "fulfil", "DSAR-2026-001"});
  EXPECT_EQ(closing.exit_code, 4);
  EXPECT_NE(closing.err.find("incomplete (not searched: chinook)"), std::string::npos) << closing.err;
  RunResult excepted = maestro.run({"dsar", "fulfil", "DSAR-2026-001", "--exception",
                                    "The music archive was retired; the requester agreed to the rest"});
  EXPECT_EQ(excepted.exit_code, 0) << excepted.err;
  std::string letters;
  for (const auto& e : fs::directory_iterator(maestro.home() / "outbox")) letters += testing::read_file(e.path());
  EXPECT_NE(letters.find("This file is not yet complete"), std::string::npos) << letters;
}

TEST_F(ExportCommand, AnErasurePreviewThatCannotSearchEverywhereIsNotASuccess) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  fs::rename(maestro.dir() / "chinook.db", maestro.dir() / "chinook.away");
  RunResult r = maestro.run({"dsar", "delete", "--subject", "luisg@embraer.com.br", "--preview", "--json"});
  EXPECT_EQ(r.exit_code, 5) << r.err << r.out;
  json out = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.out;
  ASSERT_EQ(out["unsearched"].size(), 1u) << r.out;
  EXPECT_EQ(out["unsearched"][0]["system"], "chinook");
  EXPECT_FALSE(out["unsearched"][0]["error"].get<std::string>().empty());
  EXPECT_NE(r.err.find("preview is incomplete"), std::string::npos) << r.err;
}

TEST_F(ExportCommand, AnOutPathOutsideTheAllowedRootIsRefused) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  setup(datasets);
  verified_case("email:luisg@embraer.com.br");
  for (const char* out : {"/etc/maestro-test", "../escape", "exports/../../escape"}) {
    RunResult r = maestro.run({"dsar", "export", "--subject", "luisg@embraer.com.br", "--out", out});
    EXPECT_EQ(r.exit_code, 7) << out;
    EXPECT_NE(r.err.find("outside the allowed export folder"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists("/etc/maestro-test"));
  EXPECT_EQ(maestro.run({"dsar", "export", "--subject", "x@example.com", "--out", "s3://bucket/p/"}).exit_code, 4);
}

// Six verified access cases of Chinook customers (one of them known by a second identifier) and
// one that is not verified, in a fresh installation.
void six_cases(Maestro& m, const fs::path& datasets) {
  fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", m.dir() / "chinook.db");
  fs::copy_file(testing::fixture("chinook.datamap.yaml"), m.dir() / "datamap.yaml");
  std::ofstream(m.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
  m.set_env("MAESTRO_CONFIG", (m.dir() / "maestro.yaml").string());
  const std::vector<std::vector<std::string>> people = {{"email:luisg@embraer.com.br"},
                                                        {"email:leonekohler@surfeu.de"},
                                                        {"email:ftremblay@gmail.com", "phone:+1 (514) 721-4711"},
                                                        {"email:bjorn.hansen@yahoo.no"},
                                                        {"email:frantisekw@jetbrains.com"},
                                                        {"email:hholy@gmail.com"}};
  int n = 0;
  for (const auto& ids : people) {
    std::vector<std::string> args = {"dsar", "intake", "--rights", "access", "--jurisdiction", "gdpr"};
    for (const auto& id : ids) args.insert(args.end(), {"--subject", id});
    ASSERT_EQ(m.run(args).exit_code, 0);
    std::string number = "DSAR-2026-00" + std::to_string(++n);
    ASSERT_EQ(m.run({"dsar", "ack", number}).exit_code, 0);
    ASSERT_EQ(m.run({"dsar", "verify", number, "--method", "knowledge"}).exit_code, 0);
  }
  ASSERT_EQ(m.run({"dsar", "intake", "--subject", "email:astrid.gruber@apple.at", "--rights", "access",
                   "--jurisdiction", "gdpr"})
                .exit_code,
            0);
}

TEST_F(ExportCommand, ABatchGivesEachCaseThePackageItWouldGetAlone) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  six_cases(maestro, datasets);
  // The same cases for exports one by one: a copy of this installation before the batch (the
  // cases made once: under the sanitizers each of their 19 commands takes a second to start).
  Maestro alone;
  fs::copy(maestro.dir().path(), alone.dir().path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  alone.set_env("MAESTRO_CONFIG", (alone.dir() / "maestro.yaml").string());
  RunResult r = maestro.run({"dsar", "export-batch", "--out", "exports/batch/", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json batch = json::parse(r.out);
  ASSERT_EQ(batch["delivered"].size(), 6u) << r.out;  // the unverified case waits
  EXPECT_TRUE(batch["refused"].empty());
  ASSERT_EQ(batch["stores"].size(), 1u);
  EXPECT_EQ(batch["stores"][0]["system"], "chinook");

  for (const auto& delivered : batch["delivered"]) {
    std::string number = delivered["case"];
    RunResult one = alone.run({"dsar", "export", "--case", number, "--out", "exports/" + number + "/", "--json"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    json by_batch = open_package_into(delivered, maestro.dir() / ("opened-" + number));
    json by_itself = open_package_into(json::parse(one.out), alone.dir() / ("opened-" + number));
    EXPECT_FALSE(by_batch["data"]["chinook"]["customer"].empty()) << number;
    EXPECT_EQ(by_batch["data"], by_itself["data"]) << number;
    EXPECT_EQ(by_batch["dataSubject"], by_itself["dataSubject"]) << number;
    json shown = json::parse(maestro.run({"dsar", "show", number, "--json"}).out);
    ASSERT_EQ(shown["deliveries"].size(), 1u);
    EXPECT_EQ(shown["deliveries"][0]["sha256"], delivered["sha256"]);
  }
  std::string trail = maestro.run({"audit", "export"}).out;
  EXPECT_EQ(trail.find("gmail.com"), std::string::npos);
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);

  // Nothing is left waiting; the unverified case given by number is refused, with exit 5.
  json again = json::parse(maestro.run({"dsar", "export-batch", "--out", "exports/batch2/", "--json"}).out);
  EXPECT_TRUE(again["delivered"].empty());
  RunResult refused = maestro.run({"dsar", "export-batch", "--out", "exports/batch3/", "--case", "DSAR-2026-007"});
  EXPECT_EQ(refused.exit_code, 5);
  EXPECT_NE(refused.err.find("DSAR-2026-007"), std::string::npos) << refused.err;
  EXPECT_EQ(maestro.run({"dsar", "export-batch", "--out", "exports/b/", "--batch-size", "0"}).exit_code, 2);
}

// dsar locate with several cases: one search for all, each case's counts and audit event as alone.
TEST_F(ExportCommand, SeveralCasesAreLocatedTogether) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  six_cases(maestro, datasets);
  std::vector<std::string> args = {"dsar", "locate", "--json"};
  for (int k = 1; k <= 6; ++k) args.insert(args.end(), {"--case", "DSAR-2026-00" + std::to_string(k)});
  RunResult r = maestro.run(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json together = json::parse(r.out);
  ASSERT_EQ(together["cases"].size(), 6u);
  long long alone_queries = 0;
  for (const auto& c : together["cases"]) {
    json alone = json::parse(maestro.run({"dsar", "locate", "--case", c["case"], "--json"}).out);
    EXPECT_EQ(c["records"], alone["records"]) << c["case"];
    EXPECT_GT(c["total"].get<int>(), 0);
    alone_queries += alone["queries"].get<long long>();
  }
  EXPECT_EQ(together["queries"], 3);  // customer, invoice, invoice line: once each for all six
  EXPECT_EQ(alone_queries, 18);
  std::string trail = maestro.run({"audit", "export"}).out;
  std::size_t events = 0;
  for (std::size_t at = trail.find("\"action\":\"locate\""); at != std::string::npos;
       at = trail.find("\"action\":\"locate\"", at + 1))
    ++events;
  EXPECT_EQ(events, 12u);  // one per case for the batch, one per case alone
  EXPECT_EQ(maestro
                .run({"dsar", "locate", "--case", "DSAR-2026-001", "--case", "DSAR-2026-002", "--subject",
                      "email:x@example.com"})
                .exit_code,
            2);
  EXPECT_EQ(maestro.run({"dsar", "locate", "--case", "DSAR-2026-001", "--case", "DSAR-2026-099"}).exit_code, 3);
}

// Issue 15: Art. 15(4). A support ticket names the requester and another customer: only the
// other customer's name, email and phone are replaced, in every format; the package counts them
// per field; the DPO sees each before and after, and a restore is audited (without the value)
// and honoured by the next export.
TEST(ExportRedaction, OnlyTheOtherPersonIsRedactedAndTheDpoCanRestore) {
  Maestro maestro;
  fs::path db = maestro.dir() / "support.db";
  exec_sql(db,
           "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, email TEXT, phone TEXT);"
           "INSERT INTO customers VALUES (1, 'Jane Example', 'jane@example.com', '+44 20 7946 1001');"
           "INSERT INTO customers VALUES (2, 'Bob Other', 'bob.other@example.org', '+44 20 7946 2002');"
           "CREATE TABLE tickets(id INTEGER PRIMARY KEY, customer_id INTEGER, agent TEXT, body TEXT);"
           "INSERT INTO tickets VALUES (1, 1, 'Carol Agent', 'Jane Example (jane@example.com, 020 7946 1001) says "
           "Bob Other, bob.other@example.org, +44 20 7946 2002, was sent her parcel. Carol Agent replied.');"
           "INSERT INTO tickets VALUES (2, 2, 'Carol Agent', 'Bob Other asks about his own order.');");
  std::ofstream(maestro.dir() / "datamap.yaml") << R"(systems:
  - name: support
    store: {type: sqlite, path: support.db}
    collections:
      - name: customers
        source: customers
        fields:
          - {name: id, primary_key: true, identity: customer_id, categories: [user.unique_id]}
          - {name: name, categories: [user.name]}
          - {name: email, identity: email, categories: [user.contact.email]}
          - {name: phone, categories: [user.contact.phone_number]}
      - name: tickets
        source: tickets
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - name: customer_id
            categories: [user.unique_id]
            references: [{field: customers.id, direction: from}]
          - {name: agent, other_person: true, categories: [user.name]}
          - {name: body, categories: [user.content]}
)";
  std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
  maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  ASSERT_EQ(maestro
                .run({"dsar", "intake", "--subject", "email:jane@example.com", "--name", "Jane Example", "--rights",
                      "access", "--jurisdiction", "uk-gdpr"})
                .exit_code,
            0);
  ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-001"}).exit_code, 0);
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"}).exit_code, 0);
  RunResult r = maestro.run(
      {"dsar", "export", "--case", "DSAR-2026-001", "--out", "out", "--format", "json,csv,html,pdf", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path x = maestro.dir() / "opened";
  json p = open_package_into(json::parse(r.out), x);
  const std::string expected =
      "Jane Example (jane@example.com, 020 7946 1001) says [redacted: another person], [redacted: another person], "
      "[redacted: another person], was sent her parcel. [redacted: another person] replied.";
  ASSERT_EQ(p["data"]["support"]["tickets"].size(), 1u);
  EXPECT_EQ(p["data"]["support"]["tickets"][0]["body"], expected);
  EXPECT_FALSE(p["data"]["support"]["tickets"][0].contains("agent"));
  EXPECT_EQ(p["redactions"]["support.tickets.body"], 4);   // name, email, phone, the agent's name
  EXPECT_EQ(p["redactions"]["support.tickets.agent"], 1);  // the field left out
  std::string csv = testing::read_file(x / "csv/support.tickets.csv");
  std::string html = testing::read_file(x / "report.html");
  ASSERT_EQ(std::system(("pdftotext -raw " + (x / "report.pdf").string() + " " + (x / "report.txt").string()).c_str()),
            0);
  std::string pdf = testing::read_file(x / "report.txt");
  for (const std::string* text : {&csv, &html, &pdf}) {
    for (const char* other : {"Bob Other", "bob.other@example.org", "7946 2002", "Carol Agent"})
      EXPECT_EQ(text->find(other), std::string::npos) << other;
    for (const char* own : {"jane@example.com", "020 7946 1001", "redacted: another person"})
      EXPECT_NE(text->find(own), std::string::npos) << own;
  }

  // The DPO's review: every redaction, before and after.
  RunResult listed = maestro.run({"dsar", "show", "DSAR-2026-001", "--redactions", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  json redactions = json::parse(listed.out)["redactions"];
  ASSERT_EQ(redactions.size(), 4u);
  int email_id = 0;
  for (const auto& item : redactions) {
    EXPECT_EQ(item["status"], "pending");
    EXPECT_NE(item["before"].get<std::string>().find(item["value"].get<std::string>()), std::string::npos);
    EXPECT_NE(item["after"].get<std::string>().find("[redacted: another person]"), std::string::npos);
    if (item["kind"] == "email") email_id = item["id"];
  }
  ASSERT_NE(email_id, 0);
  EXPECT_NE(maestro.run({"dsar", "show", "DSAR-2026-001"}).out.find("Redactions: 4 of other people's data to review"),
            std::string::npos);
  RunResult no_reason = maestro.run({"dsar", "redaction", "DSAR-2026-001", "--restore", std::to_string(email_id)});
  EXPECT_NE(no_reason.exit_code, 0);
  EXPECT_NE(no_reason.err.find("reason"), std::string::npos) << no_reason.err;
  EXPECT_NE(maestro.run({"dsar", "redaction", "DSAR-2026-001", "--release", "99"}).exit_code, 0);
  ASSERT_EQ(maestro
                .run({"dsar", "redaction", "DSAR-2026-001", "--restore", std::to_string(email_id), "--reason",
                      "The requester shares this mailbox"})
                .exit_code,
            0);
  ASSERT_EQ(maestro.run({"dsar", "redaction", "DSAR-2026-001", "--release-all"}).exit_code, 0);
  std::string trail = maestro.run({"audit", "export"}).out;
  EXPECT_NE(trail.find("\"decision\":\"restored\""), std::string::npos) << trail;
  EXPECT_NE(trail.find("\"decision\":\"released\""), std::string::npos);
  EXPECT_EQ(trail.find("bob.other"), std::string::npos);  // the audit trail never holds the value
  EXPECT_EQ(trail.find("Bob Other"), std::string::npos);
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);

  // The next package keeps the restored value and still redacts the rest.
  r = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "out2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  p = open_package_into(json::parse(r.out), maestro.dir() / "opened2");
  std::string body = p["data"]["support"]["tickets"][0]["body"];
  EXPECT_NE(body.find("bob.other@example.org"), std::string::npos) << body;
  EXPECT_EQ(body.find("Bob Other"), std::string::npos) << body;
  EXPECT_EQ(p["redactions"]["support.tickets.body"], 3);
}

}  // namespace
}  // namespace maestro::e2e
