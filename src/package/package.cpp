#include "package/package.hpp"

#include <zip.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "crypto/keyring.hpp"
#include "package/redaction.hpp"
#include "package/report_html.hpp"
#include "package/report_pdf.hpp"

namespace maestro {

namespace fs = std::filesystem;
using nlohmann::json;
// Records keep their columns in the store's order.
using record_json_t = nlohmann::ordered_json;

namespace {

std::string csv_cell(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump();
  // Defuse spreadsheet formulas: a cell from someone's data must never run in Excel.
  if (!text.empty() && std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos) text = "'" + text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> rights_for(const std::string& jurisdiction) {
  if (jurisdiction == "ccpa") {
    return {"Right to know what personal information is collected, used, shared or sold",
            "Right to delete personal information",
            "Right to correct inaccurate personal information",
            "Right to opt out of the sale or sharing of personal information",
            "Right to limit the use of sensitive personal information",
            "Right to non-discrimination for exercising these rights"};
  }
  return {"Right of access (Art. 15)",
          "Right to rectification (Art. 16)",
          "Right to erasure (Art. 17)",
          "Right to restriction of processing (Art. 18)",
          "Right to data portability (Art. 20)",
          "Right to object (Art. 21)",
          "Rights related to automated decision-making (Art. 22)",
          "Right to lodge a complaint with a supervisory authority (Art. 77)"};
}

struct Spool {
  const Collection* collection = nullptr;
  fs::path path;
  std::ofstream out;
  std::vector<std::string> columns;  // in first-seen order
  std::set<std::string> column_set;
  std::size_t count = 0;
};

}  // namespace

Result<std::set<PackageFormat>> parse_package_formats(std::string_view text) {
  std::set<PackageFormat> out{PackageFormat::json};
  std::stringstream list{std::string(text)};
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item == "json")
      out.insert(PackageFormat::json);
    else if (item == "csv")
      out.insert(PackageFormat::csv);
    else if (item == "html")
      out.insert(PackageFormat::html);
    else if (item == "pdf")
      out.insert(PackageFormat::pdf);
    else if (!item.empty())
      return invalid("unknown package format '" + item + "': use json, csv, html, pdf");
  }
  return out;
}

std::string generate_package_password() {
  static constexpr std::string_view alphabet = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789-_.+";
  std::string out;
  while (out.size() < 20) {
    for (unsigned char b : random_bytes(32)) {
      // Rejection sampling keeps every character equally likely.
      if (b >= 256 - (256 % alphabet.size())) continue;
      out.push_back(alphabet[b % alphabet.size()]);
      if (out.size() == 20) break;
    }
  }
  return out;
}

// Other people's contacts looked up per package, at most.
constexpr std::size_t k_max_other_contacts = 200;

struct PackageWriter::State {
  fs::path dir;
  const DataMap& map;
  PackageInfo info;
  std::set<PackageFormat> formats;
  std::map<std::string, Spool> spools;  // by collection key
  Redactor redactor;
  std::size_t redacted = 0;
  std::map<std::string, std::size_t> redactions_by_field;
  std::vector<Redaction> redaction_list;
  std::set<std::string> other_emails, other_phones;  // in the records' text, as found by add()
  bool sealed = false;
  std::vector<std::string> written;        // files to seal, relative to dir
  std::map<std::string, FileHash> hashed;  // by file, once written and hashed

  State(fs::path d, const DataMap& m, PackageInfo i, std::set<PackageFormat> f)
      : dir(std::move(d)),
        map(m),
        info(std::move(i)),
        formats(std::move(f)),
        redactor(info.identifiers, info.restored_values) {}

  fs::path spool_dir() const { return dir / ".spool"; }
  std::string package_name() const { return info.case_number + "_DSAR_PACKAGE"; }

  // The requester's own name and contact details: never redacted where they stand in text.
  static bool is_own_contact(const Field& f) {
    return std::any_of(f.categories.begin(), f.categories.end(), [](const std::string& c) {
      return c.starts_with("user.name") || c.starts_with("user.contact");
    });
  }

