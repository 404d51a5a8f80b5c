// Secrets named by configuration: an environment variable or a file's first line.
#include "common/secrets.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

TEST(Secrets, FromTheEnvironmentOrTheFirstLineOfAFile) {
  ::setenv("MAESTRO_TEST_SECRET", "s3cr3t", 1);
  EXPECT_EQ(*secret_from_environment("MAESTRO_TEST_SECRET", "the store's password", ErrorCode::unavailable), "s3cr3t");
  ::unsetenv("MAESTRO_TEST_SECRET");
  auto missing = secret_from_environment("MAESTRO_TEST_SECRET", "the store's password", ErrorCode::unavailable);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::unavailable);
  EXPECT_EQ(missing.error().message, "environment variable MAESTRO_TEST_SECRET (the store's password) is not set");

  testing::TempDir dir;
  std::ofstream(dir / "key") << "first-line\nsecond-line\n";
  EXPECT_EQ(*secret_from_file(dir / "key", "access key", ErrorCode::failed_precondition), "first-line");
  auto unreadable = secret_from_file(dir / "absent", "access key", ErrorCode::failed_precondition);
  ASSERT_FALSE(unreadable);
  EXPECT_EQ(unreadable.error().code, ErrorCode::failed_precondition);
  EXPECT_NE(unreadable.error().message.find("cannot read access key file"), std::string::npos);
}

}  // namespace
}  // namespace maestro
