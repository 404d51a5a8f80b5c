#include "package/report_html.hpp"

#include <fstream>

#include "common/text.hpp"
#include "package/package.hpp"
#include "package/report_content.hpp"
#include "package/report_texts.hpp"

namespace maestro {

namespace fs = std::filesystem;

namespace {

// Screen and print styles; the page reads in order without them.
constexpr std::string_view k_style = R"(
body{font-family:system-ui,sans-serif;line-height:1.5;margin:0 auto;padding:1em 2em;max-width:72em;color:#1a1a1a}
h1{font-size:1.8em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #1a1a1a}h3{margin-top:1.6em}
dl.facts{display:grid;grid-template-columns:minmax(10em,16em) 1fr;gap:.3em 1em}dl.facts dt{font-weight:bold}
dl.facts dd{margin:0}dl.rights dt{font-weight:bold;margin-top:.6em}dl.rights dd{margin-left:0}
.table-wrap{overflow-x:auto;margin-bottom:1.5em}table{border-collapse:collapse}
caption{text-align:left;font-weight:bold;padding:.3em 0}
td,th{border:1px solid #767676;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eee}
td{overflow-wrap:anywhere;max-width:40em}.note{background:#f4f4f4;padding:.5em 1em;border-left:4px solid #555}
a{color:#0645ad}
@media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}h2,h3{break-after:avoid}
tr{break-inside:avoid}thead{display:table-header-group}.table-wrap{overflow:visible}a{color:inherit}
th{background:none}}
)";

// Writes the report from its content; the first failure is kept.
class ReportWriter {
 public:
  ReportWriter(std::ostream& out, const ReportInput& input) : h(out), c(input) {}

  Status write() {
    head();
    summary();
    places();
    rights();
    contact();
    h << "</main>\n</body>\n</html>\n";
    return c.status();
  }

 private:
  std::ostream& h;
  ReportContent c;

  std::string text(std::string_view key) { return html_escape(c.text(key)); }

  void head() {
    h << "<!DOCTYPE html>\n<html lang=\"" << html_escape(c.language()) << "\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" << text("title") << " - "
      << html_escape(c.input().info.case_number) << "</title>\n<style>" << k_style
      << "</style>\n</head>\n<body>\n<header>\n<h1>" << text("title") << "</h1>\n<p>" << html_escape(c.request_line())
      << "</p>\n<p>" << html_escape(c.about()) << "</p>\n</header>\n<main>\n";
  }

  void summary() {
    h << "<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">" << text("summary_heading") << "</h2>\n<p>"
      << html_escape(c.summary_found()) << "</p>\n";
    if (auto searched = c.summary_searched()) h << "<p>" << html_escape(*searched) << "</p>\n";
    if (auto missing = c.summary_incomplete()) h << "<p class=\"incomplete\"><strong>" << html_escape(*missing) << "</strong></p>\n";
    auto categories = c.categories();
    if (!categories.empty()) {
      h << "<p>" << text("summary_categories") << "</p>\n<ul>\n";
      for (const auto& category : categories) {
        h << "<li><strong>" << html_escape(category.name) << "</strong>";
        if (!category.description.empty()) h << ": " << html_escape(category.description);
        h << "</li>\n";
      }
      h << "</ul>\n";
    }
    const auto& sections = c.input().sections;
    if (!sections.empty()) {
      h << "<nav aria-labelledby=\"contents\">\n<p id=\"contents\">" << text("summary_contents") << "</p>\n<ol>\n";
      for (const auto& s : sections) {
        h << "<li><a href=\"#" << html_escape(ReportContent::anchor(*s.collection)) << "\">"
          << html_escape(c.place_line(s)) << "</a></li>\n";
      }
      h << "</ol>\n</nav>\n";
    }
    h << "</section>\n";
  }

  void facts(const Collection& collection) {
    h << "<dl class=\"facts\">\n";
    for (const auto& fact : c.facts(collection)) {
      h << "<dt>" << html_escape(fact.label) << "</dt><dd>";
      if (fact.values.size() == 1) {
        h << html_escape(fact.values[0]);
      } else {
        h << "<ul>";
        for (const auto& value : fact.values) h << "<li>" << html_escape(value) << "</li>";
        h << "</ul>";
      }
      h << "</dd>\n";
    }
    h << "</dl>\n";
  }

  void records_table(const ReportSection& s, const std::string& title) {
    ReportColumns columns = c.columns(s);
    std::string caption_id = ReportContent::anchor(*s.collection) + "-records";
    h << "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-labelledby=\"" << html_escape(caption_id)
      << "\">\n<table>\n<caption id=\"" << html_escape(caption_id) << "\">"
      << html_escape(c.text("records_caption", {{"title", title}})) << "</caption>\n<thead><tr>";
    for (const auto& label : columns.labels) h << "<th scope=\"col\">" << html_escape(label) << "</th>";
    h << "</tr></thead>\n<tbody>\n";
    c.each_row(s, columns, [&](const ReportRow& row) {
      h << "<tr>";
      for (const auto& cell : row) h << "<td>" << html_escape(cell) << "</td>";
      h << "</tr>\n";
    });
    h << "</tbody>\n</table>\n</div>\n";
  }

  void places() {
    const auto& sections = c.input().sections;
    if (sections.empty()) return;
    h << "<section aria-labelledby=\"places\">\n<h2 id=\"places\">" << text("places_heading") << "</h2>\n";
    for (const auto& s : sections) {
      std::string anchor = html_escape(ReportContent::anchor(*s.collection));
      std::string title = c.title_of(*s.collection);
      h << "<section id=\"" << anchor << "\" aria-labelledby=\"" << anchor << "-title\">\n<h3 id=\"" << anchor
        << "-title\">" << html_escape(title) << "</h3>\n<p>" << html_escape(c.records_line(s)) << "</p>\n";
      facts(*s.collection);
      records_table(s, title);
      h << "</section>\n";
    }
    h << "</section>\n";
  }

  void rights() {
    h << "<section aria-labelledby=\"rights\">\n<h2 id=\"rights\">" << text("rights_heading") << "</h2>\n<p>"
      << html_escape(c.rights_intro()) << "</p>\n<dl class=\"rights\">\n";
    for (const auto& right : c.rights())
      h << "<dt>" << html_escape(right.name) << "</dt><dd>" << html_escape(right.how) << "</dd>\n";
    h << "</dl>\n";
    if (auto complaint = c.complaint()) h << "<p>" << html_escape(*complaint) << "</p>\n";
    h << "<h3>" << text("other_people_heading") << "</h3>\n<p class=\"note\">" << text("other_people")
      << "</p>\n</section>\n";
  }

  void contact() {
    h << "<section aria-labelledby=\"contact\">\n<h2 id=\"contact\">" << text("contact_heading") << "</h2>\n<p>"
      << html_escape(c.text("controller", {{"organisation", c.organisation()}})) << "</p>\n<ul>\n";
    for (const auto& line : c.contact_lines()) h << "<li>" << html_escape(line) << "</li>\n";
    h << "</ul>\n</section>\n";
  }
};

}  // namespace

Status write_report_html(const fs::path& file, const ReportInput& input) {
  std::ofstream out(file, std::ios::binary);
  ReportWriter writer(out, input);
  Status written = writer.write();
  if (!written) return written;
  if (!out) return fail(ErrorCode::unavailable, "cannot write " + file.string());
  return {};
}

}  // namespace maestro
