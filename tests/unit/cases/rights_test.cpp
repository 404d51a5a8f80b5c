#include "cases/rights.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

TEST(Rights, ParsesCanonicalNamesAndAliases) {
  EXPECT_EQ(*parse_right("access"), Right::access);
  EXPECT_EQ(*parse_right("Delete"), Right::erasure);
  EXPECT_EQ(*parse_right("export"), Right::portability);
  EXPECT_EQ(*parse_right("ccpa_opt_out_of_sale"), Right::ccpa_opt_out_of_sale);
  EXPECT_EQ(*parse_right("ai-opt-out"), Right::automated_decision_opt_out);
}

TEST(Rights, EveryRightRoundTrips) {
  for (Right r : all_rights()) EXPECT_EQ(*parse_right(right_name(r)), r);
}

TEST(Rights, ListsDropDuplicatesAndKeepOrder) {
  auto rights = parse_rights("erasure, access,erasure");
  ASSERT_TRUE(rights);
  EXPECT_EQ(join_rights(*rights), "erasure,access");
}

TEST(Rights, UnknownRightNamesTheChoices) {
  auto r = parse_rights("access,teleport");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown right 'teleport'"), std::string::npos);
  EXPECT_NE(r.error().message.find("rectification"), std::string::npos);
  EXPECT_FALSE(parse_rights(" , "));
}

TEST(Rights, OneRequestCannotBothOptOutOfAndOptInToSale) {
  EXPECT_EQ(*parse_right("opt-in-to-sale"), Right::ccpa_opt_in_to_sale);
  auto both = parse_rights("ccpa-opt-out-of-sale,opt-in-to-sale");
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("two cases"), std::string::npos);
  EXPECT_TRUE(parse_rights("ccpa-know,ccpa-opt-in-to-sale"));
}

TEST(States, ParseAndClosed) {
  EXPECT_EQ(*parse_state("in-progress"), CaseState::in_progress);
  EXPECT_FALSE(parse_state("done"));
  EXPECT_TRUE(is_closed(CaseState::withdrawn));
  EXPECT_FALSE(is_closed(CaseState::in_review));
}

}  // namespace
}  // namespace maestro
