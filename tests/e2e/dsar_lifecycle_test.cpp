// End to end: a privacy officer drives cases through the maestro binary.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "maestro_runner.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;

std::vector<std::string> intake_args(const std::string& subject = "jane.example@example.com") {
  return {"dsar",           "intake",
          "--subject",      subject,
          "--subject",      "customer_id:C-1042",
          "--name",         "Jane Example",
          "--rights",       "access,portability",
          "--jurisdiction", "uk-gdpr",
          "--received",     "2026-03-02T08:30:00Z",
          "--ticket",       "ZD-1"};
}

class Lifecycle : public ::testing::Test {
 protected:
  RunResult ok(const std::vector<std::string>& args, const std::string& in = "") {
    RunResult r = maestro.run(args, in);
    EXPECT_EQ(r.exit_code, 0) << "maestro " << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err;
    return r;
  }
  json show(const std::string& number) { return json::parse(ok({"dsar", "show", number, "--json"}).out); }
  long long events() { return count_rows(maestro.home() / "maestro.db", "SELECT count(*) FROM audit_events"); }

  Maestro maestro;
};

TEST_F(Lifecycle, ZeroConfigFirstRunCreatesStoreAndPrivateKey) {
  maestro.unset_env("MAESTRO_HOME");
  RunResult r = ok(intake_args());
  EXPECT_NE(r.out.find("Logged DSAR-2026-001"), std::string::npos) << r.out;
  auto home = maestro.dir() / ".maestro";
  EXPECT_TRUE(std::filesystem::exists(home / "maestro.db"));
  struct stat info {};
  ASSERT_EQ(::stat((home / "secret.key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(Lifecycle, ARequestFromIntakeToFulfilment) {
  RunResult intake = ok(intake_args());
  EXPECT_NE(intake.out.find("Legal due           2026-04-02"), std::string::npos) << intake.out;
  maestro.set_now("2026-03-02T10:00:00Z");
  ok({"dsar", "ack", "DSAR-2026-001"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "document", "--outcome", "requested"});
  ok({"dsar", "pause", "DSAR-2026-001", "--reason", "awaiting-identity"});
  maestro.set_now("2026-03-05T10:00:00Z");
  ok({"dsar", "resume", "DSAR-2026-001"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "document"});
  ok({"dsar", "start", "DSAR-2026-001"});
  ok({"dsar", "note", "DSAR-2026-001", "Exported from billing"});
  ok({"dsar", "review", "DSAR-2026-001"});
  maestro.set_now("2026-03-09T16:00:00Z");
  // Nothing was exported through Maestro: closing is refused (and changes nothing), until the DPO
  // records why it may close anyway.
  RunResult refused = maestro.run({"dsar", "fulfil", "DSAR-2026-001"});
  EXPECT_EQ(refused.exit_code, 4) << refused.err;
  EXPECT_NE(refused.err.find("no access package yet"), std::string::npos) << refused.err;
  EXPECT_EQ(maestro.run({"dsar", "fulfil", "DSAR-2026-001", "--exception", "no"}).exit_code, 2);
  ok({"dsar", "fulfil", "DSAR-2026-001", "--exception", "Billing export sent by registered post"});

  json c = show("DSAR-2026-001");
  EXPECT_EQ(c["state"], "fulfilled");
  EXPECT_EQ(c["received_at"], "2026-03-02T08:30:00Z");
  EXPECT_EQ(c["closed_at"], "2026-03-09T16:00:00Z");
  EXPECT_EQ(c["deadlines"]["legal_due"], "2026-04-07");  // 2 Apr + 3 days stopped = 5 Apr (Sun) -> Easter -> 7 Apr
  EXPECT_EQ(c["deadlines"]["legal_clock_paused_days"], 3);
  EXPECT_EQ(c["deadlines"]["completed_on_time"], true);
  EXPECT_EQ(c["subject"]["identifiers"][0]["value"], "jane.example@example.com");

  // Ten changes of the case, and the acknowledgement letter queued and written as an .eml file
  // (no SMTP configured).
  RunResult verify = ok({"audit", "verify"});
  EXPECT_NE(verify.out.find("intact: 12 events"), std::string::npos) << verify.out;
  RunResult trail = ok({"audit", "show", "--case", "DSAR-2026-001", "--json"});
  EXPECT_EQ(std::count(trail.out.begin(), trail.out.end(), '\n'), 12);
  EXPECT_NE(trail.out.find("\"outcome\":\"manual\""), std::string::npos);
  EXPECT_NE(ok({"outbox", "list"}).out.find("acknowledgement"), std::string::npos);
  EXPECT_EQ(trail.out.find("jane.example"), std::string::npos);
  EXPECT_EQ(trail.out.find("Exported from billing"), std::string::npos);
  EXPECT_NE(trail.out.find("\"actor\":\"e2e-operator\""), std::string::npos);
}

TEST_F(Lifecycle, RawIdentifiersNeverReachTheStoreFileOrTheAuditExport) {
  ok(intake_args("findable.person@example.org"));
  ok({"audit", "export", "--out", (maestro.dir() / "trail.jsonl").string()});
  exec_sql(maestro.home() / "maestro.db", "PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_EQ(testing::read_file(maestro.home() / "maestro.db").find("findable.person"), std::string::npos);
  EXPECT_EQ(testing::read_file(maestro.home() / "maestro.db").find("Jane Example"), std::string::npos);
  std::string trail = testing::read_file(maestro.dir() / "trail.jsonl");
  EXPECT_NE(trail.find("\"action\":\"intake\""), std::string::npos);
  EXPECT_EQ(trail.find("findable.person"), std::string::npos);
}

TEST_F(Lifecycle, IntakeFromAJsonFileAndFromStandardInput) {
  std::ofstream(maestro.dir() / "request.json")
      << R"({"subjects": ["sam@example.com"], "name": "Sam", "rights": ["erasure"], "jurisdiction": "ccpa",
            "received": "2026-03-01T12:00:00Z"})";
  RunResult file = ok({"dsar", "intake", "--from-json", (maestro.dir() / "request.json").string(), "--json"});
  EXPECT_EQ(json::parse(file.out)["deadlines"]["legal_due"], "2026-04-15");  // 45 calendar days
  RunResult piped = ok({"dsar", "intake", "--from-json", "-", "--json"},
                       R"({"subject": "+1 415 555 0100", "rights": "ccpa-opt-out-of-sale", "jurisdiction": "ccpa"})");
  EXPECT_EQ(json::parse(piped.out)["number"], "DSAR-2026-002");
  RunResult mixed = maestro.run({"dsar", "intake", "--from-json", "-", "--rights", "access"}, "{}");
  EXPECT_EQ(mixed.exit_code, 2);
}

TEST_F(Lifecycle, DuplicateRequestsAreFlaggedNotRefused) {
  ok(intake_args());
  maestro.set_now("2026-05-02T09:00:00Z");
  RunResult again = ok(intake_args("Jane.Example@Example.com"));
  EXPECT_NE(again.err.find("may duplicate an earlier request for the same subject and right: DSAR-2026-001"),
            std::string::npos)
      << again.err;
}

struct BadInput {
  std::vector<std::string> args;
  int exit_code;
  const char* message;
};

TEST_F(Lifecycle, BadInputGetsAOneLineErrorAndWritesNothing) {
  ok(intake_args());
  long long before = events();
  std::vector<BadInput> cases{
      {{"dsar", "intake", "--subject", "a@example.com", "--rights", "access", "--jurisdiction", "uk-gdpr", "--received",
        "31/01/2026"},
       2,
       "invalid time '31/01/2026'"},
      {{"dsar", "intake", "--subject", "a@example.com", "--rights", "access,teleport", "--jurisdiction", "uk-gdpr"},
       2,
       "unknown right 'teleport'"},
      {{"dsar", "intake", "--subject", "a@example.com", "--rights", "access", "--jurisdiction", "narnia"},
       2,
       "unknown jurisdiction 'narnia'"},
      {{"dsar", "intake", "--subject", "email:a@b", "--rights", "access", "--jurisdiction", "gdpr"},
       2,
       "invalid email address"},
      {{"dsar", "intake", "--rights", "access", "--jurisdiction", "gdpr"}, 2, "at least one subject identifier"},
      {{"dsar", "show", "DSAR-2026-042"}, 3, "no case DSAR-2026-042"},
      {{"dsar", "ack", "not-a-case"}, 2, "invalid case number 'NOT-A-CASE'"},
      {{"dsar", "start", "DSAR-2026-001"}, 4, "cannot start DSAR-2026-001: it is received"},
      {{"dsar", "deny", "DSAR-2026-001", "--reason", "bored"}, 2, "unknown denial reason 'bored'"},
      {{"dsar", "list", "--due-before", "tomorrow"}, 2, "invalid date 'tomorrow'"},
      {{"report", "metrics", "--from", "2026-02-01", "--to", "2026-01-01"}, 2, "is before --from"},
      {{"dsar", "frobnicate"}, 2, "frobnicate"},
  };
  for (const auto& c : cases) {
    RunResult r = maestro.run(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.message << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("maestro: error: "), 0u) << r.err;
  }
  EXPECT_EQ(events(), before);
  EXPECT_EQ(count_rows(maestro.home() / "maestro.db", "SELECT count(*) FROM cases"), 1);
}

TEST_F(Lifecycle, TwoFailedIdentityChecksDenyTheCase) {
  ok(intake_args());
  ok({"dsar", "ack", "DSAR-2026-001"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge", "--outcome", "failed"});
  RunResult second = ok({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge", "--outcome", "failed"});
  EXPECT_NE(second.err.find("was denied"), std::string::npos);
  EXPECT_EQ(show("DSAR-2026-001")["denial_reason"], "identity-not-verified");
}

TEST_F(Lifecycle, ExtensionIsRefusedAfterTheOriginalDeadline) {
  ok(intake_args());
  maestro.set_now("2026-04-03T09:00:00Z");
  RunResult late = maestro.run({"dsar", "extend", "DSAR-2026-001", "--reason", "complex"});
  EXPECT_EQ(late.exit_code, 4);
  EXPECT_NE(late.err.find("has passed"), std::string::npos);
  maestro.set_now("2026-04-01T09:00:00Z");
  ok({"dsar", "extend", "DSAR-2026-001", "--reason", "complex"});
  EXPECT_EQ(show("DSAR-2026-001")["deadlines"]["legal_due"], "2026-06-02");  // 2 Jun 2026, a Tuesday
}

TEST_F(Lifecycle, ListFiltersAndOverdue) {
  ok(intake_args());
  ok({"dsar", "intake", "--subject", "b@example.com", "--rights", "erasure", "--jurisdiction", "ccpa"});
  maestro.set_now("2026-04-10T09:00:00Z");
  RunResult overdue = ok({"dsar", "list", "--overdue"});
  EXPECT_NE(overdue.out.find("DSAR-2026-001"), std::string::npos);
  EXPECT_EQ(overdue.out.find("DSAR-2026-002"), std::string::npos);  // CCPA: 45 days
  json erasures = json::parse(ok({"dsar", "list", "--right", "erasure", "--json"}).out);
  ASSERT_EQ(erasures.size(), 1u);
  EXPECT_EQ(erasures[0]["jurisdiction"], "ccpa");
}

TEST_F(Lifecycle, TamperingWithTheStoreIsDetected) {
  ok(intake_args());
  ok({"dsar", "ack", "DSAR-2026-001"});
  ok({"dsar", "withdraw", "DSAR-2026-001"});
  exec_sql(maestro.home() / "maestro.db", "UPDATE audit_events SET actor = 'someone-else' WHERE sequence = 2");
  RunResult r = maestro.run({"audit", "verify"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("BROKEN at event 2"), std::string::npos) << r.err;
}

TEST_F(Lifecycle, AMissingKeyFileIsAnErrorAndNothingIsCreated) {
  ok(intake_args());
  std::filesystem::remove(maestro.home() / "secret.key");
  RunResult r = maestro.run({"dsar", "list"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("key file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(maestro.home() / "secret.key"));
}

TEST_F(Lifecycle, ACorruptStoreIsReported) {
  std::filesystem::create_directories(maestro.home());
  std::ofstream(maestro.home() / "maestro.db") << std::string(4096, 'x');
  std::ofstream(maestro.home() / "secret.key") << std::string(64, 'a') << "\n";
  std::filesystem::permissions(maestro.home() / "secret.key",
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  RunResult r = maestro.run({"dsar", "list"});
  EXPECT_EQ(r.exit_code, 6);
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
}

// Issue 15: the words Maestro puts inside a letter (rights, the proof asked for, the refusal's
// reason) are in the requester's language too, not only the letter around them.
TEST_F(Lifecycle, AFrenchCaseGetsFrenchWordsInsideItsLetters) {
  ok({"dsar", "intake", "--subject", "jeanne@example.fr", "--name", "Jeanne Exemple", "--rights", "access,erasure",
      "--jurisdiction", "gdpr", "--language", "fr", "--received", "2026-03-02T09:00:00Z"});
  ok({"dsar", "ack", "DSAR-2026-001"});
  std::string ack = ok({"outbox", "show", "1"}).out;
  EXPECT_NE(ack.find("Demande reçue"), std::string::npos) << ack;
  EXPECT_NE(ack.find("(accès et effacement)"), std::string::npos) << ack;
  EXPECT_NE(ack.find("2 mars 2026"), std::string::npos) << ack;
  ok({"dsar", "verify", "start", "DSAR-2026-001", "--method", "document"});
  std::string request = ok({"outbox", "show", "2"}).out;
  EXPECT_NE(request.find("en joignant une copie d'une pièce d'identité officielle"), std::string::npos) << request;
  ok({"dsar", "deny", "DSAR-2026-001", "--reason", "excessive"});
  std::string refusal = ok({"outbox", "show", "3"}).out;
  EXPECT_NE(refusal.find("pour la raison suivante : la demande est excessive"), std::string::npos) << refusal;
  EXPECT_EQ(refusal.find("Excessive or repetitive"), std::string::npos) << refusal;
}

TEST_F(Lifecycle, ReportsAndTheDsrLog) {
  ok(intake_args());
  ok({"dsar", "ack", "DSAR-2026-001"});
  ok({"dsar", "deny", "DSAR-2026-001", "--reason", "excessive", "--details", "fourth request this month"});
  json m = json::parse(ok({"report", "metrics", "--from", "2026-01-01", "--to", "2026-12-31", "--json"}).out);
  EXPECT_EQ(m["total"], 1);
  EXPECT_EQ(m["denials_by_reason"]["excessive"], 1);
  EXPECT_EQ(m["on_time_rate"], 1.0);
  ok({"report", "log", "--year", "2026", "--out-dir", maestro.dir().path().string()});
  std::string md = testing::read_file(maestro.dir() / "dsr_log_2026.md");
  EXPECT_NE(md.find("| DSAR-2026-001 | 2026-03-02 | - | Access + Portability | 30 days | Denied | 2026-04-02 | - |"),
            std::string::npos)
      << md;
  EXPECT_TRUE(std::filesystem::exists(maestro.dir() / "dsr_log_2026.csv"));
}

TEST_F(Lifecycle, RetentionPurgeRemovesPersonalDataOfOldClosedCases) {
  ok(intake_args());
  ok({"dsar", "withdraw", "DSAR-2026-001"});
  maestro.set_now("2028-03-03T00:00:00Z");
  EXPECT_NE(ok({"retention", "purge", "--dry-run"}).out.find("would purge DSAR-2026-001"), std::string::npos);
  ok({"retention", "purge"});
  json c = show("DSAR-2026-001");
  EXPECT_TRUE(c["subject"]["identifiers"].empty());
  EXPECT_FALSE(c["personal_data_purged_at"].is_null());
  ok({"audit", "verify"});
}

TEST_F(Lifecycle, EveryCommandHasHelp) {
  int seen = 0;
  for (std::vector<std::string> cmd : std::vector<std::vector<std::string>>{{},
                                                                            {"dsar"},
                                                                            {"dsar", "intake"},
                                                                            {"dsar", "ack"},
                                                                            {"dsar", "verify"},
                                                                            {"dsar", "start"},
                                                                            {"dsar", "review"},
                                                                            {"dsar", "fulfil"},
                                                                            {"dsar", "deny"},
                                                                            {"dsar", "withdraw"},
                                                                            {"dsar", "pause"},
                                                                            {"dsar", "resume"},
                                                                            {"dsar", "extend"},
                                                                            {"dsar", "note"},
                                                                            {"dsar", "list"},
                                                                            {"dsar", "show"},
                                                                            {"audit"},
                                                                            {"audit", "verify"},
                                                                            {"audit", "show"},
                                                                            {"audit", "export"},
                                                                            {"report"},
                                                                            {"report", "metrics"},
                                                                            {"report", "log"},
                                                                            {"retention", "purge"},
                                                                            {"dsar", "locate"},
                                                                            {"dsar", "export"},
                                                                            {"dsar", "delete"},
                                                                            {"dsar", "rectify"},
                                                                            {"dsar", "restrict"},
                                                                            {"dsar", "object"},
                                                                            {"dsar", "sweep"},
                                                                            {"dsar", "verify", "start"},
                                                                            {"dsar", "verify", "check"},
                                                                            {"dsar", "verify", "record"},
                                                                            {"hold", "add"},
                                                                            {"hold", "list"},
                                                                            {"hold", "release"},
                                                                            {"backup", "replay"},
                                                                            {"outbox", "list"},
                                                                            {"outbox", "send"},
                                                                            {"outbox", "show"},
                                                                            {"tasks", "list"},
                                                                            {"tasks", "done"},
                                                                            {"demo"}}) {
    if (++seen % (2 * testing::k_sample_stride - 1) != 0) continue;  // all in Release, every third under ASan
    cmd.push_back("--help");
    RunResult r = maestro.run(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd[0] << " " << (cmd.size() > 2 ? cmd[1] : "");
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
  }
  EXPECT_NE(maestro.run({"dsar", "intake", "--help"}).out.find("--jurisdiction"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(maestro.home()));  // help touches no state
}

TEST_F(Lifecycle, VersionNamesTheReleaseAndTheGitRevision) {
  RunResult r = maestro.run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.starts_with("maestro 0.")) << r.out;
  EXPECT_NE(r.out.find("(git "), std::string::npos) << r.out;
}

TEST_F(Lifecycle, TheManPageAndCompletionCoverEveryCommand) {
  RunResult man = maestro.run({"manpage"});
  ASSERT_EQ(man.exit_code, 0);
  EXPECT_TRUE(man.out.starts_with(".TH MAESTRO 1")) << man.out.substr(0, 80);
  for (const char* section : {"maestro dsar export\"", "maestro dsar delete\"", "maestro hold add\"", "\\-\\-subject",
                              ".SH EXIT STATUS", "/etc/maestro/maestro.yaml"}) {
    EXPECT_NE(man.out.find(section), std::string::npos) << section;
  }
  EXPECT_EQ(man.out.find("maestro manpage"), std::string::npos);  // hidden commands stay hidden
  RunResult bash = maestro.run({"completion", "bash"});
  ASSERT_EQ(bash.exit_code, 0);
  EXPECT_NE(bash.out.find("complete -F _maestro maestro"), std::string::npos);
  EXPECT_NE(bash.out.find("[\"dsar export\"]=\""), std::string::npos);
  EXPECT_NE(bash.out.find("--subject"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(maestro.home()));  // neither touches any state
}

TEST_F(Lifecycle, TheDemoRunsAndLeavesAVerifiableStore) {
  RunResult demo = ok({"demo"});
  EXPECT_NE(demo.out.find("Audit trail verified: 38 events, intact"), std::string::npos) << demo.out;
  // Part two erases the customer and proves it, keeping the orders under the tax-law retention.
  EXPECT_NE(demo.out.find("records still holding erasable data: 0 (expected 0)"), std::string::npos);
  EXPECT_NE(demo.out.find("Kept by law: 3 record(s) of shop.orders"), std::string::npos);
  // Review before delivery: the export only stages; approval sends the link, then the password.
  EXPECT_NE(demo.out.find("staged for the DPO's review: nothing is sent to the requester yet"), std::string::npos);
  EXPECT_NE(demo.out.find("approved; to the requester: fulfilment (letter #"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("), then package-password (letter #"), std::string::npos);
  // Its letters are in the demo's outbox as .eml files, the erasure needing two checks.
  EXPECT_NE(demo.out.find("the code is correct; 1 more check(s) of a different kind needed"), std::string::npos);
  std::size_t letters = 0;
  for (const auto& e : std::filesystem::directory_iterator(maestro.dir() / "maestro-demo/outbox"))
    letters += e.path().extension() == ".eml";
  EXPECT_EQ(letters, 6u);
  EXPECT_NE(demo.out.find("legal due moves from 2026-03-27 to 2026-03-30"), std::string::npos);
  EXPECT_EQ(ok({"--home", "maestro-demo", "audit", "verify"}).exit_code, 0);
  ok({"demo"});  // reruns cleanly
  std::filesystem::create_directories(maestro.dir() / "mine");
  EXPECT_EQ(maestro.run({"demo", "--demo-home", "mine"}).exit_code, 4);  // never wipes a folder it did not make
}

}  // namespace
}  // namespace maestro::e2e
