// End to end: the privacy inbox. Messages are appended with curl (not Maestro's code) to a
// folder of a real IMAP server (dovecot, started by tests/servers/imap) in English, German and
// French, plain, quoted-printable, base64 and HTML-only, with and without an attachment, with an
// auto-reply, a bounce, a message that is none, one over the size limit and a header-injection
// attempt; maestro mail fetch turns each into the expected draft or sets it aside, moves it out
// of the inbox, and reads nothing twice; a draft becomes a case received when the message was.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "maestro_runner.hpp"
#include "support/test_support.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class MailIntake : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* servers = std::getenv("MAESTRO_TEST_SERVERS");
    std::ifstream state(servers ? std::string(servers) + "/imap.state" : "");
    if (!(state >> port >> server_dir)) {
      if (testing::datasets_required()) FAIL() << "the IMAP fixture is missing";
      GTEST_SKIP() << "no IMAP fixture: skipping";
    }
    folder = "Test-" + to_hex(random_bytes(4));
    ASSERT_EQ(imap("", "CREATE " + folder), 0);
    maestro.set_env("IMAP_PASSWORD", "imap-test-password");
  }

  void configure(const std::string& extra = "") {
    std::ofstream(maestro.dir() / "maestro.yaml")
        << "mail:\n  imap: imaps://privacy@127.0.0.1:" << port << "/" << folder
        << "\n  imap_password_env: IMAP_PASSWORD\n  imap_ca_file: " << server_dir << "/ca.pem\n"
        << "  imap_processed_folder: " << folder << "-Processed\n  imap_ignored_folder: " << folder << "-Ignored\n"
        << extra;
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }

  // curl's own IMAP client, as a mail program would use it.
  int imap(const std::string& path, const std::string& request, const std::string& out = "/dev/null") const {
    std::string cmd = "curl -s -u privacy:imap-test-password --cacert " + server_dir + "/ca.pem 'imaps://127.0.0.1:" +
                      port + "/" + path + "'" + (request.empty() ? "" : " -X '" + request + "'") + " > " + out +
                      " 2>&1";
    return std::system(cmd.c_str());
  }

  void append(const std::string& message) {
    fs::path file = maestro.dir() / ("message-" + std::to_string(++appended) + ".eml");
    std::string crlf;
    for (char c : message) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    std::ofstream(file, std::ios::binary) << crlf;
    std::string cmd = "curl -s -u privacy:imap-test-password --cacert " + server_dir + "/ca.pem -T " + file.string() +
                      " 'imaps://127.0.0.1:" + port + "/" + folder + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  std::size_t count_in(const std::string& which) {
    fs::path out = maestro.dir() / "search.txt";
    if (imap(which, "UID SEARCH ALL", out.string()) != 0) return 0;
    std::string text = testing::read_file(out);
    auto at = text.find("* SEARCH");
    if (at == std::string::npos) return 0;
    std::size_t n = 0;
    for (char c : text.substr(at + 8))
      if (c == ' ') ++n;
    return n;
  }

  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args.front() << " " << args.back() << "\n" << r.err << r.out;
    return r;
  }

  json drafts() { return json::parse(ok({"mail", "list", "--state", "all", "--json", "--limit", "100"}).out); }

  json draft_with_subject(const std::string& subject) {
    for (const auto& d : drafts())
      if (d["subject"] == subject) return d;
    return json();
  }

  Maestro maestro;
  std::string port, server_dir, folder;
  int appended = 0;
};

const char* k_seed002 =
    "From: Jane Doe <Jane.Doe@example.com>\nTo: support@example.com\nSubject: Privacy Request - Delete My Data\n"
    "Message-ID: <seed002@example.com>\nDate: Mon, 2 Mar 2026 09:00:00 +0000\n\n"
    "Hello,\nplease delete my data. My last order was #HD12345, phone +44 20 7946 0000.\n\nKind regards,\nJane Doe\n";

