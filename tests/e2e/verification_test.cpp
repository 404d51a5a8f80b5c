// End to end: identity checks and letters, with a real SMTP server (aiosmtpd) on loopback and
// knowledge factors checked against a copy of Chinook.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "maestro_runner.hpp"
#include "support/smtp_server.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string k_email = "luisg@embraer.com.br";  // Chinook's customer 1

std::string header(const std::string& message, const std::string& name) {
  std::smatch m;
  if (std::regex_search(message, m, std::regex("(^|\\n)" + name + ": ([^\\r\\n]*)"))) return m[2].str();
  return "";
}

std::string code_in(const std::string& message) {
  std::smatch m;
  if (std::regex_search(message, m, std::regex("\\n\\s+([0-9]{6})\\r?\\n"))) return m[1].str();
  return "";
}

class Verification : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/bin/python3") || std::system("/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null") != 0) {
      if (testing::datasets_required()) FAIL() << "python3-aiosmtpd is missing (scripts/bootstrap --test installs it)";
      GTEST_SKIP() << "python3-aiosmtpd is not installed: skipping the mail tests";
    }
    ASSERT_TRUE(smtp.start());
    write_config(true);
  }
  void write_config(bool with_smtp) {
    std::ofstream config(maestro.dir() / "maestro.yaml");
    config << "organisation: {name: Chinook Music, dpo_email: dpo@chinook.example}\n";
    if (with_smtp) config << "mail: {from: dpo@chinook.example, smtp: \"" << smtp.url() << "\", tls: none}\n";
    config << "datamap: datamap.yaml\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }
  void chinook(const fs::path& datasets) {
    fs::copy_file(datasets / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
    fs::copy_file(testing::fixture("chinook.datamap.yaml"), maestro.dir() / "datamap.yaml");
  }
  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r;
  }
  void intake(const std::string& rights) {
    ok({"dsar", "intake", "--subject", k_email, "--name", "Luís Gonçalves", "--rights", rights, "--jurisdiction",
        "gdpr"});
    ok({"dsar", "ack", "DSAR-2026-001"});
  }
  std::string send_code() {
    std::size_t before = smtp.messages().size();
    ok({"dsar", "verify", "start", "DSAR-2026-001", "--method", "email-code"});
    auto mails = smtp.messages();
    EXPECT_EQ(mails.size(), before + 1);
    return mails.empty() ? "" : code_in(mails.back());
  }
  std::string state() {
    return json::parse(maestro.run({"dsar", "show", "DSAR-2026-001", "--json"}).out)["state"].get<std::string>();
  }

  Maestro maestro;
  testing::SmtpServer smtp{maestro.dir() / "smtp"};
};

