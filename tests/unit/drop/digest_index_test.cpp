// The flat table of list digests: every added digest is found with all its work items, and
// nothing else is, also when many digests share their first bytes' slot.
#include "drop/digest_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace maestro {
namespace {

DropDigest digest_of(const std::string& text) {
  auto d = drop_digest_of(drop_hash(text));
  EXPECT_TRUE(d);
  return *d;
}

std::vector<std::uint32_t> items_of(const DropDigestIndex& index, const DropDigest& d) {
  std::vector<std::uint32_t> out;
  index.for_each(d, [&](std::uint32_t item) { out.push_back(item); });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DropDigestIndex, FindsEveryItemOfADigestAndNothingElse) {
  DropDigestIndex index;
  for (std::uint32_t i = 0; i < 5000; ++i) index.add(digest_of("user" + std::to_string(i) + "@example.com"), i);
  index.add(digest_of("user7@example.com"), 9000);  // the same consumer on a second list file
  index.build();
  EXPECT_EQ(items_of(index, digest_of("user7@example.com")), (std::vector<std::uint32_t>{7, 9000}));
  EXPECT_EQ(items_of(index, digest_of("user4999@example.com")), std::vector<std::uint32_t>{4999});
  for (int i = 5000; i < 6000; ++i) EXPECT_TRUE(items_of(index, digest_of("user" + std::to_string(i) + "@example.com")).empty());
}

TEST(DropDigestIndex, DigestsAgreeingInTheirFirstBytesAreToldApart) {
  DropDigestIndex index;
  DropDigest a = digest_of("a"), b = a, c = a;
  b[31] ^= 1;   // same slot and tag, different digest
  c[8] ^= 1;    // same slot, different tag
  index.add(a, 1);
  index.add(b, 2);
  index.build();
  EXPECT_EQ(items_of(index, a), std::vector<std::uint32_t>{1});
  EXPECT_EQ(items_of(index, b), std::vector<std::uint32_t>{2});
  EXPECT_TRUE(items_of(index, c).empty());
  EXPECT_TRUE(items_of(DropDigestIndex{}, a).empty());  // never built: empty
}

}  // namespace
}  // namespace maestro
