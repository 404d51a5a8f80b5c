// The s3:// sink against a real S3-compatible server (s3rver) that tests/servers/s3 starts,
// read back with a separate client (Debian's awscli).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "crypto/keyring.hpp"
#include "sinks/s3_sink.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

namespace fs = std::filesystem;

class S3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = testing::fixture_port("s3");
    if (!found) {
      if (testing::datasets_required()) FAIL() << "the S3 fixture is missing";
      GTEST_SKIP() << "no S3 fixture: skipping";
    }
    endpoint = "http://127.0.0.1:" + *found;
  }

  S3Config config(const std::string& access_key = "S3RVER") {
    S3Config c;
    c.endpoint = endpoint;
    c.access_key = access_key;
    c.secret_key = "S3RVER";
    c.part_size = 5 * 1024 * 1024;
    return c;
  }

  fs::path random_file(const std::string& name, std::size_t bytes) {
    std::string data = random_bytes(bytes);
    std::ofstream(dir / name, std::ios::binary) << data;
    return dir / name;
  }

  // Downloads with awscli, not with Maestro's own code.
  std::string read_back(const std::string& url) {
    std::string cmd =
        "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 "
        "/usr/bin/aws --endpoint-url " +
        endpoint + " s3 cp " + url + " " + (dir / "back").string() + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return testing::read_file(dir / "back");
  }

  testing::TempDir dir;
  std::string endpoint;
};

TEST_F(S3Test, APackageIsUploadedAndReadsBackIdentically) {
  fs::path file = random_file("DSAR-2026-001_DSAR_PACKAGE.zip", 300 * 1024);
  auto sink = open_s3_sink(*parse_s3_url("s3://maestro-dsar/requests/DSAR-2026-001/"), config());
  ASSERT_TRUE(sink);
  auto url = (*sink)->put(file, file.filename().string());
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(*url, "s3://maestro-dsar/requests/DSAR-2026-001/DSAR-2026-001_DSAR_PACKAGE.zip");
  EXPECT_EQ(sha256_hex(read_back(*url)), sha256_hex(testing::read_file(file)));
}

TEST_F(S3Test, LargePackagesGoUpInParts) {
  fs::path file = random_file("big.zip", 12 * 1024 * 1024 + 123);  // three parts of at most 5 MiB
  auto sink = open_s3_sink(*parse_s3_url("s3://maestro-dsar/large/"), config());
  auto url = (*sink)->put(file, "big.zip");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(sha256_hex(read_back(*url)), sha256_hex(testing::read_file(file)));
}

TEST_F(S3Test, AnUnknownAccessKeyIsRefusedClearly) {
  fs::path file = random_file("x.zip", 1000);
  auto sink = open_s3_sink(*parse_s3_url("s3://maestro-dsar/x/"), config("NOT-A-KEY"));
  auto url = (*sink)->put(file, "x.zip");
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().code, ErrorCode::permission_denied);
  EXPECT_NE(url.error().message.find("InvalidAccessKeyId"), std::string::npos) << url.error().message;
}

TEST_F(S3Test, AMissingBucketIsNotFound) {
  fs::path file = random_file("x.zip", 1000);
  auto sink = open_s3_sink(*parse_s3_url("s3://no-such-bucket/x/"), config());
  auto url = (*sink)->put(file, "x.zip");
  ASSERT_FALSE(url);
  EXPECT_NE(url.error().message.find("NoSuchBucket"), std::string::npos) << url.error().message;
}

// The portal's download link for an s3:// package: fetched by curl, not by Maestro's own code.
TEST_F(S3Test, APresignedLinkFetchesThatObjectUntilItExpires) {
  fs::path file = random_file("DSAR-2026-009_DSAR_PACKAGE.zip", 70 * 1024);
  auto sink = open_s3_sink(*parse_s3_url("s3://maestro-dsar/presign/"), config());
  ASSERT_TRUE(sink);
  ASSERT_TRUE((*sink)->put(file, file.filename().string()));
  auto fetch = [&](const std::string& url) {
    fs::path out = dir / "fetched";
    fs::remove(out);
    std::string cmd = "curl -s -o " + out.string() + " -w '%{http_code}' '" + url + "' > " + (dir / "code").string();
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return std::pair{testing::read_file(dir / "code"), fs::exists(out) ? testing::read_file(out) : std::string()};
  };
  auto now = std::chrono::system_clock::now();
  auto url = presign_s3_get(config(), "maestro-dsar", "presign/DSAR-2026-009_DSAR_PACKAGE.zip", now,
                            std::chrono::seconds{300});
  ASSERT_TRUE(url) << url.error().message;
  auto [code, body] = fetch(*url);
  EXPECT_EQ(code, "200");
  EXPECT_EQ(sha256_hex(body), sha256_hex(testing::read_file(file)));

  // An expired link and an unknown key are refused. (s3rver 3.7 does not check the V4 signature
  // itself; sinks/s3_sink_test checks it against AWS's own worked example.)
  auto stranger = config("NOT-A-KEY");
  auto unknown = presign_s3_get(stranger, "maestro-dsar", "presign/DSAR-2026-009_DSAR_PACKAGE.zip", now,
                                std::chrono::seconds{300});
  ASSERT_TRUE(unknown);
  EXPECT_EQ(fetch(*unknown).first, "403");
  auto old = presign_s3_get(config(), "maestro-dsar", "presign/DSAR-2026-009_DSAR_PACKAGE.zip",
                            now - std::chrono::seconds{600}, std::chrono::seconds{300});
  ASSERT_TRUE(old);
  EXPECT_EQ(fetch(*old).first, "403");
}

TEST(S3Url, ParsesBucketAndPrefix) {
  EXPECT_EQ(parse_s3_url("s3://maestro-dsar/requests/DSAR-2026-001")->prefix, "requests/DSAR-2026-001/");
  EXPECT_EQ(parse_s3_url("s3://maestro-dsar")->prefix, "");
  EXPECT_FALSE(parse_s3_url("s3://UPPER/x"));
  EXPECT_FALSE(parse_s3_url("s3://ab/x"));
  EXPECT_FALSE(parse_s3_url("s3://bucket/../etc"));
}

}  // namespace
}  // namespace maestro