TEST_F(Verification, TheRequesterGetsTheAcknowledgementTheCodeTheFulfilmentAndThePasswordApart) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  intake("access");
  auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(header(mails[0], "To"), k_email);
  EXPECT_EQ(header(mails[0], "From"), "dpo@chinook.example");
  EXPECT_EQ(header(mails[0], "Subject"), "DSAR Received [Case #DSAR-2026-001]");
  EXPECT_NE(mails[0].find("Dear Lu"), std::string::npos);

  std::string code = send_code();
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(header(smtp.messages().back(), "Subject"), "Your verification code [Case #DSAR-2026-001]");
  RunResult checked = ok({"dsar", "verify", "check", "DSAR-2026-001", "--code", code, "--json"});
  EXPECT_TRUE(json::parse(checked.out)["passed"].get<bool>());
  EXPECT_EQ(state(), "verified");

  RunResult exported = ok({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/DSAR-2026-001/", "--notify"});
  EXPECT_EQ(exported.out.find("Password"), std::string::npos) << exported.out;  // sealed for the letter
  // Staged for the DPO's review: nothing reaches the requester before approval.
  EXPECT_EQ(smtp.messages().size(), 2u);
  ok({"dsar", "review", "DSAR-2026-001"});
  ok({"dsar", "fulfil", "DSAR-2026-001"});
  mails = smtp.messages();
  ASSERT_EQ(mails.size(), 4u);
  EXPECT_EQ(header(mails[2], "Subject"), "Your Data Subject Access Request is Complete [Case #DSAR-2026-001]");
  EXPECT_EQ(header(mails[3], "Subject"), "Password for your data [Case #DSAR-2026-001]");
  EXPECT_EQ(mails[2].find("Password"), std::string::npos);  // never in the same message as the package
  std::smatch m;
  ASSERT_TRUE(std::regex_search(mails[3], m, std::regex("\\n\\s+(\\S{16,})\\r?\\n")));
  std::string password = m[1].str();
  std::string open = "7z t -p'" + password + "' " +
                     (maestro.dir() / "exports/DSAR-2026-001/DSAR-2026-001_DSAR_PACKAGE.zip").string() +
                     " >/dev/null 2>&1";
  EXPECT_EQ(std::system(open.c_str()), 0) << "the mailed password opens the package";
  // Nothing of the code, the password or the address is in the audit trail or the store in clear.
  std::string trail = ok({"audit", "show", "--json"}).out;
  EXPECT_EQ(trail.find(code), std::string::npos);
  EXPECT_EQ(trail.find(password), std::string::npos);
  EXPECT_EQ(trail.find(k_email), std::string::npos);
  std::string store = testing::read_file(maestro.home() / "maestro.db");
  EXPECT_EQ(store.find(password), std::string::npos);
  EXPECT_EQ(store.find(k_email), std::string::npos);
  EXPECT_NE(ok({"outbox", "show", "4"}).out.find("[the password was removed after sending]"), std::string::npos);
}

TEST_F(Verification, AWrongCodeTwiceDeniesTheCase) {
  intake("access");
  std::string code = send_code();
  std::string wrong = code == "000000" ? "111111" : "000000";
  ok({"dsar", "verify", "check", "DSAR-2026-001", "--code", wrong});
  EXPECT_EQ(state(), "awaiting_verification");
  RunResult denied = ok({"dsar", "verify", "check", "DSAR-2026-001", "--code", wrong});
  EXPECT_EQ(state(), "denied");
  // An automatic refusal is still a refusal: the requester gets its letter, with the complaint route.
  EXPECT_NE(denied.out.find("refusal letter was sent"), std::string::npos) << denied.out;
  json letters = json::parse(ok({"outbox", "list", "--json"}).out);
  std::int64_t refusal = 0;
  for (const auto& l : letters) {
    if (l["letter"] == "refusal") refusal = l["id"].get<std::int64_t>();
  }
  ASSERT_NE(refusal, 0) << letters.dump();
  std::string text = ok({"outbox", "show", std::to_string(refusal)}).out;
  EXPECT_NE(text.find("complain to the supervisory authority of your EU Member State"), std::string::npos) << text;
  EXPECT_EQ(maestro.run({"dsar", "verify", "check", "DSAR-2026-001", "--code", code}).exit_code, 4);
}

TEST_F(Verification, AnExpiredOrReusedCodeIsRefused) {
  intake("access,erasure");  // erasure: two different checks are needed
  std::string code = send_code();
  maestro.set_now("2026-03-02T09:11:00Z");  // 11 minutes later
  RunResult expired = maestro.run({"dsar", "verify", "check", "DSAR-2026-001", "--code", code});
  EXPECT_EQ(expired.exit_code, 4);
  EXPECT_NE(expired.err.find("expired"), std::string::npos);
  EXPECT_EQ(state(), "awaiting_verification");  // refused, not counted as a failure
  code = send_code();
  ok({"dsar", "verify", "check", "DSAR-2026-001", "--code", code});
  EXPECT_EQ(state(), "awaiting_verification");  // one of two checks
  RunResult reused = maestro.run({"dsar", "verify", "check", "DSAR-2026-001", "--code", code});
  EXPECT_EQ(reused.exit_code, 4);
  EXPECT_NE(reused.err.find("already been used"), std::string::npos);
  ok({"dsar", "verify", "record", "DSAR-2026-001", "--document", "passport", "--outcome", "passed"});
  EXPECT_EQ(state(), "verified");
  EXPECT_EQ(maestro.run({"dsar", "verify", "check", "DSAR-2026-001", "--code", "12ab"}).exit_code, 2);
}

TEST_F(Verification, AKnowledgeFactorMatchesOnlyThePersonsOwnRecords) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  chinook(datasets);
  intake("access");
  long long own = count_rows(maestro.dir() / "chinook.db", "SELECT min(InvoiceId) FROM Invoice WHERE CustomerId = 1");
  long long other = count_rows(maestro.dir() / "chinook.db", "SELECT min(InvoiceId) FROM Invoice WHERE CustomerId = 2");
  RunResult wrong = ok(
      {"dsar", "verify", "check", "DSAR-2026-001", "--answer", "invoice.InvoiceId=" + std::to_string(other), "--json"});
  EXPECT_FALSE(json::parse(wrong.out)["passed"].get<bool>());
  EXPECT_EQ(state(), "awaiting_verification");
  RunResult right = ok(
      {"dsar", "verify", "check", "DSAR-2026-001", "--answer", "invoice.InvoiceId=" + std::to_string(own), "--json"});
  EXPECT_TRUE(json::parse(right.out)["passed"].get<bool>());
  EXPECT_EQ(state(), "verified");
  EXPECT_EQ(ok({"audit", "show", "--json"}).out.find("InvoiceId=" + std::to_string(own)), std::string::npos);
}

