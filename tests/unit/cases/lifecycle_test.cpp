#include "cases/lifecycle.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

class LifecycleTest : public ::testing::Test {
 protected:
  LifecycleTest() {
    c.number = "DSAR-2026-007";
    c.jurisdiction = "uk-gdpr";
    c.rights = {Right::access};
    c.received_at = at("2026-03-02T09:00:00Z");
  }
  const Policy& policy = testing::default_policy();
  Instant now = at("2026-03-03T09:00:00Z");
  Case c;

  void verified() {
    ASSERT_TRUE(acknowledge(c, now));
    ASSERT_TRUE(record_verification(c, now, "document", VerificationOutcome::passed, policy));
  }
};

TEST_F(LifecycleTest, TheHappyPath) {
  verified();
  EXPECT_EQ(c.state, CaseState::verified);
  ASSERT_TRUE(start_work(c, now));
  ASSERT_TRUE(submit_for_review(c, now));
  c.deliveries.push_back({now, "ab12", 10, "exports/DSAR-2026-007/", {}});
  c.deliveries.back().status = "staged";
  ASSERT_TRUE(fulfil(c, now));
  EXPECT_EQ(c.state, CaseState::fulfilled);
  EXPECT_EQ(c.closed_at, now);
  EXPECT_EQ(c.deliveries.back().status, "delivered");  // approval delivers the staged package
}

TEST_F(LifecycleTest, AnAccessCaseDoesNotCloseWithoutACompletePackage) {
  verified();
  ASSERT_TRUE(start_work(c, now));
  auto nothing = fulfil(c, now);
  ASSERT_FALSE(nothing);
  EXPECT_NE(nothing.error().message.find("no access package yet"), std::string::npos) << nothing.error().message;
  EXPECT_EQ(c.state, CaseState::in_progress);

  c.deliveries.push_back({now, "ab12", 10, "exports/DSAR-2026-007/", {}});
  c.deliveries.back().unsearched = {"crm"};
  auto incomplete = fulfil(c, now);
  ASSERT_FALSE(incomplete);
  EXPECT_NE(incomplete.error().message.find("incomplete (not searched: crm)"), std::string::npos);
  EXPECT_TRUE(c.outcomes.empty());

  // The DPO's exception closes it, and says so on the case.
  ASSERT_TRUE(fulfil(c, now, true));
  EXPECT_EQ(c.state, CaseState::fulfilled);
  ASSERT_NE(c.outcome_of("exception"), nullptr);
}

TEST_F(LifecycleTest, EveryRightNeedsItsWorkDoneCleanly) {
  c.rights = {Right::erasure, Right::rectification, Right::automated_decision_opt_out};
  ASSERT_TRUE(acknowledge(c, now));
  ASSERT_TRUE(record_verification(c, now, "document", VerificationOutcome::passed, policy));
  ASSERT_TRUE(record_verification(c, now, "email-code", VerificationOutcome::passed, policy));
  ASSERT_TRUE(start_work(c, now));
  EXPECT_EQ(closing_blockers(c).size(), 3u);
  c.outcomes.push_back({now, "erasure", "incomplete"});
  c.outcomes.push_back({now, "rectification", "done"});
  auto blockers = closing_blockers(c);
  ASSERT_EQ(blockers.size(), 2u);
  EXPECT_NE(blockers[0].find("erasure incomplete"), std::string::npos) << blockers[0];
  EXPECT_NE(blockers[1].find("objection not carried out yet (maestro dsar object --case DSAR-2026-007)"),
            std::string::npos)
      << blockers[1];
  c.outcomes.push_back({now, "erasure", "clean"});  // the re-run's proof is clean
  c.outcomes.push_back({now, "objection", "done"});
  EXPECT_TRUE(closing_blockers(c).empty());
  EXPECT_TRUE(fulfil(c, now));
}

TEST_F(LifecycleTest, CannotStartBeforeVerification) {
  ASSERT_TRUE(acknowledge(c, now));
  Case before = c;
  auto r = start_work(c, now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::failed_precondition);
  EXPECT_NE(r.error().message.find("it is acknowledged"), std::string::npos);
  EXPECT_EQ(c.state, before.state);
  EXPECT_FALSE(c.started_at);
}