const char* k_german =
    "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>\nTo: dpo@example.com\n"
    "Subject: Auskunft nach Art. 15 DSGVO\nMessage-ID: <de1@example.de>\nDate: Tue, 3 Mar 2026 10:00:00 +0100\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n"
    "Sehr geehrte Damen und Herren,\nich bitte um Auskunft =C3=BCber meine Daten und eine Kopie meiner Daten.\n\n"
    "Mit freundlichen Gr=C3=BC=C3=9Fen\nJ=C3=BCrgen M=C3=BCller\n";

// HTML only, base64: "<p>Bonjour,</p><p>je demande l'exercice de mon droit d'acc&egrave;s &agrave; mes
// donn&eacute;es.</p><p>Cordialement,<br>Claire Martin</p>"
const char* k_french =
    "From: claire.martin@example.fr\nTo: dpo@example.com\nSubject: Demande RGPD\nMessage-ID: <fr1@example.fr>\n"
    "Date: Wed, 4 Mar 2026 11:00:00 +0100\nMIME-Version: 1.0\nContent-Type: text/html; charset=UTF-8\n"
    "Content-Transfer-Encoding: base64\n\n"
    "PHA+Qm9uam91ciw8L3A+PHA+amUgZGVtYW5kZSBsJ2V4ZXJjaWNlIGRlIG1vbiBkcm9pdCBkJ2FjYyZlZ3JhdmU7cyAmYWdyYXZlOyBtZXMg\n"
    "ZG9ubiZlYWN1dGU7ZXMuPC9wPjxwPkNvcmRpYWxlbWVudCw8YnI+Q2xhaXJlIE1hcnRpbjwvcD4=\n";

const char* k_with_scan =
    "From: Sam Lee <sam@example.net>\nTo: dpo@example.com\nSubject: my request\nMessage-ID: <scan1@example.net>\n"
    "Date: Thu, 5 Mar 2026 12:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
    "--b1\nContent-Type: text/plain; charset=us-ascii\n\nI would like a copy of my data please. ID attached.\n"
    "--b1\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"id-scan.png\"\n"
    "Content-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==\n"
    "--b1--\n";

const char* k_auto_reply =
    "From: Bob <bob@example.org>\nTo: dpo@example.com\nSubject: Automatic reply: Privacy request\n"
    "Auto-Submitted: auto-replied\nMessage-ID: <ar1@example.org>\n\nI am out of the office.\n";

const char* k_bounce =
    "From: Mail Delivery System <MAILER-DAEMON@mail.example.com>\nTo: dpo@example.com\n"
    "Subject: Undelivered Mail Returned to Sender\nMessage-ID: <bounce1@mail.example.com>\nMIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r1\"\n\n"
    "--r1\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
    "--r1\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; gone@example.com\nAction: failed\n"
    "--r1--\n";

const char* k_injection =
    "From: =?UTF-8?Q?Eve=0D=0ABcc=3A_victim=40evil.example?= <eve@example.com>\nTo: dpo@example.com\n"
    "Subject: =?UTF-8?Q?Right_of_access=0D=0ABcc:_x@evil.example?=\nMessage-ID: <inj1@example.com>\n\n"
    "I ask for access to my data.\n";

