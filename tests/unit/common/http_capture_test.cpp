#include "common/http_capture.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

TEST(HttpCapture, AHeaderIsFoundByItsLowerCaseNameAndTheLastOneCounts) {
  HttpHeaders headers{{"etag", "\"a\""}, {"link", "<https://x/?page=2>; rel=\"next\""}, {"etag", "\"b\""}};
  EXPECT_EQ(header_value(headers, "etag"), "\"b\"");
  EXPECT_EQ(header_value(headers, "link"), "<https://x/?page=2>; rel=\"next\"");
  EXPECT_EQ(header_value(headers, "retry-after"), "");
  EXPECT_EQ(header_value({}, "etag"), "");
}

}  // namespace
}  // namespace maestro
