// The sealed package, opened with a real 7-Zip as a requester would.
#include "package/package.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int run_7z(const std::string& args) {
  return std::system(("7z " + args + " >/dev/null 2>&1").c_str());
}

class PackageTest : public ::testing::Test {
 protected:
  PackageTest() {
    Collection customer;
    customer.system = "shop";
    customer.name = "customer";
    customer.purpose = "Running your account";
    customer.recipients = {"Payment processor"};
    customer.fields = {{"id", {"user.unique_id"}, "customer_id", true},
                       {"email", {"user.contact.email"}, "email"},
                       {"notes", {"user.content"}},
                       {"support_rep_id", {"system.operations"}, std::nullopt, false, true}};
    Collection invoice;
    invoice.system = "shop";
    invoice.name = "invoice";
    invoice.erasure = ErasureStrategy{ErasureAction::retain, "", "Tax law", Duration{7, DurationUnit::years}};
    invoice.fields = {
        {"id", {}, std::nullopt, true}, {"payload", {"user.financial"}}, {"payload.total", {"user.financial"}}};
    map.collections.emplace("shop.customer", customer);
    map.collections.emplace("shop.invoice", invoice);
    map.systems.push_back({"shop", "", "", {"sqlite", {}, {}}, {"shop.customer", "shop.invoice"}});
    info.case_number = "DSAR-2026-007";
    info.request_date = testing::at("2026-03-02T09:00:00Z");
    info.fulfilment_date = testing::at("2026-03-05T09:00:00Z");
    info.subject_name = "Jane Example";
    info.identifiers = {{"email", "jane@example.com"}};
    info.jurisdiction = "uk-gdpr";
    info.complaint_authority = "ICO";
  }

  void add(PackageWriter& w, const std::string& collection, Record r) {
    const std::string field = "id";
    const std::vector<std::string> asked;
    ASSERT_TRUE(w.add(FoundRecord{map.systems[0], map.collections.at(collection), tenant, r, field, asked}));
  }

  Result<SealedPackage> build() {
    PackageWriter w(dir / "out", map, info, {PackageFormat::json, PackageFormat::csv, PackageFormat::html});
    add(w, "shop.customer",
        Record{{{"id", std::int64_t{7}},
                {"email", std::string("jane@example.com")},
                {"notes", std::string("Asked to cc bob.other@example.org and =SUM(A1)")},
                {"support_rep_id", std::int64_t{3}}}});
    add(w, "shop.invoice", Record{{{"id", std::int64_t{1}}, {"payload", std::string(R"({"total": 9.99})")}}});
    add(w, "shop.invoice", Record{{{"id", std::int64_t{2}}, {"payload", std::string(R"({"total": 1.5})")}}});
    return w.seal();
  }

  std::string extract(const SealedPackage& p) {
    auto target = dir / "x";
    EXPECT_EQ(run_7z("x -y -p" + p.password + " -o" + target.string() + " " + p.zip_path.string()), 0);
    return target.string();
  }

  testing::TempDir dir;
  DataMap map;
  PackageInfo info;
  std::string tenant;
};

TEST_F(PackageTest, SevenZipOpensItWithThePasswordAndNotWithout) {
  auto p = build();
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->password.size(), 20u);
  EXPECT_EQ(p->sha256, sha256_hex(testing::read_file(p->zip_path)));
  EXPECT_NE(run_7z("t -pwrong-password " + p->zip_path.string()), 0);
  fs::path x = extract(*p);
  for (const char* f : {"DSAR-2026-007_DSAR_PACKAGE.json", "csv/shop.customer.csv", "csv/shop.invoice.csv",
                        "report.html", "schema.json", "manifest.json"}) {
    EXPECT_TRUE(fs::exists(x / f)) << f;
  }
}

TEST_F(PackageTest, OnlyTheEncryptedZipIsLeftOnDisk) {
  auto p = build();
  ASSERT_TRUE(p);
  std::vector<fs::path> left;
  for (const auto& e : fs::recursive_directory_iterator(dir / "out")) left.push_back(e.path());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0], p->zip_path);
  EXPECT_EQ(testing::read_file(p->zip_path).find("jane@example.com"), std::string::npos);
}

