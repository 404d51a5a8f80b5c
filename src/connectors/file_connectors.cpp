#include "connectors/file_connectors.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "common/fault.hpp"

#include "connectors/file_lines.hpp"
#include "connectors/value_json.hpp"
#include "scan/line_scanner.hpp"
#include "scan/token_matcher.hpp"

namespace maestro {

namespace {

using nlohmann::json;


// The text of a (possibly dotted) path in a JSON object, as a request value would be written.
std::optional<std::string> json_path_text(const json& object, const std::string& path) {
  const json* current = &object;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!current->is_object() || !current->contains(key)) return std::nullopt;
    current = &(*current)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (current->is_string()) return current->get<std::string>();
  if (current->is_null()) return std::nullopt;
  return current->dump();
}

// The changes for one collection, indexed by key field and key for a fast look-up per line.
struct LineChanges {
  std::map<std::string, std::map<std::string, std::vector<const RowChange*>>> by_key;

  explicit LineChanges(const std::vector<RowChange>& rows) {
    for (const auto& r : rows) by_key[r.key_field][r.key].push_back(&r);
  }
};

// Turns one line into its erased form (nullopt: drop the line). `header` is the CSV header
// once read.
using LineEraser = std::function<std::optional<std::string>(const std::string& line, const LineChanges& changes,
                                                            std::vector<std::string>& header)>;

// How a file format shows its values in the raw text of a line.
struct RawForm {
  // A line holding one of these bytes may show a value otherwise than as it is (a JSON escape,
  // a quoted CSV cell): it is always parsed. Every other line is parsed only when it holds a
  // wanted value as a whole token.
  std::string escape_bytes;
  bool header = false;                 // line 1 of each file names the columns (CSV)
  bool numbers_are_rewritten = false;  // the parser writes numbers its own way (JSON 1e2)
  bool line_is_the_record = false;     // a text log: a line holding a wanted value is the record
};

// Streams the lines of every file of a collection to `match`, which turns a line into a record
// when it belongs to the request; rewrites them through `erase`. A search for values reads each
// file once with scan/ (blocks searched on several threads for all wanted values at once): only
// the lines that may match are parsed.
class FileConnector : public Connector {
 public:
  using Matcher =
      std::function<std::optional<Record>(std::string_view line, const std::string& field,
                                          const std::set<std::string>& values, std::vector<std::string>& header)>;
  FileConnector(StoreSpec store, std::unique_ptr<FileShelf> shelf, Matcher match, LineEraser erase, AccessMode mode,
                RawForm raw, std::size_t threads)
      : m_store(std::move(store)),
        m_shelf(std::move(shelf)),
        m_match(std::move(match)),
        m_erase(std::move(erase)),
        m_mode(mode),
        m_raw(std::move(raw)),
        m_threads(threads) {}

  Status scan(const Collection& collection, const RecordVisitor& visit) override {
    return find(collection, "", {}, visit);
  }

  Result<ApplyCounts> apply(const std::vector<CollectionChanges>& changes) override {
    if (m_mode != AccessMode::read_write) return fail(ErrorCode::internal, "file store opened read-only");
    ApplyCounts counts;
    for (const auto& change : changes) {
      auto files = m_shelf->items(*change.collection);
      if (!files) return propagate(files.error());
      LineChanges index(change.rows);
      // A line whose raw text holds no key of a change stays as it is: only the others are parsed.
      std::vector<std::string> keys;
      for (const auto& row : change.rows) keys.push_back(row.key);
      bool skip_unkeyed = prefilter_safe(keys) &&
                          std::none_of(keys.begin(), keys.end(), [](const std::string& k) { return k.empty(); });
      TokenMatcher key_tokens(keys);
      if (skip_unkeyed) {
        files = m_shelf->narrow(*change.collection, std::move(*files), keys, false, m_raw.escape_bytes);
        if (!files) return propagate(files.error());
      }
      for (const auto& file : *files) {
        std::vector<std::string> header;
        auto rewritten = m_shelf->rewrite(file, [&](const std::string& line) -> std::optional<std::string> {
          bool needs_parsing =
              (m_raw.header && header.empty()) || line.find_first_of(m_raw.escape_bytes) != std::string::npos;
          if (skip_unkeyed && !needs_parsing && !key_tokens.matches(line)) return line;
          return m_erase(line, index, header);
        });
        if (!rewritten) return propagate(rewritten.error());
        counts.rows_deleted += rewritten->dropped;
        counts.rows_changed += rewritten->changed;
        if (rewritten->dropped + rewritten->changed > 0) crash_point();
      }
    }
    return counts;
  }

