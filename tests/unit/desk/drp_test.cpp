// The Data Rights Protocol's checks, in-process: the directory's validation, key setup and the
// refusals' order, on a SQLite store with a fixed clock (the e2e test drives serve with PyNaCl).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "desk/drp.hpp"
#include "store/sqlite_case_store.hpp"
#include "support/ed25519_keys.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using nlohmann::json;
using testing::at;

struct Agent {
  std::string id;
  testing::Ed25519KeyPair keys;
  explicit Agent(std::string agent_id) : id(std::move(agent_id)) {}
  json entry() const { return {{"id", id}, {"name", id + " Inc."}, {"verify_key", base64(keys.public_key)}}; }
  std::string sign(const std::string& message) const { return base64(keys.sign(message)); }
};

class DrpTest : public ::testing::Test {
 protected:
  DrpTest()
      : keys(std::string(32, 'd')),
        clock(at("2026-03-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "test") {
    settings.agents.business_id = "our-business";
    settings.outbox_dir = dir / "outbox";
  }

  json envelope(const Agent& a) const {
    return {{"agent-id", a.id}, {"business-id", "our-business"}, {"issued-at", "2026-03-02T08:59:00Z"},
            {"expires-at", "2026-03-02T09:09:00Z"}, {"drp.version", "1.0"}};
  }

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
  Settings settings;
};

TEST_F(DrpTest, TheDirectoryIsCheckedWholeBeforeAnythingIsAdmitted) {
  Agent good("GOOD_AGENT");
  json bad_key = good.entry();
  bad_key["id"] = "BAD_KEY";
  bad_key["verify_key"] = "not a key";
  EXPECT_EQ(desk.import_agents(json::array({good.entry(), bad_key}).dump(), false).error().code,
            ErrorCode::invalid_argument);
  EXPECT_TRUE(desk.agents()->empty());
  EXPECT_EQ(desk.import_agents("[]", false).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.import_agents("{not json", false).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.import_agents(json::array({good.entry(), good.entry()}).dump(), false).error().code,
            ErrorCode::invalid_argument);
  auto first = desk.import_agents(json{{"agents", {good.entry()}}}.dump(), true);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->added, std::vector<std::string>{"GOOD_AGENT"});
  // The key in hex works as well, and a second import updates.
  json hex = good.entry();
  hex["verify_key"] = to_hex(good.keys.public_key);
  auto again = desk.import_agents(hex.dump(), true);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->updated, std::vector<std::string>{"GOOD_AGENT"});
  EXPECT_EQ((*desk.agent("GOOD_AGENT"))->verify_key, to_hex(good.keys.public_key));
}

TEST_F(DrpTest, KeySetupGivesATokenToAnAdmittedAgentAndAnEmpty403Otherwise) {
  Agent admitted("ADMITTED"), stranger("STRANGER");
  ASSERT_TRUE(desk.import_agents(admitted.entry().dump(), false));
  DrpService drp(desk, settings);
  DrpReply refused = drp.key_setup("STRANGER", stranger.sign(envelope(stranger).dump()));
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(refused.body.empty());
  // Signed by someone else, for another business, expired, or naming another agent: 403, empty.
  EXPECT_EQ(drp.key_setup("ADMITTED", stranger.sign(envelope(admitted).dump())).status, 403);
  json other_business = envelope(admitted);
  other_business["business-id"] = "theirs";
  EXPECT_EQ(drp.key_setup("ADMITTED", admitted.sign(other_business.dump())).status, 403);
  json expired = envelope(admitted);
  expired["expires-at"] = "2026-03-02T08:59:30Z";
  EXPECT_EQ(drp.key_setup("ADMITTED", admitted.sign(expired.dump())).status, 403);
  json future = envelope(admitted);
  future["issued-at"] = "2026-03-02T09:05:00Z";
  EXPECT_EQ(drp.key_setup("ADMITTED", admitted.sign(future.dump())).status, 403);
  EXPECT_FALSE((*desk.agent("ADMITTED"))->token_issued_at);

  std::string message = admitted.sign(envelope(admitted).dump());
  DrpReply given = drp.key_setup("ADMITTED", message);
  ASSERT_EQ(given.status, 200) << given.body;
  std::string token = json::parse(given.body)["token"];
  EXPECT_EQ(drp.agent_check("ADMITTED", token).status, 200);
  EXPECT_EQ(drp.agent_check("ADMITTED", "drp_" + std::string(64, '0')).status, 403);
  EXPECT_EQ(drp.key_setup("ADMITTED", message).status, 403);  // the same bytes again: a replay
  // Only a keyed hash of the token is kept; disabling the agent ends it.
  EXPECT_EQ((*desk.agent("ADMITTED"))->token_mac.find(token), std::string::npos);
  ASSERT_TRUE(desk.set_agent_enabled("ADMITTED", false));
  EXPECT_EQ(drp.agent_check("ADMITTED", token).status, 403);
}

