#include "store/store_copy.hpp"

#include "store/postgres_case_store.hpp"
#include "store/sql_case_store.hpp"
#include "store/sqlite_case_store.hpp"

namespace maestro {

namespace {

// Tables whose ids the target assigns itself: after the copy, its next id follows the copied ones.
const std::vector<std::pair<std::string, std::string>> k_identities{
    {"legal_holds", "id"}, {"erasure_ledger", "sequence"}, {"outbox", "id"},   {"manual_tasks", "id"},
    {"jobs", "id"},        {"api_tokens", "id"},           {"operators", "id"},  {"mail_drafts", "id"}};

Status refuse_unless_empty(SqlSession& db) {
  for (const char* table : {"cases", "audit_events", "jobs", "operators"}) {
    Statement q(db, std::string("SELECT count(*) FROM ") + table);
    if (q.step() != Step::row) return propagate(store_error(db, "cannot read the target store"));
    if (q.integer(0) > 0) {
      return fail(ErrorCode::failed_precondition, "case store " + db.name() + " holds " + table +
                                                      " already: migrate into an empty database");
    }
  }
  return {};
}

// Copies one table row by row, each value with the kind it has in the source.
Result<std::int64_t> copy_table(SqlSession& from, SqlSession& to, const std::string& table) {
  Statement rows(from, "SELECT * FROM " + table);
  std::int64_t copied = 0;
  std::string insert;
  Step rc;
  while ((rc = rows.step()) == Step::row) {
    SqlQuery& row = rows.query();
    if (insert.empty()) {
      std::string columns, values;
      for (int c = 0; c < row.column_count(); ++c) {
        columns += (c ? ", " : "") + row.column_name(c);
        values += (c ? ", ?" : "?") + std::to_string(c + 1);
      }
      // meta already holds the target's key check (the same keys, so the same value).
      insert = "INSERT INTO " + table + "(" + columns + ") VALUES (" + values + ")" +
               (table == "meta" ? " ON CONFLICT(key) DO UPDATE SET value = excluded.value" : "");
    }
    Statement put(to, insert);
    for (int c = 0; c < row.column_count(); ++c) {
      switch (row.column_kind(c)) {
        case ColumnKind::null: put.bind_null(c + 1); break;
        case ColumnKind::integer: put.bind(c + 1, row.integer(c)); break;
        case ColumnKind::blob: put.bind_blob(c + 1, row.blob(c)); break;
        case ColumnKind::text: put.bind(c + 1, row.text(c)); break;
      }
    }
    if (put.step() != Step::done) return propagate(store_error(to, "cannot copy table " + table));
    ++copied;
  }
  if (rc != Step::done) return propagate(store_error(from, "cannot read table " + table));
  return copied;
}

// The trail as the new store has it, before the copy commits: a chain that does not verify
// there (altered on the way, or broken already in the old store) is not moved.
Status verify_copied_trail(SqlCaseStore& target, const KeyRing& keys, StoreCopy& copy) {
  ChainVerifier verifier(keys);
  if (auto ok = target.for_each_event("", [&](const AuditEvent& e) -> Status {
        verifier.check(e);
        return {};
      });
      !ok)
    return ok;
  auto anchor = target.audit_anchor();
  if (!anchor) return propagate(anchor.error());
  verifier.finish(*anchor);
  if (!verifier.intact()) {
    return fail(ErrorCode::data_loss, "the audit trail does not verify at event " +
                                          std::to_string(verifier.first_broken().value_or(0)) + " (" +
                                          verifier.problem().value_or("") +
                                          "): nothing was moved; `maestro audit verify` on the old store names it");
  }
  copy.audit_events = verifier.events_checked();
  copy.audit_head = verifier.head_hash();
  return {};
}

}  // namespace

const std::vector<std::string>& copied_store_tables() {
  static const std::vector<std::string> tables{
      "meta",          "case_sequence",  "cases",          "case_subjects",     "audit_events",
      "erasure_jobs",  "legal_holds",    "legal_hold_subjects", "erasure_ledger", "verification_challenges",
      "outbox",        "manual_tasks",   "jobs",           "api_tokens",        "intake_keys",
      "operators",     "one_time_links", "web_sessions",   "client_throttles",  "status_links",
      "download_sessions", "drop_items", "mail_drafts", "drp_agents", "drp_requests", "drp_signed_bodies"};
  return tables;
}

Result<StoreCopy> copy_sqlite_store_to_postgres(const std::filesystem::path& from, const PostgresLocation& to,
                                                const KeyRing& keys) {
  auto source = open_sqlite_sql_store(from, keys, false);
  if (!source) return propagate(source.error());
  auto target = open_postgres_sql_store(to, keys, PostgresOpen::migrate);
  if (!target) return propagate(target.error());
  SqlSession& in = (*source)->session();
  SqlSession& out = (*target)->session();
  StoreCopy copy;
  auto copied = (*target)->transaction([&]() -> Status {
    if (auto ok = refuse_unless_empty(out); !ok) return ok;
    for (const auto& table : copied_store_tables()) {
      auto rows = copy_table(in, out, table);
      if (!rows) return propagate(rows.error());
      copy.rows.emplace_back(table, *rows);
    }
    for (const auto& [table, column] : k_identities) {
      Statement next(out, "SELECT setval(pg_get_serial_sequence('" + table + "', '" + column + "'), coalesce(max(" +
                              column + "), 0) + 1, false) FROM " + table);
      if (next.step() != Step::row) return propagate(store_error(out, "cannot move the ids of " + table));
    }
    return verify_copied_trail(**target, keys, copy);
  });
  if (!copied) return propagate(copied.error());
  return copy;
}

}  // namespace maestro