  Status find(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
              const RecordVisitor& visit) override {
    auto files = m_shelf->items(collection);
    if (!files) return propagate(files.error());
    std::set<std::string> wanted(values.begin(), values.end());
    bool search = !values.empty() && prefilter_safe(values);
    std::optional<TokenMatcher> tokens;
    if (search) {
      tokens.emplace(values, m_store.matches_by_kind() ? TokenForms::by_kind : TokenForms::exact);
      files = m_shelf->narrow(collection, std::move(*files), values, m_store.matches_by_kind(), m_raw.escape_bytes);
      if (!files) return propagate(files.error());
    }
    LineScanOptions options{.threads = m_threads, .first_line = m_raw.header, .always_bytes = m_raw.escape_bytes};
    for (const auto& file : *files) {
      m_traffic.bytes_read += file.size;
      std::vector<std::string> header;
      auto each_line = [&](std::string_view line, std::size_t number) -> Status {
        std::optional<Record> record;
        if (search && m_raw.line_is_the_record) {
          record = Record{{{"line", std::string(line)}}};
        } else {
          record =
              field.empty() && values.empty() ? m_match(line, "", {}, header) : m_match(line, field, wanted, header);
        }
        if (!record) return {};
        record->columns.emplace_back("_file", file.name);
        record->columns.emplace_back("_line", static_cast<std::int64_t>(number));
        return visit(*record);
      };
      Status read = m_shelf->read(file, [&](const std::filesystem::path& local) {
        return search ? scan_matching_lines(local, *tokens, options, each_line) : for_each_line(local, each_line);
      });
      if (!read) return read;
    }
    return {};
  }

 private:
  // Values whose raw form might differ from the parsed one are looked for by parsing every line:
  // JSON objects and arrays (spacing), and, where the parser rewrites numbers (JSON 1e2), numbers.
  bool prefilter_safe(const std::vector<std::string>& values) const {
    return std::none_of(values.begin(), values.end(), [&](const std::string& v) {
      if (v.find_first_of("{[") != std::string::npos) return true;
      return m_raw.numbers_are_rewritten && v.find_first_not_of("0123456789.-+eE") == std::string::npos;
    });
  }