  // Replaces other people's names, emails and phone numbers in every text of `value`.
  void redact_value(record_json_t& value, const std::string& field) {
    if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      std::string redacted_text = redactor.redact(text, field, [&](const Redaction& r) {
        ++redacted;
        ++redactions_by_field[field];
        if (redaction_list.size() >= k_max_listed_redactions) return;
        redaction_list.push_back(r);
        redaction_list.back().id = static_cast<int>(redaction_list.size());
      });
      if (redacted_text.size() != text.size() || redacted_text != text) value = redacted_text;
    } else if (value.is_structured()) {
      for (auto& item : value) redact_value(item, field);
    }
  }

  // One pass over every spool, once all records are in: a name learnt from the last record is
  // redacted in the first.
  Status redact_spools() {
    for (auto& [key, spool] : spools) {
      fs::path redacted_path = spool.path;
      redacted_path += ".redacted";
      {
        std::ifstream in(spool.path, std::ios::binary);
        std::ofstream out(redacted_path, std::ios::binary);
        std::string line;
        while (std::getline(in, line)) {
          record_json_t record = record_json_t::parse(line, nullptr, false);
          if (record.is_discarded()) return fail(ErrorCode::internal, "a spooled record is unreadable: " + key);
          for (auto& [column, value] : record.items()) {
            if (column.starts_with('_')) continue;  // where it was found, said by Maestro
            redact_value(value, key + "." + column);
          }
          out << record.dump() << "\n";
        }
        if (!out) return fail(ErrorCode::unavailable, "cannot write " + redacted_path.string());
      }
      std::error_code ec;
      fs::rename(redacted_path, spool.path, ec);
      if (ec) return fail(ErrorCode::unavailable, "cannot replace " + spool.path.string() + ": " + ec.message());
    }
    return {};
  }

  bool has_nested_fields(const Collection& c, const std::string& column) const {
    return std::any_of(c.fields.begin(), c.fields.end(),
                       [&](const Field& f) { return f.name.starts_with(column + "."); });
  }

  record_json_t record_json(const Collection& c, const FoundRecord& found) {
    record_json_t out = record_json_t::object();
    if (!found.tenant.empty()) out["_tenant"] = found.tenant;
    for (const auto& [name, value] : found.record.columns) {
      const Field* field = c.field(name);
      if (field && field->other_person) {
        // Another individual's data (Art. 15(4)): left out, and looked for in the text.
        if (auto text = std::get_if<std::string>(&value)) redactor.learn_other(*text);
        ++redacted;
        ++redactions_by_field[c.key() + "." + name];
        continue;
      }
      if (auto text = std::get_if<std::string>(&value)) {
        if (field && is_own_contact(*field))
          redactor.learn_own(*text);
        else
          redactor.learn_own_if_contact(*text);  // "values from their own records" are theirs
      }
      if (std::holds_alternative<std::monostate>(value))
        out[name] = nullptr;
      else if (auto i = std::get_if<std::int64_t>(&value))
        out[name] = *i;
      else if (auto d = std::get_if<double>(&value))
        out[name] = *d;
      else if (auto j = std::get_if<JsonText>(&value)) {
        // true, false, a list or an object: the same JSON type in the package.
        if (other_emails.size() < k_max_other_contacts) redactor.other_contacts(j->text, other_emails, other_phones);
        record_json_t parsed = record_json_t::parse(j->text, nullptr, false);
        out[name] = parsed.is_discarded() ? record_json_t(j->text) : parsed;
      } else {
        const std::string& text = std::get<std::string>(value);
        if (other_emails.size() < k_max_other_contacts) redactor.other_contacts(text, other_emails, other_phones);
        json parsed = has_nested_fields(c, name) ? json::parse(text, nullptr, false) : json(json::value_t::discarded);
        out[name] = parsed.is_discarded() ? record_json_t(text) : record_json_t(parsed);
      }
    }
    return out;
  }

  Status write_file(const std::string& name, const std::string& content) {
    fs::create_directories((dir / name).parent_path());
    std::ofstream out(dir / name, std::ios::binary);
    out << content;
    if (!out) return fail(ErrorCode::unavailable, "cannot write " + (dir / name).string());
    written.push_back(name);
    return {};
  }

  json article15() const {
    json collections = json::array();
    std::set<std::string> all_categories, all_recipients;
    for (const auto& [key, spool] : spools) {
      const Collection& c = *spool.collection;
      std::set<std::string> categories;
      for (const auto& f : c.fields) {
        if (!f.other_person) categories.insert(f.categories.begin(), f.categories.end());
      }
      all_categories.insert(categories.begin(), categories.end());
      all_recipients.insert(c.recipients.begin(), c.recipients.end());
      collections.push_back({{"system", c.system},
                             {"collection", c.name},
                             {"records", spool.count},
                             {"purpose", c.purpose},
                             {"legalBasis", c.legal_basis},
                             {"categories", categories},
                             {"recipients", c.recipients},
                             {"retention", c.retention},
                             {"source", c.origin},
                             {"automatedDecisions", automated_decisions_json(c)},
                             {"transfers", transfers_json(c)}});
    }
    return {{"processing", collections},
            {"categories", all_categories},
            {"recipients", all_recipients},
            {"rights", rights_for(info.jurisdiction)},
            {"complaintAuthority", info.complaint_authority},
            {"jurisdiction", info.jurisdiction_name}};
  }

  // null where the map does not say; [] where it says there are none.
  static json automated_decisions_json(const Collection& c) {
    if (!c.automated_decisions) return nullptr;
    json out = json::array();
    for (const auto& d : *c.automated_decisions)
      out.push_back({{"name", d.name}, {"logic", d.logic}, {"significance", d.significance}});
    return out;
  }
  static json transfers_json(const Collection& c) {
    if (!c.transfers) return nullptr;
    json out = json::array();
    for (const auto& t : *c.transfers) {
      json item{{"country", t.country}, {"safeguard", t.safeguard}};
      if (!t.recipient.empty()) item["recipient"] = t.recipient;
      out.push_back(item);
    }
    return out;
  }

  json legal_notes() const {
    json notes = json::object();
    for (const auto& [key, spool] : spools) {
      const Collection& c = *spool.collection;
      if (c.erasure && c.erasure->action == ErasureAction::retain) {
        notes[key] = c.erasure->legal_reason + " (kept " + format_duration(*c.erasure->retain_for) + ")";
      }
    }
    notes["otherIndividuals"] =
        "Information about other people (for example staff who handled your account, or other people's contact "
        "details inside free text) has been left out or redacted, as Article 15(4) GDPR requires.";
    return notes;
  }

  json subject_json() const {
    json ids = json::array();
    for (const auto& id : info.identifiers) ids.push_back({{"kind", id.kind}, {"value", id.value}});
    return {{"verifiedIdentity", info.subject_name}, {"identifiers", ids}};
  }

  // The package JSON, written record by record from the spools.
  Status write_package_json() {
    std::string name = package_name() + ".json";
    std::ofstream out(dir / name, std::ios::binary);
    json head{{"dsarCaseNumber", info.case_number},
              {"requestDate", format_instant(info.request_date)},
              {"fulfillmentDate", format_instant(info.fulfilment_date)},
              {"dataSubject", subject_json()},
              {"complete", info.unsearched.empty()}};
    if (!info.unsearched.empty()) head["notSearched"] = info.unsearched;
    std::string head_text = head.dump(2);
    out << head_text.substr(0, head_text.size() - 2) << ",\n  \"data\": {";
    std::string current_system;
    bool first_collection = true;
    for (auto& [key, spool] : spools) {
      const Collection& c = *spool.collection;
      if (c.system != current_system) {
        if (!current_system.empty()) out << "\n    }";
        out << (current_system.empty() ? "\n    " : ",\n    ") << json(c.system).dump() << ": {";
        current_system = c.system;
        first_collection = true;
      }
      out << (first_collection ? "\n      " : ",\n      ") << json(c.name).dump() << ": [";
      first_collection = false;
      std::ifstream in(spool.path);
      std::string line;
      bool first = true;
      while (std::getline(in, line)) {
        out << (first ? "\n        " : ",\n        ") << line;
        first = false;
      }
      out << (first ? "]" : "\n      ]");
    }
    if (!current_system.empty()) out << "\n    }";
    out << "\n  },\n  \"article15\": " << article15().dump() << ",\n  \"legalNotes\": " << legal_notes().dump()
        << ",\n  \"redactions\": " << json(redactions_by_field).dump() << "\n}\n";
    if (!out) return fail(ErrorCode::unavailable, "cannot write " + (dir / name).string());
    written.push_back(name);
    return {};
  }

  Status write_csvs() {
    for (auto& [key, spool] : spools) {
      std::string name = "csv/" + key + ".csv";
      fs::create_directories(dir / "csv");
      std::ofstream out(dir / name, std::ios::binary);
      for (std::size_t i = 0; i < spool.columns.size(); ++i) out << (i ? "," : "") << csv_cell(spool.columns[i]);
      out << "\n";
      std::ifstream in(spool.path);
      std::string line;
      while (std::getline(in, line)) {
        json record = json::parse(line);
        for (std::size_t i = 0; i < spool.columns.size(); ++i) {
          out << (i ? "," : "") << csv_cell(record.value(spool.columns[i], json(nullptr)));
        }
        out << "\n";
      }
      if (!out) return fail(ErrorCode::unavailable, "cannot write " + (dir / name).string());
      written.push_back(name);
    }
    return {};
  }

  // What both reports draw from: the records stay in the spools, never in memory.
  ReportInput report_input() const {
    ReportInput input{info, map, *info.sender.texts, {}};
    for (const auto& [key, spool] : spools)
      input.sections.push_back({spool.collection, spool.count, spool.columns, spool.path});
    return input;
  }

  // The SHA-256 and size of every file written so far; each file is read once, for the PDF's
  // list and the manifest alike.
  Result<std::vector<FileHash>> hashes_of_written() {
    std::vector<FileHash> out;
    for (const auto& name : written) {
      auto known = hashed.find(name);
      if (known == hashed.end()) {
        auto hash = sha256_file_hex(dir / name);
        if (!hash) return propagate(hash.error());
        known = hashed.emplace(name, FileHash{name, *hash, fs::file_size(dir / name)}).first;
      }
      out.push_back(known->second);
    }
    return out;
  }

  Status write_html() {
    const std::string name = "report.html";
    if (auto ok = write_report_html(dir / name, report_input()); !ok) return ok;
    written.push_back(name);
    return {};
  }

  // Drawn after the other files, so that it can give their SHA-256 (not its own, nor the manifest's).
  Status write_pdf() {
    const std::string name = "report.pdf";
    auto hashes = hashes_of_written();
    if (!hashes) return propagate(hashes.error());
    if (auto ok = write_report_pdf(dir / name, report_input(), *hashes); !ok) return ok;
    written.push_back(name);
    return {};
  }

  Status write_schema() {
    json collections = json::array();
    for (const auto& [key, spool] : spools) {
      const Collection& c = *spool.collection;
      json fields = json::array();
      for (const auto& f : c.fields) {
        if (f.other_person) continue;
        json field{{"name", f.name}, {"categories", f.categories}, {"type", f.data_type}};
        if (!f.label.empty()) field["label"] = f.label;
        if (!f.description.empty()) field["description"] = f.description;
        fields.push_back(std::move(field));
      }
      collections.push_back({{"file", "csv/" + key + ".csv"},
                             {"jsonPath", "data." + c.system + "." + c.name},
                             {"system", c.system},
                             {"collection", c.name},
                             {"purpose", c.purpose},
                             {"columns", spool.columns},
                             {"fields", fields}});
    }
    json schema{
        {"description",
         "How this package is laid out. " + package_name() +
             ".json holds every record, grouped by system and collection, with the Article 15 information; "
             "csv/ holds one file per collection; report.html and report.pdf (when asked for) are readable versions; "
             "manifest.json lists "
             "the SHA-256 of every file. Data categories follow the fideslang taxonomy (fideslang, Ethyca, "
             "CC-BY-4.0)."},
        {"collections", collections}};
    return write_file("schema.json", schema.dump(2));
  }

  Status write_manifest() {
    auto hashes = hashes_of_written();
    if (!hashes) return propagate(hashes.error());
    json files = json::array();
    for (const auto& f : *hashes) files.push_back({{"file", f.file}, {"sha256", f.sha256}, {"bytes", f.bytes}});
    return write_file("manifest.json",
                      json{{"case", info.case_number},
                           {"algorithm", "SHA-256"},
                           {"complete", info.unsearched.empty()},
                           {"not_searched", info.unsearched},
                           {"files", files}}
                          .dump(2));
  }

  Status zip_all(const fs::path& zip_path, const std::string& password) {
    int error = 0;
    zip_t* archive = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_EXCL, &error);
    if (!archive) return fail(ErrorCode::unavailable, "cannot create " + zip_path.string());
    for (const auto& name : written) {
      zip_source_t* source = zip_source_file(archive, (dir / name).c_str(), 0, -1);
      zip_int64_t index = source ? zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8) : -1;
      if (index < 0 ||
          zip_file_set_encryption(archive, static_cast<zip_uint64_t>(index), ZIP_EM_AES_256, password.c_str()) != 0) {
        if (source && index < 0) zip_source_free(source);
        std::string message = zip_strerror(archive);
        zip_discard(archive);
        return fail(ErrorCode::internal, "cannot add " + name + " to the package: " + message);
      }
    }
    if (zip_close(archive) != 0) {
      std::string message = zip_strerror(archive);
      zip_discard(archive);
      return fail(ErrorCode::unavailable, "cannot write " + zip_path.string() + ": " + message);
    }
    return {};
  }

  void remove_clear_text() {
    std::error_code ec;
    for (const auto& name : written) fs::remove(dir / name, ec);
    fs::remove_all(dir / "csv", ec);
    fs::remove_all(spool_dir(), ec);
  }
};