TEST_F(LifecycleTest, CannotAcknowledgeTwice) {
  ASSERT_TRUE(acknowledge(c, now));
  EXPECT_FALSE(acknowledge(c, now));
}

TEST_F(LifecycleTest, ClosedCasesAcceptNothing) {
  ASSERT_TRUE(withdraw(c, now));
  EXPECT_FALSE(acknowledge(c, now));
  EXPECT_FALSE(deny(c, now, "excessive", "", policy));
  EXPECT_FALSE(pause(c, now, "awaiting-identity", policy));
  auto r = withdraw(c, now);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("closed"), std::string::npos);
}

TEST_F(LifecycleTest, TwoFailedChecksDenyTheCase) {
  ASSERT_TRUE(acknowledge(c, now));
  EXPECT_EQ(*record_verification(c, now, "knowledge", VerificationOutcome::failed, policy),
            CaseState::awaiting_verification);
  EXPECT_EQ(*record_verification(c, now, "knowledge", VerificationOutcome::failed, policy), CaseState::denied);
  EXPECT_EQ(c.denial_reason, "identity-not-verified");
  EXPECT_TRUE(c.closed_at);
}

TEST_F(LifecycleTest, RequestedVerificationWaitsForTheRequester) {
  ASSERT_TRUE(acknowledge(c, now));
  EXPECT_EQ(*record_verification(c, now, "document", VerificationOutcome::requested, policy),
            CaseState::awaiting_verification);
  EXPECT_EQ(*record_verification(c, now, "document", VerificationOutcome::passed, policy), CaseState::verified);
}

TEST_F(LifecycleTest, PausedCasesMustResumeFirst) {
  ASSERT_TRUE(acknowledge(c, now));
  ASSERT_TRUE(pause(c, now, "awaiting-identity", policy));
  EXPECT_FALSE(pause(c, now, "awaiting-identity", policy));
  auto r = record_verification(c, now, "document", VerificationOutcome::passed, policy);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("resume"), std::string::npos);
  ASSERT_TRUE(resume(c, now));
  EXPECT_FALSE(resume(c, now));
  EXPECT_TRUE(record_verification(c, now, "document", VerificationOutcome::passed, policy));
}

TEST_F(LifecycleTest, DenyingAPausedCaseEndsThePause) {
  ASSERT_TRUE(pause(c, now, "awaiting-clarification", policy));
  ASSERT_TRUE(deny(c, at("2026-03-05T09:00:00Z"), "manifestly-unfounded", "", policy));
  EXPECT_FALSE(c.is_paused());
  EXPECT_EQ(c.pauses.back().ended, at("2026-03-05T09:00:00Z"));
}

TEST_F(LifecycleTest, ReasonsMustBePolicyCodes) {
  EXPECT_EQ(deny(c, now, "dunno", "", policy).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(pause(c, now, "lunch", policy).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(extend(c, now, "busy", policy).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(c.state, CaseState::received);
}

TEST_F(LifecycleTest, ExtendOnceAndOnlyBeforeTheOriginalDeadline) {
  ASSERT_TRUE(extend(c, at("2026-04-02T12:00:00Z"), "complex", policy));  // due 2 Apr: still in time
  auto again = extend(c, at("2026-04-02T13:00:00Z"), "complex", policy);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already been extended"), std::string::npos);

  Case late = c;
  late.extensions.clear();
  auto r = extend(late, at("2026-04-03T08:00:00Z"), "complex", policy);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("2026-04-02 has passed"), std::string::npos);
}

TEST_F(LifecycleTest, LgpdCannotBeExtended) {
  c.jurisdiction = "lgpd";
  auto r = extend(c, now, "complex", policy);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("allows no extension"), std::string::npos);
}

TEST_F(LifecycleTest, FulfilStraightFromInProgressIsAllowed) {
  verified();
  ASSERT_TRUE(start_work(c, now));
  c.deliveries.push_back({now, "ab12", 10, "exports/DSAR-2026-007/", {}});
  EXPECT_TRUE(fulfil(c, now));
}

}  // namespace
}  // namespace maestro
