// Records and the grouping of row changes into statements (connectors/record.cpp).
#include <gtest/gtest.h>

#include "connectors/connector.hpp"

namespace maestro {
namespace {

RowChange deletion(std::string key) {
  return RowChange{"id", std::move(key), true, {}};
}
RowChange change(std::string key, Value to) {
  return RowChange{"id", std::move(key), false, {{"email", Value(std::string("old-" + key)), std::move(to)}}};
}

struct Call {
  std::string collection;
  bool delete_row;
  std::vector<std::string> keys;
};

TEST(ApplyInChunks, RowsSharingAChangeGoInOneStatementPerChunkOfKeys) {
  Collection customers, orders;
  customers.name = "customers";
  orders.name = "orders";
  std::vector<RowChange> order_rows;
  for (int i = 1; i <= 5; ++i) order_rows.push_back(deletion(std::to_string(i)));
  std::vector<RowChange> customer_rows{change("1", Value()), change("2", Value(std::string("h-2"))), change("3", Value()),
                                       RowChange{"id", "4", false, {}}};
  std::vector<Call> calls;
  auto counts = apply_in_chunks(
      {{&orders, order_rows}, {&customers, customer_rows}},
      [&](const Collection& c, const RowChange& shape, const std::vector<std::string>& keys) -> Result<std::size_t> {
        calls.push_back({c.name, shape.delete_row, keys});
        return keys.size();
      },
      2);
  ASSERT_TRUE(counts);
  // Orders first (the order given), five deletions in chunks of two; then the customers whose
  // email becomes null together, the one with its own pseudonym alone; nothing for row 4.
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[0].keys, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(calls[2].keys, (std::vector<std::string>{"5"}));
  EXPECT_TRUE(calls[2].delete_row);
  EXPECT_EQ(calls[3].collection, "customers");
  EXPECT_EQ(calls[3].keys, (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(calls[4].keys, (std::vector<std::string>{"2"}));
  EXPECT_EQ(counts->rows_deleted, 5u);
  EXPECT_EQ(counts->rows_changed, 3u);
}

TEST(ApplyInChunks, AFailureStopsAtOnce) {
  Collection c;
  std::vector<RowChange> rows{deletion("1"), deletion("2")};
  int calls = 0;
  auto counts = apply_in_chunks(
      {{&c, rows}},
      [&](const Collection&, const RowChange&, const std::vector<std::string>&) -> Result<std::size_t> {
        ++calls;
        return fail(ErrorCode::unavailable, "connection lost");
      },
      1);
  ASSERT_FALSE(counts);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace maestro