PackageWriter::PackageWriter(fs::path work_dir, const DataMap& map, PackageInfo info, std::set<PackageFormat> formats)
    : m(std::make_unique<State>(std::move(work_dir), map, std::move(info), std::move(formats))) {
  if (!m->info.sender.texts) {
    auto english = ReportTexts::load("en", std::nullopt);
    if (english) m->info.sender.texts = std::make_shared<const ReportTexts>(std::move(*english));
  }
}

PackageWriter::~PackageWriter() {
  if (!m->sealed) m->remove_clear_text();  // never leave clear-text personal data behind
}

Status PackageWriter::add(const FoundRecord& found) {
  if (m->sealed) return precondition("the package is already sealed");
  std::string key = found.collection.key();
  auto [it, created] = m->spools.try_emplace(key);
  Spool& spool = it->second;
  if (created) {
    std::error_code ec;
    fs::create_directories(m->spool_dir(), ec);
    spool.collection = &found.collection;
    spool.path = m->spool_dir() / (key + ".jsonl");
    spool.out.open(spool.path, std::ios::binary);
    if (!spool.out) return fail(ErrorCode::unavailable, "cannot write to " + m->dir.string());
  }
  record_json_t record = m->record_json(found.collection, found);
  for (const auto& [name, value] : record.items()) {
    if (spool.column_set.insert(name).second) spool.columns.push_back(name);
  }
  spool.out << record.dump() << "\n";
  ++spool.count;
  return {};
}

