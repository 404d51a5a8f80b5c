// End to end, one whole request per right, as the requester lives it: every letter they receive,
// in order, and what each says. The store is a small allotment society's own SQLite database
// (members, plot bookings kept for the accounts, newsletter preferences), made here.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "maestro_runner.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

struct Letter {
  std::string name;
  std::string text;
};

class WholeRequest : public ::testing::Test {
 protected:
  WholeRequest() {
    exec_sql(db(),
             "CREATE TABLE members (id INTEGER PRIMARY KEY, email TEXT, name TEXT, city TEXT, labels TEXT);"
             "CREATE TABLE bookings (id INTEGER PRIMARY KEY, member_id INTEGER, plot TEXT, fee REAL);"
             "CREATE TABLE preferences (email TEXT PRIMARY KEY, profiling INTEGER);"
             "INSERT INTO members VALUES (1, 'mira.okafor@allotments.example', 'Mira Okafor', 'Bradford', ''),"
             " (2, 'tomas.lind@allotments.example', 'Tomas Lind', 'Halifax', '');"
             "INSERT INTO bookings VALUES (10, 1, 'A-12', 42.5), (11, 1, 'A-13', 18.25), (12, 2, 'B-02', 30.0);"
             "INSERT INTO preferences VALUES ('mira.okafor@allotments.example', 1),"
             " ('tomas.lind@allotments.example', 1);");
    std::ofstream(maestro.dir() / "datamap.yaml") << R"(systems:
  - name: society
    store: {type: sqlite, path: society.db}
    collections:
      - name: members
        purpose: Running the membership
        legal_basis: contract (Art. 6(1)(b))
        retention: while a member, then 1 year
        restriction: {field: labels, value: data-restricted, lifted: ""}
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id], identity: member_id}
          - {name: email, categories: [user.contact.email], identity: email, erasure: {strategy: hmac}}
          - {name: name, categories: [user.name], erasure: {strategy: redact, text: "[erased]"}}
          - {name: city, categories: [user.contact.address.city]}
          - {name: labels, categories: [system.operations]}
      - name: bookings
        purpose: Plot bookings and the society's accounts
        legal_basis: legal obligation (Art. 6(1)(c))
        retention: 6 years (accounts)
        erasure: {strategy: retain, reason: "The accounts must be kept for six years", period: 6 years}
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - name: member_id
            categories: [user.unique_id]
            references: [{field: members.id, direction: from}]
          - {name: plot, categories: [user.behavior.purchase_history]}
          - {name: fee, categories: [user.financial]}
      - name: preferences
        purpose: Choosing which newsletters to send
        legal_basis: legitimate interests (Art. 6(1)(f))
        objection: {field: profiling, value: "0", lifted: "1"}
        fields:
          - {name: email, primary_key: true, categories: [user.contact.email], identity: email}
          - {name: profiling, categories: [system.operations]}
)";
    std::ofstream(maestro.dir() / "maestro.yaml")
        << "datamap: datamap.yaml\norganisation: {name: Northfield Allotment Society}\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }

  fs::path db() const { return maestro.dir() / "society.db"; }

  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err << r.out;
    return r;
  }

  // Logs, acknowledges and verifies a request (two checks for the high-risk rights) and starts it.
  void open(const std::string& rights, const std::string& jurisdiction = "uk-gdpr") {
    ok({"dsar", "intake", "--subject", "email:mira.okafor@allotments.example", "--name", "Mira Okafor", "--rights",
        rights, "--jurisdiction", jurisdiction});
    ok({"dsar", "ack", "DSAR-2026-001"});
    ok({"dsar", "verify", "DSAR-2026-001", "--method", "document"});
    if (rights == "erasure" || rights == "rectification") ok({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"});
    ok({"dsar", "start", "DSAR-2026-001"});
  }

  // Closing is refused until the work is done, and that refusal changes nothing (the runner
  // checks the store).
  void closing_is_refused(const std::string& because) {
    RunResult early = maestro.run({"dsar", "fulfil", "DSAR-2026-001"});
    EXPECT_EQ(early.exit_code, 4) << early.err;
    EXPECT_NE(early.err.find(because), std::string::npos) << early.err;
  }

  // Every letter of the case, in the order it was queued.
  std::vector<Letter> letters() {
    std::vector<Letter> out;
    for (const auto& m : json::parse(ok({"outbox", "list", "--json"}).out)) {
      if (m["case"] != "DSAR-2026-001") continue;
      out.push_back({m["letter"].get<std::string>(), ok({"outbox", "show", std::to_string(m["id"].get<int>())}).out});
    }
    return out;
  }

  static std::vector<std::string> names(const std::vector<Letter>& letters) {
    std::vector<std::string> out;
    for (const auto& l : letters) out.push_back(l.name);
    return out;
  }

  static void says(const Letter& letter, const std::string& text) {
    EXPECT_NE(letter.text.find(text), std::string::npos) << letter.name << " does not say \"" << text << "\":\n"
                                                         << letter.text;
  }

  Maestro maestro;
};

TEST_F(WholeRequest, Access) {
  open("access");
  closing_is_refused("no access package yet");
  RunResult exported = ok({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/DSAR-2026-001/", "--notify"});
  EXPECT_NE(exported.out.find("Staged for review"), std::string::npos) << exported.out;
  EXPECT_EQ(names(letters()), (std::vector<std::string>{"acknowledgement"}));  // nothing before the review
  ok({"dsar", "review", "DSAR-2026-001"});
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  auto sent = letters();
  ASSERT_EQ(names(sent), (std::vector<std::string>{"acknowledgement", "fulfilment", "package-password"}));
  says(sent[0], "Dear Mira Okafor");
  says(sent[1], "DSAR-2026-001_DSAR_PACKAGE.zip");
  says(sent[1], "the password for this file will be sent to you via a separate message");
  says(sent[1], "Information Commissioner's Office");
  EXPECT_EQ(sent[1].text.find("not yet complete"), std::string::npos);
  // The outbox forgets the password once it is sent; the message as it went is the .eml.
  says(sent[2], "[the password was removed after sending]");
  std::string password_mail;
  for (const auto& e : fs::directory_iterator(maestro.home() / "outbox")) {
    std::string mail = testing::read_file(e.path());
    if (mail.find("Password for your data") != std::string::npos) password_mail = mail;
  }
  EXPECT_NE(password_mail.find("The password for the file we sent you separately"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(password_mail, m, std::regex("\\n\\s+(\\S{16,})\\r?\\n"))) << password_mail;
  EXPECT_EQ(sent[1].text.find(m[1].str()), std::string::npos);  // never beside the package
  std::string open = "7z t -p'" + m[1].str() + "' " +
                     (maestro.dir() / "exports/DSAR-2026-001/DSAR-2026-001_DSAR_PACKAGE.zip").string() +
                     " >/dev/null 2>&1";
  EXPECT_EQ(std::system(open.c_str()), 0) << "the password letter opens the package";
  json shown = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(shown["deliveries"][0]["status"], "delivered");
  EXPECT_EQ(shown["state"], "fulfilled");
}

TEST_F(WholeRequest, Erasure) {
  open("erasure");
  closing_is_refused("erasure not carried out yet (maestro dsar delete --case DSAR-2026-001)");
  ok({"dsar", "delete", "--case", "DSAR-2026-001"});
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM members WHERE email = 'mira.okafor@allotments.example'"), 0);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM bookings WHERE member_id = 1"), 2);  // the accounts keep them
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  auto sent = letters();
  ASSERT_EQ(names(sent), (std::vector<std::string>{"acknowledgement", "deletion-confirmation"}));
  says(sent[1], "The accounts must be kept for six years");
}

TEST_F(WholeRequest, Rectification) {
  open("rectification");
  closing_is_refused("rectification not carried out yet");
  ok({"dsar", "rectify", "--case", "DSAR-2026-001", "--set", "members.city=Keighley"});
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM members WHERE id = 1 AND city = 'Keighley'"), 1);
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM members WHERE id = 2 AND city = 'Halifax'"), 1);
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  auto sent = letters();
  ASSERT_EQ(names(sent), (std::vector<std::string>{"acknowledgement", "rectification-confirmation"}));
  says(sent[1], "DSAR-2026-001");
}

TEST_F(WholeRequest, Restriction) {
  open("restriction");
  closing_is_refused("restriction not carried out yet (maestro dsar restrict --case DSAR-2026-001)");
  ok({"dsar", "restrict", "--case", "DSAR-2026-001"});
  EXPECT_EQ(count_rows(db(), "SELECT count(*) FROM members WHERE labels = 'data-restricted'"), 1);
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  EXPECT_EQ(names(letters()), (std::vector<std::string>{"acknowledgement", "restriction-confirmation"}));
}

TEST_F(WholeRequest, Objection) {
  open("objection");
  closing_is_refused("objection not carried out yet (maestro dsar object --case DSAR-2026-001)");
  ok({"dsar", "object", "--case", "DSAR-2026-001"});
  EXPECT_EQ(count_rows(db(), "SELECT profiling FROM preferences WHERE email = 'mira.okafor@allotments.example'"), 0);
  EXPECT_EQ(count_rows(db(), "SELECT profiling FROM preferences WHERE email = 'tomas.lind@allotments.example'"), 1);
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  EXPECT_EQ(names(letters()), (std::vector<std::string>{"acknowledgement", "objection-confirmation"}));
}

TEST_F(WholeRequest, OptOutOfSale) {
  open("ccpa-opt-out-of-sale", "ccpa");
  closing_is_refused("objection not carried out yet");
  ok({"dsar", "object", "--case", "DSAR-2026-001"});
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  auto sent = letters();
  ASSERT_EQ(names(sent), (std::vector<std::string>{"acknowledgement", "objection-confirmation"}));
  says(sent[1], "We have received your objection (DSAR-2026-001)");
}

// A refusal the requester never hears of is one the law does not allow: two wrong answers deny
// the request, and the refusal letter goes with the reason and the complaint route.
TEST_F(WholeRequest, AnAutomaticRefusalSendsTheRefusalLetter) {
  ok({"dsar", "intake", "--subject", "email:mira.okafor@allotments.example", "--name", "Mira Okafor", "--rights",
      "access", "--jurisdiction", "uk-gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001"});
  ok({"dsar", "verify", "check", "DSAR-2026-001", "--answer", "bookings.plot=Z-99"});
  ok({"dsar", "verify", "check", "DSAR-2026-001", "--answer", "bookings.plot=Z-98"});
  json shown = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(shown["state"], "denied");
  auto sent = letters();
  ASSERT_EQ(names(sent), (std::vector<std::string>{"acknowledgement", "refusal"}));
  says(sent[1], "your identity could not be verified");
  says(sent[1], "Information Commissioner's Office");
}

}  // namespace
}  // namespace maestro::e2e
