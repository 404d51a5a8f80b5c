#include "package/report_texts.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "config/embedded.hpp"

namespace maestro {

namespace fs = std::filesystem;

namespace {

struct Catalog {
  std::string origin;  // file name, for messages
  std::string content;
};

std::optional<Catalog> operator_catalog(const std::optional<fs::path>& dir, std::string_view language) {
  if (!dir) return std::nullopt;
  fs::path file = *dir / std::string(language) / "report.yaml";
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return Catalog{file.string(), text.str()};
}

std::optional<Catalog> built_in_catalog(std::string_view language) {
  std::string name = "templates/" + std::string(language) + "/report.yaml";
  for (const auto& file : embedded::files()) {
    if (file.name == name) return Catalog{name, std::string(file.content)};
  }
  return std::nullopt;
}

void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      std::string key = entry.first.as<std::string>();
      flatten(entry.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) flatten(node[i], prefix + "." + std::to_string(i), out);
  } else if (node.IsScalar()) {
    out[prefix] = node.as<std::string>();
  }
}

Result<std::map<std::string, std::string>> parse_catalog(const Catalog& catalog) {
  try {
    YAML::Node root = YAML::Load(catalog.content);
    if (!root.IsMap()) return invalid(catalog.origin + ": the report texts are a map of keys to texts");
    std::map<std::string, std::string> out;
    flatten(root, "", out);
    return out;
  } catch (const YAML::Exception& e) {
    return invalid(catalog.origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

bool valid_language(std::string_view language) {
  return language.size() >= 2 && language.size() <= 8 && std::all_of(language.begin(), language.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) || c == '-';
         });
}

// Reads `count` digits at `at` into `out`.
bool digits(std::string_view s, std::size_t at, std::size_t count, int& out) {
  if (at + count > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

Result<ReportTexts> ReportTexts::load(std::string_view language, const std::optional<fs::path>& templates_dir) {
  if (!valid_language(language))
    return invalid("'" + std::string(language) + "' is not a language code (e.g. en, de, pt-br)");
  // English first (complete, built in), then what the operator changed in it, then the language.
  auto english = built_in_catalog("en");
  if (!english) return fail(ErrorCode::internal, "the English report texts (templates/en/report.yaml) are missing");
  auto base = parse_catalog(*english);
  if (!base) return propagate(base.error());
  ReportTexts texts;
  texts.m_language = std::string(language);
  texts.m_texts = std::move(*base);
  std::vector<Catalog> layers;
  if (auto own_english = operator_catalog(templates_dir, "en")) layers.push_back(std::move(*own_english));
  if (language != "en") {
    auto own = operator_catalog(templates_dir, language);
    if (!own) own = built_in_catalog(language);
    if (!own) return not_found("there are no report texts in the language '" + std::string(language) + "'");
    layers.push_back(std::move(*own));
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto parsed = parse_catalog(layers[i]);
    if (!parsed) return propagate(parsed.error());
    bool is_language = i + 1 == layers.size() && language != "en";
    if (is_language) {
      for (const auto& [key, value] : texts.m_texts) {
        if (!parsed->contains(key) && key != "language") texts.m_missing.push_back(key);
      }
    }
    for (auto& [key, value] : *parsed) texts.m_texts[key] = std::move(value);
  }
  for (const auto& key : {"title", "months.11", "date", "date_time", "date_time_utc"}) {
    if (!texts.m_texts.contains(key)) return invalid("the report texts lack '" + std::string(key) + "'");
  }
  return texts;
}

Result<std::string> ReportTexts::text(std::string_view key, const std::map<std::string, std::string>& values) const {
  auto it = m_texts.find(std::string(key));
  if (it == m_texts.end()) return fail(ErrorCode::internal, "the report texts have no '" + std::string(key) + "'");
  const std::string& t = it->second;
  std::string out;
  std::size_t last = 0;
  for (std::size_t open = t.find("{{"); open != std::string::npos; open = t.find("{{", last)) {
    std::size_t close = t.find("}}", open);
    if (close == std::string::npos) break;
    std::string name = t.substr(open + 2, close - open - 2);
    auto value = values.find(name);
    if (value == values.end()) {
      return invalid("the report text '" + std::string(key) + "' (" + m_language + ") uses {{" + name +
                     "}}, which the report does not give");
    }
    out.append(t, last, open - last).append(value->second);
    last = close + 2;
  }
  return out.append(t, last);
}

std::size_t ReportTexts::list_size(std::string_view key) const {
  std::size_t n = 0;
  std::string prefix = std::string(key) + ".";
  while (true) {
    std::string item = prefix + std::to_string(n);
    auto it = m_texts.lower_bound(item);
    if (it == m_texts.end() || (it->first != item && !it->first.starts_with(item + "."))) return n;
    ++n;
  }
}

std::vector<std::string> ReportTexts::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : m_texts) out.push_back(key);
  return out;
}

std::string ReportTexts::fill_date(int year, unsigned month, unsigned day, std::string_view time, bool utc) const {
  std::map<std::string, std::string> values{{"day", std::to_string(day)},
                                            {"month", m_texts.at("months." + std::to_string(month - 1))},
                                            {"year", std::to_string(year)}};
  const char* key = "date";
  if (!time.empty()) {
    values["time"] = std::string(time);
    key = utc ? "date_time_utc" : "date_time";
  }
  auto filled = text(key, values);
  return filled ? *filled : std::to_string(year) + "-" + std::to_string(month) + "-" + std::to_string(day);
}

std::string ReportTexts::date(Date d) const {
  return fill_date(static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()), "",
                   false);
}