TEST_F(DrpTest, AnExerciseIsCheckedInTheProtocolsOrderAndBecomesACase) {
  Agent agent("AGENT");
  ASSERT_TRUE(desk.import_agents(agent.entry().dump(), true));
  DrpService drp(desk, settings);
  std::string token = json::parse(drp.key_setup("AGENT", agent.sign(envelope(agent).dump())).body)["token"];
  json m = envelope(agent);
  m["exercise"] = "sale:opt-out";
  m["email"] = "jane@example.com";
  m["agent-request-id"] = "abc";
  EXPECT_EQ(drp.exercise(token, "%%%").status, 400);                                 // Base64 first
  EXPECT_EQ(drp.exercise(token, Agent("X").sign(m.dump())).status, 403);             // then the signature
  EXPECT_EQ(drp.exercise("drp_" + std::string(64, '1'), agent.sign(m.dump())).status, 403);  // an unknown token
  json no_identity = m;
  no_identity.erase("email");
  EXPECT_EQ(drp.exercise(token, agent.sign(no_identity.dump())).status, 400);
  EXPECT_EQ(json::parse(drp.exercise(token, agent.sign(no_identity.dump())).body)["fatal"], true);
  json bad_callback = m;
  bad_callback["status_callback"] = "file:///etc/passwd";
  EXPECT_EQ(drp.exercise(token, agent.sign(bad_callback.dump())).status, 400);
  EXPECT_TRUE(desk.agent_requests_with_callback()->empty());

  DrpReply taken = drp.exercise(token, agent.sign(m.dump()));
  ASSERT_EQ(taken.status, 200) << taken.body;
  json status = json::parse(taken.body);
  EXPECT_EQ(status["agent_request_id"], "abc");
  EXPECT_EQ(status["received_at"], "2026-03-02T09:00:00Z");
  auto view = desk.find("DSAR-2026-001");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->c.channel, "agent");
  EXPECT_EQ(view->c.rights, std::vector<Right>{Right::ccpa_opt_out_of_sale});
  EXPECT_EQ(status["expected_by"], format_date(view->deadlines.legal_due));
  auto record = desk.agent_request_of_case("DSAR-2026-001");
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->agent_id, "AGENT");
  EXPECT_EQ(drp.status(token, (*record)->request_id).status, 200);
  EXPECT_EQ(drp.status(token, "no-such-request").status, 404);
  // An extension moves expected_by and says why.
  auto extended = desk.extend("DSAR-2026-001", "complex");
  ASSERT_TRUE(extended) << extended.error().message;
  json later = json::parse(drp.status(token, (*record)->request_id).body);
  EXPECT_GT(later["expected_by"].get<std::string>(), status["expected_by"].get<std::string>());
  EXPECT_EQ(later["processing_details"], "extended: The request is complex");
}

TEST_F(DrpTest, FulfilledResultsBecomeExpiredWhenTheirDownloadEnds) {
  Agent agent("AGENT");
  ASSERT_TRUE(desk.import_agents(agent.entry().dump(), true));
  DrpService drp(desk, settings);
  std::string token = json::parse(drp.key_setup("AGENT", agent.sign(envelope(agent).dump())).body)["token"];
  json m = envelope(agent);
  m["exercise"] = "access";
  m["email"] = "jane@example.com";
  m["email_verified"] = true;
  m["status_callback"] = "https://agent.example/status";
  ASSERT_EQ(drp.exercise(token, agent.sign(m.dump())).status, 200);
  std::string id = (*desk.agent_request_of_case("DSAR-2026-001"))->request_id;
  ASSERT_TRUE(desk.start("DSAR-2026-001"));
  PackageDelivery package{.at = clock.now(), .sha256 = std::string(64, 'a'), .bytes = 10, .destination = "exports/"};
  ASSERT_TRUE(desk.record_delivery("DSAR-2026-001", package, "{}"));
  ASSERT_TRUE(desk.submit_for_review("DSAR-2026-001"));
  auto closed = desk.fulfil("DSAR-2026-001");
  ASSERT_TRUE(closed) << closed.error().message;
  json fulfilled = json::parse(drp.status(token, id).body);
  EXPECT_EQ(fulfilled["status"], "fulfilled");
  EXPECT_FALSE(fulfilled["results_url"].get<std::string>().empty());
  clock.advance(std::chrono::hours(settings.server.download_hours) + std::chrono::seconds(1));
  json expired = json::parse(drp.status(token, id).body);
  EXPECT_EQ(expired["status"], "expired");
  EXPECT_EQ(expired["expires_at"], fulfilled["expires_at"]);
  // Told once: a request whose final status was told is not looked at again.
  auto request = *desk.agent_request(id);
  request->notified = "expired/";
  ASSERT_TRUE(desk.save_agent_request(*request));
  EXPECT_TRUE(desk.agent_requests_with_callback()->empty());
}

TEST_F(DrpTest, AnOptInWaitsForTheConsumersOwnConfirmation) {
  Agent agent("AGENT");
  ASSERT_TRUE(desk.import_agents(agent.entry().dump(), true));  // trusted with email verification
  DrpService drp(desk, settings);
  std::string token = json::parse(drp.key_setup("AGENT", agent.sign(envelope(agent).dump())).body)["token"];
  json m = envelope(agent);
  m["exercise"] = "sale:opt-in";
  m["email"] = "jane@example.com";
  m["email_verified"] = true;
  DrpReply taken = drp.exercise(token, agent.sign(m.dump()));
  ASSERT_EQ(taken.status, 200) << taken.body;
  auto view = desk.find("DSAR-2026-001");
  EXPECT_EQ(view->c.rights, std::vector<Right>{Right::ccpa_opt_in_to_sale});
  EXPECT_NE(view->c.state, CaseState::verified);
  // The agent's check does not count for an opt-in.
  for (const auto& attempt : view->c.verifications) EXPECT_NE(attempt.method, "agent-email");
}

}  // namespace
}  // namespace maestro
