// The catalogue of a folder of files, for discovery and drift: each "table" is a family of files
// that one data-map collection would cover with a glob (rotations and dated copies of one file
// are one family), its columns are the JSON-lines keys, the CSV header or, for a text log, the
// line itself. Files are only read, a bounded number of lines each: memory stays flat however
// large they are.
#include "discover/file_catalogue.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "connectors/file_connectors.hpp"
#include "connectors/file_lines.hpp"

namespace maestro {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // keys in the file's order

constexpr int k_max_depth = 3;                       // folders below the store's path
constexpr std::uintmax_t k_count_below = 64u << 20;  // count lines exactly up to 64 MiB of files
constexpr std::size_t k_max_keys = 500;              // a JSON-lines family's keys

// for_each_line() stops at a visitor's failure: this one only says "enough lines".
constexpr const char* k_enough = "enough lines read";
Status stop_reading() { return fail(ErrorCode::internal, k_enough); }
bool stopped(const Status& s) { return !s && s.error().message == k_enough; }

bool has_suffix(const std::string& name, std::initializer_list<const char*> suffixes) {
  for (const char* s : suffixes)
    if (name.ends_with(s)) return true;
  return false;
}

// Whether a file belongs to this format's folder at all (others are left to their own store).
bool of_format(const std::string& format, const std::string& name) {
  if (format == "jsonl") return has_suffix(name, {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"});
  if (format == "csv") return has_suffix(name, {".csv", ".csv.gz"});
  // A text log: anything but the structured formats and obvious binaries.
  return !has_suffix(name, {".jsonl", ".ndjson", ".csv", ".json", ".jsonl.gz", ".csv.gz", ".zip", ".db", ".sqlite",
                            ".png", ".jpg", ".pdf", ".tar", ".xz", ".bz2", ".zst"});
}

// The glob of a file's family: digit runs (with the separators between them: dates, times,
// sequence numbers) become '*', and a rotated or compressed tail is covered too
// ("app-2026-01-01.jsonl" -> "app-*.jsonl", "auth.log.2.gz" -> "auth.log*"). A `loose` glob
// replaces every digit run; otherwise only those of a date or a long counter (4 digits or
// more), so that a lone "Apache_2k.log" keeps its name.
std::string family_glob(const std::string& relative, bool loose) {
  fs::path p(relative);
  std::string name = p.filename().string();
  bool compressed = name.ends_with(".gz");
  if (compressed) name.resize(name.size() - 3);
  // A rotation number after the extension: auth.log.1 -> auth.log
  auto last_dot = name.rfind('.');
  if (last_dot != std::string::npos && last_dot + 1 < name.size() &&
      std::all_of(name.begin() + static_cast<std::ptrdiff_t>(last_dot) + 1, name.end(),
                  [](unsigned char c) { return std::isdigit(c); })) {
    name.resize(last_dot);
    compressed = true;  // the family also holds the unnumbered file: end in '*'
  }
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) {
      out.push_back(name[i++]);
      continue;
    }
    std::size_t j = i;
    bool separated = false;
    while (j < name.size() && (std::isdigit(static_cast<unsigned char>(name[j])) ||
                               ((name[j] == '-' || name[j] == '_' || name[j] == ':' || name[j] == 'T') &&
                                j + 1 < name.size() && std::isdigit(static_cast<unsigned char>(name[j + 1]))))) {
      separated = separated || !std::isdigit(static_cast<unsigned char>(name[j]));
      ++j;
    }
    if (loose || separated || j - i >= 4)
      out.push_back('*');
    else
      out.append(name, i, j - i);
    i = j;
  }
  if (compressed && !out.ends_with("*")) out.push_back('*');
  fs::path parent = p.parent_path();
  return parent.empty() ? out : (parent / out).string();
}

bool matches(const std::string& glob, const std::string& relative) {
  return ::fnmatch(glob.c_str(), relative.c_str(), FNM_PATHNAME) == 0;
}

// One JSON value as the text a column of it holds.
std::string as_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string json_type(const json& v) {
  if (v.is_string()) return "string";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "boolean";
  if (v.is_array()) return "array";
  return "null";
}

// Every leaf of a JSON object under its dotted path (nested objects are walked, arrays are leaves).
void leaves(const json& object, const std::string& prefix, int depth,
            const std::function<void(const std::string&, const json&)>& visit) {
  for (const auto& [key, value] : object.items()) {
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object() && depth < 4)
      leaves(value, path, depth + 1, visit);
    else
      visit(path, value);
  }
}

