#include "desk/reports.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace maestro {

namespace {

bool in_range(Date d, Date from, Date to) {
  auto day = std::chrono::sys_days{d};
  return day >= std::chrono::sys_days{from} && day <= std::chrono::sys_days{to};
}

double days_to_complete(const Case& c) {
  return static_cast<double>((*c.closed_at - c.received_at).count()) / 86400.0;
}

std::string fixed(double value, int digits) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

// The request type as seed 002's log writes it: "Access", "Delete + Access".
std::string request_type(const Case& c) {
  std::string out;
  for (Right r : c.rights) {
    std::string name(right_name(r));
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    out += (out.empty() ? "" : " + ") + name;
  }
  return out;
}

std::string status_word(CaseState s) {
  switch (s) {
    case CaseState::fulfilled: return "Completed";
    case CaseState::denied: return "Denied";
    case CaseState::withdrawn: return "Withdrawn";
    case CaseState::received:
    case CaseState::acknowledged: return "Received";
    case CaseState::awaiting_verification: return "Verifying";
    default: return "Processing";
  }
}

// Our timeline: the longest internal target among the case's rights, as the seed's log shows it.
std::string timeline(const Case& c, const Policy& policy) {
  std::optional<Duration> longest;
  std::optional<Date> longest_due;
  for (Right r : c.rights) {
    auto it = policy.service_levels.rights.find(r);
    if (it == policy.service_levels.rights.end()) continue;
    Date due = add_duration(date_of(c.received_at), it->second, HolidayCalendar{});
    if (!longest_due || std::chrono::sys_days{due} > std::chrono::sys_days{*longest_due}) {
      longest = it->second;
      longest_due = due;
    }
  }
  return longest ? format_duration(*longest) : "-";
}

struct LogRow {
  std::string number, received, customer, type, timeline, status, legal_due, completed;
};

std::vector<LogRow> log_rows(const std::vector<CaseView>& cases, int year, const Policy& policy, bool include_names) {
  std::vector<LogRow> rows;
  for (const auto& v : cases) {
    const Case& c = v.c;
    if (static_cast<int>(date_of(c.received_at).year()) != year) continue;
    std::string customer = "-";
    if (include_names)
      customer = c.personal_data_purged_at ? "(purged)" : (c.subject_name.empty() ? "-" : c.subject_name);
    rows.push_back({c.number, format_date(date_of(c.received_at)), customer, request_type(c), timeline(c, policy),
                    status_word(c.state), format_date(v.deadlines.legal_due),
                    c.closed_at && c.state == CaseState::fulfilled ? format_date(date_of(*c.closed_at)) : "-"});
  }
  return rows;
}

std::string markdown_cell(std::string text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|')
      out += "\\|";
    else
      out += ch;
  }
  return out;
}

