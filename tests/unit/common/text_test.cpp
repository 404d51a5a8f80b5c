#include "common/text.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

TEST(PercentEncode, KeepsUnreservedAndTheCallersSafeCharacters) {
  EXPECT_EQ(percent_encode("a-Z_0.9~"), "a-Z_0.9~");
  EXPECT_EQ(percent_encode("AKIA/20130524/us-east-1"), "AKIA%2F20130524%2Fus-east-1");
  EXPECT_EQ(percent_encode("requests/DSAR 1/p.zip", "/"), "requests/DSAR%201/p.zip");
  EXPECT_EQ(percent_encode("email:jane@example.com&x=1", ":@"), "email:jane@example.com%26x%3D1");
  EXPECT_EQ(percent_encode("é"), "%C3%A9");
}

}  // namespace
}  // namespace maestro
