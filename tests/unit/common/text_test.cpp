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

TEST(AsciiText, LowersOnlyAToZAndTrimsAsciiWhitespace) {
  EXPECT_EQ(ascii_lower("Jane.DOE@Example.COM"), "jane.doe@example.com");
  EXPECT_EQ(ascii_lower("ÉLODIE Ü"), "Élodie Ü");  // UTF-8 bytes are left as they are
  EXPECT_EQ(trimmed(" \t\r\n value \v\f"), "value");
  EXPECT_EQ(trimmed("   "), "");
  EXPECT_EQ(trim("  a b  "), std::string("a b"));
}

}  // namespace
}  // namespace maestro
