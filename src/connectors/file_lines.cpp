#include "connectors/file_lines.hpp"

#include <glob.h>
#include <zlib.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>

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

namespace {

bool is_gzip(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[2] = {0, 0};
  in.read(magic, 2);
  return in.gcount() == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
         static_cast<unsigned char>(magic[1]) == 0x8b;
}

// Writes a plain or gzip file and makes it durable before it is renamed into place.
class DurableWriter {
 public:
  DurableWriter(const fs::path& path, bool gzip) : m_path(path) {
    if (gzip) {
      m_gz = gzopen(path.c_str(), "wb");
      if (m_gz) gzbuffer(m_gz, 1 << 20);
    } else {
      m_plain = std::fopen(path.c_str(), "wb");
      // A 500 MB log in 4 KiB writes is 128,000 system calls; in 1 MiB, 500.
      if (m_plain) std::setvbuf(m_plain, nullptr, _IOFBF, 1 << 20);
    }
  }
  ~DurableWriter() {
    if (m_gz) gzclose(m_gz);
    if (m_plain) std::fclose(m_plain);
  }
  bool ok() const { return m_gz || m_plain; }
  bool write(std::string_view data) {
    if (data.empty()) return true;
    if (m_gz) return gzwrite(m_gz, data.data(), static_cast<unsigned>(data.size())) == static_cast<int>(data.size());
    return std::fwrite(data.data(), 1, data.size(), m_plain) == data.size();
  }
  // Closes the file and fsyncs it.
  bool finish() {
    bool closed = m_gz ? gzclose(m_gz) == Z_OK : std::fclose(m_plain) == 0;
    m_gz = nullptr;
    m_plain = nullptr;
    if (!closed) return false;
    int fd = ::open(m_path.c_str(), O_RDONLY);
    if (fd < 0) return false;
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced;
  }

 private:
  fs::path m_path;
  gzFile m_gz = nullptr;
  std::FILE* m_plain = nullptr;
};

void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Several erasures may rewrite one file at once (worker threads, worker processes, machines
// sharing the folder): each holds the file's lock from reading it to replacing it, or one would
// put back the lines the other removed. The lock is a hidden file beside it (".NAME.maestro-lock",
// which no collection's pattern matches), since the file itself is replaced by another inode.
class RewriteLock {
 public:
  explicit RewriteLock(const fs::path& file)
      : m_fd(::open((file.parent_path() / ("." + file.filename().string() + ".maestro-lock")).c_str(),
                    O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (m_fd >= 0 && ::flock(m_fd, LOCK_EX) != 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  ~RewriteLock() {
    if (m_fd >= 0) ::close(m_fd);  // closing releases the lock
  }
  RewriteLock(const RewriteLock&) = delete;
  RewriteLock& operator=(const RewriteLock&) = delete;
  bool held() const { return m_fd >= 0; }

 private:
  int m_fd;
};

}  // namespace

Result<RewriteCounts> rewrite_lines(const fs::path& file,
                                    const std::function<std::optional<std::string>(const std::string&)>& transform) {
  RewriteLock lock(file);
  if (!lock.held()) return fail(ErrorCode::unavailable, "cannot lock " + file.string() + " to rewrite it");
  gzFile in = gzopen(file.c_str(), "rb");
  if (!in) return fail(ErrorCode::unavailable, "cannot read " + file.string());
  bool gzip = is_gzip(file);
  fs::path temporary = file.string() + ".maestro-tmp";
  auto writer = std::make_unique<DurableWriter>(temporary, gzip);
  if (!writer->ok()) {
    gzclose(in);
    return fail(ErrorCode::unavailable, "cannot write beside " + file.string());
  }
  RewriteCounts counts;
  bool written = true;
  std::string pending;  // bytes read but not yet split into lines
  char chunk[1 << 16];
  auto emit_line = [&](std::string_view raw, bool last) {
    // raw holds the line with its ending; split off "\n" or "\r\n" so the ending survives.
    std::string_view ending;
    if (!raw.empty() && raw.back() == '\n') {
      ending = raw.size() >= 2 && raw[raw.size() - 2] == '\r' ? raw.substr(raw.size() - 2) : raw.substr(raw.size() - 1);
    }
    std::string content(raw.substr(0, raw.size() - ending.size()));
    (void)last;
    std::optional<std::string> next = transform(content);
    if (!next) {
      ++counts.dropped;
      return;
    }
    if (*next != content) ++counts.changed;
    written = written && writer->write(*next) && writer->write(ending);
  };
  int got;
  while ((got = gzread(in, chunk, sizeof chunk)) > 0) {
    pending.append(chunk, static_cast<std::size_t>(got));
    std::size_t start = 0;
    for (std::size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      emit_line(std::string_view(pending).substr(start, nl + 1 - start), false);
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  int error = 0;
  const char* message = gzerror(in, &error);
  std::string read_error = got < 0 ? message : "";
  gzclose(in);
  if (!pending.empty()) emit_line(pending, true);
  bool finished = written && writer->finish();
  writer.reset();
  std::error_code ec;
  if (!read_error.empty() || !finished) {
    fs::remove(temporary, ec);
    return fail(ErrorCode::unavailable,
                "cannot rewrite " + file.string() + (read_error.empty() ? "" : ": " + read_error));
  }
  if (counts.dropped == 0 && counts.changed == 0) {
    fs::remove(temporary, ec);  // nothing of the subject's here: the file stays untouched
    return counts;
  }
  fs::permissions(temporary, fs::status(file, ec).permissions(), ec);
  fs::rename(temporary, file, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return fail(ErrorCode::unavailable, "cannot replace " + file.string() + ": " + ec.message());
  }
  sync_directory(file.parent_path());
  return counts;
}

}  // namespace maestro