TEST_F(PackageTest, TheJsonFollowsAppendixAWithArticle15Information) {
  auto p = build();
  ASSERT_TRUE(p);
  json j = json::parse(testing::read_file(fs::path(extract(*p)) / "DSAR-2026-007_DSAR_PACKAGE.json"));
  EXPECT_EQ(j["dsarCaseNumber"], "DSAR-2026-007");
  EXPECT_TRUE(j["complete"].get<bool>());
  EXPECT_FALSE(j.contains("notSearched"));
  EXPECT_EQ(j["requestDate"], "2026-03-02T09:00:00Z");
  EXPECT_EQ(j["dataSubject"]["verifiedIdentity"], "Jane Example");
  EXPECT_EQ(j["data"]["shop"]["invoice"].size(), 2u);
  EXPECT_EQ(j["data"]["shop"]["invoice"][0]["payload"]["total"], 9.99);  // a JSON column stays structured
  EXPECT_EQ(j["article15"]["processing"][0]["purpose"], "Running your account");
  EXPECT_EQ(j["article15"]["complaintAuthority"], "ICO");
  EXPECT_NE(j["legalNotes"]["shop.invoice"].get<std::string>().find("Tax law"), std::string::npos);
}

TEST_F(PackageTest, ValuesKeepTheirJsonTypeAndAnIncompletePackageSaysSo) {
  PackageWriter w(dir / "out", map, info, {PackageFormat::json, PackageFormat::html});
  // An API's answer: an empty list, a flag and an object, as the HTTP connector hands them on.
  add(w, "shop.customer",
      Record{{{"id", std::int64_t{7}},
              {"email", std::string("jane@example.com")},
              {"notes", JsonText{R"({"labels":[],"vip":true})"}},
              {"support_rep_id", JsonText{"false"}}}});
  w.mark_incomplete({"crm (eu)"});
  auto p = w.seal();
  ASSERT_TRUE(p) << p.error().message;
  fs::path x = extract(*p);
  json j = json::parse(testing::read_file(x / "DSAR-2026-007_DSAR_PACKAGE.json"));
  const json& customer = j["data"]["shop"]["customer"][0];
  EXPECT_TRUE(customer["notes"]["labels"].is_array()) << customer.dump();
  EXPECT_EQ(customer["notes"]["vip"], true);
  EXPECT_FALSE(j["complete"].get<bool>());
  EXPECT_EQ(j["notSearched"], json::array({"crm (eu)"}));
  EXPECT_NE(testing::read_file(x / "report.html").find("(crm (eu))"), std::string::npos);
}

TEST_F(PackageTest, OtherPeoplesDataIsLeftOutOrRedacted) {
  auto p = build();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->redacted_values, 2u);
  json customer = json::parse(
      testing::read_file(fs::path(extract(*p)) / "DSAR-2026-007_DSAR_PACKAGE.json"))["data"]["shop"]["customer"][0];
  EXPECT_FALSE(customer.contains("support_rep_id"));
  EXPECT_EQ(customer["email"], "jane@example.com");
  EXPECT_EQ(customer["notes"], "Asked to cc [redacted: another person] and =SUM(A1)");
}

TEST_F(PackageTest, TheManifestHashesEveryFileAndCsvDefusesFormulas) {
  auto p = build();
  ASSERT_TRUE(p);
  fs::path x = extract(*p);
  json manifest = json::parse(testing::read_file(x / "manifest.json"));
  ASSERT_EQ(manifest["files"].size(), 5u);
  for (const auto& f : manifest["files"]) {
    EXPECT_EQ(f["sha256"], sha256_hex(testing::read_file(x / f["file"].get<std::string>()))) << f["file"];
  }
  std::string csv = testing::read_file(x / "csv/shop.customer.csv");
  EXPECT_NE(csv.find("\"id\",\"email\",\"notes\""), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"Asked to cc [redacted: another person] and =SUM(A1)\""), std::string::npos);
  EXPECT_NE(testing::read_file(x / "report.html").find("Erasure (Article 17)"), std::string::npos);
}

