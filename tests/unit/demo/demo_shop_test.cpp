#include "demo/demo_shop.hpp"

#include <gtest/gtest.h>

#include "crypto/keyring.hpp"
#include "locate/locate.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

TEST(DemoShop, IsDeterministic) {
  testing::TempDir a, b;
  ASSERT_TRUE(generate_demo_shop(a / "shop", {.customers = 50}));
  ASSERT_TRUE(generate_demo_shop(b / "shop", {.customers = 50}));
  for (const char* f : {"shop.db", "logs/app-2026-02.jsonl", "exports/newsletter.csv", "datamap.yaml"}) {
    EXPECT_EQ(sha256_hex(testing::read_file(a / "shop" / f)), sha256_hex(testing::read_file(b / "shop" / f))) << f;
  }
}

TEST(DemoShop, ItsDataMapLoadsAndFindsTheSampleCustomerEverywhere) {
  testing::TempDir dir;
  auto shop = generate_demo_shop(dir / "shop", {.customers = 30});
  ASSERT_TRUE(shop) << shop.error().message;
  auto map = load_data_map(shop->datamap);
  ASSERT_TRUE(map) << map.error().message;
  auto r = locate(*map, {*parse_identifier(shop->sample_email)}, {}, [](const FoundRecord&) { return Status{}; });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->failures.empty());
  EXPECT_EQ(r->records_by_collection["shop.customers"], 1u);
  EXPECT_EQ(r->records_by_collection["shop.orders"], 3u);
  EXPECT_EQ(r->records_by_collection["weblog.events"], 4u);
  EXPECT_EQ(r->records_by_collection["marketing.newsletter"], 1u);
  EXPECT_GE(r->records_by_collection["shop.order_items"], 3u);
}

TEST(DemoShop, RefusesANonEmptyFolderAndSillySizes) {
  testing::TempDir dir;
  ASSERT_TRUE(generate_demo_shop(dir / "shop", {.customers = 5}));
  EXPECT_FALSE(generate_demo_shop(dir / "shop", {.customers = 5}));
  EXPECT_FALSE(generate_demo_shop(dir / "other", {.customers = 0}));
}

}  // namespace
}  // namespace maestro
