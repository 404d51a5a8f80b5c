#include "scan/line_scanner.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "scan/token_matcher.hpp"

namespace maestro {

namespace fs = std::filesystem;

namespace {

// Reads a file, plain or gzip, as blocks of whole lines.
class BlockReader {
 public:
  BlockReader(const fs::path& file, std::size_t block_bytes) : m_file(file), m_block_bytes(block_bytes) {}
  ~BlockReader() {
    if (m_gz) gzclose(m_gz);
    if (m_fd >= 0) ::close(m_fd);
  }
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  Status open() {
    m_fd = ::open(m_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) return fail(ErrorCode::unavailable, "cannot read " + m_file.string() + ": " + std::strerror(errno));
    unsigned char magic[2] = {0, 0};
    bool gzip = ::pread(m_fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gzip) {
      m_gz = gzdopen(m_fd, "rb");
      if (!m_gz) return fail(ErrorCode::unavailable, "cannot read " + m_file.string());
      m_fd = -1;  // gzclose closes it
      gzbuffer(m_gz, 1 << 17);
    }
    return {};
  }

  // The next block: whole lines, the last one of the file possibly without a line ending;
  // nullopt at the end of the file.
  Result<std::optional<std::string>> next() {
    std::string block = std::move(m_carry);
    m_carry.clear();
    bool at_end = false;
    while (!at_end) {
      while (block.size() < m_block_bytes && !at_end) {
        std::size_t old = block.size();
        long got = 0;
        // Not zero-filled first: the bytes are read straight into the block.
        block.resize_and_overwrite(old + std::max<std::size_t>(m_block_bytes - old, 1 << 16),
                                   [&](char* data, std::size_t size) {
                                     got = read_into(data + old, size - old);
                                     return old + static_cast<std::size_t>(std::max(got, 0L));
                                   });
        if (got < 0) return propagate(read_failure().error());
        at_end = got == 0;
      }
      if (at_end) break;
      std::size_t last_newline = block.rfind('\n');
      if (last_newline != std::string::npos) {
        m_carry.assign(block, last_newline + 1);
        block.resize(last_newline + 1);
        return std::optional<std::string>(std::move(block));
      }
      // One line longer than a block: read on until it ends.
      m_block_bytes *= 2;
    }
    if (block.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(block));
  }

 private:
  long read_into(char* out, std::size_t size) {
    if (m_gz) {
      int got = gzread(m_gz, out, static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30)));
      int error = Z_OK;
      gzerror(m_gz, &error);
      // A stream cut short ends without error from gzread, but with Z_BUF_ERROR from gzerror.
      if (got == 0 && error != Z_OK && error != Z_STREAM_END) return -1;
      return got;
    }
    for (;;) {
      ssize_t got = ::read(m_fd, out, size);
      if (got >= 0 || errno != EINTR) return got;
    }
  }
  Status read_failure() {
    std::string reason = std::strerror(errno);
    if (m_gz) {
      int code = 0;
      reason = gzerror(m_gz, &code);
    }
    return fail(ErrorCode::unavailable, "cannot read " + m_file.string() + ": " + reason);
  }

  fs::path m_file;
  std::size_t m_block_bytes;
  int m_fd = -1;
  gzFile m_gz = nullptr;
  std::string m_carry;  // the start of a line that the next block begins with
};

// What one block gave: how many lines it holds and the lines handed over (0-based within it).
struct BlockHits {
  std::size_t lines = 0;
  std::vector<std::pair<std::size_t, std::string>> hits;
};

std::string_view without_line_ending(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// Eight bytes at a time, without a popcount instruction: a byte of `zero` is 1 exactly where the
// word's byte is a newline; the bytes are summed in a byte-wise accumulator, emptied every 255
// words into 16-bit lanes before they can overflow.
std::size_t count_newlines(std::string_view text) {
  constexpr std::uint64_t newlines = 0x0a0a0a0a0a0a0a0aULL;
  constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;
  constexpr std::uint64_t lanes = 0x00ff00ff00ff00ffULL;
  auto lane_sum = [&](std::uint64_t bytes) {
    std::uint64_t pairs = (bytes & lanes) + ((bytes >> 8) & lanes);
    return static_cast<std::size_t>((pairs * 0x0001000100010001ULL) >> 48);
  };
  std::size_t n = 0;
  std::size_t i = 0;
  std::uint64_t sums = 0;
  std::size_t words = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    std::uint64_t x = word ^ newlines;
    std::uint64_t t = (x & low7) + low7;
    sums += (~(t | x | low7)) >> 7;
    if (++words == 255) {
      n += lane_sum(sums);
      sums = 0;
      words = 0;
    }
  }
  n += lane_sum(sums);
  for (; i < text.size(); ++i) n += text[i] == '\n';
  return n;
}

BlockHits search_block(std::string_view text, bool file_start, const TokenMatcher& wanted,
                       const LineScanOptions& options) {
  std::vector<std::size_t> offsets;
  wanted.find_in_text(text, [&](std::size_t offset) { offsets.push_back(offset); });
  for (char byte : options.always_bytes) {
    for (const char* p = text.data();
         (p = static_cast<const char*>(std::memchr(p, byte, static_cast<std::size_t>(text.data() + text.size() - p))));
         ++p)
      offsets.push_back(static_cast<std::size_t>(p - text.data()));
  }
  if (file_start && options.first_line && !text.empty()) offsets.push_back(0);
  std::sort(offsets.begin(), offsets.end());

  BlockHits out;
  std::size_t counted_to = 0;  // newlines before this offset are counted in `line`
  std::size_t line = 0;
  std::size_t last_start = std::string_view::npos;
  for (std::size_t offset : offsets) {
    std::size_t start = 0;
    if (offset > 0) {
      std::size_t newline = text.rfind('\n', offset - 1);
      if (newline != std::string_view::npos) start = newline + 1;
    }
    if (start == last_start) continue;
    last_start = start;
    line += count_newlines(text.substr(counted_to, start - counted_to));
    counted_to = start;
    std::size_t end = text.find('\n', start);
    std::string_view whole = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out.hits.emplace_back(line, std::string(without_line_ending(whole)));
  }
  out.lines = line + count_newlines(text.substr(counted_to)) + (!text.empty() && text.back() != '\n' ? 1 : 0);
  return out;
}

