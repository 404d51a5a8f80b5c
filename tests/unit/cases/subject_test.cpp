#include "cases/subject.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

TEST(ParseIdentifier, TypedIdentifiersKeepTheirKind) {
  EXPECT_EQ(parse_identifier("customer_id:42")->canonical(), "customer_id:42");
  EXPECT_EQ(parse_identifier("ip:2001:db8::1")->canonical(), "ip:2001:db8::1");
  EXPECT_EQ(parse_identifier("User_Id: u-17 ")->canonical(), "user_id:u-17");
}

TEST(ParseIdentifier, RecognisesBareEmailsAndPhones) {
  EXPECT_EQ(parse_identifier("Jane.Doe@Example.COM")->canonical(), "email:jane.doe@example.com");
  EXPECT_EQ(parse_identifier("+44 20 7946 0958")->canonical(), "phone:+442079460958");
  EXPECT_EQ(parse_identifier("(555) 010-9999")->canonical(), "phone:5550109999");
}

TEST(ParseIdentifier, EmailWithColonInLocalPartIsNotAKind) {
  // "a:b@example.com" has a colon before the @: it is not kind "a".
  auto id = parse_identifier("email:jane@example.com");
  EXPECT_EQ(id->kind, "email");
}

TEST(ParseIdentifier, RejectsInvalidInput) {
  for (const char* bad : {"", "   ", "email:", "email:not-an-email", "email:a@b", "phone:12", "phone:call me", "jane",
                          "x@y@z.com", "email:a..b@example.com"}) {
    auto id = parse_identifier(bad);
    EXPECT_FALSE(id) << bad;
    if (!id) {
      EXPECT_EQ(id.error().code, ErrorCode::invalid_argument);
    }
  }
  EXPECT_FALSE(parse_identifier("customer_id:4\n2"));
  EXPECT_FALSE(parse_identifier(std::string(600, 'a') + "@example.com"));
}

// Chinook's customer 49 is stanisław.wójcik@wp.pl: an internationalised address (RFC 6531)
// belongs to a person who may ask like anyone else. Bytes that are not UTF-8 are still refused.
TEST(ParseIdentifier, InternationalisedEmailAddressesAreAddresses) {
  for (const char* good : {"stanisław.wójcik@wp.pl", "email:josé@correo.es", "用户@例子.广告"}) {
    auto id = parse_identifier(good);
    ASSERT_TRUE(id) << good << ": " << id.error().message;
    EXPECT_EQ(id->kind, "email");
  }
  EXPECT_FALSE(parse_identifier("email:caf\xC3@example.com"));   // a cut character
  EXPECT_FALSE(parse_identifier("email:\xC0\xAE@example.com"));   // an overlong form
}

TEST(ParseIdentifier, ErrorsDoNotEchoTheIdentifier) {
  auto id = parse_identifier("email:secret-person@nowhere");
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().message.find("secret-person"), std::string::npos);
}

TEST(ParseIdentifier, SqlMetacharactersAreJustData) {
  auto id = parse_identifier("customer_id:1' OR '1'='1");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->value, "1' OR '1'='1");
}

}  // namespace
}  // namespace maestro