TEST_F(MailIntake, EachMessageBecomesTheExpectedDraftOrIsSetAsideAndNothingIsReadTwice) {
  configure("  max_message_mb: 1\n");
  for (const char* m : {k_seed002, k_german, k_french, k_with_scan, k_auto_reply, k_bounce, k_injection}) append(m);
  append("this is no email message at all\n");
  append("From: big@example.com\nSubject: Delete my data\nMessage-ID: <big@example.com>\n\n" +
         std::string(1536 * 1024, 'x') + "\n");
  RunResult fetched = ok({"mail", "fetch", "--json"});
  json report = json::parse(fetched.out);
  EXPECT_EQ(report["drafts"], 5) << fetched.out;
  EXPECT_EQ(report["ignored"], 4) << fetched.out;
  EXPECT_TRUE(report["problems"].empty()) << fetched.out;
  // Out of the inbox, into the two folders: nothing deleted, nothing read twice.
  EXPECT_EQ(count_in(folder), 0u);
  EXPECT_EQ(count_in(folder + "-Processed"), 5u);
  EXPECT_EQ(count_in(folder + "-Ignored"), 4u);
  EXPECT_EQ(json::parse(ok({"mail", "fetch", "--json"}).out)["read"], 0);

  json seed = draft_with_subject("Privacy Request - Delete My Data");
  EXPECT_EQ(seed["state"], "pending");
  EXPECT_EQ(seed["rights"], json::array({"erasure"}));
  EXPECT_EQ(seed["confidence"], "high");
  EXPECT_EQ(seed["name"], "Jane Doe");
  EXPECT_EQ(seed["received"], "2026-03-02T09:00:00Z");
  for (const char* id : {"email:jane.doe@example.com", "order_number:HD12345", "phone:+442079460000"})
    EXPECT_NE(std::find(seed["subjects"].begin(), seed["subjects"].end(), id), seed["subjects"].end()) << id << seed;

  json german = draft_with_subject("Auskunft nach Art. 15 DSGVO");
  EXPECT_EQ(german["rights"], json::array({"access"}));
  EXPECT_EQ(german["language"], "de");
  EXPECT_EQ(german["name"], "Jürgen Müller");
  EXPECT_EQ(german["jurisdiction"], "gdpr");

  json french = draft_with_subject("Demande RGPD");
  EXPECT_EQ(french["rights"], json::array({"access"})) << french;
  EXPECT_EQ(french["language"], "fr");
  EXPECT_EQ(french["name"], "Claire Martin");  // from the signature: the From header has no name
  EXPECT_EQ(french["confidence"], "medium");  // the right is in the text, not the subject

  json scan = draft_with_subject("my request");
  EXPECT_EQ(scan["rights"], json::array({"access"}));
  ASSERT_EQ(scan["attachments"].size(), 1u);
  EXPECT_NE(scan["attachments"][0].get<std::string>().find("id-scan.png (image/png"), std::string::npos);

  json injected;
  for (const auto& d : drafts())
    if (d["from"] == "eve@example.com") injected = d;
  ASSERT_FALSE(injected.is_null()) << drafts().dump(1);
  for (const char* field : {"name", "subject"}) {
    std::string value = injected[field];
    EXPECT_EQ(value.find_first_of("\r\n"), std::string::npos) << field << ": " << value;
  }

  std::map<std::string, int> reasons;
  for (const auto& d : drafts())
    if (d["state"] == "ignored") ++reasons[d["ignored_reason"].get<std::string>().substr(0, 9)];
  EXPECT_EQ(reasons["auto-repl"], 1);
  EXPECT_EQ(reasons["bounce"], 1);
  EXPECT_EQ(reasons["unreadabl"], 1);
  EXPECT_EQ(reasons["too large"], 1);

  // The operator confirms one, correcting nothing: the case is received when the message was.
  RunResult logged = ok({"dsar", "intake", "--from-mail", std::to_string(seed["id"].get<int>()), "--json"});
  json c = json::parse(logged.out);
  EXPECT_EQ(c["number"], "DSAR-2026-001");
  EXPECT_EQ(c["channel"], "email");
  EXPECT_EQ(c["received_at"], "2026-03-02T09:00:00Z");
  RunResult again = maestro.run({"dsar", "intake", "--from-mail", std::to_string(seed["id"].get<int>())});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("logged as DSAR-2026-001"), std::string::npos) << again.err;
  // Corrections replace the guess.
  RunResult corrected = ok({"dsar", "intake", "--from-mail", std::to_string(german["id"].get<int>()), "--rights",
                            "access,portability", "--json"});
  EXPECT_EQ(json::parse(corrected.out)["rights"], json::array({"access", "portability"}));
  ok({"mail", "ignore", std::to_string(scan["id"].get<int>()), "--reason", "a test"});
  // The trail and the store's clear columns hold no address.
  ok({"audit", "verify"});
  std::string trail = ok({"audit", "export"}).out;
  for (const char* person : {"jane.doe@example.com", "jm@example.de", "HD12345", "Jane Doe"})
    EXPECT_EQ(trail.find(person), std::string::npos) << person;
}

