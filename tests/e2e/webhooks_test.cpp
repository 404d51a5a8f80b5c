// End to end: webhooks out. A receiver started by the test (tests/support/webhook_receiver.py)
// checks every signature; maestro serve and maestro worker queue and deliver each event once,
// across a restart of serve and a receiver that answers 500 twice; deadlines fire due-soon and
// overdue events once per deadline; personal data goes only to a hook that asked for it; bad
// configuration is refused with a clear message.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "maestro_runner.hpp"
#include "support/server_process.hpp"
#include "support/test_support.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path k_root = MAESTRO_SOURCE_ROOT;
constexpr const char* k_secret = "a webhook secret for the tests";
constexpr const char* k_person = "hook.person@example.com";

class Webhooks : public ::testing::Test {
 protected:
  void start_receiver(int fail_first) {
    log = maestro.dir() / "received.jsonl";
    ASSERT_TRUE(receiver.start({"/usr/bin/python3", (k_root / "tests/support/webhook_receiver.py").string(), "{port}",
                                k_secret, log.string(), std::to_string(fail_first)}));
    maestro.set_env("HOOK_SECRET", k_secret);
  }

  void configure(const std::string& hooks) {
    std::ofstream(maestro.dir() / "maestro.yaml") << "webhooks:\n" << hooks;
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }

  std::string hook(const std::string& name, const std::string& events, const std::string& extra = "") const {
    return "  - name: " + name + "\n    url: " + receiver.url() + "/" + name + "\n    events: [" + events +
           "]\n    secret_env: HOOK_SECRET\n" + extra;
  }

  RunResult ok(const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << args.front() << " " << args.back() << "\n" << r.err << r.out;
    return r;
  }

  std::vector<json> received() const {
    std::vector<json> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(json::parse(line));
    return out;
  }

  // Delivered (answered 2xx) events by id: how many times each.
  std::map<std::string, int> delivered() const {
    std::map<std::string, int> out;
    for (const auto& r : received())
      if (r["status"] == 204) ++out[r["id"].get<std::string>()];
    return out;
  }

