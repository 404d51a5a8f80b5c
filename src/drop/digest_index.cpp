#include "drop/digest_index.hpp"

namespace maestro {

void DropDigestIndex::build() {
  std::size_t size = 16;
  while (size < 2 * m_pending.size()) size *= 2;  // at most half full: short probes
  m_slots.assign(size, Slot{});
  m_mask = size - 1;
  m_next.assign(m_pending.size(), k_empty);
  for (std::uint32_t i = 0; i < m_pending.size(); ++i) {
    const DropDigest& digest = m_pending[i].digest;
    for (std::size_t at = slot_of(digest);; at = (at + 1) & m_mask) {
      Slot& slot = m_slots[at];
      if (slot.first == k_empty) {
        slot.tag = tag_of(digest);
        slot.first = i;
        break;
      }
      if (slot.tag == tag_of(digest) && m_pending[slot.first].digest == digest) {  // another item, same identifier
        m_next[i] = slot.first;
        slot.first = i;
        break;
      }
    }
  }
}

}  // namespace maestro
