#include "audit/audit_chain.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "support/test_support.hpp"

namespace maestro {
namespace {

class ChainTest : public ::testing::Test {
 protected:
  ChainTest() : keys(std::string(32, 'k')) {
    std::optional<AuditEvent> previous;
    for (int i = 0; i < 5; ++i) {
      AuditEvent e{.at = testing::at("2026-03-02T09:00:00Z") + std::chrono::minutes(i),
                   .actor = "dpo",
                   .case_number = "DSAR-2026-001",
                   .action = i == 0 ? "intake" : "note",
                   .outcome = "ok",
                   .details = "{\"n\":" + std::to_string(i) + "}"};
      previous = link(std::move(e), previous);
      events.push_back(*previous);
    }
  }

  ChainVerifier verify(const std::vector<AuditEvent>& list, std::optional<AuditAnchor> anchor) {
    ChainVerifier v(keys);
    for (const auto& e : list) v.check(e);
    v.finish(anchor);
    return v;
  }
  AuditAnchor anchor() { return make_anchor(events.back(), keys); }

  SecretKeyRing keys;
  std::vector<AuditEvent> events;
};

TEST_F(ChainTest, IntactChainVerifies) {
  auto v = verify(events, anchor());
  EXPECT_TRUE(v.intact()) << v.problem().value_or("");
  EXPECT_EQ(v.events_checked(), 5);
  EXPECT_EQ(events[0].previous_hash, k_genesis_hash);
  EXPECT_EQ(events[3].previous_hash, events[2].hash);
}

TEST_F(ChainTest, AlteredDetailsAreFound) {
  events[2].details = "{\"n\":99}";
  auto v = verify(events, anchor());
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(*v.first_broken(), 3);
  EXPECT_NE(v.problem()->find("altered"), std::string::npos);
}

TEST_F(ChainTest, AlteredAndRehashedEventBreaksTheNextLink) {
  events[1].actor = "mallory";
  events[1].hash = compute_event_hash(events[1]);
  auto v = verify(events, anchor());
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(*v.first_broken(), 3);
}

TEST_F(ChainTest, RemovedEventIsFound) {
  events.erase(events.begin() + 1);
  auto v = verify(events, anchor());
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(*v.first_broken(), 2);
}

TEST_F(ChainTest, ReorderedEventsAreFound) {
  std::swap(events[1], events[2]);
  auto v = verify(events, anchor());
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(*v.first_broken(), 2);
}

TEST_F(ChainTest, TruncatedTailIsFoundThroughTheAnchor) {
  AuditAnchor a = anchor();
  events.pop_back();
  auto v = verify(events, a);
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(*v.first_broken(), 5);
  EXPECT_NE(v.problem()->find("removed"), std::string::npos);
}

TEST_F(ChainTest, ForgedAnchorIsFound) {
  AuditAnchor a = anchor();
  a.count = 4;
  EXPECT_FALSE(verify(events, a).intact());
}

TEST_F(ChainTest, EmptyTrailWithoutAnchorIsIntact) {
  EXPECT_TRUE(verify({}, std::nullopt).intact());
}

}  // namespace
}  // namespace maestro
