// What every SQL case store shares: transactions, store metadata, the key check, and the
// meaning of an engine's failure for the user.
#include "store/sql_case_store.hpp"

namespace maestro {

Error store_error(const SqlSession& db, const std::string& what) {
  std::string detail = db.last_message();
  switch (db.last_failure()) {
    case SqlFailure::busy:
      return {ErrorCode::unavailable,
              "case store " + db.name() + " is locked by another process; try again when it has finished"};
    case SqlFailure::corrupt:
      return {ErrorCode::data_loss, "case store " + db.name() + " is corrupt or not a Maestro store (" + detail + ")"};
    case SqlFailure::no_permission:
      return {ErrorCode::permission_denied, "case store " + db.name() + " cannot be written (" + detail + ")"};
    case SqlFailure::resources: return {ErrorCode::unavailable, "case store " + db.name() + ": " + detail};
    default: return {ErrorCode::internal, what + ": " + detail};
  }
}

Status SqlCaseStore::transaction(const std::function<Status()>& work) {
  if (m_in_transaction) return work();  // nested: the outer transaction decides
  if (auto ok = m_db.begin_write(); !ok) return ok;
  m_in_transaction = true;
  Status result = work();
  m_in_transaction = false;
  if (result) {
    if (auto ok = m_db.exec("COMMIT"); !ok) {
      m_db.exec("ROLLBACK");
      return ok;
    }
    return result;
  }
  m_db.exec("ROLLBACK");
  return result;
}

Result<std::string> SqlCaseStore::get_meta(const std::string& key) {
  Statement q(m_db, "SELECT value FROM meta WHERE key = ?1");
  q.bind(1, key);
  Step rc = q.step();
  if (rc == Step::row) return q.text(0);
  if (rc == Step::done) return std::string();
  return propagate(error("cannot read store metadata"));
}

Status SqlCaseStore::set_meta(const std::string& key, const std::string& value) {
  Statement q(m_db, "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  q.bind(1, key).bind(2, value);
  if (q.step() != Step::done) return propagate(error("cannot write store metadata"));
  return {};
}

namespace {
std::string key_check(const KeyRing& keys) { return keys.integrity_mac("maestro-store-key-check"); }
}  // namespace

Status SqlCaseStore::record_keys() { return set_meta("key_check", key_check(m_keys)); }

Status SqlCaseStore::check_keys() {
  auto check = get_meta("key_check");
  if (!check) return propagate(check.error());
  if (*check != key_check(m_keys)) {
    return fail(ErrorCode::permission_denied, "the key file does not belong to case store " + m_db.name() +
                                                  ": use the key file this store was created with");
  }
  return {};
}

}  // namespace maestro