TEST_F(Verification, WhenTheMailServerIsDownTheLetterWaitsAndGoesOnceItIsBack) {
  smtp.stop();
  intake("access");
  RunResult list = ok({"outbox", "list", "--json"});
  json messages = json::parse(list.out);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["state"], "pending");
  EXPECT_EQ(maestro.run({"outbox", "send"}).exit_code, 5);  // not due yet, or still down
  ASSERT_TRUE(smtp.start());
  maestro.set_now("2026-03-02T09:30:00Z");  // past the retry pause
  RunResult sent = ok({"outbox", "send"});
  EXPECT_NE(sent.out.find("1 sent"), std::string::npos) << sent.out;
  auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(header(mails[0], "Subject"), "DSAR Received [Case #DSAR-2026-001]");
  EXPECT_EQ(json::parse(ok({"outbox", "list", "--json"}).out)[0]["state"], "sent");
}

// A sender that died while handing a letter to the mail server leaves it "sending": it is not
// sent again by itself, and an operator settles it from the mail server's log.
TEST_F(Verification, ALetterLeftSendingIsSettledByHandAndSentOnce) {
  smtp.stop();
  intake("access");
  exec_sql(maestro.home() / "maestro.db", "UPDATE outbox SET state = 'sending' WHERE id = 1");  // its sender died
  ASSERT_TRUE(smtp.start());
  maestro.set_now("2026-03-02T09:30:00Z");
  ok({"outbox", "send"});
  EXPECT_TRUE(smtp.messages().empty());  // never sent twice by itself
  EXPECT_EQ(maestro.run({"outbox", "settle", "1", "--checked", "Postfix log"}).exit_code, 2);  // which?
  RunResult settled = ok({"outbox", "settle", "1", "--not-sent", "--checked", "no such Message-ID in the Postfix log"});
  EXPECT_NE(settled.out.find("will be sent again"), std::string::npos) << settled.out;
  ok({"outbox", "send"});
  ASSERT_EQ(smtp.messages().size(), 1u);
  EXPECT_EQ(json::parse(ok({"outbox", "list", "--json"}).out)[0]["state"], "sent");
  RunResult again = maestro.run({"outbox", "settle", "1", "--sent", "--checked", "twice"});
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_NE(again.err.find("is sent, not sending"), std::string::npos) << again.err;
  std::string trail = ok({"audit", "show", "--json"}).out;
  EXPECT_NE(trail.find("no such Message-ID in the Postfix log"), std::string::npos);
}

TEST_F(Verification, WithoutSmtpLettersAreWrittenAsEmlFiles_AndStaleRequestsAreRemindedThenClosed) {
  write_config(false);
  intake("access");
  ok({"dsar", "verify", "start", "DSAR-2026-001", "--method", "document"});
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(maestro.home() / "outbox")) files += e.path().extension() == ".eml";
  EXPECT_EQ(files, 2u);  // acknowledgement and verification request
  EXPECT_TRUE(smtp.messages().empty());
  maestro.set_now("2026-03-03T10:00:00Z");  // 25 hours later
  EXPECT_NE(ok({"dsar", "sweep"}).out.find("DSAR-2026-001: reminded"), std::string::npos);
  EXPECT_EQ(ok({"dsar", "sweep"}).out.find("reminded"), std::string::npos);  // once only
  maestro.set_now("2026-03-09T10:00:00Z");                                   // past 7 days
  EXPECT_NE(ok({"dsar", "sweep"}).out.find("closed-unverified"), std::string::npos);
  EXPECT_EQ(state(), "denied");
  std::string letters = ok({"outbox", "list"}).out;
  EXPECT_NE(letters.find("verification-reminder"), std::string::npos);
  EXPECT_NE(letters.find("refusal"), std::string::npos);
  std::string refusal = ok({"outbox", "show", "4"}).out;
  EXPECT_NE(refusal.find("identity could not be verified"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("complain"), std::string::npos);
}

}  // namespace
}  // namespace maestro::e2e
