#include "sinks/s3_sink.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace maestro {
namespace {

S3Config example_credentials() {
  S3Config c;
  c.access_key = "AKIAIOSFODNN7EXAMPLE";
  c.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  c.region = "us-east-1";
  return c;
}

// AWS's worked example of query-string signing ("Authenticating Requests: Using Query
// Parameters", Amazon S3 API reference): GET examplebucket/test.txt, 2013-05-24, one day.
TEST(S3Presign, MatchesAwsWorkedExample) {
  auto url = presign_s3_get(example_credentials(), "examplebucket", "test.txt", testing::at("2013-05-24T00:00:00Z"),
                            std::chrono::seconds{86400});
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(*url,
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(S3Presign, CustomEndpointsArePathStyleAndLimitsAreChecked) {
  S3Config c = example_credentials();
  c.endpoint = "http://127.0.0.1:4568/";
  auto url = presign_s3_get(c, "dsar", "requests/DSAR-2026-001/package 1.zip", testing::at("2026-03-02T09:00:00Z"),
                            std::chrono::seconds{300});
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->starts_with("http://127.0.0.1:4568/dsar/requests/DSAR-2026-001/package%201.zip?")) << *url;
  EXPECT_NE(url->find("X-Amz-Expires=300&"), std::string::npos);
  EXPECT_FALSE(presign_s3_get(c, "dsar", "k", testing::at("2026-03-02T09:00:00Z"), std::chrono::seconds{0}));
  EXPECT_FALSE(presign_s3_get(c, "dsar", "k", testing::at("2026-03-02T09:00:00Z"), std::chrono::hours{24 * 8}));
  c.secret_key.clear();
  EXPECT_FALSE(presign_s3_get(c, "dsar", "k", testing::at("2026-03-02T09:00:00Z"), std::chrono::seconds{60}));
}

}  // namespace
}  // namespace maestro
