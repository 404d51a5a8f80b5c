// maestro demo: one request through its whole lifecycle, on a store of its own.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>

#include "cli/render.hpp"
#include "cli/session.hpp"
#include "demo/demo_shop.hpp"
#include "desk/erasure_service.hpp"
#include "desk/export_service.hpp"

namespace maestro::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* k_demo_marker = ".maestro-demo";

// The demo owns its folder: it starts afresh each run, but never deletes a folder it did not make.
void prepare_demo_home(const fs::path& home) {
  std::error_code ec;
  if (fs::exists(home, ec)) {
    if (!fs::exists(home / k_demo_marker, ec)) {
      fail_command(Error{ErrorCode::failed_precondition,
                         home.string() + " exists and was not made by the demo; choose another folder with --home"});
    }
    fs::remove_all(home, ec);
    if (ec) fail_command(Error{ErrorCode::unavailable, "cannot clear " + home.string() + ": " + ec.message()});
  }
  fs::create_directories(home, ec);
  std::ofstream(home / k_demo_marker) << "Made by 'maestro demo'; it deletes and recreates this folder.\n";
  if (ec) fail_command(Error{ErrorCode::unavailable, "cannot create " + home.string() + ": " + ec.message()});
}

Instant at(const char* iso) {
  return *parse_instant(iso);
}

class DemoRun {
 public:
  DemoRun(Session& s, Installation& inst, const DataMap& map, std::filesystem::path home)
      : m_out(s.out),
        m_clock(at("2026-02-27T16:40:00Z")),
        m_desk(*inst.store, *inst.keys, inst.policy, m_clock, "dpo@example.com"),
        m_policy(inst.policy),
        m_map(map),
        m_home(std::move(home)) {}

  void run() {
    m_out << "\nMaestro demo: a UK GDPR access and portability request, from intake to fulfilment.\n"
          << "Times are simulated; the legal clock follows the ICO's rules and the Art. 12A clock stop.\n\n";
    IntakeRequest request;
    request.subjects = {"email:jane.example@example.com", "customer_id:1"};
    request.name = "Jane Example";
    request.rights = "access,portability";
    request.jurisdiction = "uk-gdpr";
    request.channel = "email";
    request.ticket = "ZD-20417";
    IntakeResult intake = must(m_desk.intake(request));
    m_number = intake.c.number;
    step("intake", "logged " + m_number + ", legal due " + format_date(intake.deadlines.legal_due));
    advance_to("2026-02-27T17:30:00Z");
    step("ack", state_after(m_desk.acknowledge(m_number)) + ": receipt confirmed to the requester (template A)");
    advance_to("2026-03-02T10:00:00Z");
    step("verify", state_after(m_desk.record_verification(m_number, "document", VerificationOutcome::requested)) +
                       ": proof of identity requested (template B)");
    CaseView paused = must(m_desk.pause(m_number, "awaiting-identity"));
    step("pause", "clock stopped while waiting on the requester");
    advance_to("2026-03-05T11:30:00Z");
    CaseView resumed = must(m_desk.resume(m_number));
    step("resume", "proof arrived; legal due moves from " + format_date(paused.deadlines.legal_due) + " to " +
                       format_date(resumed.deadlines.legal_due));
    step("verify", state_after(m_desk.record_verification(m_number, "document", VerificationOutcome::passed)) +
                       ": document seen by an operator (not stored)");
    advance_to("2026-03-05T11:45:00Z");
    step("start", state_after(m_desk.start(m_number)));
    export_package();
    must(m_desk.add_note(m_number, "Package checked; sent by email, password by SMS."));
    advance_to("2026-03-10T15:00:00Z");
    step("review", state_after(m_desk.submit_for_review(m_number)) + ": DPO reviews the package");
    advance_to("2026-03-11T10:00:00Z");
    CaseView done = must(m_desk.fulfil(m_number));
    step("fulfil",
         std::string(state_name(done.c.state)) + ": response delivered (template C), password by a separate channel");

    m_out << "\n" << case_text(done, m_policy);
    print_trail(m_number);
    erase_customer();
    AuditCheck check = must(m_desk.verify_audit());
    if (!check.intact) fail_command(Error{ErrorCode::data_loss, "demo audit trail broken: " + check.problem});
    m_out << "\nAudit trail verified: " << check.events << " events, intact (head " << check.head_hash.substr(0, 16)
          << "...).\n";
  }

  const std::string& number() const { return m_number; }

 private:
  void print_trail(const std::string& number) {
    m_out << "\nAudit trail of " << number << ":\n";
    must(m_desk.audit_events(number, [&](const AuditEvent& e) -> Status {
      m_out << "  " << audit_event_text(e);
      return {};
    }));
  }

