#include "connectors/file_connectors.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include "connectors/file_lines.hpp"

namespace maestro {

namespace {

using nlohmann::json;

Value from_json(const json& v) {
  if (v.is_null()) return {};
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  return v.dump();  // booleans, objects and arrays as JSON text
}

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

// Streams the lines of every file of a collection to `match`, which turns a line into a record
// when it belongs to the request.
class FileConnector : public Connector {
 public:
  using Matcher =
      std::function<std::optional<Record>(std::string_view line, const std::string& field,
                                          const std::set<std::string>& values, std::vector<std::string>& header)>;
  FileConnector(StoreSpec store, Matcher match) : m_store(std::move(store)), m_match(std::move(match)) {}

  Status find(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
              const RecordVisitor& visit) override {
    auto files = collection_files(m_store, collection);
    if (!files) return propagate(files.error());
    std::set<std::string> wanted(values.begin(), values.end());
    for (const auto& file : *files) {
      std::vector<std::string> header;
      Status read = for_each_line(file, [&](std::string_view line, std::size_t number) -> Status {
        auto record = m_match(line, field, wanted, header);
        if (!record) return {};
        record->columns.emplace_back("_file", file.filename().string());
        record->columns.emplace_back("_line", static_cast<std::int64_t>(number));
        return visit(*record);
      });
      if (!read) return read;
    }
    return {};
  }

 private:
  StoreSpec m_store;
  Matcher m_match;
};

std::optional<Record> match_jsonl(std::string_view line, const std::string& field, const std::set<std::string>& values,
                                  std::vector<std::string>&) {
  if (line.empty()) return std::nullopt;
  json object = json::parse(line, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return std::nullopt;  // not a record: skipped
  auto value = json_path_text(object, field);
  if (!value || !values.contains(*value)) return std::nullopt;
  Record r;
  for (const auto& [key, v] : object.items()) r.columns.emplace_back(key, from_json(v));
  return r;
}

std::optional<Record> match_csv(std::string_view line, const std::string& field, const std::set<std::string>& values,
                                std::vector<std::string>& header) {
  if (header.empty()) {
    header = split_csv_line(line);
    return std::nullopt;
  }
  auto column = std::find(header.begin(), header.end(), field);
  if (column == header.end()) return std::nullopt;
  std::vector<std::string> cells = split_csv_line(line);
  auto index = static_cast<std::size_t>(column - header.begin());
  if (index >= cells.size() || !values.contains(cells[index])) return std::nullopt;
  Record r;
  for (std::size_t i = 0; i < header.size(); ++i) {
    r.columns.emplace_back(header[i], i < cells.size() ? Value(cells[i]) : Value());
  }
  return r;
}

std::optional<Record> match_textlog(std::string_view line, const std::string&, const std::set<std::string>& values,
                                    std::vector<std::string>&) {
  for (const auto& v : values) {
    if (contains_token(line, v)) return Record{{{"line", std::string(line)}}};
  }
  return std::nullopt;
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

Result<std::unique_ptr<Connector>> open_jsonl_connector(const StoreSpec& store) {
  return std::unique_ptr<Connector>(std::make_unique<FileConnector>(store, match_jsonl));
}
Result<std::unique_ptr<Connector>> open_csv_connector(const StoreSpec& store) {
  return std::unique_ptr<Connector>(std::make_unique<FileConnector>(store, match_csv));
}
Result<std::unique_ptr<Connector>> open_textlog_connector(const StoreSpec& store) {
  return std::unique_ptr<Connector>(std::make_unique<FileConnector>(store, match_textlog));
}

}  // namespace maestro
