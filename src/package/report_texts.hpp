// The words of the access report, from templates/<language>/report.yaml, and the way dates,
// times and stored values are written for the person who reads it.
//
//   ReportTexts t = *ReportTexts::load("en", settings.templates_dir);
//   t.text("summary_found", {{"records", "12"}, {"places", "3"}});  // "We found 12 records about you in 3 places."
//   t.human_value("2026-02-27T16:40:00Z");                         // "27 February 2026, 16:40 UTC"
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace maestro {

class ReportTexts {
 public:
  // templates_dir/<language>/report.yaml if the operator has one, else the built-in file; keys
  // it leaves out come from English (and are listed in missing_keys(), for a warning).
  static Result<ReportTexts> load(std::string_view language, const std::optional<std::filesystem::path>& templates_dir);

  const std::string& language() const { return m_language; }
  // The text under `key` ("purpose", "safeguards.adequacy", "rights.gdpr.2.how") with its
  // {{placeholders}} filled from `values`. An unknown key or placeholder is a failure: a blank or
  // a raw "{{x}}" must never reach a requester.
  Result<std::string> text(std::string_view key, const std::map<std::string, std::string>& values = {}) const;
  bool has(std::string_view key) const { return m_texts.contains(std::string(key)); }
  // How many items the list under `key` holds ("rights.gdpr").
  std::size_t list_size(std::string_view key) const;
  const std::vector<std::string>& missing_keys() const { return m_missing; }
  // Every key, for tests that render each one.
  std::vector<std::string> keys() const;

  std::string date(Date date) const;        // "27 February 2026"
  std::string date_time(Instant at) const;  // "27 February 2026, 16:40 UTC"
  // A stored value as a person reads it: an ISO 8601 date or date-time ("2026-02-27",
  // "2009-01-01 00:00:00", "2026-02-27T16:40:00+01:00") in words; anything else unchanged.
  std::string human_value(std::string_view value) const;

 private:
  std::string m_language;
  std::map<std::string, std::string> m_texts;  // flattened: lists as key.0, key.1, ...
  std::vector<std::string> m_missing;
  std::string fill_date(int year, unsigned month, unsigned day, std::string_view time, bool utc) const;
};

}  // namespace maestro
