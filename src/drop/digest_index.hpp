// The digests of DROP's list hashes in one flat open-addressing table, so that looking up the
// digest of each of millions of identifiers costs about one cache miss (a node-based hash set
// costs several). Several work items may carry one digest (one consumer on two lists' files).
//
//   DropDigestIndex index;
//   index.add(digest, 17);
//   index.build();
//   index.for_each(digest, [](std::uint32_t item) { ... });
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "drop/drop_rules.hpp"

namespace maestro {

class DropDigestIndex {
 public:
  void add(const DropDigest& digest, std::uint32_t item) { m_pending.push_back({digest, item}); }
  // Lays the table out; call once after the last add().
  void build();
  bool empty() const { return m_pending.empty(); }

  template <typename Visit>
  void for_each(const DropDigest& digest, Visit&& visit) const {
    if (m_slots.empty()) return;
    std::uint32_t tag = tag_of(digest);
    for (std::size_t at = slot_of(digest);; at = (at + 1) & m_mask) {
      const Slot& slot = m_slots[at];
      if (slot.first == k_empty) return;
      if (slot.tag == tag && m_pending[slot.first].digest == digest) {
        for (std::uint32_t i = slot.first; i != k_empty; i = m_next[i]) visit(m_pending[i].item);
        return;
      }
    }
  }

 private:
  static constexpr std::uint32_t k_empty = UINT32_MAX;
  struct Entry {
    DropDigest digest;
    std::uint32_t item;
  };
  // Eight bytes a slot, so the table of a million digests stays small enough to miss the cache
  // once per lookup: four more bytes of the digest to compare, and where the entry is.
  struct Slot {
    std::uint32_t tag = 0;
    std::uint32_t first = k_empty;  // index into m_pending; more through m_next
  };
  std::size_t slot_of(const DropDigest& digest) const {
    std::uint64_t h;
    std::memcpy(&h, digest.data(), sizeof h);  // SHA-256 bytes are already uniform
    return static_cast<std::size_t>(h) & m_mask;
  }
  static std::uint32_t tag_of(const DropDigest& digest) {
    std::uint32_t t;
    std::memcpy(&t, digest.data() + 8, sizeof t);
    return t;
  }

  std::vector<Entry> m_pending;
  std::vector<Slot> m_slots;
  std::vector<std::uint32_t> m_next;
  std::size_t m_mask = 0;
};

}  // namespace maestro
