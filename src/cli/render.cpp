#include "cli/render.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

namespace maestro::cli {

using nlohmann::json;

namespace {

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string days_left_text(const Deadlines& d, const Case& c) {
  if (is_closed(c.state)) {
    if (!d.completed_on_time) return "";
    return *d.completed_on_time ? "closed on time" : "closed " + std::to_string(-d.days_left) + " days late";
  }
  if (d.days_left < 0) return "OVERDUE by " + std::to_string(-d.days_left) + " days";
  if (d.days_left == 0) return "due today";
  return std::to_string(d.days_left) + " days left";
}

}  // namespace

std::string case_text(const CaseView& v, const Policy& policy) {
  const Case& c = v.c;
  const Deadlines& d = v.deadlines;
  std::ostringstream out;
  out << c.number << "  " << state_name(c.state) << (c.is_paused() ? " (paused: " + c.pauses.back().reason + ")" : "")
      << "\n";
  out << "  Rights          " << join_rights(c.rights) << "\n";
  auto jurisdiction = policy.jurisdiction(c.jurisdiction);
  out << "  Jurisdiction    " << c.jurisdiction << (jurisdiction ? " (" + (*jurisdiction)->name + ")" : "") << "\n";
  if (c.personal_data_purged_at) {
    out << "  Subject         (personal data purged " << format_instant(*c.personal_data_purged_at) << ")\n";
  } else {
    out << "  Subject         " << (c.subject_name.empty() ? "(no name given)" : c.subject_name) << "\n";
    for (const auto& id : c.identifiers) out << "                  " << id.canonical() << "\n";
  }
  out << "  Received        " << format_instant(c.received_at) << " by " << c.channel << "\n";
  if (!c.ticket.empty()) out << "  Ticket          " << c.ticket << "\n";
  if (!c.appeal_of.empty()) out << "  Appeal of       " << c.appeal_of << "\n";
  out << "  Tenants         " << (c.tenants.empty() ? std::string("all") : [&] {
    std::string t;
    for (const auto& x : c.tenants) t += (t.empty() ? "" : ", ") + x;
    return t;
  }()) << "\n";
  if (!c.possible_duplicates.empty()) {
    out << "  Possible duplicate of";
    for (const auto& n : c.possible_duplicates) out << " " << n;
    out << "\n";
  }
  out << "\n  Deadlines\n";
  out << "    Acknowledge by      " << pad(format_instant(d.acknowledge_due), 22)
      << (c.acknowledged_at ? "done " + format_instant(*c.acknowledged_at) : std::string("(internal)")) << "\n";
  if (d.legal_acknowledge_due) out << "    Legal acknowledgement " << format_date(*d.legal_acknowledge_due) << "\n";
  out << "    Verify identity by  " << pad(format_instant(d.verify_due), 22)
      << (c.verified_at ? "done " + format_instant(*c.verified_at) : std::string("(internal)")) << "\n";
  out << "    Internal target     " << format_date(d.internal_due) << "\n";
  out << "    Legal due           " << pad(format_date(d.legal_due), 12) << days_left_text(d, c) << "\n";
  if (d.legal_clock_paused_days > 0) {
    out << "                        (legal clock stopped " << d.legal_clock_paused_days
        << " days while waiting on the requester)\n";
  }
  if (!c.extensions.empty()) {
    out << "                        (extended from " << format_date(d.original_legal_due) << ": "
        << c.extensions.back().reason << ")\n";
  } else if (d.extension_available && d.extended_legal_due) {
    out << "    Extension possible  to " << format_date(*d.extended_legal_due) << ", if notified by "
        << format_date(d.original_legal_due) << "\n";
  }
  for (const auto& w : d.warnings) out << "    Warning: " << w << "\n";
  bool working = c.state == CaseState::in_progress || c.state == CaseState::in_review;
  if (!c.verifications.empty() || !c.pauses.empty() || !c.notes.empty() || !c.deliveries.empty() || c.closed_at ||
      working) {
    out << "\n  History\n";
  }
  for (const auto& a : c.verifications) {
    out << "    " << format_instant(a.at) << "  identity check (" << a.method << "): " << a.outcome << "\n";
  }
  for (const auto& p : c.pauses) {
    out << "    " << format_instant(p.started) << "  paused: " << p.reason
        << (p.ended ? ", resumed " + format_instant(*p.ended) : std::string(", still paused")) << "\n";
  }
  for (const auto& n : c.notes)
    out << "    " << format_instant(n.at) << "  note by " << n.actor << ": " << n.text << "\n";
  for (const auto& package : c.deliveries) {
    out << "    " << format_instant(package.at) << "  package "
        << (package.status == "staged" ? "staged for review at " : "delivered to ") << package.destination
        << " (SHA-256 " << package.sha256.substr(0, 16) << "...)" << (package.complete() ? "" : " INCOMPLETE") << "\n";
    for (const auto& gap : package.map_gaps)
      out << "      Map gap: " << gap << " (the requester's report says \"not recorded\" there)\n";
  }
  auto pending =
      std::count_if(c.redactions.begin(), c.redactions.end(), [](const Redaction& r) { return r.status == "pending"; });
  if (pending > 0) {
    out << "    Redactions: " << pending << " of other people's data to review (dsar show " << c.number
        << " --redactions)\n";
  }
  for (const auto& o : c.outcomes) out << "    " << format_instant(o.at) << "  " << o.work << ": " << o.result << "\n";
  if (working) {
    for (const auto& owed : closing_blockers(c)) out << "    Still owed: " << owed << "\n";
  }
  if (c.closed_at) {
    out << "    " << format_instant(*c.closed_at) << "  closed: " << state_name(c.state)
        << (c.denial_reason.empty() ? "" : " (" + c.denial_reason + ")") << "\n";
  }
  return out.str();
}

std::string redactions_text(const Case& c) {
  std::ostringstream out;
  if (c.redactions.empty()) {
    out << c.number << ": the latest package replaced no other person's name, email or phone number in text.\n";
    return out.str();
  }
  out << c.number << ": other people's data replaced in the latest package (Art. 15(4)). Restore one the requester\n"
      << "may see with 'maestro dsar redaction " << c.number
      << " --restore ID --reason TEXT', then export again; accept\nthem with --release ID (or --release-all).\n";
  for (const auto& r : c.redactions) {
    out << "\n  #" << r.id << "  " << r.field << "  " << r.kind << "  " << r.status << "\n"
        << "    before: " << r.before << "\n"
        << "    after:  " << r.after << "\n";
  }
  return out.str();
}

std::string case_table(const std::vector<CaseView>& views) {
  std::ostringstream out;
  out << pad("CASE", 15) << pad("STATE", 23) << pad("JURISDICTION", 13) << pad("RIGHTS", 26) << pad("RECEIVED", 12)
      << pad("LEGAL DUE", 12) << "DAYS LEFT\n";
  for (const auto& v : views) {
    std::string state(state_name(v.c.state));
    if (v.c.is_paused()) state += "*";
    std::string left =
        is_closed(v.c.state) ? "-" : std::to_string(v.deadlines.days_left) + (v.deadlines.overdue ? " OVERDUE" : "");
    out << pad(v.c.number, 15) << pad(state, 23) << pad(v.c.jurisdiction, 13) << pad(join_rights(v.c.rights), 26)
        << pad(format_date(date_of(v.c.received_at)), 12) << pad(format_date(v.deadlines.legal_due), 12) << left
        << "\n";
  }
  if (views.empty()) out << "(no cases)\n";
  return out.str();
}

std::string audit_event_text(const AuditEvent& e) {
  std::ostringstream out;
  out << "#" << e.sequence << "  " << format_instant(e.at) << "  "
      << pad(e.case_number.empty() ? "-" : e.case_number, 15) << pad(e.action, 14) << " " << pad(e.outcome, 8) << " by "
      << e.actor << "  " << e.details << "\n";
  return out.str();
}

std::string audit_event_json_line(const AuditEvent& e) {
  json details;
  try {
    details = json::parse(e.details);
  } catch (const json::exception&) {
    details = e.details;  // an altered event is shown as stored
  }
  json j{
      {"sequence", e.sequence}, {"at", format_instant(e.at)}, {"actor", e.actor},   {"case", e.case_number},
      {"action", e.action},     {"outcome", e.outcome},       {"details", details}, {"previous_hash", e.previous_hash},
      {"hash", e.hash}};
  return j.dump() + "\n";
}

std::string store_failures_text(const std::vector<StoreFailure>& failures) {
  std::string out;
  for (const auto& f : failures)
    out += "NOT SEARCHED: " + f.system + (f.tenant.empty() ? "" : " (tenant " + f.tenant + ")") + ": " + f.message + "\n";
  return out;
}

nlohmann::json store_failures_json(const std::vector<StoreFailure>& failures) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : failures) out.push_back({{"system", f.system}, {"tenant", f.tenant}, {"error", f.message}});
  return out;
}

}  // namespace maestro::cli
