// Codes, factor counting and the policy's verification settings.
#include "desk/verification_service.hpp"

#include <gtest/gtest.h>

#include <map>

#include "support/test_support.hpp"

namespace maestro {
namespace {

TEST(VerificationCode, DigitsOnlyOfTheRequestedLengthAndEveryDigitOccurs) {
  std::map<char, int> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string code = generate_code(6);
    ASSERT_EQ(code.size(), 6u);
    for (char c : code) {
      ASSERT_TRUE(c >= '0' && c <= '9');
      ++seen[c];
    }
  }
  EXPECT_EQ(seen.size(), 10u);
  for (const auto& [digit, n] : seen) EXPECT_GT(n, 900) << digit;  // 1200 expected each; far from skewed
  EXPECT_EQ(generate_code(8).size(), 8u);
}

TEST(VerificationPolicy, HighRiskRightsNeedTwoDifferentChecks) {
  const Policy& p = testing::default_policy();
  EXPECT_EQ(p.factors_required({Right::access}), 1);
  EXPECT_EQ(p.factors_required({Right::access, Right::erasure}), 2);
  EXPECT_EQ(p.factors_required({Right::ccpa_delete}), 2);
  EXPECT_EQ(p.verification.knowledge_points_for("ccpa"), 2);
  EXPECT_EQ(p.verification.knowledge_points_for("gdpr"), 1);
  EXPECT_EQ(p.verification.code_valid_minutes, 10);
}

TEST(VerificationFactors, TwoPassesOfOneMethodCountOnce) {
  Case c;
  c.rights = {Right::erasure};
  c.state = CaseState::acknowledged;
  const Policy& p = testing::default_policy();
  Instant now = testing::at("2026-03-02T09:00:00Z");
  ASSERT_TRUE(record_verification(c, now, "email-code", VerificationOutcome::passed, p));
  EXPECT_EQ(c.state, CaseState::awaiting_verification);
  ASSERT_TRUE(record_verification(c, now, "email-code", VerificationOutcome::passed, p));
  EXPECT_EQ(c.state, CaseState::awaiting_verification);
  EXPECT_EQ(passed_factors(c), 1);
  ASSERT_TRUE(record_verification(c, now, "knowledge", VerificationOutcome::passed, p));
  EXPECT_EQ(c.state, CaseState::verified);
}

}  // namespace
}  // namespace maestro
