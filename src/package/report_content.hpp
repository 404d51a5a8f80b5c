// What the access report says, apart from how it is drawn: the HTML and the PDF report are two
// renderings of the same content, so they can never disagree. Texts come from ReportTexts (the
// case's language); records are read from the package's spool files one at a time.
// Internal to package/.
//
//   ReportContent content(input);
//   for (const auto& s : input.sections) content.each_row(s, [&](const ReportRow& row) { ... });
//   if (auto ok = content.status(); !ok) ...   // the first text that failed to render
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "package/report_html.hpp"

namespace maestro {

// One of the Article 15 items of a place ("Why we hold it": "Customer support").
struct ReportFact {
  std::string label;
  std::vector<std::string> values;  // one value, or a list
};

struct ReportCategory {
  std::string name, description;
};

struct ReportRight {
  std::string name, how;
};

// The columns a place's records are shown with: the fields (by label) and, when the records came
// from files or accounts, a last "Where it was found" column.
struct ReportColumns {
  std::vector<std::string> keys;    // as the records hold them
  std::vector<std::string> labels;  // as the reader sees them, one per shown column
  bool provenance = false;
};

using ReportRow = std::vector<std::string>;  // one cell text per label

class ReportContent {
 public:
  explicit ReportContent(const ReportInput& input);

  const ReportInput& input() const { return in; }
  const std::string& language() const;
  // A text by key with its placeholders; a failure is kept for status() and "" returned.
  std::string text(std::string_view key, const std::map<std::string, std::string>& values = {});
  // A count's sentence: key_one for one, key_none (when it exists) for none, else key.
  std::string counted(const std::string& key, std::size_t n, const std::map<std::string, std::string>& values);
  // The first failure so far (an unknown key or placeholder, an unreadable spool).
  Status status() const;

  std::string organisation() const;
  std::string request_line();
  std::string about();
  std::size_t total_records() const;
  std::string summary_found();
  std::optional<std::string> summary_searched();  // nothing when no identifier was given
  std::optional<std::string> summary_incomplete();  // the stores not searched; nothing for a complete package
  std::vector<ReportCategory> categories();       // every kind of data, named once

  static std::string anchor(const Collection& c);  // "place-shop-orders"
  std::string title_of(const Collection& c);       // the map's description, else "Orders (shop)"
  std::string place_line(const ReportSection& s);  // "Orders (shop): 3 records"
  std::string records_line(const ReportSection& s);
  std::vector<ReportFact> facts(const Collection& c);  // the 8 Article 15 items, in order

  ReportColumns columns(const ReportSection& s);
  // Calls `row` for every record of the section, in the order found, with one text per column.
  Status each_row(const ReportSection& s, const ReportColumns& columns,
                  const std::function<void(const ReportRow&)>& row);

  std::string rights_intro();
  std::vector<ReportRight> rights();
  std::optional<std::string> complaint();
  std::vector<std::string> contact_lines();  // address, email, DPO, as the sender gives them

 private:
  const ReportInput& in;
  const ReportTexts& t;
  std::optional<Error> m_error;

  std::vector<std::string> categories_of(const Collection& c) const;
  std::string column_label(const Collection& c, const std::string& column);
  std::string cell_text(const nlohmann::json& v) const;
  std::string found_in(const nlohmann::json& record);
};

}  // namespace maestro
