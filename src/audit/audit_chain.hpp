// The tamper-evident audit trail: every action is an event that carries the SHA-256 of the event
// before it, so altering, removing or reordering any stored event breaks the chain.
//
// The chain alone cannot show that its newest events were cut off, so the store also keeps an
// anchor: the count and hash of the newest event, MAC'd under the installation key.
// Events never hold a subject's raw identifiers or data: only keyed pseudonyms and codes.
//
//   AuditEvent e{.at = now, .actor = "dpo", .case_number = "DSAR-2026-001", .action = "intake", ...};
//   e = link(std::move(e), previous);      // sets sequence, previous_hash, hash
//   ChainVerifier v(keyring); for (auto& ev : events) v.check(ev); v.finish(anchor)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/time.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

struct AuditEvent {
  std::int64_t sequence = 0;  // 1, 2, 3, ... in order of appending
  Instant at{};
  std::string actor;
  std::string case_number;  // empty for events that concern no case
  std::string action;       // intake, acknowledge, verify, pause, export, delete, ...
  std::string outcome;      // ok, denied, failed, ...
  std::string details;      // a JSON object without personal data
  std::string previous_hash;
  std::string hash;
};

struct AuditAnchor {
  std::int64_t count = 0;
  std::string head_hash;
  std::string mac;
};

inline const std::string k_genesis_hash(64, '0');

// The SHA-256 over every field but `hash`, in an unambiguous length-prefixed encoding.
std::string compute_event_hash(const AuditEvent& event);
// Gives `event` the next sequence number after `previous` and links it to it.
AuditEvent link(AuditEvent event, const std::optional<AuditEvent>& previous);
AuditAnchor make_anchor(const AuditEvent& newest, const KeyRing& keys);

// Checks events in stored order, then the anchor. The first problem found is kept.
class ChainVerifier {
 public:
  explicit ChainVerifier(const KeyRing& keys) : m_keys(keys) {}
  void check(const AuditEvent& event);
  void finish(const std::optional<AuditAnchor>& anchor);

  bool intact() const { return !m_problem; }
  std::int64_t events_checked() const { return m_count; }
  // The sequence number of the first broken event, and what is wrong with it.
  std::optional<std::int64_t> first_broken() const { return m_first_broken; }
  const std::optional<std::string>& problem() const { return m_problem; }
  const std::string& head_hash() const { return m_previous_hash; }

 private:
  void report(std::int64_t sequence, std::string problem);

  const KeyRing& m_keys;
  std::int64_t m_count = 0;
  std::string m_previous_hash = k_genesis_hash;
  std::optional<std::int64_t> m_first_broken;
  std::optional<std::string> m_problem;
};

}  // namespace maestro
