// maestro store migrate: create or upgrade the PostgreSQL case store, and move an installation's
// SQLite store into it with its whole audit trail.
#include <CLI/CLI.hpp>

#include "cli/session.hpp"

namespace maestro::cli {

namespace {

// "sqlite:FILE" (or a plain path) as the file it names.
std::filesystem::path sqlite_source(const std::string& from) {
  std::string_view path = from;
  if (path.starts_with("sqlite:")) path.remove_prefix(7);
  if (path.empty()) fail_command(Error{ErrorCode::invalid_argument, "--from names no file: use --from sqlite:FILE"});
  return std::filesystem::path(path);
}

}  // namespace

void add_store_commands(CLI::App& app, Session& s) {
  auto* store = app.add_subcommand("store", "The case store: move it to PostgreSQL, create or upgrade its schema");
  store->require_subcommand(1);

  struct Options {
    std::string from, to;
  };
  auto o = std::make_shared<Options>();
  auto* migrate = store->add_subcommand(
      "migrate", "Create or upgrade the PostgreSQL case store's schema; with --from, move a SQLite store into it");
  migrate->add_option("--from", o->from, "The SQLite store to move: sqlite:FILE (e.g. sqlite:/var/lib/maestro/maestro.db)");
  migrate->add_option("--to", o->to,
                      "The PostgreSQL store: postgresql://USER@HOST[:PORT]/DB[?sslmode=verify-full] "
                      "(default: `store:` in maestro.yaml)");
  migrate->footer(
      "The password comes from store_password_env or store_password_file in maestro.yaml, else from libpq "
      "(PGPASSWORD, ~/.pgpass); never put it in the URL. Without --from, the schema is created in an empty "
      "database or upgraded to this Maestro's; every other command refuses a schema that is missing or older. "
      "With --from, the target must hold no cases: every case, letter, job, account and the whole audit trail "
      "are copied in one transaction, which commits only when the trail verifies on the new store (nothing is "
      "moved otherwise). Stop every `maestro serve` and `maestro worker` first, then point `store:` at the "
      "new store.\n\nExamples:\n"
      "  maestro store migrate --to postgresql://maestro@db.example.com/maestro\n"
      "  maestro store migrate --from sqlite:/var/lib/maestro/maestro.db --to postgresql://maestro@db/maestro");
  migrate->callback([&s, o] {
    std::optional<std::filesystem::path> from;
    if (!o->from.empty()) from = sqlite_source(o->from);
    StoreMigration done = must(migrate_case_store(s.overrides(), o->to, from));
    if (!from) {
      s.out << "case store " << done.target << " has schema " << done.schema_version << " (this Maestro's)\n";
      return;
    }
    std::int64_t total = 0;
    for (const auto& [table, rows] : done.rows) {
      if (rows) s.out << "  " << table << ": " << rows << "\n";
      total += rows;
    }
    s.out << "moved " << total << " rows from " << from->string() << " to " << done.target << "; audit trail intact: "
          << done.audit_events << " events, head " << done.audit_head << "\n";
    s.out << "next: set `store: " << done.target << "` in maestro.yaml\n";
  });
}

}  // namespace maestro::cli