TEST_F(PackageTest, TheReportSpeaksToThePersonNotTheDatabase) {
  Collection& customer = map.collections.at("shop.customer");
  customer.description = "Your customer account";
  customer.fields[1].label = "Email address";
  customer.fields.push_back({"created_at", {"system.operations"}});
  customer.fields.back().label = "Account opened";
  customer.recipients_stated = true;
  customer.automated_decisions.emplace();
  customer.transfers = std::vector<Transfer>{{"United States", "Payment processor", "standard_contractual_clauses"}};
  map.category_texts["user.contact.email"] = {"Email Address", "The person's email address."};
  PackageWriter w(dir / "out", map, info, {PackageFormat::json, PackageFormat::html});
  add(w, "shop.customer",
      Record{{{"id", std::int64_t{7}},
              {"email", std::string("jane@example.com")},
              {"created_at", std::string("2025-05-01T10:00:00Z")},
              {"_file", std::string("customers.csv")},
              {"_line", std::int64_t{2}}}});
  add(w, "shop.invoice", Record{{{"id", std::int64_t{1}}, {"payload", std::string(R"({"total": 9.99})")}}});
  auto p = w.seal();
  ASSERT_TRUE(p) << p.error().message;
  fs::path x = extract(*p);
  std::string html = testing::read_file(x / "report.html");
  // The machine-readable package carries the same Article 15 items.
  json processing = json::parse(testing::read_file(x / "DSAR-2026-007_DSAR_PACKAGE.json"))["article15"]["processing"];
  EXPECT_EQ(processing[0]["transfers"][0]["safeguard"], "standard_contractual_clauses");
  EXPECT_EQ(processing[0]["automatedDecisions"], json::array());
  EXPECT_TRUE(processing[1]["transfers"].is_null());  // the map does not say
  json schema = json::parse(testing::read_file(x / "schema.json"));
  EXPECT_EQ(schema["collections"][0]["fields"][1]["label"], "Email address");
  for (const char* expected :
       {"<html lang=\"en\">", "Request DSAR-2026-007, received on 2 March 2026, 09:00 UTC, answered on 5 March 2026",
        "<h3 id=\"place-shop-customer-title\">Your customer account</h3>", "<th scope=\"col\">Email address</th>",
        "<th scope=\"col\">Account opened</th>", "<td>1 May 2025, 10:00 UTC</td>", "<td>customers.csv, line 2</td>",
        "<strong>Email Address</strong>: The person&#39;s email address.",
        "United States (to Payment processor), protected by standard contractual clauses",
        "We do not make decisions about you by automated means", "We must keep these records even if you ask us",
        "Invoice (shop)", "Not recorded in our data map", "complain to ICO"}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
  for (const char* internal : {">created_at<", ">_file<", ">_line<", "2025-05-01T10:00:00Z", "user.contact.email"})
    EXPECT_EQ(html.find(internal), std::string::npos) << internal;
  EXPECT_EQ(html.find("<h1"), html.rfind("<h1"));  // one h1
  // The map leaves gaps for both: the team is told which.
  ASSERT_EQ(p->map_gaps.size(), 2u);
  EXPECT_EQ(p->map_gaps[0], "shop.customer: legal basis, retention, source");
  EXPECT_EQ(p->map_gaps[1], "shop.invoice: purpose, legal basis, recipients, source");
}

// The PDF's content is checked in depth by tests/pdf/report_pdf_test.py (poppler, qpdf); here:
// it is in the package when asked for, in the case's language, and gives the other files' hashes.
TEST_F(PackageTest, ThePdfReportComesWhenAskedForInTheCasesLanguage) {
  info.sender.texts = std::make_shared<const ReportTexts>(*ReportTexts::load("de", std::nullopt));
  PackageWriter w(dir / "out", map, info, *parse_package_formats("json,pdf"));
  add(w, "shop.customer",
      Record{{{"id", std::int64_t{7}}, {"email", std::string("jane@example.com")}, {"notes", std::string("Иван")}}});
  auto p = w.seal();
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_NE(std::find(p->files.begin(), p->files.end(), "report.pdf"), p->files.end());
  EXPECT_EQ(std::find(p->files.begin(), p->files.end(), "report.html"), p->files.end());
  fs::path x = extract(*p);
  json manifest = json::parse(testing::read_file(x / "manifest.json"));
  std::string package_hash;
  for (const auto& f : manifest["files"]) {
    if (f["file"] == "DSAR-2026-007_DSAR_PACKAGE.json") package_hash = f["sha256"];
    if (f["file"] == "report.pdf") {
      EXPECT_EQ(f["bytes"], fs::file_size(x / "report.pdf"));
    }
  }
  ASSERT_EQ(std::system(("pdftotext " + (x / "report.pdf").string() + " " + (x / "report.txt").string()).c_str()), 0);
  std::string text = testing::read_file(x / "report.txt");
  for (const char* expected : {"Ihre personenbezogenen Daten", "Zusammenfassung", "Seite 1", "2. März 2026", "Иван",
                               "jane@example.com", "Erstellt für Jane Example"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected;
  EXPECT_NE(text.find(package_hash), std::string::npos);
}

TEST_F(PackageTest, AnAbandonedPackageLeavesNoClearText) {
  {
    PackageWriter w(dir / "out", map, info, {PackageFormat::json});
    add(w, "shop.customer", Record{{{"email", std::string("jane@example.com")}}});
  }
  EXPECT_FALSE(fs::exists(dir / "out/.spool"));
}

TEST(PackagePassword, LongRandomAndUnambiguous) {
  std::string a = generate_package_password(), b = generate_package_password();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_of("0O1lI"), std::string::npos);
}

TEST(PackageFormats, Parse) {
  EXPECT_EQ(parse_package_formats("csv")->size(), 2u);  // json always
  EXPECT_EQ(parse_package_formats("json,pdf")->size(), 2u);
  auto unknown = parse_package_formats("json,docx");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("'docx'"), std::string::npos);
}

}  // namespace
}  // namespace maestro
