#include "crypto/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(KeyRing, PseudonymsAreStableKeyedAndDistinct) {
  SecretKeyRing a(std::string(32, 'a')), b(std::string(32, 'b'));
  EXPECT_EQ(a.pseudonym("email:jane@example.com"), a.pseudonym("email:jane@example.com"));
  EXPECT_NE(a.pseudonym("email:jane@example.com"), b.pseudonym("email:jane@example.com"));
  EXPECT_NE(a.pseudonym("email:jane@example.com"), a.integrity_mac("email:jane@example.com"));
  EXPECT_EQ(a.pseudonym("x").size(), 64u);
}

TEST(KeyRing, SealOpensAndUsesFreshNonces) {
  SecretKeyRing keys(std::string(32, 'k'));
  std::string one = keys.seal("Jane Example"), two = keys.seal("Jane Example");
  EXPECT_NE(one, two);
  EXPECT_EQ(one.find("Jane"), std::string::npos);
  EXPECT_EQ(*keys.open(one), "Jane Example");
}

TEST(KeyRing, TamperedOrForeignCiphertextIsDataLoss) {
  SecretKeyRing keys(std::string(32, 'k')), other(std::string(32, 'o'));
  std::string sealed = keys.seal("secret");
  std::string flipped = sealed;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_EQ(keys.open(flipped).error().code, ErrorCode::data_loss);
  EXPECT_EQ(other.open(sealed).error().code, ErrorCode::data_loss);
  EXPECT_EQ(keys.open("short").error().code, ErrorCode::data_loss);
}

TEST(KeyFile, CreatedWithOwnerOnlyPermissionsAndReloaded) {
  testing::TempDir dir;
  auto path = dir / "home/secret.key";
  auto created = load_or_create_key_file(path, KeyFileMode::create_if_missing);
  ASSERT_TRUE(created) << created.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto loaded = load_or_create_key_file(path, KeyFileMode::must_exist);
  ASSERT_TRUE(loaded);
  EXPECT_EQ((*created)->pseudonym("x"), (*loaded)->pseudonym("x"));
}

TEST(KeyFile, MissingKeyIsNotFoundWhenItMustExist) {
  testing::TempDir dir;
  auto r = load_or_create_key_file(dir / "secret.key", KeyFileMode::must_exist);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_FALSE(std::filesystem::exists(dir / "secret.key"));
}

TEST(KeyFile, RefusesAKeyOthersCanRead) {
  testing::TempDir dir;
  auto path = dir / "secret.key";
  ASSERT_TRUE(load_or_create_key_file(path, KeyFileMode::create_if_missing));
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(load_or_create_key_file(path, KeyFileMode::must_exist).error().code, ErrorCode::permission_denied);
}

TEST(KeyFile, RefusesAMalformedKey) {
  testing::TempDir dir;
  auto path = dir / "secret.key";
  std::ofstream(path) << "not hex\n";
  ::chmod(path.c_str(), 0600);
  EXPECT_EQ(load_or_create_key_file(path, KeyFileMode::must_exist).error().code, ErrorCode::data_loss);
}

}  // namespace
}  // namespace maestro
