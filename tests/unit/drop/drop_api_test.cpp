// DROP's daily maintenance window, 01:00-03:00 in California, across daylight saving time. The
// API calls themselves are tested end to end against a stand-in server (tests/e2e/drop_test.cpp).
#include "drop/drop_api.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

TEST(DropMaintenanceWindow, IsOneToThreeInTheMorningPacificTime) {
  EXPECT_TRUE(in_drop_maintenance_window(at("2026-11-26T09:30:00Z")));   // 01:30 PST (UTC-8)
  EXPECT_FALSE(in_drop_maintenance_window(at("2026-11-26T08:59:00Z")));  // 00:59 PST
  EXPECT_FALSE(in_drop_maintenance_window(at("2026-11-26T11:00:00Z")));  // 03:00 PST: over
  EXPECT_TRUE(in_drop_maintenance_window(at("2026-07-01T08:30:00Z")));   // 01:30 PDT (UTC-7)
  EXPECT_FALSE(in_drop_maintenance_window(at("2026-07-01T10:30:00Z")));  // 03:30 PDT
  // 2026-03-08, the second Sunday of March: clocks go forward at 02:00 PST (10:00 UTC).
  EXPECT_TRUE(in_drop_maintenance_window(at("2026-03-08T09:30:00Z")));   // 01:30 PST
  EXPECT_FALSE(in_drop_maintenance_window(at("2026-03-08T10:30:00Z")));  // 03:30 PDT
  // 2026-11-01, the first Sunday of November: back at 02:00 PDT (09:00 UTC).
  EXPECT_TRUE(in_drop_maintenance_window(at("2026-11-01T08:30:00Z")));   // 01:30 PDT
  EXPECT_TRUE(in_drop_maintenance_window(at("2026-11-01T09:30:00Z")));   // 01:30 PST, the second time
  EXPECT_FALSE(in_drop_maintenance_window(at("2026-11-01T11:30:00Z")));  // 03:30 PST
}

}  // namespace
}  // namespace maestro
