#include "desk/sweep.hpp"

namespace maestro {

namespace {

// The time identity was last asked for, if the case is waiting on it.
std::optional<Instant> identity_asked_at(const Case& c) {
  std::optional<Instant> asked;
  for (const auto& attempt : c.verifications) {
    if (attempt.outcome == "requested") asked = attempt.at;
  }
  return asked;
}

Result<bool> reminder_sent_since(Desk& desk, const std::string& number, Instant since) {
  auto messages = desk.messages();
  if (!messages) return propagate(messages.error());
  for (const auto& m : *messages) {
    if (m.case_number == number && m.letter == "verification-reminder" && m.created_at >= since) return true;
  }
  return false;
}

void send_or_warn(Correspondence& mail, const CaseView& view, std::string_view letter, const LetterFields& fields,
                  SweepReport& report) {
  auto sent = mail.send_letter(view, letter, fields);
  if (!sent)
    report.warnings.push_back(view.c.number + ": the " + std::string(letter) +
                              " letter was not sent: " + sent.error().message);
}

Status sweep_unverified(Desk& desk, Correspondence& mail, SweepReport& report) {
  const VerificationPolicy& vp = desk.policy().verification;
  CaseQuery q;
  q.state = CaseState::awaiting_verification;
  auto waiting = desk.list(q);
  if (!waiting) return propagate(waiting.error());
  Instant now = desk.clock().now();
  HolidayCalendar any;  // the policy's durations here count calendar time
  for (const auto& v : *waiting) {
    auto asked = identity_asked_at(v.c);
    if (!asked) continue;
    Instant expires = add_duration(*asked, vp.expire_after, any);
    Instant remind = add_duration(*asked, vp.reminder_after, any);
    if (now >= expires) {
      auto denied =
          desk.deny(v.c.number, "identity-not-verified", "No proof of identity was received within the time allowed.");
      if (!denied) return propagate(denied.error());
      auto fields = mail.closing_fields(*denied, "refusal");
      if (!fields) return propagate(fields.error());
      send_or_warn(mail, *denied, "refusal", *fields, report);
      report.actions.push_back({v.c.number, "closed-unverified"});
      continue;
    }
    auto reminded = reminder_sent_since(desk, v.c.number, *asked);
    if (!reminded) return propagate(reminded.error());
    if (now >= remind && !*reminded) {
      LetterFields f;
      f.values["requested_date"] = mail.date_for(v.c, date_of(*asked));
      f.values["expires_date"] = mail.date_for(v.c, date_of(expires));
      send_or_warn(mail, v, "verification-reminder", f, report);
      report.actions.push_back({v.c.number, "reminded"});
    }
  }
  return {};
}

Status sweep_overdue_tasks(Desk& desk, Correspondence& mail, SweepReport& report) {
  auto tasks = desk.tasks();
  if (!tasks) return propagate(tasks.error());
  Date today = date_of(desk.clock().now());
  for (const auto& t : *tasks) {
    if (t.done_at || t.reminded_at || !(t.due < today)) continue;
    auto sent = mail.mail_task(t, true);
    if (!sent) {
      report.warnings.push_back("task #" + std::to_string(t.id) +
                                ": the reminder was not sent: " + sent.error().message);
      continue;
    }
    if (auto ok = desk.task_reminded(t); !ok) return ok;
    report.actions.push_back({t.case_number, "task #" + std::to_string(t.id) + " owner reminded"});
  }
  return {};
}

}  // namespace

Result<SweepReport> run_sweep(Desk& desk, Correspondence& mail) {
  SweepReport report;
  if (auto ok = sweep_unverified(desk, mail, report); !ok) return propagate(ok.error());
  if (auto ok = sweep_overdue_tasks(desk, mail, report); !ok) return propagate(ok.error());
  auto sent = mail.send_due();
  if (!sent) return propagate(sent.error());
  report.outbox = *sent;
  return report;
}

}  // namespace maestro
