// maestro demo: one request through its whole lifecycle, on a store of its own.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>

#include "cli/render.hpp"
#include "cli/session.hpp"
#include "demo/demo_shop.hpp"
#include "desk/case_actions.hpp"
#include "desk/erasure_service.hpp"
#include "desk/export_service.hpp"
#include "desk/verification_service.hpp"
#include "notify/mailer.hpp"

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
        m_home(std::move(home)),
        m_settings(demo_settings(inst.settings, m_home)),
        m_mailer(make_eml_mailer(m_settings.outbox_dir)),
        m_mail(m_desk, *m_mailer, m_settings) {}

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
    CaseView acknowledged = must(m_desk.acknowledge(m_number));
    step("ack", std::string(state_name(acknowledged.c.state)) + ": receipt confirmed to the requester (template A, " +
                    letter(acknowledged, "acknowledgement") + ")");
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
    must(m_desk.add_note(m_number, "Package checked: complete, other customers' details redacted."));
    advance_to("2026-03-10T15:00:00Z");
    step("review", state_after(m_desk.submit_for_review(m_number)) + ": DPO reviews the staged package");
    advance_to("2026-03-11T10:00:00Z");
    CaseView done = must(m_desk.fulfil(m_number));
    step("fulfil", std::string(state_name(done.c.state)) + ": approved; " + closing_letters(done, "fulfil"));

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
    CaseView acknowledged = must(m_desk.acknowledge(number));
    step("ack", std::string(state_name(acknowledged.c.state)) + " (" + letter(acknowledged, "acknowledgement") + ")");
    advance_to("2026-03-16T10:00:00Z");
    VerificationResult started = must(start_verification(m_desk, m_mail, number, "email-code", ""));
    step("verify", "erasure is high-risk: two different checks. " + started.explanation);
    advance_to("2026-03-16T10:04:00Z");
    VerificationResult coded = must(check_code(m_desk, m_mail, number, code_from_outbox(number)));
    step("verify", coded.explanation);
    advance_to("2026-03-16T11:00:00Z");
    KnowledgeAnswers answers;
    answers.answers["orders.id"] = "2";  // an order number the customer quoted
    VerificationResult known = must(check_knowledge(m_desk, m_mail, m_map, number, answers));
    step("verify", known.explanation + ": " + std::string(state_name(known.view.c.state)));
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
    CaseView closed = must(m_desk.fulfil(number));
    step("fulfil", std::string(state_name(closed.c.state)) +
                       ": the deletion confirmation explains what is kept and why; " + closing_letters(closed, "fulfil"));
    print_trail(number);
  }

  void export_package() {
    ExportRequest request;
    request.case_number = m_number;
    request.destination = (m_home / "exports" / m_number).string();
    request.work_dir = m_home / "work";
    request.exports_root = m_home;
    request.formats = "json,csv,html,pdf";  // the requester also gets a report to read and keep
    request.sender = must(package_sender(m_settings));
    request.password_by_letter = true;  // the password letter goes after the fulfilment letter, on approval
    ExportOutcome o = must(export_subject(m_desk, m_map, request));
    if (!o.delivered) fail_command(Error{ErrorCode::unavailable, describe_store_failures(o.failures)});
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
          << "  (the demo shows it; the requester gets it in its own letter. Open with: 7z x -p'<password>' "
             "<package>)\n"
          << "                                staged for the DPO's review: nothing is sent to the requester yet\n";
  }

  // Sends the letters closing the case calls for, in order, and says which went.
  std::string closing_letters(const CaseView& v, std::string_view action) {
    std::vector<OutboxView> sent = must(send_case_action_letters(m_mail, v, action));
    std::string out;
    for (const auto& l : sent)
      out += (out.empty() ? "" : ", then ") + l.message.letter + " (letter #" + std::to_string(l.message.id) + ")";
    return out.empty() ? "no letter due" : "to the requester: " + out;
  }

  static Settings demo_settings(Settings s, const std::filesystem::path& home) {
    s.organisation = "Demo Shop Ltd";
    s.dpo_email = "dpo@demo-shop.example";
    s.dpo_name = "Dana Protector";
    s.organisation_address = "1 Demo Street, London EC1A 1AA, United Kingdom";
    s.organisation_email = "privacy@demo-shop.example";
    s.mail_from = s.dpo_email;
    s.outbox_dir = home / "outbox";
    return s;
  }

  // Sends a letter through the demo's outbox (.eml files) and says where it went.
  std::string letter(const CaseView& v, std::string_view name, const LetterFields& extra = {}) {
    OutboxView sent = must(m_mail.send_letter(v, name, extra));
    return "letter #" + std::to_string(sent.message.id) + " in outbox/";
  }

  // The requester reads the code from the message we wrote (the demo plays both sides).
  std::string code_from_outbox(const std::string& number) {
    for (const auto& v : must(m_mail.list())) {
      if (v.message.case_number != number || v.message.letter != "verification-code") continue;
      auto at = v.body.find("code:\n\n    ");
      if (at != std::string::npos)
        return v.body.substr(at + 11, static_cast<std::size_t>(m_policy.verification.code_digits));
    }
    fail_command(Error{ErrorCode::internal, "demo: no verification code in the outbox"});
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
  Settings m_settings;
  std::unique_ptr<Mailer> m_mailer;
  Correspondence m_mail;
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