// Hands over the hits of one block in order, numbering them from `lines_before`.
Status deliver(const BlockHits& block, std::size_t& lines_before,
               const std::function<Status(std::string_view, std::size_t)>& visit) {
  for (const auto& [line, text] : block.hits) {
    if (Status s = visit(text, lines_before + line + 1); !s) return s;
  }
  lines_before += block.lines;
  return {};
}

// The reader, the searching workers and the caller's thread, joined by one lock. At most
// `in_flight` blocks are read ahead or searched but not yet handed over.
class Pipeline {
 public:
  Pipeline(BlockReader& reader, const TokenMatcher& wanted, const LineScanOptions& options)
      : m_reader(reader), m_wanted(wanted), m_options(options), m_in_flight(options.threads * 2 + 1) {}

  Status run(const std::function<Status(std::string_view, std::size_t)>& visit) {
    std::vector<std::thread> threads;
    threads.emplace_back([this] { read_blocks(); });
    for (std::size_t i = 0; i < m_options.threads; ++i) threads.emplace_back([this] { search_blocks(); });
    Status result = hand_over(visit);
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_changed.notify_all();
    for (auto& t : threads) t.join();
    if (result && !m_read_status) return m_read_status;
    return result;
  }

 private:
  void read_blocks() {
    for (std::size_t index = 0;; ++index) {
      auto block = m_reader.next();
      std::unique_lock lock(m_mutex);
      if (!block || !*block) {
        if (!block) m_read_status = propagate(block.error());
        m_total = index;
        m_changed.notify_all();
        return;
      }
      m_changed.wait(lock, [&] { return m_stop || m_queue.size() + m_done.size() + m_searching < m_in_flight; });
      if (m_stop) return;
      m_queue.emplace_back(index, std::move(**block));
      m_changed.notify_all();
    }
  }

  void search_blocks() {
    for (;;) {
      std::pair<std::size_t, std::string> block;
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_stop || !m_queue.empty() || m_total; });
        if (m_stop || m_queue.empty()) return;
        block = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_searching;
      }
      BlockHits hits = search_block(block.second, block.first == 0, m_wanted, m_options);
      {
        std::lock_guard lock(m_mutex);
        --m_searching;
        m_done.emplace(block.first, std::move(hits));
      }
      m_changed.notify_all();
    }
  }

  Status hand_over(const std::function<Status(std::string_view, std::size_t)>& visit) {
    std::size_t lines_before = 0;
    for (std::size_t index = 0;; ++index) {
      BlockHits hits;
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_done.contains(index) || (m_total && index >= *m_total); });
        if (!m_done.contains(index)) return {};  // every block handed over
        hits = std::move(m_done.at(index));
        m_done.erase(index);
      }
      m_changed.notify_all();
      if (Status s = deliver(hits, lines_before, visit); !s) return s;
    }
  }

  BlockReader& m_reader;
  const TokenMatcher& m_wanted;
  const LineScanOptions& m_options;
  const std::size_t m_in_flight;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::pair<std::size_t, std::string>> m_queue;  // read, not yet searched
  std::size_t m_searching = 0;
  std::map<std::size_t, BlockHits> m_done;  // searched, not yet handed over
  std::optional<std::size_t> m_total;       // the number of blocks, once the reader is done
  Status m_read_status;
  bool m_stop = false;
};

}  // namespace

Result<std::size_t> scan_threads_setting(const std::string* setting) {
  if (!setting) return std::max<std::size_t>(1, std::thread::hardware_concurrency());
  std::size_t threads = 0;
  for (char c : *setting) {
    if (c < '0' || c > '9' || threads > 64)
      return invalid("store 'threads' must be a number from 1 to 64, not '" + *setting + "'");
    threads = threads * 10 + static_cast<std::size_t>(c - '0');
  }
  if (threads < 1 || threads > 64)
    return invalid("store 'threads' must be a number from 1 to 64, not '" + *setting + "'");
  return threads;
}

Status scan_matching_lines(const fs::path& file, const TokenMatcher& wanted, const LineScanOptions& options,
                           const std::function<Status(std::string_view, std::size_t)>& visit) {
  BlockReader reader(file, std::max<std::size_t>(options.block_bytes, 1));
  if (Status s = reader.open(); !s) return s;
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (!ec && size <= options.block_bytes) {
    // A small file (or a small gzip file, read block by block): no thread is worth starting.
    std::size_t lines_before = 0;
    for (bool first = true;; first = false) {
      auto block = reader.next();
      if (!block) return propagate(block.error());
      if (!*block) return {};
      if (Status s = deliver(search_block(**block, first, wanted, options), lines_before, visit); !s) return s;
    }
  }
  Pipeline pipeline(reader, wanted, options);
  return pipeline.run(visit);
}

}  // namespace maestro
