// End to end: a store of gzipped JSON-lines objects in a real S3-compatible server (s3rver,
// started by tests/servers/s3): maestro dsar locate, export and delete find and erase one
// person's lines; the objects are written and read back with curl's own S3 signing (SigV4), not
// with Maestro's code.
// An erasure killed at every step (between writing the new object and replacing the old one
// too) completes when run again.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "crypto/keyring.hpp"
#include "maestro_runner.hpp"

namespace maestro::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* k_person = "jane.doe@example.com";
constexpr const char* k_override = "identity checked by phone";

class ObjectStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = testing::fixture_port("s3");
    if (!port) {
      if (testing::datasets_required()) FAIL() << "the S3 fixture is missing";
      GTEST_SKIP() << "no S3 fixture: skipping";
    }
    endpoint = "http://127.0.0.1:" + *port;
    maestro.set_env("AWS_ACCESS_KEY_ID", "S3RVER");
    maestro.set_env("AWS_SECRET_ACCESS_KEY", "S3RVER");
    maestro.set_env("AWS_REGION", "us-east-1");
    prefix = "clickstream-" + to_hex(random_bytes(6)) + "/";
  }

  // Three days of click events, two gzipped and one plain; the person has lines in two of them.
  void upload_events() {
    fs::path local = maestro.dir() / "events";
    fs::create_directories(local);
    for (int day = 1; day <= 3; ++day) {
      std::string name = "clicks-2026-11-0" + std::to_string(day) + ".jsonl";
      std::ofstream out(local / name);
      for (int i = 0; i < 1500; ++i) {
        bool hers = day != 2 && i % 250 == 7;
        std::string email = hers ? k_person : "visitor" + std::to_string(i) + "@example.org";
        out << json{{"ts", "2026-11-0" + std::to_string(day) + "T10:" + std::to_string(10 + i % 50) + ":00Z"},
                    {"email", email},
                    {"ip", "203.0.113." + std::to_string(i % 250)},
                    {"page", "/product/" + std::to_string(i)}}
                   .dump()
            << "\n";
      }
      out.close();
      if (day != 3) {
        ASSERT_EQ(std::system(("gzip " + (local / name).string()).c_str()), 0);
      }
    }
    ASSERT_EQ(upload_folder(local), 0);
    std::ofstream(maestro.dir() / "datamap.yaml") << "systems:\n"
                                                     "  - name: clickstream\n"
                                                     "    store: {type: s3, bucket: maestro-dsar, prefix: "
                                                  << prefix << ", format: jsonl, endpoint: '" << endpoint
                                                  << "'}\n"
                                                     "    collections:\n"
                                                     "      - name: clicks\n"
                                                     "        source: \"events/clicks-*.jsonl*\"\n"
                                                     "        erasure: {strategy: delete}\n"
                                                     "        fields:\n"
                                                     "          - {name: email, identity: email, categories: "
                                                     "[user.contact.email]}\n"
                                                     "          - {name: ip, categories: [user.device.ip_address]}\n"
                                                     "          - {name: page, categories: [user.behavior]}\n"
                                                     "          - {name: ts, categories: [system.operations]}\n";
    std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\n";
    maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  }

  // One S3 request with curl (SigV4 signed by curl itself); `curl_args` say what to send or
  // where to write. curl starts in milliseconds where awscli took a second and a half, and the
  // crash-point test makes hundreds of these.
  int s3(const std::string& curl_args, const std::string& path) const {
    std::string cmd = "curl -sf -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' --aws-sigv4 aws:amz:us-east-1:s3 "
                      "-u S3RVER:S3RVER " + curl_args + " '" + endpoint + "/maestro-dsar" + path + "' >/dev/null 2>&1";
    return std::system(cmd.c_str());
  }
  int upload_folder(const fs::path& local) const {
    for (const auto& file : fs::directory_iterator(local)) {
      if (int rc = s3("-T " + file.path().string(), "/" + prefix + "events/" + file.path().filename().string()); rc)
        return rc;
    }
    return 0;
  }
  int download(const std::string& name, const fs::path& to) const {
    return s3("-o " + to.string(), "/" + prefix + "events/" + name);
  }

  // An object's lines, downloaded with curl and unzipped with gzip.
  std::vector<std::string> object_lines(const std::string& name) {
    fs::path back = maestro.dir() / ("back-" + name);
    EXPECT_EQ(download(name, back), 0) << name;
    std::string text = testing::read_file(back);
    if (name.ends_with(".gz")) {
      std::string cmd = "gzip -dc " + back.string() + " > " + back.string() + ".txt";
      EXPECT_EQ(std::system(cmd.c_str()), 0);
      text = testing::read_file(back.string() + ".txt");
    }
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < text.size();) {
      std::size_t nl = text.find('\n', at);
      lines.push_back(text.substr(at, nl - at));
      at = nl == std::string::npos ? text.size() : nl + 1;
    }
    return lines;
  }

  // Every key under the test's prefix, as the server lists them (ListObjectsV2's XML).
  std::string listing() {
    fs::path out = maestro.dir() / "listing.xml";
    EXPECT_EQ(s3("-o " + out.string(), "?list-type=2&prefix=" + prefix), 0);
    return testing::read_file(out);
  }

  std::size_t count_person(const std::vector<std::string>& lines) {
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
      return l.find(k_person) != std::string::npos;
    }));
  }

  RunResult erase() {
    return maestro.run({"dsar", "delete", "--subject", std::string("email:") + k_person, "--override-verification",
                        k_override, "--json"});
  }

  Maestro maestro;
  std::string endpoint, prefix;
};