  bool wait_for_deliveries(std::size_t n) const {
    for (int i = 0; i < 400; ++i) {
      if (delivered().size() >= n) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  Maestro maestro;
  testing::ServerProcess receiver;
  fs::path log;
};

TEST_F(Webhooks, EachEventArrivesOnceSignedAcrossARestartOfServeAndTwoFailures) {
  maestro.unset_env("MAESTRO_NOW");  // a server lives in real time (and receivers refuse old stamps)
  start_receiver(2);
  configure(hook("ticketing", "case.created, case.state_changed"));
  std::string port = std::to_string(testing::free_tcp_port());
  const std::vector<std::string> serve{"serve", "--listen", "127.0.0.1:" + port, "--workers", "1",
                                       "--no-daily-sweep"};
  {
    BackgroundMaestro server(maestro, serve, "serve-1");
    std::this_thread::sleep_for(2500ms);  // serve has read the trail's end: what follows is new
    ok({"dsar", "intake", "--subject", std::string("email:") + k_person, "--rights", "access", "--jurisdiction",
        "gdpr"});
    ASSERT_TRUE(wait_for_deliveries(1)) << server.err() << testing::read_file(log);
    EXPECT_EQ(server.stop(), 0);
  }
  // While serve is down the case moves on; the new serve sends that, and nothing twice.
  ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
  {
    BackgroundMaestro server(maestro, serve, "serve-2");
    ASSERT_TRUE(wait_for_deliveries(2)) << server.err() << testing::read_file(log);
    std::this_thread::sleep_for(3s);  // time for a duplicate to show, if one were sent
  }
  std::map<std::string, int> got = delivered();
  ASSERT_EQ(got.size(), 2u) << testing::read_file(log);
  for (const auto& [id, times] : got) EXPECT_EQ(times, 1) << id;
  std::map<std::string, int> tries;
  for (const auto& r : received()) {
    EXPECT_TRUE(r["valid"].get<bool>()) << r.dump();
    ++tries[r["id"].get<std::string>()];
    EXPECT_EQ(r["body"].get<std::string>().find(k_person), std::string::npos) << "personal data in " << r.dump();
  }
  for (const auto& [id, n] : tries) EXPECT_EQ(n, 3) << id;  // 500, 500, then delivered
  std::vector<std::string> types;
  for (const auto& r : received())
    if (r["status"] == 204) types.push_back(r["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"case.created", "case.state_changed"}));
  json change = json::parse(received().back()["body"].get<std::string>());
  EXPECT_EQ(change["case"], "DSAR-2026-001");
  EXPECT_EQ(change["data"]["from"], "received");
  EXPECT_EQ(change["data"]["to"], "acknowledged");
  ok({"audit", "verify"});
}

TEST_F(Webhooks, DeadlinesFireOncePerDeadlineAndPersonalDataGoesOnlyWhereAsked) {
  start_receiver(0);
  configure(hook("deadlines", "case.due_soon, case.overdue", "    due_soon_days: 5\n") +
            hook("crm", "case.created", "    personal_data: true\n"));
  ok({"webhooks", "dispatch"});  // both hooks start at the trail's end
  ok({"dsar", "intake", "--subject", std::string("email:") + k_person, "--name", "Hook Person", "--rights", "access",
      "--jurisdiction", "gdpr"});
  json c = json::parse(ok({"dsar", "show", "DSAR-2026-001", "--json"}).out);
  std::string due = c["deadlines"]["legal_due"];
  ASSERT_EQ(due, "2026-04-02");  // a month after the request of 2026-03-02
  EXPECT_NE(ok({"webhooks", "dispatch"}).out.find("1 delivery queued"), std::string::npos);  // created (crm)
  maestro.set_env("MAESTRO_NOW", "2026-03-30T09:00:00Z");  // three days before it
  EXPECT_NE(ok({"webhooks", "dispatch"}).out.find("1 delivery queued"), std::string::npos);  // due soon
  EXPECT_NE(ok({"webhooks", "dispatch"}).out.find("0 deliveries queued"), std::string::npos);  // once
  maestro.set_env("MAESTRO_NOW", "2026-04-05T09:00:00Z");  // past it
  EXPECT_NE(ok({"webhooks", "dispatch"}).out.find("1 delivery queued"), std::string::npos);  // overdue
  RunResult worked = ok({"worker", "--once"});
  EXPECT_NE(worked.out.find("3 succeeded"), std::string::npos) << worked.out;
  std::map<std::string, json> by_type;
  for (const auto& r : received()) {
    EXPECT_TRUE(r["valid"].get<bool>()) << r.dump();
    by_type[r["type"]] = json::parse(r["body"].get<std::string>());
  }
  ASSERT_EQ(by_type.size(), 3u) << testing::read_file(log);
  EXPECT_EQ(by_type["case.due_soon"]["data"]["legal_due"], due);
  EXPECT_EQ(by_type["case.due_soon"]["data"]["days_left"], 3);
  EXPECT_EQ(by_type["case.overdue"]["data"]["legal_due"], due);
  EXPECT_EQ(by_type["case.overdue"]["data"].dump().find(k_person), std::string::npos);
  EXPECT_EQ(by_type["case.created"]["data"]["requester"]["name"], "Hook Person");
  EXPECT_EQ(by_type["case.created"]["data"]["requester"]["emails"][0], k_person);
  // The trail names the deliveries' jobs, never the person.
  EXPECT_EQ(ok({"audit", "export"}).out.find(k_person), std::string::npos);
}

TEST_F(Webhooks, ATestPingIsSignedAndBadSettingsAreRefusedClearly) {
  start_receiver(0);
  configure(hook("ticketing", "case.created"));
  RunResult pinged = ok({"webhooks", "test", "ticketing"});
  EXPECT_NE(pinged.out.find("answered HTTP 204"), std::string::npos) << pinged.out;
  ASSERT_EQ(received().size(), 1u);
  EXPECT_TRUE(received()[0]["valid"].get<bool>());
  EXPECT_EQ(received()[0]["type"], "ping");
  EXPECT_NE(ok({"webhooks", "list"}).out.find("ticketing"), std::string::npos);

  RunResult unknown = maestro.run({"webhooks", "test", "nobody"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("no webhook named 'nobody'"), std::string::npos) << unknown.err;
  maestro.set_env("HOOK_SECRET", "the wrong secret");
  RunResult refused = maestro.run({"webhooks", "test", "ticketing"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("HTTP 401"), std::string::npos) << refused.err;

  const std::vector<std::pair<std::string, std::string>> bad{
      {"  - {name: x, url: 'http://192.0.2.1/hook', events: [case.created], secret_env: S}\n", "https://"},
      {"  - {name: x, url: 'https://example.com/h', events: [case.created], secret: s3cret}\n", "must not be written"},
      {"  - {name: x, url: 'https://example.com/h', events: [case.eaten], secret_env: S}\n", "unknown event"},
      {"  - {name: x, url: 'https://example.com/h', events: [case.created]}\n", "secret_env or secret_file"},
      {"  - {name: X!, url: 'https://example.com/h', events: [case.created], secret_env: S}\n", "'name'"},
  };
  for (const auto& [yaml, says] : bad) {
    configure(yaml);
    RunResult r = maestro.run({"webhooks", "list"});
    EXPECT_EQ(r.exit_code, 2) << yaml;
    EXPECT_NE(r.err.find(says), std::string::npos) << yaml << r.err;
  }
}

}  // namespace
}  // namespace maestro::e2e