std::vector<SubjectIdentifier> PackageWriter::other_people_contacts() const {
  std::vector<SubjectIdentifier> out;
  for (const auto& email : m->other_emails) {
    // An address learnt to be the requester's after it was seen (a later record) is not asked.
    if (!m->redactor.is_subjects_email(email) && out.size() < k_max_other_contacts) out.push_back({"email", email});
  }
  return out;
}

void PackageWriter::learn_other_person(const FoundRecord& found) {
  for (const auto& [name, value] : found.record.columns) {
    const Field* field = found.collection.field(name);
    auto text = std::get_if<std::string>(&value);
    if (!field || !text) continue;
    bool is_name = std::any_of(field->categories.begin(), field->categories.end(),
                               [](const std::string& c) { return c.starts_with("user.name"); });
    if (is_name) m->redactor.learn_other(*text);
  }
}

void PackageWriter::mark_incomplete(std::vector<std::string> unsearched) { m->info.unsearched = std::move(unsearched); }

Result<SealedPackage> PackageWriter::seal() {
  if (m->sealed) return precondition("the package is already sealed");
  for (auto& [key, spool] : m->spools) spool.out.close();
  std::error_code ec;
  fs::create_directories(m->dir, ec);
  Status written = m->redact_spools();
  if (written) written = m->write_package_json();
  if (written && m->formats.contains(PackageFormat::csv)) written = m->write_csvs();
  if (written && m->formats.contains(PackageFormat::html)) {
    written = m->info.sender.texts ? m->write_html()
                                   : Status(fail(ErrorCode::internal, "the report texts could not be loaded"));
  }
  if (written) written = m->write_schema();
  if (written && m->formats.contains(PackageFormat::pdf)) {
    written = m->info.sender.texts ? m->write_pdf()
                                   : Status(fail(ErrorCode::internal, "the report texts could not be loaded"));
  }
  if (written) written = m->write_manifest();
  if (!written) return propagate(written.error());
  SealedPackage sealed;
  sealed.password = generate_package_password();
  sealed.zip_path = m->dir / (m->package_name() + ".zip");
  if (auto ok = m->zip_all(sealed.zip_path, sealed.password); !ok) return propagate(ok.error());
  sealed.files = m->written;
  m->remove_clear_text();
  m->sealed = true;
  auto hash = sha256_file_hex(sealed.zip_path);
  if (!hash) return propagate(hash.error());
  sealed.sha256 = *hash;
  sealed.size = fs::file_size(sealed.zip_path);
  for (const auto& [key, spool] : m->spools) {
    sealed.records_by_collection[key] = spool.count;
    auto gaps = spool.collection->article15_gaps();
    if (gaps.empty()) continue;
    std::string missing;
    for (const auto& gap : gaps) missing += (missing.empty() ? "" : ", ") + gap;
    sealed.map_gaps.push_back(key + ": " + missing);
  }
  sealed.redacted_values = m->redacted;
  sealed.redactions_by_field = m->redactions_by_field;
  sealed.redactions = m->redaction_list;
  return sealed;
}

}  // namespace maestro
