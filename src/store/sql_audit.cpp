// The audit trail: events in sequence, and the anchor that seals its head.
#include "store/sql_case_store.hpp"

namespace maestro {

namespace {

using namespace sql_rows;

Result<AuditEvent> row_to_event(const Statement& q) {
  AuditEvent e;
  e.sequence = q.integer(0);
  auto at = parse_instant(q.text(1));
  // An unreadable time is kept as the epoch so that verification reports the altered event.
  e.at = at ? *at : Instant{};
  e.actor = q.text(2);
  e.case_number = q.text(3);
  e.action = q.text(4);
  e.outcome = q.text(5);
  e.details = q.text(6);
  e.previous_hash = q.text(7);
  e.hash = q.text(8);
  return e;
}

}  // namespace

Result<std::optional<AuditEvent>> SqlCaseStore::newest_event() {
  Statement q(m_db,
              "SELECT sequence, at, actor, case_number, action, outcome, details, previous_hash, hash "
              "FROM audit_events ORDER BY sequence DESC LIMIT 1");
  Step rc = q.step();
  if (rc == Step::done) return std::optional<AuditEvent>{};
  if (rc != Step::row) return propagate(error("cannot read the audit trail"));
  auto e = row_to_event(q);
  if (!e) return propagate(e.error());
  return std::optional<AuditEvent>{*e};
}

Status SqlCaseStore::append_event(const AuditEvent& e, const AuditAnchor& anchor) {
  Statement put(m_db,
                "INSERT INTO audit_events(sequence, at, actor, case_number, action, outcome, details, "
                "previous_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  put.bind(1, e.sequence).bind(2, format_instant(e.at)).bind(3, e.actor).bind(4, e.case_number);
  put.bind(5, e.action).bind(6, e.outcome).bind(7, e.details).bind(8, e.previous_hash).bind(9, e.hash);
  if (put.step() != Step::done) return propagate(error("cannot append to the audit trail"));
  if (auto ok = set_meta("audit_anchor_count", std::to_string(anchor.count)); !ok) return ok;
  if (auto ok = set_meta("audit_anchor_hash", anchor.head_hash); !ok) return ok;
  return set_meta("audit_anchor_mac", anchor.mac);
}

Status SqlCaseStore::for_each_event(std::string_view case_number, const std::function<Status(const AuditEvent&)>& visit) {
  Statement q(m_db,
              "SELECT sequence, at, actor, case_number, action, outcome, details, previous_hash, hash "
              "FROM audit_events WHERE ?1 = '' OR case_number = ?1 ORDER BY sequence");
  q.bind(1, case_number);
  return visit_events(q, visit);
}

Status SqlCaseStore::visit_events(Statement& q, const std::function<Status(const AuditEvent&)>& visit) {
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto e = row_to_event(q);
    if (!e) return propagate(e.error());
    if (auto ok = visit(*e); !ok) return ok;
  }
  if (rc != Step::done) return propagate(error("cannot read the audit trail"));
  return {};
}

Status SqlCaseStore::for_each_event_after(std::int64_t after, int limit,
                                          const std::function<Status(const AuditEvent&)>& visit) {
  Statement q(m_db,
              "SELECT sequence, at, actor, case_number, action, outcome, details, previous_hash, hash "
              "FROM audit_events WHERE sequence > ?1 ORDER BY sequence LIMIT ?2");
  q.bind(1, after).bind(2, std::int64_t{limit});
  return visit_events(q, visit);
}

// A follower's cursor is a row of the store's metadata ("trail_cursor:NAME").
Result<std::optional<std::int64_t>> SqlCaseStore::trail_cursor(std::string_view follower) {
  auto value = get_meta("trail_cursor:" + std::string(follower));
  if (!value) return propagate(value.error());
  if (value->empty()) return std::optional<std::int64_t>{};
  try {
    return std::optional<std::int64_t>{std::stoll(*value)};
  } catch (const std::exception&) {
    return fail(ErrorCode::data_loss, "the trail cursor of " + std::string(follower) + " is corrupt");
  }
}

Status SqlCaseStore::save_trail_cursor(std::string_view follower, std::int64_t sequence) {
  return set_meta("trail_cursor:" + std::string(follower), std::to_string(sequence));
}

// A connector's credential is a row of the store's metadata too: "credential:" and a keyed hash
// of its name, holding the hex of the sealed value.
Result<std::optional<std::string>> SqlCaseStore::connector_credential(std::string_view name) {
  auto value = get_meta("credential:" + m_keys.pseudonym(name));
  if (!value) return propagate(value.error());
  if (value->empty()) return std::optional<std::string>{};
  auto sealed = from_hex(*value);
  if (!sealed) return fail(ErrorCode::data_loss, "a connector's kept credential is corrupt");
  auto opened = m_keys.open(*sealed);
  if (!opened) return fail(ErrorCode::data_loss, "a connector's kept credential cannot be opened with this key");
  return std::optional<std::string>{std::move(*opened)};
}

Status SqlCaseStore::save_connector_credential(std::string_view name, std::string_view value) {
  return set_meta("credential:" + m_keys.pseudonym(name), to_hex(m_keys.seal(value)));
}

Result<std::optional<AuditAnchor>> SqlCaseStore::audit_anchor() {
  auto count = get_meta("audit_anchor_count");
  auto hash = get_meta("audit_anchor_hash");
  auto mac = get_meta("audit_anchor_mac");
  if (!count || !hash || !mac) return propagate(error("cannot read the audit anchor"));
  if (count->empty() && hash->empty() && mac->empty()) return std::optional<AuditAnchor>{};
  try {
    return std::optional<AuditAnchor>{AuditAnchor{std::stoll(*count), *hash, *mac}};
  } catch (const std::exception&) {
    return fail(ErrorCode::data_loss, "the audit anchor is corrupt");
  }
}

}  // namespace maestro
