// Reports over the case store: the metrics of seed 002 section 5.2 and seed 004, and the yearly
// DSR log table of seed 002 section 5.1.
//
//   Metrics m = compute_metrics(desk.list({}).value(), from, to);
//   std::string md = render_dsr_log_markdown(views, 2026, /*include_names=*/false);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "desk/desk.hpp"

namespace maestro {

struct Metrics {
  Date from{};
  Date to{};
  int total = 0;
  std::map<std::string, int> by_right;
  std::map<std::string, int> by_jurisdiction;
  std::map<std::string, int> by_state;
  int completed = 0;  // fulfilled or denied: the requester had an answer
  std::optional<double> mean_days_to_complete;
  std::optional<double> median_days_to_complete;
  int completed_on_time = 0;
  std::optional<double> on_time_rate;  // completed_on_time / completed
  int extended = 0;
  int paused = 0;
  int open_overdue = 0;
  int possible_duplicates = 0;
  std::map<std::string, int> denials_by_reason;
};

// Counts the cases received from `from` to `to` inclusive.
Metrics compute_metrics(const std::vector<CaseView>& cases, Date from, Date to);
std::string render_metrics_text(const Metrics& m);
std::string render_metrics_json(const Metrics& m);

// The cases received in `year`, as seed 002's DSR log. Names appear only with include_names.
std::string render_dsr_log_markdown(const std::vector<CaseView>& cases, int year, const Policy& policy,
                                    bool include_names);
std::string render_dsr_log_csv(const std::vector<CaseView>& cases, int year, const Policy& policy, bool include_names);

}  // namespace maestro
