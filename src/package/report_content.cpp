#include "package/report_content.hpp"

#include <cctype>
#include <string_view>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>

#include "common/time.hpp"
#include "package/package.hpp"
#include "package/report_texts.hpp"

namespace maestro {

namespace {

// The map's own words as a sentence, so that the next one does not run into it.
std::string sentence(const std::string& text) {
  std::string out = text;
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  if (!out.empty() && std::string_view(".!?").find(out.back()) == std::string_view::npos) out += '.';
  return out;
}

}  // namespace


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

ReportContent::ReportContent(const ReportInput& input) : in(input), t(input.texts) {}

const std::string& ReportContent::language() const {
  return t.language();
}

std::string ReportContent::text(std::string_view key, const std::map<std::string, std::string>& values) {
  auto filled = t.text(key, values);
  if (filled) return *filled;
  if (!m_error) m_error = filled.error();
  return {};
}

std::string ReportContent::counted(const std::string& key, std::size_t n,
                                   const std::map<std::string, std::string>& values) {
  if (n == 1 && t.has(key + "_one")) return text(key + "_one", values);
  if (n == 0 && t.has(key + "_none")) return text(key + "_none", values);
  return text(key, values);
}

Status ReportContent::status() const {
  return m_error ? Status(propagate(*m_error)) : Status{};
}

std::string ReportContent::organisation() const {
  return in.info.sender.organisation.empty() ? "us" : in.info.sender.organisation;
}

std::string ReportContent::request_line() {
  return text("request_line", {{"case", in.info.case_number},
                               {"received", t.date_time(in.info.request_date)},
                               {"answered", t.date_time(in.info.fulfilment_date)}});
}

std::string ReportContent::about() {
  return text("about", {{"organisation", organisation()}});
}

std::size_t ReportContent::total_records() const {
  std::size_t records = 0;
  for (const auto& s : in.sections) records += s.records;
  return records;
}

std::string ReportContent::summary_found() {
  std::size_t records = total_records();
  return counted("summary_found", records,
                 {{"records", std::to_string(records)}, {"places", std::to_string(in.sections.size())}});
}

std::optional<std::string> ReportContent::summary_searched() {
  std::string searched;
  for (const auto& id : in.info.identifiers) {
    std::string kind = lower_first(readable_words(id.kind));
    searched += (searched.empty() ? "" : ", ") + id.value + " (" + kind + ")";
  }
  if (searched.empty()) return std::nullopt;
  return text("summary_searched", {{"identifiers", searched}});
}

std::optional<std::string> ReportContent::summary_incomplete() {
  if (in.info.unsearched.empty()) return std::nullopt;
  std::string systems;
  for (const auto& s : in.info.unsearched) systems += (systems.empty() ? "" : ", ") + s;
  return text("summary_incomplete", {{"systems", systems}});
}

std::vector<std::string> ReportContent::categories_of(const Collection& c) const {
  std::set<std::string> keys;
  for (const auto& f : c.fields) {
    if (!f.other_person && !f.lookup_only) keys.insert(f.categories.begin(), f.categories.end());
  }
  return {keys.begin(), keys.end()};
}

std::vector<ReportCategory> ReportContent::categories() {
  std::set<std::string> all;
  for (const auto& s : in.sections) {
    for (const auto& c : categories_of(*s.collection)) all.insert(c);
  }
  std::vector<ReportCategory> out;
  std::set<std::string> shown;  // the taxonomy may give two keys one name
  for (const auto& key : all) {
    std::string name = category_name(in.map, key);
    if (!shown.insert(name).second) continue;
    auto described = in.map.category_texts.find(key);
    out.push_back({name, described == in.map.category_texts.end() ? "" : described->second.description});
  }
  return out;
}

std::string ReportContent::anchor(const Collection& c) {
  return "place-" + c.system + "-" + c.name;
}

std::string ReportContent::title_of(const Collection& c) {
  if (!c.description.empty()) return c.description;
  return text("collection_title", {{"collection", readable_words(c.name)}, {"system", c.system}});
}

std::string ReportContent::place_line(const ReportSection& s) {
  return counted("records_in_place", s.records,
                 {{"title", title_of(*s.collection)}, {"count", std::to_string(s.records)}});
}

std::string ReportContent::records_line(const ReportSection& s) {
  return counted("collection_records", s.records, {{"count", std::to_string(s.records)}});
}

std::vector<ReportFact> ReportContent::facts(const Collection& c) {
  auto stated = [&](const std::string& value) { return value.empty() ? text("not_stated") : value; };
  std::vector<ReportFact> out;
  out.push_back({text("purpose"), {stated(c.purpose)}});
  out.push_back({text("legal_basis"), {stated(c.legal_basis)}});
  std::vector<std::string> categories;
  for (const auto& key : categories_of(c)) categories.push_back(category_name(in.map, key));
  categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
  if (categories.empty()) categories.push_back(stated(""));
  out.push_back({text("categories"), categories});
  if (!c.recipients_stated)
    out.push_back({text("recipients"), {stated("")}});
  else if (c.recipients.empty())
    out.push_back({text("recipients"), {text("recipients_none", {{"organisation", organisation()}})}});
  else
    out.push_back({text("recipients"), c.recipients});
  out.push_back({text("source"), {stated(c.origin)}});
  std::string retention = c.retention;
  if (c.erasure && c.erasure->action == ErasureAction::retain) {
    std::string kept =
        text("retained", {{"reason", c.erasure->legal_reason}, {"period", format_duration(*c.erasure->retain_for)}});
    retention = retention.empty() ? kept : retention + ". " + kept;
  }
  out.push_back({text("retention"), {stated(retention)}});
  ReportFact automated{text("automated"), {}};
  if (!c.automated_decisions)
    automated.values.push_back(stated(""));
  else if (c.automated_decisions->empty())
    automated.values.push_back(text("automated_none"));
  for (const auto& d : c.automated_decisions.value_or(std::vector<AutomatedDecision>{})) {
    automated.values.push_back(
        text("automated_item", {{"name", d.name}, {"logic", sentence(d.logic)}, {"significance", sentence(d.significance)}}));
  }
  out.push_back(std::move(automated));
  ReportFact transfers{text("transfers"), {}};
  if (!c.transfers)
    transfers.values.push_back(stated(""));
  else if (c.transfers->empty())
    transfers.values.push_back(text("transfers_none"));
  for (const auto& tr : c.transfers.value_or(std::vector<Transfer>{})) {
    std::map<std::string, std::string> values{{"country", tr.country},
                                              {"safeguard", text("safeguards." + tr.safeguard)}};
    if (!tr.recipient.empty()) values["recipient"] = tr.recipient;
    transfers.values.push_back(text(tr.recipient.empty() ? "transfer_item" : "transfer_item_to", values));
  }
  out.push_back(std::move(transfers));
  return out;
}

std::string ReportContent::column_label(const Collection& c, const std::string& column) {
  const Field* f = c.field(column);
  if (f && !f->label.empty()) return f->label;
  if (column == "line" && in.map.system(c.system) && in.map.system(c.system)->store.line_format() == "textlog")
    return text("log_entry");
  return column;
}

std::string ReportContent::cell_text(const json& v) const {
  if (v.is_null()) return {};
  if (v.is_string()) return t.human_value(v.get<std::string>());
  if (v.is_number_float()) return t.human_value(v.dump());  // 5.94 -> "5,94" where the language writes so
  return v.dump();
}

std::string ReportContent::found_in(const json& record) {
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

ReportColumns ReportContent::columns(const ReportSection& s) {
  ReportColumns out;
  for (const auto& col : s.columns) {
    if (is_provenance(col)) {
      out.provenance = true;
      continue;
    }
    out.keys.push_back(col);
    out.labels.push_back(column_label(*s.collection, col));
  }
  if (out.provenance) out.labels.push_back(text("found_in"));
  return out;
}

Status ReportContent::each_row(const ReportSection& s, const ReportColumns& columns,
                               const std::function<void(const ReportRow&)>& row) {
  std::ifstream spool(s.spool);
  std::string line;
  ReportRow cells;
  while (std::getline(spool, line)) {
    json record = json::parse(line, nullptr, false);
    if (record.is_discarded()) {
      Error error{ErrorCode::internal, "a spooled record is unreadable: " + s.spool.string()};
      if (!m_error) m_error = error;
      return propagate(error);
    }
    cells.clear();
    for (const auto& key : columns.keys) cells.push_back(cell_text(record.value(key, json(nullptr))));
    if (columns.provenance) cells.push_back(found_in(record));
    row(cells);
  }
  return {};
}

std::string ReportContent::rights_intro() {
  const PackageSender& s = in.info.sender;
  return text("rights_intro", {{"contact", s.dpo_email.empty() ? s.organisation_email : s.dpo_email}});
}

std::vector<ReportRight> ReportContent::rights() {
  const std::string& j = in.info.jurisdiction;
  std::string list = j == "ccpa"                                    ? "rights.ccpa"
                     : (j == "gdpr" || j == "uk-gdpr" || j.empty()) ? "rights.gdpr"
                                                                    : "rights.general";
  std::vector<ReportRight> out;
  for (std::size_t i = 0; i < t.list_size(list); ++i) {
    std::string item = list + "." + std::to_string(i);
    out.push_back({text(item + ".name"), text(item + ".how")});
  }
  return out;
}

std::optional<std::string> ReportContent::complaint() {
  if (in.info.complaint_authority.empty()) return std::nullopt;
  return text("complaint", {{"authority", in.info.complaint_authority}});
}

std::vector<std::string> ReportContent::contact_lines() {
  const PackageSender& s = in.info.sender;
  std::vector<std::string> out;
  if (!s.organisation_address.empty()) out.push_back(text("controller_address", {{"address", s.organisation_address}}));
  if (!s.organisation_email.empty()) out.push_back(text("controller_email", {{"email", s.organisation_email}}));
  std::string dpo =
      s.dpo_name.empty() ? s.dpo_email : (s.dpo_email.empty() ? s.dpo_name : s.dpo_name + ", " + s.dpo_email);
  if (!dpo.empty()) out.push_back(text("dpo", {{"dpo", dpo}}));
  return out;
}

}  // namespace maestro
