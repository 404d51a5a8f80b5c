#include "server/dashboard_page.hpp"

#include <algorithm>
#include <cstdio>

#include "desk/reports.hpp"
#include "server/api_support.hpp"
#include "server/charts.hpp"

namespace maestro::dashboard_ui {

HttpResponse Page::holds_page(int status, const std::string& problem_text, const std::string& notice) {
  bool all = m_r.query.count("all") > 0;
  auto holds = m_desk->list_holds(all);
  if (!holds) return message(503, "Unavailable", holds.error().message, "/dashboard", "Go to the queue");
  bool dpo = role_allows(m_signed_in->role, Role::dpo);
  mstch::array rows;
  for (const auto& h : *holds) {
    rows.push_back(mstch::map{{"id", std::to_string(h.hold.id)},
                              {"reason", h.hold.reason},
                              {"details", h.details},
                              {"subjects", std::to_string(h.hold.pseudonyms.size())},
                              {"placed", format_instant(h.hold.created_at) + " by " + h.hold.created_by},
                              {"released", h.hold.released_at ? format_instant(*h.hold.released_at) : std::string("-")},
                              {"can_release", dpo && !h.hold.released_at},
                              {"csrf", m_signed_in->session.csrf_token}});
  }
  mstch::array reasons;
  for (const auto& r : hold_reasons()) reasons.push_back(r);
  mstch::map context{{"holds", rows}, {"all", all}, {"reasons", reasons},
                     {"can_place", role_allows(m_signed_in->role, Role::operator_)}};
  if (!problem_text.empty()) context.emplace("problem", problem_text);
  if (!notice.empty()) context.emplace("notice", notice);
  return page(status, "Legal holds", "holds", context);
}

HttpResponse Page::place_hold() {
  if (!role_allows(m_signed_in->role, Role::operator_)) return holds_page(403, "This needs the operator role.", "");
  std::vector<SubjectIdentifier> subjects;
  std::string lines = field("subjects");
  for (std::size_t start = 0; start < lines.size();) {
    std::size_t end = std::min(lines.find('\n', start), lines.size());
    std::string line = lines.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    if (line.empty()) continue;
    auto id = parse_identifier(line);
    if (!id) return holds_page(400, id.error().message, "");
    subjects.push_back(*id);
  }
  if (subjects.empty()) return holds_page(400, "Give at least one identifier of the person.", "");
  auto id = m_desk->add_hold(subjects, field("reason"), field("details"));
  if (!id) return holds_page(http_status_for(id.error().code), id.error().message, "");
  return redirect_to("/dashboard/holds?placed=" + std::to_string(*id));  // a reload must not place it twice
}

HttpResponse Page::release_hold(const std::string& id_text) {
  if (!role_allows(m_signed_in->role, Role::dpo)) return holds_page(403, "Only a DPO releases a legal hold.", "");
  if (id_text.empty() || id_text.size() > 18 || id_text.find_first_not_of("0123456789") != std::string::npos)
    return holds_page(404, "There is no such hold.", "");
  if (auto released = m_desk->release_hold(std::stoll(id_text)); !released)
    return holds_page(http_status_for(released.error().code), released.error().message, "");
  return redirect_to("/dashboard/holds?released=" + id_text);
}

int Page::report_year() {
  Date today = date_of(m_clock.now());
  int year = static_cast<int>(today.year());
  auto it = m_r.query.find("year");
  if (it != m_r.query.end() && it->second.size() == 4 && it->second.find_first_not_of("0123456789") == std::string::npos)
    year = std::clamp(std::stoi(it->second), 2000, 2100);
  return year;
}

HttpResponse Page::reports() {
  int year = report_year();
  auto views = m_desk->list({});
  if (!views) return message(503, "Unavailable", views.error().message, "/dashboard", "Go to the queue");
  Date from{std::chrono::year{year}, std::chrono::January, std::chrono::day{1}};
  Date to{std::chrono::year{year}, std::chrono::December, std::chrono::day{31}};
  Metrics m = compute_metrics(*views, from, to);
  static const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::vector<std::string> categories(std::begin(k_months), std::end(k_months));
  std::map<std::string, std::vector<int>> per_right;
  for (const auto& v : *views) {
    Date received = date_of(v.c.received_at);
    if (static_cast<int>(received.year()) != year) continue;
    unsigned month = static_cast<unsigned>(received.month()) - 1;
    for (Right r : v.c.rights) {
      auto& counts = per_right[std::string(right_name(r))];
      counts.resize(12, 0);
      ++counts[month];
    }
  }
  std::vector<BarSeries> series;
  mstch::array series_names;
  for (const auto& [right, counts] : per_right) {
    series.push_back({right, counts});
    series_names.push_back(right);
  }
  mstch::array months;
  for (std::size_t i = 0; i < 12; ++i) {
    mstch::array counts;
    int total = 0;
    for (const auto& s : series) {
      counts.push_back(std::to_string(s.values[i]));
      total += s.values[i];
    }
    months.push_back(mstch::map{{"name", categories[i]}, {"counts", counts}, {"total", std::to_string(total)}});
  }
  auto percent = [](std::optional<double> rate) {
    return rate ? std::to_string(static_cast<int>(*rate * 100.0 + 0.5)) + "%" : std::string("-");
  };
  auto days = [](std::optional<double> d) {
    if (!d) return std::string("-");
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", *d);
    return std::string(text);
  };
  mstch::map context{
      {"year", std::to_string(year)},
      {"total", std::to_string(m.total)},
      {"completed", std::to_string(m.completed)},
      {"on_time", percent(m.on_time_rate) + " (" + std::to_string(m.completed_on_time) + " of " +
                      std::to_string(m.completed) + ")"},
      {"median_days", days(m.median_days_to_complete)},
      {"open_overdue", std::to_string(m.open_overdue)},
      {"extended", std::to_string(m.extended)},
      {"chart", stacked_bar_chart_svg("Requests received per month in " + std::to_string(year) + ", by right",
                                      categories, series)},
      {"series", series_names},
      {"months", months}};
  return page(200, "Reports", "reports", context);
}

HttpResponse Page::dsr_log(bool csv) {
  int year = report_year();
  auto views = m_desk->list({});
  if (!views) return message(503, "Unavailable", views.error().message, "/dashboard", "Go to the queue");
  // Names stay out of a file that leaves the service (as `report dsr-log` without --include-names).
  std::string body = csv ? render_dsr_log_csv(*views, year, m_inst.policy, false)
                         : render_dsr_log_markdown(*views, year, m_inst.policy, false);
  HttpResponse out{200, csv ? "text/csv; charset=utf-8" : "text/markdown; charset=utf-8", std::move(body), {}};
  out.headers.emplace_back("Content-Disposition", "attachment; filename=\"dsr-log-" + std::to_string(year) +
                                                      (csv ? ".csv\"" : ".md\""));
  return out;
}

}  // namespace maestro::dashboard_ui
