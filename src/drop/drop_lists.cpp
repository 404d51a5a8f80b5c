#include "drop/drop_lists.hpp"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <regex>
#include <set>

#include "common/text.hpp"
#include "connectors/file_connectors.hpp"

namespace maestro {

namespace {

// One CSV line's cells (the file connectors' RFC 4180 splitting), surrounding blanks trimmed.
std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells = split_csv_line(line);
  for (auto& cell : cells) {
    while (!cell.empty() && std::isspace(static_cast<unsigned char>(cell.back()))) cell.pop_back();
    while (!cell.empty() && std::isspace(static_cast<unsigned char>(cell.front()))) cell.erase(cell.begin());
  }
  return cells;
}

Result<std::string> read_entry(zip_t* archive, zip_uint64_t index, const std::string& where) {
  zip_stat_t stat;
  if (zip_stat_index(archive, index, 0, &stat) != 0) return invalid(where + ": cannot read it from the ZIP");
  std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(zip_fopen_index(archive, index, 0), &zip_fclose);
  if (!file) return invalid(where + ": cannot open it in the ZIP (" + zip_strerror(archive) + ")");
  std::string content(stat.size, '\0');
  zip_int64_t n = zip_fread(file.get(), content.data(), stat.size);
  if (n < 0 || static_cast<zip_uint64_t>(n) != stat.size) return invalid(where + ": the ZIP entry is damaged");
  return content;
}

struct ParsedFile {
  DropListFile file;
  std::vector<std::pair<std::string, std::string>> rows;  // id, hash ("" when the file has none)
};

Result<ParsedFile> parse_list_file(const std::string& where, const std::string& name, const std::string& content,
                                   const DropRules& rules) {
  static const std::regex pattern(R"(^(\d{8})_([A-Za-z0-9-]+)_([A-Za-z]+)(_[^/]*)?\.csv$)");
  std::smatch m;
  std::string base = std::filesystem::path(name).filename().string();
  if (!std::regex_match(base, m, pattern))
    return invalid(where + ": not a DROP list file name (<YYYYMMDD>_<DataBrokerId>_<DataType>[_<Suffix>].csv)");
  ParsedFile out;
  out.file = {base, m[1].str(), m[2].str(), m[3].str(), 0};
  bool removed = ascii_lower(out.file.list) == ascii_lower(rules.removed_list());
  if (!removed && !rules.kinds_of(out.file.list))
    return invalid(where + ": unknown list type '" + out.file.list + "' (the DROP rules know the lists of data/drop/rules.yaml)");
  if (removed) out.file.list = rules.removed_list();

  std::size_t line_number = 0, id_column = std::string::npos, hash_column = std::string::npos;
  std::size_t start = 0;
  if (content.starts_with("\xEF\xBB\xBF")) start = 3;  // a byte order mark
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = csv_cells(line);
    std::string row = where + " row " + std::to_string(line_number);
    if (id_column == std::string::npos) {  // the header
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (ascii_lower(cells[i]) == "id") id_column = i;
        if (ascii_lower(cells[i]) == "hash") hash_column = i;
      }
      if (id_column == std::string::npos || (!removed && hash_column == std::string::npos))
        return invalid(row + ": the header needs the columns ID and Hash");
      continue;
    }
    std::size_t needed = std::max(id_column, hash_column == std::string::npos ? 0 : hash_column) + 1;
    if (cells.size() < needed) return invalid(row + ": has " + std::to_string(cells.size()) + " cells, the header " + std::to_string(needed));
    std::string id = cells[id_column];
    std::string hash = hash_column == std::string::npos ? "" : cells[hash_column];
    if (id.empty()) return invalid(row + ": the work item ID is empty");
    if (!std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; }))
      return invalid(row + ": the work item ID holds characters other than letters, digits, '-', '_' and '.'");
    if (!removed || !hash.empty()) {
      if (!is_drop_hash(hash)) return invalid(row + ": the hash is not 44 Base64 characters of a SHA-256");
    }
    out.rows.emplace_back(std::move(id), std::move(hash));
  }
  if (id_column == std::string::npos) return invalid(where + ": the file is empty (a list without work has a header)");
  out.file.rows = out.rows.size();
  return out;
}

}  // namespace

Result<DropDownload> read_drop_download(const std::filesystem::path& path, const DropRules& rules) {
  int code = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(path.c_str(), ZIP_RDONLY, &code), &zip_discard);
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string message = zip_error_strerror(&error);
    zip_error_fini(&error);
    return invalid(path.string() + ": not a readable ZIP (" + message + ")");
  }
  DropDownload out;
  std::set<std::string> ids;
  zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    const char* raw_name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
    std::string name = raw_name ? raw_name : "";
    if (name.empty() || name.back() == '/') continue;  // folders
    std::string where = path.filename().string() + ": " + name;
    auto content = read_entry(archive.get(), static_cast<zip_uint64_t>(i), where);
    if (!content) return propagate(content.error());
    auto parsed = parse_list_file(where, name, *content, rules);
    if (!parsed) return propagate(parsed.error());
    bool removed = parsed->file.list == rules.removed_list();
    for (std::size_t r = 0; r < parsed->rows.size(); ++r) {
      auto& [id, hash] = parsed->rows[r];
      if (removed) {
        out.removed_ids.push_back(id);
        if (!hash.empty()) out.removed_hashes.push_back(hash);
        continue;
      }
      if (!ids.insert(id).second) return invalid(where + ": work item ID " + id + " appears twice in the download");
      out.items.push_back({id, parsed->file.list, hash, parsed->file.name});
    }
    out.files.push_back(parsed->file);
  }
  if (out.files.empty()) return invalid(path.string() + ": the ZIP holds no DROP list file");
  return out;
}

Status write_drop_status_file(const std::filesystem::path& file, const DropRules& rules,
                              const std::vector<DropStatusRow>& rows) {
  std::filesystem::path partial = file;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return invalid("cannot write " + partial.string());
    out << rules.response_columns()[0] << ',' << rules.response_columns()[1] << "\r\n";
    for (const auto& row : rows) out << row.id << ',' << row.code << "\r\n";
    out.flush();
    if (!out) return fail(ErrorCode::unavailable, "cannot write " + partial.string());
  }
  std::error_code ec;
  std::filesystem::rename(partial, file, ec);
  if (ec) return fail(ErrorCode::unavailable, "cannot write " + file.string() + ": " + ec.message());
  return {};
}

}  // namespace maestro
