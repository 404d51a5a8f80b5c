// DROP's hashing rules: the published phone test vectors, emails, names in other scripts,
// composite hashes as the rules file describes them, and a wrong rules file.
#include "drop/drop_rules.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

const DropRules& rules() {
  static const DropRules loaded = *DropRules::load(std::nullopt);
  return loaded;
}

TEST(DropRules, ThePublishedPhoneTestVectorsHashCorrectly) {
  EXPECT_EQ(rules().standardize("phone", "+1(415)555-9317"), "4155559317");
  EXPECT_EQ(rules().hash("Phone", {"+1(415)555-9317"}), "vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E=");
  EXPECT_EQ(rules().standardize("phone", "+84(90)123 4567"), "4901234567");
  EXPECT_EQ(rules().hash("Phone", {"+84(90)123 4567"}), "ptzVkgbv9DonwvPCHmXmJ2SEOaolSh37z3ZzY/Gmm+U=");
  EXPECT_EQ(rules().standardize("phone", "555-0134"), "5550134");  // fewer than ten digits: all of them
  EXPECT_EQ(rules().standardize("phone", "n/a"), std::nullopt);    // nothing to hash
}

TEST(DropRules, EmailsAreTrimmedAndLowercasedKeepingDotsAndPlus) {
  EXPECT_EQ(rules().standardize("email", "  Jane.Doe+DROP@Example.COM \t"), "jane.doe+drop@example.com");
  EXPECT_EQ(rules().hash("Email", {"Jane.Doe+DROP@Example.com"}), "Gu/RhjrABhtOrHwNVKTlRYeunipX1c83DTf9Whx/JK4=");
  auto remove_all = DropRules::parse("lists: {Email: [email]}\nemail: {whitespace: remove}\n", "rules.yaml");
  ASSERT_TRUE(remove_all) << remove_all.error().message;
  EXPECT_EQ(remove_all->standardize("email", " jane .doe@example.com"), "jane.doe@example.com");
}

TEST(DropRules, NamesAreTransliteratedToLatinAndOtherScriptsKept) {
  EXPECT_EQ(rules().standardize("first_name", "José"), "jose");
  EXPECT_EQ(rules().standardize("first_name", "ÉLODIE"), "elodie");
  EXPECT_EQ(rules().standardize("last_name", "Müller-Straße"), "muller-strasse");
  EXPECT_EQ(rules().standardize("first_name", "Иван"), "ivan");
  EXPECT_EQ(rules().standardize("last_name", "Щукин"), "shchukin");
  EXPECT_EQ(rules().standardize("first_name", "Ελένη"), "eleni");
  EXPECT_EQ(rules().standardize("first_name", "美咲"), "美咲");  // CJK stays as it is
  EXPECT_EQ(rules().standardize("last_name", "כהן"), "כהן");    // so does Hebrew
}

TEST(DropRules, CompositeListsHashEachPartThenTheJoinedHashes) {
  EXPECT_EQ(rules().standardize("date_of_birth", "1990-04-01"), "19900401");
  EXPECT_EQ(rules().standardize("zip", "94105-1234"), "94105");
  EXPECT_EQ(rules().standardize("vin", "1hgcm 82633a004352"), "1HGCM82633A004352");
  // SHA-256 Base64 of "jose", "garcia", "19900401" and "94105", joined, hashed again.
  EXPECT_EQ(rules().hash("NDZ", {"José", "García", "1990-04-01", "94105-1234"}),
            "urnk+NvJSqcgQTCKuurbyxDfphgb6cHARt+cJYo/fUo=");
  EXPECT_EQ(rules().hash("NDZ", {"José", "García"}), std::nullopt);  // a part missing
  auto hex = DropRules::parse("lists: {NDZ: [first_name, last_name, date_of_birth, zip]}\n"
                              "composite: {inner_encoding: hex, separator: '|'}\n",
                              "rules.yaml");
  ASSERT_TRUE(hex) << hex.error().message;
  EXPECT_NE(hex->hash("NDZ", {"José", "García", "1990-04-01", "94105"}),
            rules().hash("NDZ", {"José", "García", "1990-04-01", "94105"}));
}

TEST(DropRules, AHashIsFortyFourBase64CharactersOfThirtyTwoBytes) {
  EXPECT_TRUE(is_drop_hash("vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E="));
  EXPECT_FALSE(is_drop_hash("vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E"));    // 43
  EXPECT_FALSE(is_drop_hash("vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E=="));  // 45
  EXPECT_FALSE(is_drop_hash("vGM7y5n-hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E="));   // URL-safe alphabet
  EXPECT_FALSE(is_drop_hash("vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8F="));   // 33rd byte's bits set
  EXPECT_FALSE(is_drop_hash(""));
}

TEST(DropRules, AWrongRulesFileIsRefusedWithItsLine) {
  auto unknown = DropRules::parse("lists:\n  Email: [email]\n  Shoe: [shoe_size]\n", "my-rules.yaml");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "my-rules.yaml:3: list Shoe names an unknown kind 'shoe_size'");
  auto encoding = DropRules::parse("lists: {Email: [email]}\ncomposite: {inner_encoding: base32}\n", "r.yaml");
  ASSERT_FALSE(encoding);
  EXPECT_NE(encoding.error().message.find("r.yaml:2: inner_encoding is base64 or hex"), std::string::npos);
  EXPECT_FALSE(DropRules::parse("email: {whitespace: trim}\n", "r.yaml"));  // no lists
}

TEST(DropRules, TheStatusFileIsNamedAsTheRulesSay) {
  EXPECT_EQ(rules().response_file_name("20261125", "B1234", "Email"), "20261125_B1234_Email_Status.csv");
  EXPECT_EQ(rules().response_columns(), (std::vector<std::string>{"ID", "Status"}));
}

}  // namespace
}  // namespace maestro
