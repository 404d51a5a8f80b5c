// California DROP work items: the consumer only as a keyed hash of DROP's hash, and sealed.
#include "store/sql_case_store.hpp"

namespace maestro {

namespace {

using namespace sql_rows;

constexpr const char* k_drop_select =
    "SELECT id, list, hash_mac, file, received_at, state, case_number, code, responded_at, sealed_hash "
    "FROM drop_items";

Result<DropItem> read_drop_item(const Statement& q) {
  DropItem d;
  d.id = q.text(0);
  d.list = q.text(1);
  d.hash_mac = q.text(2);
  d.file = q.text(3);
  auto received = instant_column(q, 4);
  if (!received) return fail(ErrorCode::data_loss, "DROP work item " + d.id + " has a corrupt date");
  d.received_at = *received;
  d.state = q.text(5);
  d.case_number = q.text(6);
  d.code = static_cast<int>(q.integer(7));
  if (q.optional_text(8)) {
    auto responded = instant_column(q, 8);
    if (!responded) return fail(ErrorCode::data_loss, "DROP work item " + d.id + " has a corrupt date");
    d.responded_at = *responded;
  }
  d.sealed_hash = q.blob(9).value_or("");
  return d;
}

}  // namespace

Status SqlCaseStore::save_drop_item(const DropItem& d) {
  Statement put(m_db,
                "INSERT INTO drop_items(id, list, hash_mac, file, received_at, state, case_number, code, responded_at, "
                "sealed_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
                "case_number = excluded.case_number, code = excluded.code, responded_at = excluded.responded_at");
  put.bind(1, d.id).bind(2, d.list).bind(3, d.hash_mac).bind(4, d.file).bind(5, format_instant(d.received_at));
  put.bind(6, d.state).bind_optional(7, d.case_number.empty() ? std::nullopt : std::optional(d.case_number));
  put.bind(8, static_cast<std::int64_t>(d.code));
  put.bind_optional(9, d.responded_at ? std::optional(format_instant(*d.responded_at)) : std::nullopt);
  put.bind_blob(10, d.sealed_hash);
  if (put.step() != Step::done) return propagate(error("cannot save DROP work item " + d.id));
  return {};
}

Result<std::optional<DropItem>> SqlCaseStore::drop_item(std::string_view id) {
  Statement q(m_db, std::string(k_drop_select) + " WHERE id = ?1");
  q.bind(1, std::string(id));
  Step rc = q.step();
  if (rc == Step::done) return std::optional<DropItem>();
  if (rc != Step::row) return propagate(error("cannot read DROP work items"));
  auto item = read_drop_item(q);
  if (!item) return propagate(item.error());
  return std::optional(std::move(*item));
}

Result<std::vector<DropItem>> SqlCaseStore::drop_items(std::string_view state) {
  Statement q(m_db, std::string(k_drop_select) + (state.empty() ? " ORDER BY id" : " WHERE state = ?1 ORDER BY id"));
  if (!state.empty()) q.bind(1, std::string(state));
  std::vector<DropItem> out;
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto item = read_drop_item(q);
    if (!item) return propagate(item.error());
    out.push_back(std::move(*item));
  }
  if (rc != Step::done) return propagate(error("cannot read DROP work items"));
  return out;
}

Status SqlCaseStore::for_each_drop_item(const std::function<Status(DropItem&)>& visit) {
  Statement q(m_db, std::string(k_drop_select) + " ORDER BY id");
  Step rc;
  while ((rc = q.step()) == Step::row) {
    auto item = read_drop_item(q);
    if (!item) return propagate(item.error());
    if (auto ok = visit(*item); !ok) return ok;
  }
  if (rc != Step::done) return propagate(error("cannot read DROP work items"));
  return {};
}

Result<std::vector<std::string>> SqlCaseStore::drop_item_ids() {
  Statement q(m_db, "SELECT id FROM drop_items");
  std::vector<std::string> out;
  Step rc;
  while ((rc = q.step()) == Step::row) out.push_back(q.text(0));
  if (rc != Step::done) return propagate(error("cannot read DROP work items"));
  return out;
}

}  // namespace maestro