TEST_F(ObjectStore, LocatesExportsAndErasesAPersonsLinesInGzippedObjects) {
  upload_events();
  RunResult found = maestro.run({"dsar", "locate", "--subject", std::string("email:") + k_person, "--json"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("\"clickstream.clicks\""), std::string::npos) << found.out;
  EXPECT_EQ(json::parse(found.out)["records"]["clickstream.clicks"], 12) << found.out;  // 6 lines on two days

  // Her copy holds her 12 lines and nobody else's.
  ASSERT_EQ(maestro.run({"dsar", "intake", "--subject", std::string("email:") + k_person, "--name", "Jane Doe",
                         "--rights", "access", "--jurisdiction", "gdpr"})
                .exit_code,
            0);
  ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-001"}).exit_code, 0);
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"}).exit_code, 0);
  RunResult exported = maestro.run({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/", "--json"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  json outcome = json::parse(exported.out);
  fs::path opened = maestro.dir() / "opened";
  std::string unzip = "7z x -y -p" + outcome["password"].get<std::string>() + " -o" + opened.string() + " " +
                      outcome["package"].get<std::string>() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(unzip.c_str()), 0);
  json package = json::parse(testing::read_file(opened / "DSAR-2026-001_DSAR_PACKAGE.json"));
  const json& clicks = package["data"]["clickstream"]["clicks"];
  ASSERT_EQ(clicks.size(), 12u) << package["data"].dump();
  for (const auto& click : clicks) EXPECT_EQ(click["email"], k_person);
  EXPECT_EQ(package.dump().find("visitor"), std::string::npos);

  // Erased: her lines are gone from both objects, every other line is as it was.
  std::vector<std::string> day1 = object_lines("clicks-2026-11-01.jsonl.gz");
  std::vector<std::string> day3 = object_lines("clicks-2026-11-03.jsonl");
  std::string day2 = sha256_hex(testing::read_file(maestro.dir() / "events/clicks-2026-11-02.jsonl.gz"));
  ASSERT_EQ(maestro.run({"dsar", "intake", "--subject", std::string("email:") + k_person, "--name", "Jane Doe",
                         "--rights", "erasure", "--jurisdiction", "gdpr"})
                .exit_code,
            0);
  ASSERT_EQ(maestro.run({"dsar", "ack", "DSAR-2026-002"}).exit_code, 0);
  // An erasure needs two checks of different kinds.
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-002", "--method", "document"}).exit_code, 0);
  ASSERT_EQ(maestro.run({"dsar", "verify", "DSAR-2026-002", "--method", "knowledge"}).exit_code, 0);
  RunResult erased = maestro.run({"dsar", "delete", "--case", "DSAR-2026-002", "--json"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err << erased.out;
  EXPECT_TRUE(json::parse(erased.out)["proof"]["clean"].get<bool>()) << erased.out;
  std::vector<std::string> after1 = object_lines("clicks-2026-11-01.jsonl.gz");
  std::vector<std::string> after3 = object_lines("clicks-2026-11-03.jsonl");
  EXPECT_EQ(count_person(after1) + count_person(after3), 0u);
  std::erase_if(day1, [](const std::string& l) { return l.find(k_person) != std::string::npos; });
  std::erase_if(day3, [](const std::string& l) { return l.find(k_person) != std::string::npos; });
  EXPECT_EQ(after1, day1);
  EXPECT_EQ(after3, day3);
  // The day without her was not rewritten (the same bytes), and no staging object is left.
  object_lines("clicks-2026-11-02.jsonl.gz");
  EXPECT_EQ(sha256_hex(testing::read_file(maestro.dir() / "back-clicks-2026-11-02.jsonl.gz")), day2);
  EXPECT_EQ(listing().find(".maestro-new"), std::string::npos) << listing();
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
  EXPECT_EQ(maestro.run({"audit", "export"}).out.find(k_person), std::string::npos);
}

// A prefix of more objects than the store's objects_per_job: the workers split the search into
// scan-objects parts (two worker processes share them), then read and rewrite only the objects
// that hold her lines; the others are not rewritten.
TEST_F(ObjectStore, ALargePrefixIsSearchedInPartsByTheWorkers) {
  fs::path local = maestro.dir() / "many";
  fs::create_directories(local);
  const std::set<int> her_days{3, 8};
  for (int day = 1; day <= 10; ++day) {
    std::string name = "clicks-" + std::to_string(100 + day) + ".jsonl";
    std::ofstream out(local / name);
    for (int i = 0; i < 200; ++i) {
      bool hers = her_days.contains(day) && i % 50 == 9;
      out << json{{"email", hers ? k_person : "v" + std::to_string(day * 1000 + i) + "@example.org"},
                  {"page", "/p/" + std::to_string(i)}}
                 .dump()
          << "\n";
    }
    out.close();
    if (day % 2 == 0) {
      ASSERT_EQ(std::system(("gzip " + (local / name).string()).c_str()), 0);
    }
  }
  ASSERT_EQ(upload_folder(local), 0);
  std::ofstream(maestro.dir() / "datamap.yaml")
      << "systems:\n  - name: clickstream\n    store: {type: s3, bucket: maestro-dsar, prefix: " << prefix
      << ", format: jsonl, objects_per_job: 3, endpoint: '" << endpoint
      << "'}\n    collections:\n      - name: clicks\n        source: \"events/clicks-*\"\n"
         "        erasure: {strategy: delete}\n        fields:\n"
         "          - {name: email, identity: email, categories: [user.contact.email]}\n"
         "          - {name: page, categories: [user.behavior]}\n";
  std::ofstream(maestro.dir() / "maestro.yaml") << "datamap: datamap.yaml\nworkers: external\n";
  maestro.set_env("MAESTRO_CONFIG", (maestro.dir() / "maestro.yaml").string());
  auto ok = [&](const std::vector<std::string>& args) {
    RunResult r = maestro.run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r;
  };
  auto jobs = [&] { return json::parse(ok({"jobs", "list", "--json", "--limit", "100"}).out); };
  auto wait_for_all = [&] {
    json all;
    for (int i = 0; i < 600; ++i) {
      all = jobs();
      if (std::all_of(all.begin(), all.end(), [](const json& j) { return j["state"] == "succeeded"; })) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return all;
  };
  std::map<std::string, std::string> object_bytes;
  for (const auto& entry : fs::directory_iterator(local)) {
    object_bytes[entry.path().filename().string()] = testing::read_file(entry.path());
  }

  ok({"dsar", "intake", "--subject", std::string("email:") + k_person, "--rights", "access,erasure", "--jurisdiction",
      "gdpr"});
  ok({"dsar", "ack", "DSAR-2026-001", "--no-letter"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "document"});
  ok({"dsar", "verify", "DSAR-2026-001", "--method", "knowledge"});
  ok({"dsar", "export", "--case", "DSAR-2026-001", "--out", "exports/"});
  {
    const std::vector<std::string> worker{"worker", "--threads", "1"};
    BackgroundMaestro first(maestro, worker, "worker-1"), second(maestro, worker, "worker-2");
    json all = wait_for_all();
    std::size_t parts = 0, holding = 0;
    for (const auto& j : all) {
      EXPECT_EQ(j["state"], "succeeded") << j.dump() << first.err() << second.err();
      if (j["kind"] == "export") {
        EXPECT_EQ(j["result"]["records"]["clickstream.clicks"], 8) << j.dump();
      }
      if (j["kind"] != "scan-objects") continue;
      ++parts;
      EXPECT_EQ(j["attempts"], 1) << j.dump();
      holding += j["result"]["holding"].size();
    }
    EXPECT_EQ(parts, 4u) << all.dump();  // 10 objects, 3 a part
    EXPECT_EQ(holding, 2u) << all.dump();
  }

  // The erasure rewrites only the two objects that hold her lines.
  ok({"dsar", "delete", "--case", "DSAR-2026-001"});
  RunResult worked = ok({"worker", "--once"});
  json all = jobs();
  for (const auto& j : all) {
    EXPECT_EQ(j["state"], "succeeded") << j.dump();
    if (j["kind"] == "erase") {
      EXPECT_TRUE(j["result"]["clean"].get<bool>()) << j.dump();
    }
  }
  for (const auto& [name, bytes] : object_bytes) {
    fs::path back = maestro.dir() / ("back-" + name);
    ASSERT_EQ(download(name, back), 0) << name;
    bool hers = name == "clicks-103.jsonl" || name == "clicks-108.jsonl.gz";
    if (!hers) {
      EXPECT_EQ(testing::read_file(back), bytes) << name << " was rewritten";
      continue;
    }
    std::vector<std::string> lines = object_lines(name);
    EXPECT_EQ(count_person(lines), 0u) << name;
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return !l.empty(); }), 196) << name;
  }
  EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
  EXPECT_EQ(maestro.run({"audit", "export"}).out.find(k_person), std::string::npos);
}

TEST_F(ObjectStore, AnErasureKilledAtAnyStepCompletesWhenRunAgain) {
  bool killed_between_writing_and_replacing = false;
  int crashes = 0;
  for (int point = 1; point < 30; point += testing::k_sample_stride) {
    prefix = "crash-" + std::to_string(point) + "-" + to_hex(random_bytes(4)) + "/";
    fs::remove_all(maestro.dir() / "events");
    upload_events();
    maestro.set_env("MAESTRO_CRASH_AT", std::to_string(point));
    RunResult killed = erase();
    maestro.unset_env("MAESTRO_CRASH_AT");
    if (killed.exit_code == 0) break;  // past the last crash point: the run completed
    ASSERT_EQ(killed.exit_code, 137) << "crash point " << point << ": " << killed.err;
    ++crashes;
    std::string left = listing();
    if (left.find(".maestro-new") != std::string::npos &&
        count_person(object_lines("clicks-2026-11-01.jsonl.gz")) + count_person(object_lines("clicks-2026-11-03.jsonl")) > 0) {
      killed_between_writing_and_replacing = true;  // the new object written, the old one still in place
    }
    RunResult again = erase();
    ASSERT_EQ(again.exit_code, 0) << "crash point " << point << ": " << again.err << again.out;
    EXPECT_TRUE(json::parse(again.out)["proof"]["clean"].get<bool>()) << again.out;
    EXPECT_EQ(count_person(object_lines("clicks-2026-11-01.jsonl.gz")), 0u) << "crash point " << point;
    EXPECT_EQ(count_person(object_lines("clicks-2026-11-03.jsonl")), 0u) << "crash point " << point;
    EXPECT_EQ(object_lines("clicks-2026-11-03.jsonl").size(), 1500u - 6u);
    EXPECT_EQ(listing().find(".maestro-new"), std::string::npos) << "crash point " << point << "\n" << listing();
    EXPECT_EQ(maestro.run({"audit", "verify"}).exit_code, 0);
  }
  if (testing::k_sample_stride == 1) {
    EXPECT_TRUE(killed_between_writing_and_replacing);
  }
  EXPECT_GE(crashes, 4 / testing::k_sample_stride);
}

TEST_F(ObjectStore, AWrongKeyOrAnUnreachableServiceIsAClearErrorAndErasesNothing) {
  upload_events();
  std::vector<std::string> before = object_lines("clicks-2026-11-01.jsonl.gz");
  maestro.set_env("AWS_ACCESS_KEY_ID", "NOT-A-KEY");
  RunResult refused = erase();
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("clickstream (S3 refused GET s3://maestro-dsar/...: HTTP 403 InvalidAccessKeyId"),
            std::string::npos)
      << refused.err << refused.out;
  maestro.set_env("AWS_ACCESS_KEY_ID", "S3RVER");
  std::string map = testing::read_file(maestro.dir() / "datamap.yaml");
  std::ofstream(maestro.dir() / "datamap.yaml")
      << std::regex_replace(map, std::regex("endpoint: '[^']*'"), "endpoint: 'http://127.0.0.1:9'");
  RunResult unreachable = erase();
  EXPECT_NE(unreachable.exit_code, 0);
  EXPECT_NE(unreachable.err.find("cannot reach S3 at http://127.0.0.1:9"), std::string::npos) << unreachable.err;
  // This store's own keys, named by variables that are not set.
  std::ofstream(maestro.dir() / "datamap.yaml")
      << std::regex_replace(map, std::regex("format: jsonl"),
                            "format: jsonl, access_key_env: CLICKS_KEY, secret_key_env: CLICKS_SECRET");
  RunResult no_keys = erase();
  EXPECT_NE(no_keys.exit_code, 0);
  EXPECT_NE(no_keys.err.find("environment variable CLICKS_KEY (the store's access_key) is not set"), std::string::npos)
      << no_keys.err;
  maestro.set_env("CLICKS_KEY", "S3RVER");
  std::ofstream(maestro.dir() / "secret") << "S3RVER\n";
  std::ofstream(maestro.dir() / "datamap.yaml")
      << std::regex_replace(map, std::regex("format: jsonl"),
                            "format: jsonl, access_key_env: CLICKS_KEY, secret_key_file: secret");
  maestro.set_env("AWS_ACCESS_KEY_ID", "NOT-A-KEY");  // the store's own keys are used, not these
  EXPECT_EQ(maestro.run({"dsar", "locate", "--subject", std::string("email:") + k_person}).exit_code, 0);
  EXPECT_EQ(object_lines("clicks-2026-11-01.jsonl.gz"), before);
}

}  // namespace
}  // namespace maestro::e2e
