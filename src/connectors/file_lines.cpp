#include "connectors/file_lines.hpp"

#include <glob.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>

namespace maestro {

namespace fs = std::filesystem;

Result<std::vector<fs::path>> collection_files(const StoreSpec& store, const Collection& collection) {
  auto base = store.settings.find("path");
  if (base == store.settings.end()) return invalid("a " + store.type + " store needs a 'path' (a folder)");
  std::error_code ec;
  if (!fs::is_directory(base->second, ec)) {
    return fail(ErrorCode::unavailable, store.type + " store folder " + base->second + " does not exist");
  }
  std::string pattern = (fs::path(base->second) / collection.source).string();
  glob_t matches{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<fs::path> files;
  if (rc == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
  }
  ::globfree(&matches);
  if (rc != 0 && rc != GLOB_NOMATCH) return fail(ErrorCode::unavailable, "cannot list " + pattern);
  std::sort(files.begin(), files.end());
  return files;
}

Status for_each_line(const fs::path& file, const std::function<Status(std::string_view, std::size_t)>& visit) {
  gzFile in = gzopen(file.c_str(), "rb");  // reads plain files as they are
  if (!in) return fail(ErrorCode::unavailable, "cannot read " + file.string());
  gzbuffer(in, 1 << 16);
  std::string line;
  char chunk[8192];
  std::size_t number = 0;
  Status result;
  while (result) {
    char* got = gzgets(in, chunk, sizeof chunk);
    if (!got) break;
    line += chunk;
    if (line.empty() || line.back() != '\n') {
      if (!gzeof(in)) continue;  // a line longer than the chunk: keep reading it
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    result = visit(line, ++number);
    line.clear();
  }
  int error = 0;
  const char* message = gzerror(in, &error);
  if (result && error != Z_OK && error != Z_STREAM_END) {
    result = fail(ErrorCode::unavailable, "cannot read " + file.string() + ": " + message);
  }
  gzclose(in);
  return result;
}

bool contains_token(std::string_view text, std::string_view value) {
  if (value.empty()) return false;
  auto is_word = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
  };
  for (std::size_t pos = text.find(value); pos != std::string_view::npos; pos = text.find(value, pos + 1)) {
    bool left_ok = pos == 0 || !is_word(text[pos - 1]);
    std::size_t end = pos + value.size();
    // A trailing full stop ends a sentence, not a token ("from 10.0.0.1.").
    bool right_ok = end == text.size() || !is_word(text[end]) ||
                    (text[end] == '.' && (end + 1 == text.size() || !is_word(text[end + 1])));
    if (left_ok && right_ok) return true;
  }
  return false;
}

}  // namespace maestro
