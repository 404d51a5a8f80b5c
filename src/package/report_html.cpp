#include "package/report_html.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <numeric>
#include <set>

#include "common/text.hpp"
#include "package/package.hpp"
#include "package/report_texts.hpp"

namespace maestro {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Columns the connectors add to say where a record was found; the report says it in words.
constexpr std::string_view k_file_column = "_file";
constexpr std::string_view k_line_column = "_line";
constexpr std::string_view k_tenant_column = "_tenant";

bool is_provenance(std::string_view column) {
  return column == k_file_column || column == k_line_column || column == k_tenant_column;
}

// "ip_address" -> "IP address": a key made readable, its first letter and known acronyms upper case.
std::string readable_words(std::string_view key) {
  static const std::set<std::string, std::less<>> acronyms{"id", "ip", "url", "vin", "ssn", "dob", "gps", "sms"};
  std::string out;
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = std::min(key.find('_', start), key.size());
    std::string word(key.substr(start, end - start));
    if (acronyms.contains(word)) {
      for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    out += (out.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// "Customer id" -> "customer ID", but "IP address" stays.
std::string lower_first(std::string words) {
  if (words.size() > 1 && !std::isupper(static_cast<unsigned char>(words[1])))
    words[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(words[0])));
  return words;
}

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

// Writes the report; texts are looked up as it goes and the first failure is kept.
class ReportWriter {
 public:
  ReportWriter(std::ostream& out, const ReportInput& input) : h(out), in(input), t(input.texts) {}

  Status write() {
    head();
    summary();
    places();
    rights();
    contact();
    h << "</main>\n</body>\n</html>\n";
    return m_error ? Status(propagate(*m_error)) : Status{};
  }

 private:
  std::ostream& h;
  const ReportInput& in;
  const ReportTexts& t;
  std::optional<Error> m_error;

  std::string text(std::string_view key, const std::map<std::string, std::string>& values = {}) {
    auto filled = t.text(key, values);
    if (filled) return *filled;
    if (!m_error) m_error = filled.error();
    return {};
  }
  // A count's sentence: key_one for one, key_none (when it exists) for none, else key.
  std::string counted(const std::string& key, std::size_t n, std::map<std::string, std::string> values) {
    if (n == 1 && t.has(key + "_one")) return text(key + "_one", values);
    if (n == 0 && t.has(key + "_none")) return text(key + "_none", values);
    return text(key, values);
  }
  std::string organisation() const { return in.info.sender.organisation.empty() ? "us" : in.info.sender.organisation; }

  static std::string anchor(const Collection& c) { return "place-" + c.system + "-" + c.name; }

  // The map's description of the collection ("Your orders"), else its name and system's.
  std::string title_of(const Collection& c) {
    if (!c.description.empty()) return c.description;
    return text("collection_title", {{"collection", readable_words(c.name)}, {"system", c.system}});
  }

  void head() {
    h << "<!DOCTYPE html>\n<html lang=\"" << html_escape(t.language()) << "\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
      << html_escape(text("title")) << " - " << html_escape(in.info.case_number) << "</title>\n<style>" << k_style
      << "</style>\n</head>\n<body>\n<header>\n<h1>" << html_escape(text("title")) << "</h1>\n<p>"
      << html_escape(text("request_line", {{"case", in.info.case_number},
                                           {"received", t.date_time(in.info.request_date)},
                                           {"answered", t.date_time(in.info.fulfilment_date)}}))
      << "</p>\n<p>" << html_escape(text("about", {{"organisation", organisation()}})) << "</p>\n</header>\n<main>\n";
  }

  std::vector<std::string> categories_of(const Collection& c) const {
    std::set<std::string> keys;
    for (const auto& f : c.fields) {
      if (!f.other_person && !f.lookup_only) keys.insert(f.categories.begin(), f.categories.end());
    }
    return {keys.begin(), keys.end()};
  }

  void summary() {
    std::size_t records = 0;
    for (const auto& s : in.sections) records += s.records;
    h << "<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">" << html_escape(text("summary_heading"))
      << "</h2>\n<p>"
      << html_escape(counted("summary_found", records,
                             {{"records", std::to_string(records)}, {"places", std::to_string(in.sections.size())}}))
      << "</p>\n";
    std::string searched;
    for (const auto& id : in.info.identifiers) {
      std::string kind = lower_first(readable_words(id.kind));
      searched += (searched.empty() ? "" : ", ") + id.value + " (" + kind + ")";
    }
    if (!searched.empty()) h << "<p>" << html_escape(text("summary_searched", {{"identifiers", searched}})) << "</p>\n";
    std::set<std::string> all;
    for (const auto& s : in.sections) {
      for (const auto& c : categories_of(*s.collection)) all.insert(c);
    }
    if (!all.empty()) {
      h << "<p>" << html_escape(text("summary_categories")) << "</p>\n<ul>\n";
      std::set<std::string> shown;  // the taxonomy may give two keys one name
      for (const auto& key : all) {
        std::string name = category_name(in.map, key);
        if (!shown.insert(name).second) continue;
        auto described = in.map.category_texts.find(key);
        h << "<li><strong>" << html_escape(name) << "</strong>";
        if (described != in.map.category_texts.end() && !described->second.description.empty())
          h << ": " << html_escape(described->second.description);
        h << "</li>\n";
      }
      h << "</ul>\n";
    }
    if (!in.sections.empty()) {
      h << "<nav aria-labelledby=\"contents\">\n<p id=\"contents\">" << html_escape(text("summary_contents"))
        << "</p>\n<ol>\n";
      for (const auto& s : in.sections) {
        h << "<li><a href=\"#" << html_escape(anchor(*s.collection)) << "\">"
          << html_escape(counted("records_in_place", s.records,
                                 {{"title", title_of(*s.collection)}, {"count", std::to_string(s.records)}}))
          << "</a></li>\n";
      }
      h << "</ol>\n</nav>\n";
    }
    h << "</section>\n";
  }

  void fact(std::string_view label_key, const std::string& value_html) {
    h << "<dt>" << html_escape(text(label_key)) << "</dt><dd>" << value_html << "</dd>\n";
  }

  std::string stated(const std::string& value) { return html_escape(value.empty() ? text("not_stated") : value); }

  std::string list_html(const std::vector<std::string>& items) {
    if (items.size() == 1) return html_escape(items[0]);
    std::string out = "<ul>";
    for (const auto& item : items) out += "<li>" + html_escape(item) + "</li>";
    return out + "</ul>";
  }

  void facts(const Collection& c) {
    h << "<dl class=\"facts\">\n";
    fact("purpose", stated(c.purpose));
    fact("legal_basis", stated(c.legal_basis));
    std::vector<std::string> categories;
    for (const auto& key : categories_of(c)) categories.push_back(category_name(in.map, key));
    categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
    fact("categories", categories.empty() ? stated("") : list_html(categories));
    if (!c.recipients_stated)
      fact("recipients", stated(""));
    else if (c.recipients.empty())
      fact("recipients", html_escape(text("recipients_none", {{"organisation", organisation()}})));
    else
      fact("recipients", list_html(c.recipients));
    fact("source", stated(c.origin));
    std::string retention = c.retention;
    if (c.erasure && c.erasure->action == ErasureAction::retain) {
      std::string kept =
          text("retained", {{"reason", c.erasure->legal_reason}, {"period", format_duration(*c.erasure->retain_for)}});
      retention = retention.empty() ? kept : retention + ". " + kept;
    }
    fact("retention", stated(retention));
    if (!c.automated_decisions) {
      fact("automated", stated(""));
    } else if (c.automated_decisions->empty()) {
      fact("automated", html_escape(text("automated_none")));
    } else {
      std::vector<std::string> items;
      for (const auto& d : *c.automated_decisions) {
        items.push_back(
            text("automated_item", {{"name", d.name}, {"logic", d.logic}, {"significance", d.significance}}));
      }
      fact("automated", list_html(items));
    }
    if (!c.transfers) {
      fact("transfers", stated(""));
    } else if (c.transfers->empty()) {
      fact("transfers", html_escape(text("transfers_none")));
    } else {
      std::vector<std::string> items;
      for (const auto& tr : *c.transfers) {
        std::map<std::string, std::string> values{{"country", tr.country},
                                                  {"safeguard", text("safeguards." + tr.safeguard)}};
        if (!tr.recipient.empty()) values["recipient"] = tr.recipient;
        items.push_back(text(tr.recipient.empty() ? "transfer_item" : "transfer_item_to", values));
      }
      fact("transfers", list_html(items));
    }
    h << "</dl>\n";
  }

  std::string column_label(const Collection& c, const std::string& column) {
    const Field* f = c.field(column);
    if (f && !f->label.empty()) return f->label;
    if (column == "line" && in.map.system(c.system) && in.map.system(c.system)->store.type == "textlog")
      return text("log_entry");
    return column;
  }

  std::string cell_text(const json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return t.human_value(v.get<std::string>());
    return v.dump();
  }

  std::string found_in(const json& record) {
    std::vector<std::string> parts;
    auto file = record.find(k_file_column);
    auto line = record.find(k_line_column);
    if (file != record.end() && file->is_string()) {
      parts.push_back(text("found_in_file", {{"file", file->get<std::string>()},
                                             {"line", line == record.end() ? "?" : cell_text(*line)}}));
    }
    auto tenant = record.find(k_tenant_column);
    if (tenant != record.end() && tenant->is_string())
      parts.push_back(text("found_in_account", {{"account", tenant->get<std::string>()}}));
    return std::accumulate(parts.begin(), parts.end(), std::string(),
                           [](std::string a, const std::string& b) { return a.empty() ? b : a + ", " + b; });
  }

  Status records_table(const ReportSection& s, const std::string& title) {
    const Collection& c = *s.collection;
    std::vector<std::string> shown;
    bool provenance = false;
    for (const auto& col : s.columns) {
      if (is_provenance(col))
        provenance = true;
      else
        shown.push_back(col);
    }
    std::string caption_id = anchor(c) + "-records";
    h << "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-labelledby=\"" << html_escape(caption_id)
      << "\">\n<table>\n<caption id=\"" << html_escape(caption_id) << "\">"
      << html_escape(text("records_caption", {{"title", title}})) << "</caption>\n<thead><tr>";
    for (const auto& col : shown) h << "<th scope=\"col\">" << html_escape(column_label(c, col)) << "</th>";
    if (provenance) h << "<th scope=\"col\">" << html_escape(text("found_in")) << "</th>";
    h << "</tr></thead>\n<tbody>\n";
    std::ifstream spool(s.spool);
    std::string line;
    while (std::getline(spool, line)) {
      json record = json::parse(line, nullptr, false);
      if (record.is_discarded())
        return fail(ErrorCode::internal, "a spooled record is unreadable: " + s.spool.string());
      h << "<tr>";
      for (const auto& col : shown) h << "<td>" << html_escape(cell_text(record.value(col, json(nullptr)))) << "</td>";
      if (provenance) h << "<td>" << html_escape(found_in(record)) << "</td>";
      h << "</tr>\n";
    }
    h << "</tbody>\n</table>\n</div>\n";
    return {};
  }

  void places() {
    if (in.sections.empty()) return;
    h << "<section aria-labelledby=\"places\">\n<h2 id=\"places\">" << html_escape(text("places_heading")) << "</h2>\n";
    for (const auto& s : in.sections) {
      const Collection& c = *s.collection;
      std::string title = title_of(c);
      h << "<section id=\"" << html_escape(anchor(c)) << "\" aria-labelledby=\"" << html_escape(anchor(c))
        << "-title\">\n<h3 id=\"" << html_escape(anchor(c)) << "-title\">" << html_escape(title) << "</h3>\n<p>"
        << html_escape(counted("collection_records", s.records, {{"count", std::to_string(s.records)}})) << "</p>\n";
      facts(c);
      if (auto ok = records_table(s, title); !ok && !m_error) m_error = ok.error();
      h << "</section>\n";
    }
    h << "</section>\n";
  }

  std::string rights_list() const {
    const std::string& j = in.info.jurisdiction;
    if (j == "ccpa") return "rights.ccpa";
    if (j == "gdpr" || j == "uk-gdpr" || j.empty()) return "rights.gdpr";
    return "rights.general";
  }

  void rights() {
    std::string contact =
        in.info.sender.dpo_email.empty() ? in.info.sender.organisation_email : in.info.sender.dpo_email;
    h << "<section aria-labelledby=\"rights\">\n<h2 id=\"rights\">" << html_escape(text("rights_heading"))
      << "</h2>\n<p>" << html_escape(text("rights_intro", {{"contact", contact}})) << "</p>\n<dl class=\"rights\">\n";
    std::string list = rights_list();
    for (std::size_t i = 0; i < t.list_size(list); ++i) {
      std::string item = list + "." + std::to_string(i);
      h << "<dt>" << html_escape(text(item + ".name")) << "</dt><dd>" << html_escape(text(item + ".how")) << "</dd>\n";
    }
    h << "</dl>\n";
    if (!in.info.complaint_authority.empty())
      h << "<p>" << html_escape(text("complaint", {{"authority", in.info.complaint_authority}})) << "</p>\n";
    h << "<h3>" << html_escape(text("other_people_heading")) << "</h3>\n<p class=\"note\">"
      << html_escape(text("other_people")) << "</p>\n</section>\n";
  }

  void contact() {
    const PackageSender& i = in.info.sender;
    h << "<section aria-labelledby=\"contact\">\n<h2 id=\"contact\">" << html_escape(text("contact_heading"))
      << "</h2>\n<p>" << html_escape(text("controller", {{"organisation", organisation()}})) << "</p>\n<ul>\n";
    if (!i.organisation_address.empty())
      h << "<li>" << html_escape(text("controller_address", {{"address", i.organisation_address}})) << "</li>\n";
    if (!i.organisation_email.empty())
      h << "<li>" << html_escape(text("controller_email", {{"email", i.organisation_email}})) << "</li>\n";
    std::string dpo =
        i.dpo_name.empty() ? i.dpo_email : (i.dpo_email.empty() ? i.dpo_name : i.dpo_name + ", " + i.dpo_email);
    if (!dpo.empty()) h << "<li>" << html_escape(text("dpo", {{"dpo", dpo}})) << "</li>\n";
    h << "</ul>\n</section>\n";
  }
};

}  // namespace

std::string category_name(const DataMap& map, const std::string& category) {
  auto known = map.category_texts.find(category);
  if (known != map.category_texts.end() && !known->second.name.empty()) return known->second.name;
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot = category.find('.'); dot != std::string::npos; dot = category.find('.', start)) {
    parts.push_back(category.substr(start, dot - start));
    start = dot + 1;
  }
  parts.push_back(category.substr(start));
  std::string name = readable_words(parts.back());
  if (parts.size() >= 3) {
    std::string parent = lower_first(readable_words(parts[parts.size() - 2]));
    name += " (" + parent + ")";
  }
  return name;
}

Status write_report_html(const fs::path& file, const ReportInput& input) {
  std::ofstream out(file, std::ios::binary);
  ReportWriter writer(out, input);
  Status written = writer.write();
  if (!written) return written;
  if (!out) return fail(ErrorCode::unavailable, "cannot write " + file.string());
  return {};
}

}  // namespace maestro