std::string ReportTexts::date_time(Instant at) const {
  auto day = std::chrono::floor<std::chrono::days>(at);
  Date d{day};
  std::chrono::hh_mm_ss clock{at - day};
  char time[16];
  std::snprintf(time, sizeof time, "%02d:%02d", static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()));
  std::string hhmm = time;
  if (clock.seconds().count() != 0) {
    std::snprintf(time, sizeof time, ":%02d", static_cast<int>(clock.seconds().count()));
    hhmm += time;
  }
  return fill_date(static_cast<int>(d.year()), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()), hhmm,
                   true);
}

namespace {

// "5.94", "-12.5": a decimal number as a database or an API writes it.
bool is_plain_decimal(std::string_view v) {
  std::size_t i = (!v.empty() && v[0] == '-') ? 1 : 0;
  std::size_t dot = v.find('.');
  if (dot == std::string_view::npos || dot == i || dot + 1 == v.size()) return false;
  for (std::size_t k = i; k < v.size(); ++k) {
    if (k != dot && !std::isdigit(static_cast<unsigned char>(v[k]))) return false;
  }
  return true;
}

}  // namespace

std::string ReportTexts::human_value(std::string_view v) const {
  // Amounts in the reader's form: 5.94 is 5,94 in German, French, Spanish, Dutch and Portuguese.
  if (is_plain_decimal(v)) {
    auto separator = m_texts.find("decimal_separator");
    if (separator == m_texts.end() || separator->second == ".") return std::string(v);
    std::string out(v);
    out.replace(out.find('.'), 1, separator->second);
    return out;
  }
  // YYYY-MM-DD, then optionally [T ]HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM|+HHMM].
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (v.size() < 10 || v[4] != '-' || v[7] != '-' || !digits(v, 0, 4, year) || !digits(v, 5, 2, month) ||
      !digits(v, 8, 2, day))
    return std::string(v);
  Date d{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
         std::chrono::day{static_cast<unsigned>(day)}};
  if (!d.ok()) return std::string(v);
  if (v.size() == 10) return date(d);
  if ((v[10] != 'T' && v[10] != ' ') || v.size() < 16 || v[13] != ':' || !digits(v, 11, 2, hour) ||
      !digits(v, 14, 2, minute) || hour > 23 || minute > 59)
    return std::string(v);
  std::size_t at = 16;
  if (at < v.size() && v[at] == ':') {
    if (!digits(v, at + 1, 2, second) || second > 60) return std::string(v);
    at += 3;
    if (at < v.size() && v[at] == '.') {
      ++at;
      while (at < v.size() && std::isdigit(static_cast<unsigned char>(v[at]))) ++at;
    }
  }
  Instant local =
      std::chrono::sys_days{d} + std::chrono::hours{hour} + std::chrono::minutes{minute} + std::chrono::seconds{second};
  if (at == v.size()) {
    // No zone given (a database's naive timestamp): written as stored, without claiming UTC.
    char time[16];
    std::snprintf(time, sizeof time, second ? "%02d:%02d:%02d" : "%02d:%02d", hour, minute, second);
    return fill_date(year, static_cast<unsigned>(month), static_cast<unsigned>(day), time, false);
  }
  if (v.substr(at) == "Z" || v.substr(at) == "+00:00" || v.substr(at) == "+0000") return date_time(local);
  int offset_hours, offset_minutes;
  char sign = v[at];
  std::string_view zone = v.substr(at + 1);
  bool colon = zone.size() == 5 && zone[2] == ':';
  if ((sign != '+' && sign != '-') || !(colon || zone.size() == 4) || !digits(zone, 0, 2, offset_hours) ||
      !digits(zone, colon ? 3 : 2, 2, offset_minutes))
    return std::string(v);
  std::chrono::minutes offset{offset_hours * 60 + offset_minutes};
  return date_time(sign == '+' ? local - offset : local + offset);
}

}  // namespace maestro