  // Part two: the same customer asks to be forgotten. Orders stay under the tax-law retention.
  void erase_customer() {
    m_out << "\nPart two: the customer now asks for erasure (UK GDPR Art. 17).\n\n";
    advance_to("2026-03-16T09:00:00Z");
    IntakeRequest request;
    request.subjects = {"email:jane.example@example.com"};
    request.name = "Jane Example";
    request.rights = "erasure";
    request.jurisdiction = "uk-gdpr";
    request.ticket = "ZD-20533";
    IntakeResult intake = must(m_desk.intake(request));
    std::string number = intake.c.number;
    step("intake", "logged " + number + ", legal due " + format_date(intake.deadlines.legal_due));
    step("ack", state_after(m_desk.acknowledge(number)));
    advance_to("2026-03-16T11:00:00Z");
    step("verify", state_after(m_desk.record_verification(number, "knowledge", VerificationOutcome::passed)) +
                       ": order number and postcode matched");
    ErasureRequest erase;
    erase.case_number = number;
    erase.preview = true;
    m_out << "\n$ maestro dsar delete --case " << number << " --preview\n";
    print_erasure_outcome(m_out, must(erase_subject(m_desk, m_map, erase)));
    advance_to("2026-03-16T11:20:00Z");
    erase.preview = false;
    m_out << "\n$ maestro dsar delete --case " << number << "\n";
    ErasureOutcome done = must(erase_subject(m_desk, m_map, erase));
    print_erasure_outcome(m_out, done);
    if (!done.proof || !done.proof->clean()) fail_command(Error{ErrorCode::data_loss, "demo erasure left data"});
    advance_to("2026-03-16T15:00:00Z");
    step("review", state_after(m_desk.submit_for_review(number)));
    step("fulfil", state_after(m_desk.fulfil(number)) + ": deletion confirmation sent, explaining what is kept and why");
    print_trail(number);
  }

  void export_package() {
    ExportRequest request;
    request.case_number = m_number;
    request.destination = (m_home / "exports" / m_number).string();
    request.work_dir = m_home / "work";
    request.exports_root = m_home;
    ExportOutcome o = must(export_subject(m_desk, m_map, request));
    std::size_t records = 0;
    std::string where;
    for (const auto& [key, n] : o.package.records_by_collection) {
      records += n;
      where += (where.empty() ? "" : ", ") + key + " " + std::to_string(n);
    }
    step("export", std::to_string(records) + " records found (" + where + ")");
    m_out << "                                package " << o.delivered_to << "\n"
          << "                                SHA-256 " << o.package.sha256 << "\n"
          << "                                password " << o.package.password
          << "  (shown once; open with: 7z x -p'<password>' <package>)\n";
  }

  void advance_to(const char* iso) { m_clock.set(at(iso)); }
  void step(const char* what, const std::string& text) {
    m_out << "  " << format_instant(m_clock.now()) << "  " << what
          << std::string(8 - std::min<std::size_t>(8, std::string_view(what).size()), ' ') << text << "\n";
  }
  static std::string state_after(Result<CaseView> v) { return std::string(state_name(must(std::move(v)).c.state)); }

  std::ostream& m_out;
  FixedClock m_clock;
  Desk m_desk;
  const Policy& m_policy;
  const DataMap& m_map;
  std::filesystem::path m_home;
  std::string m_number;
};

}  // namespace

void add_demo_command(CLI::App& app, Session& s) {
  auto home = std::make_shared<std::string>("maestro-demo");
  auto* cmd = app.add_subcommand("demo", "Run one request through its whole lifecycle on a demo store");
  cmd->add_option("--demo-home", *home, "Folder for the demo's own store (default ./maestro-demo; recreated each run)");
  cmd->footer(
      "The demo never touches your real store. Afterwards, look around with e.g.\n"
      "  maestro --home maestro-demo dsar show DSAR-2026-001\n  maestro --home maestro-demo audit verify");
  cmd->callback([&s, home] {
    prepare_demo_home(*home);
    s.home_option = *home;
    s.config_option.clear();
    Installation& inst = s.installation();
    DemoShop shop = must(generate_demo_shop(fs::path(*home) / "shop", DemoShopOptions{}));
    s.out << "Generated a demo shop in " << (fs::path(*home) / "shop").string() << ": " << shop.rows
          << " database rows, " << shop.log_lines << " log lines, a newsletter CSV, and its datamap.yaml.\n";
    const DataMap& map = s.data_map(shop.datamap.string());
    DemoRun demo(s, inst, map, *home);
    demo.run();
    s.out << "\nThe demo's store is in " << *home << "/. Try:\n"
          << "  maestro --home " << *home << " dsar show " << demo.number() << "\n"
          << "  maestro --home " << *home << " audit verify\n";
  });
}

}  // namespace maestro::cli