  StoreSpec m_store;
  std::unique_ptr<FileShelf> m_shelf;
  Matcher m_match;
  LineEraser m_erase;
  AccessMode m_mode;
  RawForm m_raw;
  std::size_t m_threads;
};

std::optional<Record> match_jsonl(std::string_view line, const std::string& field, const std::set<std::string>& values,
                                  std::vector<std::string>&) {
  if (line.empty()) return std::nullopt;
  json object = json::parse(line, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return std::nullopt;  // not a record: skipped
  if (!field.empty()) {
    auto value = json_path_text(object, field);
    if (!value || !values.contains(*value)) return std::nullopt;
  }
  Record r;
  for (const auto& [key, v] : object.items()) r.columns.emplace_back(key, value_from_json(v));
  return r;
}

std::optional<Record> match_csv(std::string_view line, const std::string& field, const std::set<std::string>& values,
                                std::vector<std::string>& header) {
  if (header.empty()) {
    header = split_csv_line(line);
    return std::nullopt;
  }
  std::vector<std::string> cells = split_csv_line(line);
  if (!field.empty()) {
    auto column = std::find(header.begin(), header.end(), field);
    if (column == header.end()) return std::nullopt;
    auto index = static_cast<std::size_t>(column - header.begin());
    if (index >= cells.size() || !values.contains(cells[index])) return std::nullopt;
  }
  Record r;
  for (std::size_t i = 0; i < header.size(); ++i) {
    r.columns.emplace_back(header[i], i < cells.size() ? Value(cells[i]) : Value());
  }
  return r;
}

std::optional<Record> match_textlog(std::string_view line, const std::string& field,
                                    const std::set<std::string>& values, std::vector<std::string>&) {
  if (field.empty() && values.empty()) return Record{{{"line", std::string(line)}}};
  for (const auto& v : values) {
    if (contains_token(line, v)) return Record{{{"line", std::string(line)}}};
  }
  return std::nullopt;
}


// The JSON value at a dotted path, created on the way if missing only when `create`.
json* json_at(json& object, const std::string& path) {
  json* current = &object;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!current->is_object() || !current->contains(key)) return nullptr;
    current = &(*current)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return current;
}

// Applies the matching row changes to a record given by `lookup` (the text of a field) and
// `assign` (sets a field). Returns false when the record is to be dropped.
template <typename Lookup, typename Assign>
bool erase_record(const LineChanges& changes, Lookup lookup, Assign assign, bool& changed) {
  for (const auto& [key_field, by_value] : changes.by_key) {
    auto key = lookup(key_field);
    if (!key) continue;
    auto rows = by_value.find(*key);
    if (rows == by_value.end()) continue;
    for (const RowChange* row : rows->second) {
      if (row->delete_row) return false;
      for (const auto& f : row->set) {
        auto current = lookup(f.field);
        // Only a cell that still holds the original changes: a second run changes nothing.
        if (current && *current == value_text(f.from) && !std::holds_alternative<std::monostate>(f.from)) {
          assign(f.field, f.to);
          changed = true;
        }
      }
    }
  }
  return true;
}

std::optional<std::string> erase_jsonl(const std::string& line, const LineChanges& changes, std::vector<std::string>&) {
  if (line.empty()) return line;
  nlohmann::ordered_json object = nlohmann::ordered_json::parse(line, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return line;  // not a record: kept as it is
  json plain = json::parse(line);
  bool changed = false;
  bool keep = erase_record(
      changes, [&](const std::string& field) { return json_path_text(plain, field); },
      [&](const std::string& field, const Value& to) {
        // Walk the ordered document so that keys keep their order.
        nlohmann::ordered_json* current = &object;
        std::size_t start = 0;
        while (true) {
          std::size_t dot = field.find('.', start);
          std::string key = field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
          if (!current->is_object() || !current->contains(key)) return;
          current = &(*current)[key];
          if (dot == std::string::npos) break;
          start = dot + 1;
        }
        *current = value_to_json(to);
        if (json* p = json_at(plain, field)) *p = value_to_json(to);
      },
      changed);
  if (!keep) return std::nullopt;
  return changed ? object.dump() : line;
}

std::string csv_cell(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::optional<std::string> erase_csv(const std::string& line, const LineChanges& changes,
                                     std::vector<std::string>& header) {
  if (header.empty()) {
    header = split_csv_line(line);
    return line;
  }
  std::vector<std::string> cells = split_csv_line(line);
  auto column = [&](const std::string& field) -> std::optional<std::size_t> {
    auto it = std::find(header.begin(), header.end(), field);
    if (it == header.end() || static_cast<std::size_t>(it - header.begin()) >= cells.size()) return std::nullopt;
    return static_cast<std::size_t>(it - header.begin());
  };
  bool changed = false;
  bool keep = erase_record(
      changes,
      [&](const std::string& field) -> std::optional<std::string> {
        auto i = column(field);
        if (!i) return std::nullopt;
        return cells[*i];
      },
      [&](const std::string& field, const Value& to) {
        if (auto i = column(field)) cells[*i] = value_text(to);
      },
      changed);
  if (!keep) return std::nullopt;
  if (!changed) return line;
  std::string out;
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
  return out;
}

std::optional<std::string> erase_textlog(const std::string& line, const LineChanges& changes,
                                         std::vector<std::string>&) {
  std::string out = line;
  for (const auto& [key_field, by_value] : changes.by_key) {
    for (const auto& [token, rows] : by_value) {
      if (!contains_token(out, token)) continue;
      for (const RowChange* row : rows) {
        if (row->delete_row) return std::nullopt;
        for (const auto& f : row->set) out = replace_token(out, value_text(f.from), value_text(f.to));
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

namespace {

// The files of a folder on this machine.
class FolderShelf final : public FileShelf {
 public:
  explicit FolderShelf(StoreSpec store) : m_store(std::move(store)) {}

  Result<std::vector<Item>> items(const Collection& collection) override {
    auto files = collection_files(m_store, collection);
    if (!files) return propagate(files.error());
    std::vector<Item> out;
    for (const auto& file : *files) {
      std::error_code size_error;
      auto size = std::filesystem::file_size(file, size_error);
      out.push_back({.name = file.filename().string(), .size = size_error ? 0 : size, .path = file});
    }
    return out;
  }
  Status read(const Item& item, const std::function<Status(const std::filesystem::path&)>& use) override {
    return use(item.path);
  }
  Result<RewriteCounts> rewrite(const Item& item, const LineTransform& transform) override {
    return rewrite_lines(item.path, transform);
  }

 private:
  StoreSpec m_store;
};

}  // namespace

Result<std::unique_ptr<Connector>> open_line_connector(std::string_view format, const StoreSpec& store,
                                                       AccessMode mode, std::unique_ptr<FileShelf> shelf) {
  auto setting = store.settings.find("threads");
  auto threads = scan_threads_setting(setting == store.settings.end() ? nullptr : &setting->second);
  if (!threads) return propagate(threads.error());
  auto open = [&](FileConnector::Matcher match, LineEraser erase, RawForm raw) {
    return std::unique_ptr<Connector>(std::make_unique<FileConnector>(
        store, std::move(shelf), std::move(match), std::move(erase), mode, std::move(raw), *threads));
  };
  // A JSON line without a backslash shows its strings as they are (no escapes).
  if (format == "jsonl") return open(match_jsonl, erase_jsonl, {.escape_bytes = "\\", .numbers_are_rewritten = true});
  // A CSV row without quotes shows its cells as they are; the header row is always read.
  if (format == "csv") return open(match_csv, erase_csv, {.escape_bytes = "\"", .header = true});
  if (format == "textlog") return open(match_textlog, erase_textlog, {.line_is_the_record = true});
  return invalid("no file format '" + std::string(format) + "' (use jsonl, csv or textlog)");
}

Result<std::unique_ptr<Connector>> open_jsonl_connector(const StoreSpec& store, AccessMode mode) {
  return open_line_connector("jsonl", store, mode, std::make_unique<FolderShelf>(store));
}
Result<std::unique_ptr<Connector>> open_csv_connector(const StoreSpec& store, AccessMode mode) {
  return open_line_connector("csv", store, mode, std::make_unique<FolderShelf>(store));
}
Result<std::unique_ptr<Connector>> open_textlog_connector(const StoreSpec& store, AccessMode mode) {
  return open_line_connector("textlog", store, mode, std::make_unique<FolderShelf>(store));
}

}  // namespace maestro
