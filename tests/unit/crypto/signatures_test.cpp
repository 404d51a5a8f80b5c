#include <gtest/gtest.h>

#include "crypto/keyring.hpp"
#include "crypto/signatures.hpp"
#include "support/ed25519_keys.hpp"

namespace maestro {
namespace {

using KeyPair = testing::Ed25519KeyPair;

TEST(Signatures, ACombinedSignedMessageOpensWithItsKeyOnly) {
  KeyPair agent, other;
  std::string signed_message = agent.sign(R"({"exercise":"access"})");
  auto opened = open_signed(signed_message, agent.public_key);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, R"({"exercise":"access"})");
  EXPECT_EQ(open_signed(signed_message, other.public_key).error().code, ErrorCode::permission_denied);
  std::string altered = signed_message;
  altered.back() ^= 1;
  EXPECT_EQ(open_signed(altered, agent.public_key).error().code, ErrorCode::permission_denied);
  EXPECT_EQ(open_signed("short", agent.public_key).error().code, ErrorCode::permission_denied);
  EXPECT_EQ(open_signed(signed_message, "not a key").error().code, ErrorCode::invalid_argument);
}

TEST(Signatures, Base64IsDecodedStrictlyInEveryVariant) {
  EXPECT_EQ(*decode_base64("aGVsbG8="), "hello");
  EXPECT_EQ(*decode_base64("aGVsbG8"), "hello");
  EXPECT_EQ(*decode_base64(" aGVsbG8=\n"), "hello");
  EXPECT_EQ(*decode_base64("-_8="), std::string("\xfb\xff", 2));
  EXPECT_EQ(*decode_base64("+/8="), std::string("\xfb\xff", 2));
  EXPECT_FALSE(decode_base64("this is not base64!"));
  EXPECT_FALSE(decode_base64(""));
  EXPECT_FALSE(decode_base64("aGVsbG8=junk"));
}

TEST(Signatures, AVerifyKeyIsTakenInHexOrBase64) {
  KeyPair agent;
  EXPECT_EQ(*parse_verify_key(to_hex(agent.public_key)), agent.public_key);
  EXPECT_EQ(*parse_verify_key(base64(agent.public_key)), agent.public_key);
  EXPECT_FALSE(parse_verify_key("abcd"));
  EXPECT_FALSE(parse_verify_key(base64("sixteen bytes!!!")));
}

}  // namespace
}  // namespace maestro