class FileCatalogue final : public CatalogueSource {
 public:
  FileCatalogue(std::string format, fs::path folder, std::vector<std::string> known)
      : m_format(std::move(format)), m_folder(std::move(folder)), m_known(std::move(known)) {}

  std::string type() const override { return m_format; }

  Status list() {
    std::error_code ec;
    if (!fs::is_directory(m_folder, ec))
      return fail(ErrorCode::not_found, m_format + " store folder " + m_folder.string() + " does not exist");
    std::map<std::string, std::vector<std::pair<std::string, fs::path>>> loose;  // loose glob -> files
    fs::recursive_directory_iterator it(m_folder, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) return fail(ErrorCode::unavailable, "cannot list " + m_folder.string() + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return fail(ErrorCode::unavailable, "cannot list " + m_folder.string() + ": " + ec.message());
      std::string name = it->path().filename().string();
      if (name.starts_with('.')) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_directory(ec)) {
        if (it.depth() + 1 >= k_max_depth) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec)) continue;
      std::string relative = fs::relative(it->path(), m_folder, ec).generic_string();
      std::string family;
      // A file the map already covers belongs to that collection, whatever its format.
      for (const auto& glob : m_known)
        if (family.empty() && matches(glob, relative)) family = glob;
      if (!family.empty())
        m_families[family].push_back(it->path());
      else if (of_format(m_format, name))
        loose[family_glob(relative, true)].push_back({relative, it->path()});
    }
    // A log and its numbered rotations are one family (auth.log with auth.log*).
    for (auto plain = loose.begin(); plain != loose.end();) {
      auto rotated = loose.find(plain->first + "*");
      if (plain->first.find('*') != std::string::npos || rotated == loose.end()) {
        ++plain;
        continue;
      }
      rotated->second.insert(rotated->second.end(), plain->second.begin(), plain->second.end());
      plain = loose.erase(plain);
    }
    // Several files that differ only in numbers are one family; a lone file keeps its name's
    // short numbers.
    for (auto& [glob, files] : loose)
      for (auto& [relative, path] : files)
        m_families[files.size() > 1 ? glob : family_glob(relative, false)].push_back(path);
    for (auto& [glob, files] : m_families) std::sort(files.begin(), files.end());
    return {};
  }

  Result<std::vector<std::string>> tables() override {
    std::vector<std::string> out;
    for (const auto& [glob, files] : m_families) out.push_back(glob);
    return out;
  }

  Result<std::vector<CatalogueColumn>> columns(const std::string& table) override {
    if (m_format == "textlog") return std::vector<CatalogueColumn>{{"line", "text", false}};
    std::vector<CatalogueColumn> out;
    std::set<std::string> seen;
    auto add = [&](const std::string& name, const std::string& type) {
      if (out.size() < k_max_keys && seen.insert(name).second) out.push_back({name, type, false});
    };
    for (const auto& file : files_of(table)) {
      std::size_t read = 0;
      auto ok = for_each_line(file, [&](std::string_view line, std::size_t) -> Status {
        if (m_format == "csv") {
          for (const auto& h : split_csv_line(line)) add(h, "text");
          return stop_reading();
        }
        json object = json::parse(line, nullptr, false);
        if (object.is_object()) leaves(object, "", 0, [&](const std::string& k, const json& v) { add(k, json_type(v)); });
        return ++read < 200 ? Status{} : stop_reading();
      });
      if (!ok && !stopped(ok)) return propagate(ok.error());
    }
    return out;
  }

  Result<std::vector<CatalogueForeignKey>> foreign_keys(const std::string&) override {
    return std::vector<CatalogueForeignKey>{};
  }

  // Lines (minus a CSV's headers): counted while the family is small, estimated from the
  // first file's line length beyond that (a compressed file's size counts as it is stored).
  Result<std::int64_t> rows(const std::string& table) override {
    const auto& files = files_of(table);
    std::uintmax_t bytes = 0;
    std::error_code ec;
    for (const auto& f : files) bytes += fs::file_size(f, ec);
    std::int64_t lines = 0;
    std::uintmax_t seen_bytes = 0;
    bool estimate = bytes > k_count_below;
    for (const auto& f : files) {
      auto ok = for_each_line(f, [&](std::string_view line, std::size_t) -> Status {
        ++lines;
        seen_bytes += line.size() + 1;
        return estimate && lines >= 10000 ? stop_reading() : Status{};
      });
      if (!ok && !stopped(ok)) return propagate(ok.error());
      if (m_format == "csv" && !estimate && lines > 0) --lines;  // the header
      if (estimate) break;
    }
    if (estimate && seen_bytes > 0)
      lines = static_cast<std::int64_t>(static_cast<double>(bytes) * static_cast<double>(lines) / static_cast<double>(seen_bytes));
    return lines;
  }

  // Up to `limit` lines, spread over the family's files (each gives its share, the first ones
  // what the others could not): rotations and dated copies all speak.
  Status sample(const std::string& table, const std::vector<CatalogueColumn>& columns, std::size_t limit,
                const std::function<void(const SampledRow&)>& visit) override {
    const auto& files = files_of(table);
    if (files.empty()) return {};
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < columns.size(); ++i) index[columns[i].name] = i;
    std::size_t taken = 0;
    for (std::size_t f = 0; f < files.size() && taken < limit; ++f) {
      std::size_t share = std::max<std::size_t>(1, (limit - taken) / (files.size() - f));
      std::size_t from_this = 0;
      std::vector<std::string> header;
      auto ok = for_each_line(files[f], [&](std::string_view line, std::size_t number) -> Status {
        if (m_format == "csv" && number == 1) {
          header = split_csv_line(line);
          return {};
        }
        SampledRow row(columns.size());
        if (m_format == "textlog") {
          row[0] = std::string(line);
        } else if (m_format == "csv") {
          auto cells = split_csv_line(line);
          for (std::size_t i = 0; i < cells.size() && i < header.size(); ++i)
            if (auto at = index.find(header[i]); at != index.end() && !cells[i].empty()) row[at->second] = cells[i];
        } else {
          json object = json::parse(line, nullptr, false);
          if (!object.is_object()) return {};
          leaves(object, "", 0, [&](const std::string& k, const json& v) {
            if (auto at = index.find(k); at != index.end() && !v.is_null()) row[at->second] = as_text(v);
          });
        }
        visit(row);
        ++taken;
        return ++from_this < share && taken < limit ? Status{} : stop_reading();
      });
      if (!ok && !stopped(ok)) return propagate(ok.error());
    }
    return {};
  }

 private:
  const std::vector<fs::path>& files_of(const std::string& table) {
    static const std::vector<fs::path> none;
    auto it = m_families.find(table);
    return it == m_families.end() ? none : it->second;
  }

  std::string m_format;
  fs::path m_folder;
  std::vector<std::string> m_known;
  std::map<std::string, std::vector<fs::path>> m_families;  // glob -> files, by name
};

}  // namespace

bool is_file_store(std::string_view store) {
  return store.starts_with("jsonl:") || store.starts_with("csv:") || store.starts_with("textlog:");
}

Result<std::unique_ptr<CatalogueSource>> open_file_catalogue(const std::string& store,
                                                             const std::vector<std::string>& known_sources) {
  auto colon = store.find(':');
  std::string format = store.substr(0, colon);
  std::string folder = colon == std::string::npos ? "" : store.substr(colon + 1);
  if (folder.empty()) return invalid("a file store is jsonl:FOLDER, csv:FOLDER or textlog:FOLDER");
  auto source = std::make_unique<FileCatalogue>(format, folder, known_sources);
  if (auto ok = source->list(); !ok) return propagate(ok.error());
  return std::unique_ptr<CatalogueSource>(std::move(source));
}

}  // namespace maestro
