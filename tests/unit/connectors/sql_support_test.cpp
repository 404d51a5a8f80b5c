// Identifier quoting and store credentials shared by the SQL connectors.
#include "connectors/sql_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

TEST(QuoteSqlIdentifier, DoublesTheQuoteCharacter) {
  EXPECT_EQ(quote_sql_identifier("Customer"), "\"Customer\"");
  EXPECT_EQ(quote_sql_identifier("a\"b; DROP TABLE x"), "\"a\"\"b; DROP TABLE x\"");
  EXPECT_EQ(quote_sql_identifier("we`ird", '`'), "`we``ird`");
}

TEST(StorePassword, FromTheEnvironmentOrAFileNeverInline) {
  StoreSpec none{"postgres", {}, {}};
  EXPECT_EQ(*store_password(none), "");
  ::setenv("MAESTRO_TEST_STORE_PASSWORD", "s3cret", 1);
  StoreSpec env{"postgres", {{"password_env", "MAESTRO_TEST_STORE_PASSWORD"}}, {}};
  EXPECT_EQ(*store_password(env), "s3cret");
  StoreSpec missing{"postgres", {{"password_env", "MAESTRO_TEST_NO_SUCH_VARIABLE"}}, {}};
  EXPECT_EQ(store_password(missing).error().code, ErrorCode::unavailable);
  testing::TempDir dir;
  std::ofstream(dir / "pw") << "from-file\n";
  StoreSpec file{"postgres", {{"password_file", (dir / "pw").string()}}, {}};
  EXPECT_EQ(*store_password(file), "from-file");
}

}  // namespace
}  // namespace maestro
