// maestro audit ...: verify, show and export the tamper-evident audit trail.
#include <CLI/CLI.hpp>

#include <fstream>

#include "cli/render.hpp"
#include "cli/session.hpp"

namespace maestro::cli {

void add_audit_commands(CLI::App& app, Session& s) {
  auto* audit = app.add_subcommand("audit", "The audit trail: every action on every case, hash-chained");
  audit->require_subcommand(1);
  audit->footer(
      "Subject identifiers appear in the trail only as keyed hashes (HMAC-SHA256 under the installation key).");

  auto* verify = audit->add_subcommand("verify", "Check that no audit event was altered, removed or reordered");
  verify->footer("Exits 0 when the trail is intact; exits 6 and names the first broken event otherwise.");
  verify->callback([&s] {
    AuditCheck check = must(s.desk().verify_audit());
    if (!check.intact) {
      fail_command(Error{
          ErrorCode::data_loss,
          "audit trail is BROKEN at event " + std::to_string(check.first_broken.value_or(0)) + ": " + check.problem});
    }
    s.out << "audit trail intact: " << check.events << " events, head " << check.head_hash << "\n";
  });

  auto show_case = std::make_shared<std::string>();
  auto show_json = std::make_shared<bool>(false);
  auto* show = audit->add_subcommand("show", "Print audit events, oldest first");
  show->add_option("--case", *show_case, "Only the events of this case");
  show->add_flag("--json", *show_json, "Print one JSON object per line");
  show->callback([&s, show_case, show_json] {
    must(s.desk().audit_events(*show_case, [&](const AuditEvent& e) -> Status {
      s.out << (*show_json ? audit_event_json_line(e) : audit_event_text(e));
      return {};
    }));
  });

  auto export_out = std::make_shared<std::string>();
  auto export_case = std::make_shared<std::string>();
  auto* exp = audit->add_subcommand("export", "Write the audit trail as JSON lines (for an auditor or a SIEM)");
  exp->add_option("--out", *export_out, "The file to write (default: standard output)");
  exp->add_option("--case", *export_case, "Only the events of this case");
  exp->footer("Each line holds the event and its hash chain, so the export can be verified independently.");
  exp->callback([&s, export_out, export_case] {
    std::ofstream file;
    std::ostream* out = &s.out;
    std::string temporary = *export_out + ".partial";
    if (!export_out->empty()) {
      file.open(temporary, std::ios::out | std::ios::trunc);
      if (!file) fail_command(Error{ErrorCode::permission_denied, "cannot write " + *export_out});
      out = &file;
    }
    std::int64_t count = 0;
    must(s.desk().audit_events(*export_case, [&](const AuditEvent& e) -> Status {
      *out << audit_event_json_line(e);
      ++count;
      return {};
    }));
    if (!export_out->empty()) {
      file.close();
      std::error_code ec;
      std::filesystem::rename(temporary, *export_out, ec);
      if (!file || ec) fail_command(Error{ErrorCode::unavailable, "cannot write " + *export_out});
      s.err << "wrote " << count << " events to " << *export_out << "\n";
    }
  });
}

}  // namespace maestro::cli