TEST_F(MailIntake, AConfidentRequestIsLoggedAndAcknowledgedAtOnceWhenConfigured) {
  configure("  imap_auto_log: true\n");
  append(k_seed002);
  append(k_french);
  json report = json::parse(ok({"mail", "fetch", "--json"}).out);
  EXPECT_EQ(report["logged"], 1) << report;
  EXPECT_EQ(report["drafts"], 1) << report;  // the French one is only medium: an operator confirms it
  json c = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_EQ(c["state"], "acknowledged");
  EXPECT_EQ(c["rights"], json::array({"erasure"}));
  json letters = json::parse(ok({"outbox", "list", "--json"}).out);
  ASSERT_FALSE(letters.empty());
  EXPECT_EQ(letters[0]["letter"], "acknowledgement") << letters;
}

// Every letter has a Message-ID naming its case and a Reply-To; the requester's reply joins the
// case as a note, its ID scan is evidence an operator looks at and checks, then it is destroyed.
// A message that claims to answer the case from another address joins nothing.
TEST_F(MailIntake, AReplyJoinsItsCaseAndItsIdScanIsDestroyedAfterTheCheck) {
  configure("  from: privacy@shop.example\n");
  append(k_seed002);
  json fetched = json::parse(ok({"mail", "fetch", "--json"}).out);
  ok({"dsar", "intake", "--from-mail", std::to_string(fetched["draft_ids"][0].get<int>())});
  ok({"dsar", "ack", "DSAR-2026-001"});
  std::string letter;
  for (const auto& entry : fs::recursive_directory_iterator(maestro.dir().path()))
    if (entry.path().extension() == ".eml") letter = testing::read_file(entry.path());
  ASSERT_FALSE(letter.empty()) << "no acknowledgement letter was written";
  EXPECT_NE(letter.find("Reply-To: privacy@shop.example"), std::string::npos) << letter;
  auto at = letter.find("Message-ID: <");
  ASSERT_NE(at, std::string::npos);
  std::string id = letter.substr(at + 13, letter.find('>', at) - at - 13);
  EXPECT_TRUE(id.starts_with("DSAR-2026-001.acknowledgement.")) << id;
  EXPECT_TRUE(id.ends_with("@shop.example")) << id;

  const std::string png_base64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
  auto reply = [&](const std::string& from, const std::string& message_id) {
    return "From: " + from + "\nTo: privacy@shop.example\nSubject: Re: your request\nMessage-ID: <" + message_id +
           ">\nIn-Reply-To: <" + id + ">\nReferences: <" + id +
           ">\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b2\"\n\n--b2\nContent-Type: text/plain\n\n"
           "Here is my passport scan.\n--b2\nContent-Type: image/png\nContent-Disposition: attachment; "
           "filename=\"passport.png\"\nContent-Transfer-Encoding: base64\n\n" +
           png_base64 + "\n--b2--\n";
  };
  append(reply("Jane Doe <jane.doe@example.com>", "reply1@example.com"));
  append(reply("Mallory <mallory@example.net>", "spoof1@example.net"));
  json second = json::parse(ok({"mail", "fetch", "--json"}).out);
  EXPECT_EQ(second["replies"], 1) << second;
  EXPECT_EQ(second["drafts"], 1) << second;  // the claim from another address: a draft, attached to nothing
  std::int64_t reply_id = 0, spoof_id = 0;
  for (const auto& d : drafts()) {
    if (d["from"] == "jane.doe@example.com" && d["state"] == "joined") reply_id = d["id"];
    if (d["from"] == "mallory@example.net") spoof_id = d["id"];
  }
  ASSERT_NE(reply_id, 0);
  ASSERT_NE(spoof_id, 0);
  json spoof = json::parse(ok({"mail", "show", std::to_string(spoof_id), "--json"}).out);
  EXPECT_EQ(spoof["state"], "pending");
  EXPECT_EQ(spoof["case"], "");
  EXPECT_NE(spoof["reasons"].dump().find("not from its requester"), std::string::npos) << spoof;
  json c = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_NE(c["notes"].dump().find("Here is my passport scan."), std::string::npos) << c["notes"];
  EXPECT_EQ(c["notes"].dump().find("mallory"), std::string::npos);
  // The reply with the scan is not kept in the mailbox: the sealed copy is the only one.
  EXPECT_EQ(count_in(folder), 0u);
  EXPECT_EQ(count_in(folder + "-Processed"), 2u);  // the request and the other address's message

  // The operator looks at the scan, records the check; the scan is destroyed.
  fs::path scan = maestro.dir() / "scan.png";
  ok({"mail", "evidence", std::to_string(reply_id), "--out", scan.string()});
  std::string png = testing::read_file(scan);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  ok({"mail", "check", std::to_string(reply_id), "--outcome", "passed", "--finding",
      "the passport's name and photo match the customer record"});
  RunResult gone = maestro.run({"mail", "evidence", std::to_string(reply_id), "--out", scan.string() + ".again"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("holds no attachment"), std::string::npos) << gone.err;
  json after = json::parse(ok({"mail", "show", std::to_string(reply_id), "--json"}).out);
  EXPECT_TRUE(after["attachments"].empty()) << after;
  EXPECT_NE(after["text"].get<std::string>().find("SHA-256 " + sha256_hex(png)), std::string::npos) << after["text"];
  c = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  EXPECT_NE(c["notes"].dump().find("name and photo match"), std::string::npos);
  std::string trail = ok({"audit", "export"}).out;
  EXPECT_NE(trail.find("evidence-destroyed"), std::string::npos);
  EXPECT_NE(trail.find(sha256_hex(png)), std::string::npos);
  EXPECT_EQ(trail.find("jane.doe@example.com"), std::string::npos);
  ok({"audit", "verify"});
}

TEST_F(MailIntake, AWrongPasswordAnUntrustedServerOrAPasswordInTheUrlIsAClearError) {
  append(k_seed002);
  configure();
  maestro.set_env("IMAP_PASSWORD", "wrong");
  RunResult refused = maestro.run({"mail", "fetch"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("refused the login"), std::string::npos) << refused.err;
  maestro.set_env("IMAP_PASSWORD", "imap-test-password");
  std::ofstream(maestro.dir() / "maestro.yaml") << "mail:\n  imap: imaps://privacy@127.0.0.1:" << port << "/" << folder
                                                << "\n  imap_password_env: IMAP_PASSWORD\n";
  RunResult untrusted = maestro.run({"mail", "fetch"});
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE(untrusted.err.find("not trusted"), std::string::npos) << untrusted.err;
  std::ofstream(maestro.dir() / "maestro.yaml") << "mail:\n  imap: imaps://privacy:secret@127.0.0.1:" << port << "/"
                                                << folder << "\n  imap_password_env: IMAP_PASSWORD\n";
  RunResult in_url = maestro.run({"mail", "fetch"});
  EXPECT_NE(in_url.exit_code, 0);
  EXPECT_NE(in_url.err.find("must not hold the password"), std::string::npos) << in_url.err;
  EXPECT_EQ(count_in(folder), 1u);  // nothing was taken from the inbox
  EXPECT_TRUE(drafts().empty());
}

}  // namespace
}  // namespace maestro::e2e