std::string csv_cell(const std::string& text) {
  // Quote everything, and defuse spreadsheet formulas in text that came from a request.
  std::string safe = text;
  if (!safe.empty() && std::string_view("=+-@").find(safe[0]) != std::string_view::npos && safe != "-")
    safe = "'" + safe;
  std::string out = "\"";
  for (char ch : safe) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

Metrics compute_metrics(const std::vector<CaseView>& cases, Date from, Date to) {
  Metrics m;
  m.from = from;
  m.to = to;
  std::vector<double> durations;
  for (const auto& v : cases) {
    const Case& c = v.c;
    if (!in_range(date_of(c.received_at), from, to)) continue;
    ++m.total;
    for (Right r : c.rights) ++m.by_right[std::string(right_name(r))];
    ++m.by_jurisdiction[c.jurisdiction];
    ++m.by_state[std::string(state_name(c.state))];
    if (!c.extensions.empty()) ++m.extended;
    if (!c.pauses.empty()) ++m.paused;
    if (!c.possible_duplicates.empty()) ++m.possible_duplicates;
    if (v.deadlines.overdue) ++m.open_overdue;
    if (c.state == CaseState::denied) ++m.denials_by_reason[c.denial_reason.empty() ? "unspecified" : c.denial_reason];
    if ((c.state == CaseState::fulfilled || c.state == CaseState::denied) && c.closed_at) {
      ++m.completed;
      durations.push_back(days_to_complete(c));
      if (v.deadlines.completed_on_time.value_or(false)) ++m.completed_on_time;
    }
  }
  if (!durations.empty()) {
    m.mean_days_to_complete =
        std::accumulate(durations.begin(), durations.end(), 0.0) / static_cast<double>(durations.size());
    std::sort(durations.begin(), durations.end());
    std::size_t n = durations.size();
    m.median_days_to_complete = n % 2 ? durations[n / 2] : (durations[n / 2 - 1] + durations[n / 2]) / 2.0;
    m.on_time_rate = static_cast<double>(m.completed_on_time) / static_cast<double>(m.completed);
  }
  return m;
}

std::string render_metrics_json(const Metrics& m) {
  nlohmann::json j{{"from", format_date(m.from)},
                   {"to", format_date(m.to)},
                   {"total", m.total},
                   {"by_right", m.by_right},
                   {"by_jurisdiction", m.by_jurisdiction},
                   {"by_state", m.by_state},
                   {"completed", m.completed},
                   {"completed_on_time", m.completed_on_time},
                   {"extended", m.extended},
                   {"paused", m.paused},
                   {"open_overdue", m.open_overdue},
                   {"possible_duplicates", m.possible_duplicates},
                   {"denials_by_reason", m.denials_by_reason}};
  auto put = [&](const char* key, const std::optional<double>& value) {
    j[key] = value ? nlohmann::json(std::round(*value * 100.0) / 100.0) : nlohmann::json(nullptr);
  };
  put("mean_days_to_complete", m.mean_days_to_complete);
  put("median_days_to_complete", m.median_days_to_complete);
  put("on_time_rate", m.on_time_rate);
  return j.dump(2);
}

std::string render_metrics_text(const Metrics& m) {
  std::ostringstream out;
  out << "DSAR metrics, received " << format_date(m.from) << " to " << format_date(m.to) << "\n\n";
  out << "  Requests received        " << m.total << "\n";
  out << "  Completed (answered)     " << m.completed << "\n";
  out << "  Mean days to complete    " << (m.mean_days_to_complete ? fixed(*m.mean_days_to_complete, 1) : "-") << "\n";
  out << "  Median days to complete  " << (m.median_days_to_complete ? fixed(*m.median_days_to_complete, 1) : "-")
      << "\n";
  out << "  On time                  "
      << (m.on_time_rate ? fixed(*m.on_time_rate * 100.0, 1) + "% (" + std::to_string(m.completed_on_time) + " of " +
                               std::to_string(m.completed) + ")"
                         : "-")
      << "\n";
  out << "  Extended                 " << m.extended << "\n";
  out << "  Paused (clock stopped)   " << m.paused << "\n";
  out << "  Open and overdue         " << m.open_overdue << "\n";
  out << "  Possible duplicates      " << m.possible_duplicates << "\n";
  auto section = [&](const char* title, const std::map<std::string, int>& counts) {
    out << "\n" << title << "\n";
    if (counts.empty()) out << "  (none)\n";
    for (const auto& [name, count] : counts) {
      out << "  " << name << std::string(name.size() < 26 ? 26 - name.size() : 1, ' ') << count << "\n";
    }
  };
  section("By right", m.by_right);
  section("By jurisdiction", m.by_jurisdiction);
  section("By state", m.by_state);
  section("Denials by reason", m.denials_by_reason);
  return out.str();
}

std::string render_dsr_log_markdown(const std::vector<CaseView>& cases, int year, const Policy& policy,
                                    bool include_names) {
  std::ostringstream out;
  out << "# Data Subject Requests - " << year << "\n\n";
  out << "| Case | Date Received | Customer | Request Type | Timeline | Status | Legal Due | Completed |\n";
  out << "| ---- | ------------- | -------- | ------------ | -------- | ------ | --------- | --------- |\n";
  for (const auto& r : log_rows(cases, year, policy, include_names)) {
    out << "| " << r.number << " | " << r.received << " | " << markdown_cell(r.customer) << " | " << r.type << " | "
        << r.timeline << " | " << r.status << " | " << r.legal_due << " | " << r.completed << " |\n";
  }
  return out.str();
}

std::string render_dsr_log_csv(const std::vector<CaseView>& cases, int year, const Policy& policy, bool include_names) {
  std::ostringstream out;
  out << "case,date_received,customer,request_type,timeline,status,legal_due,completed\n";
  for (const auto& r : log_rows(cases, year, policy, include_names)) {
    out << csv_cell(r.number) << ',' << csv_cell(r.received) << ',' << csv_cell(r.customer) << ',' << csv_cell(r.type)
        << ',' << csv_cell(r.timeline) << ',' << csv_cell(r.status) << ',' << csv_cell(r.legal_due) << ','
        << csv_cell(r.completed) << "\n";
  }
  return out.str();
}

}  // namespace maestro
