#include "audit/audit_chain.hpp"

namespace maestro {

namespace {

void put_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += '\n';
}

std::string anchor_text(std::int64_t count, const std::string& hash) {
  return "maestro-audit-anchor:" + std::to_string(count) + ":" + hash;
}

}  // namespace

std::string compute_event_hash(const AuditEvent& e) {
  std::string text = "maestro-audit-event-v1\n";
  put_field(text, std::to_string(e.sequence));
  put_field(text, format_instant(e.at));
  put_field(text, e.actor);
  put_field(text, e.case_number);
  put_field(text, e.action);
  put_field(text, e.outcome);
  put_field(text, e.details);
  put_field(text, e.previous_hash);
  return sha256_hex(text);
}

AuditEvent link(AuditEvent event, const std::optional<AuditEvent>& previous) {
  event.sequence = previous ? previous->sequence + 1 : 1;
  event.previous_hash = previous ? previous->hash : k_genesis_hash;
  event.hash = compute_event_hash(event);
  return event;
}

AuditAnchor make_anchor(const AuditEvent& newest, const KeyRing& keys) {
  return {newest.sequence, newest.hash, keys.integrity_mac(anchor_text(newest.sequence, newest.hash))};
}

void ChainVerifier::report(std::int64_t sequence, std::string problem) {
  if (m_problem) return;
  m_first_broken = sequence;
  m_problem = std::move(problem);
}

void ChainVerifier::check(const AuditEvent& e) {
  ++m_count;
  std::string at = "event " + std::to_string(m_count);
  if (e.sequence != m_count) {
    report(m_count, at + " is out of place: it carries sequence number " + std::to_string(e.sequence) +
                        " (an event was removed or the events were reordered)");
  } else if (e.previous_hash != m_previous_hash) {
    report(m_count, at + " does not follow the event before it (an event before it was removed, altered or moved)");
  } else if (compute_event_hash(e) != e.hash) {
    report(m_count, at + " was altered after it was written (its hash does not match its content)");
  }
  m_previous_hash = e.hash;
}

void ChainVerifier::finish(const std::optional<AuditAnchor>& anchor) {
  if (m_problem) return;
  if (!anchor) {
    if (m_count > 0) report(m_count, "the audit anchor is missing: the trail's end cannot be confirmed");
    return;
  }
  if (m_keys.integrity_mac(anchor_text(anchor->count, anchor->head_hash)) != anchor->mac) {
    report(m_count, "the audit anchor was altered (its MAC does not match)");
  } else if (anchor->count > m_count) {
    report(m_count + 1, "the trail holds " + std::to_string(m_count) + " events but " + std::to_string(anchor->count) +
                            " were written: event " + std::to_string(m_count + 1) + " onwards was removed");
  } else if (anchor->count < m_count) {
    report(anchor->count + 1,
           "event " + std::to_string(anchor->count + 1) + " onwards was added without the installation key");
  } else if (anchor->head_hash != m_previous_hash) {
    report(m_count, "the newest event does not match the audit anchor (it was replaced)");
  }
}

}  // namespace maestro
