#include "cases/rights.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace maestro {

namespace {

constexpr std::array<std::pair<Right, std::string_view>, 11> k_right_names{{
    {Right::access, "access"},
    {Right::portability, "portability"},
    {Right::rectification, "rectification"},
    {Right::erasure, "erasure"},
    {Right::restriction, "restriction"},
    {Right::objection, "objection"},
    {Right::automated_decision_opt_out, "automated-decision-opt-out"},
    {Right::ccpa_know, "ccpa-know"},
    {Right::ccpa_delete, "ccpa-delete"},
    {Right::ccpa_opt_out_of_sale, "ccpa-opt-out-of-sale"},
    {Right::ccpa_opt_in_to_sale, "ccpa-opt-in-to-sale"},
}};

constexpr std::array<std::pair<std::string_view, Right>, 12> k_right_aliases{{
    {"export", Right::portability},
    {"delete", Right::erasure},
    {"deletion", Right::erasure},
    {"rectify", Right::rectification},
    {"correction", Right::rectification},
    {"restrict", Right::restriction},
    {"object", Right::objection},
    {"ai-opt-out", Right::automated_decision_opt_out},
    {"know", Right::ccpa_know},
    {"opt-out-of-sale", Right::ccpa_opt_out_of_sale},
    {"do-not-sell", Right::ccpa_opt_out_of_sale},
    {"opt-in-to-sale", Right::ccpa_opt_in_to_sale},
}};

constexpr std::array<std::pair<CaseState, std::string_view>, 9> k_state_names{{
    {CaseState::received, "received"},
    {CaseState::acknowledged, "acknowledged"},
    {CaseState::awaiting_verification, "awaiting_verification"},
    {CaseState::verified, "verified"},
    {CaseState::in_progress, "in_progress"},
    {CaseState::in_review, "in_review"},
    {CaseState::fulfilled, "fulfilled"},
    {CaseState::denied, "denied"},
    {CaseState::withdrawn, "withdrawn"},
}};

std::string trimmed_lower(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

const std::vector<Right>& all_rights() {
  static const std::vector<Right> rights = [] {
    std::vector<Right> out;
    for (const auto& [right, name] : k_right_names) out.push_back(right);
    return out;
  }();
  return rights;
}

std::string_view right_name(Right right) {
  for (const auto& [r, name] : k_right_names) {
    if (r == right) return name;
  }
  return "unknown";
}

Result<Right> parse_right(std::string_view text) {
  std::string key = trimmed_lower(text);
  for (const auto& [right, name] : k_right_names) {
    if (name == key) return right;
  }
  for (const auto& [alias, right] : k_right_aliases) {
    if (alias == key) return right;
  }
  std::string known;
  for (const auto& [right, name] : k_right_names) known += (known.empty() ? "" : ", ") + std::string(name);
  return invalid("unknown right '" + std::string(text) + "': use one of " + known);
}

Result<std::vector<Right>> parse_rights(std::string_view comma_separated) {
  std::vector<Right> out;
  std::size_t start = 0;
  while (start <= comma_separated.size()) {
    std::size_t comma = comma_separated.find(',', start);
    if (comma == std::string_view::npos) comma = comma_separated.size();
    std::string_view item = comma_separated.substr(start, comma - start);
    if (!trimmed_lower(item).empty()) {
      auto right = parse_right(item);
      if (!right) return propagate(right.error());
      if (std::find(out.begin(), out.end(), *right) == out.end()) out.push_back(*right);
    }
    start = comma + 1;
  }
  if (out.empty()) return invalid("no right requested: give at least one, e.g. --rights access");
  auto asks = [&](Right r) { return std::find(out.begin(), out.end(), r) != out.end(); };
  if (asks(Right::ccpa_opt_out_of_sale) && asks(Right::ccpa_opt_in_to_sale))
    return invalid("a request cannot both opt out of and opt in to sale: open two cases");
  return out;
}

std::string join_rights(const std::vector<Right>& rights) {
  std::string out;
  for (Right r : rights) out += (out.empty() ? "" : ",") + std::string(right_name(r));
  return out;
}

std::string_view state_name(CaseState state) {
  for (const auto& [s, name] : k_state_names) {
    if (s == state) return name;
  }
  return "unknown";
}

Result<CaseState> parse_state(std::string_view text) {
  std::string key = trimmed_lower(text);
  std::replace(key.begin(), key.end(), '-', '_');
  for (const auto& [state, name] : k_state_names) {
    if (name == key) return state;
  }
  std::string known;
  for (const auto& [state, name] : k_state_names) known += (known.empty() ? "" : ", ") + std::string(name);
  return invalid("unknown state '" + std::string(text) + "': use one of " + known);
}

bool is_closed(CaseState state) {
  return state == CaseState::fulfilled || state == CaseState::denied || state == CaseState::withdrawn;
}

}  // namespace maestro
