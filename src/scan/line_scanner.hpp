// scan/: reading a file once, in large blocks, on several threads, and handing over only the
// lines that hold a wanted value.
//
// A reader thread cuts the file (gzip decompressed as it streams) into blocks of whole lines;
// worker threads search each block with a TokenMatcher (TokenMatcher::find_in_text) and keep the
// lines with a hit; the caller's thread receives those lines in file order, with the line numbers
// and text that reading the file line by line (for_each_line) would give. Memory stays a few
// blocks per thread, whatever the size of the file.
//
//   TokenMatcher wanted({"10.0.0.1", "jane@example.com"});
//   LineScanOptions options{.threads = 2};
//   scan_matching_lines("/var/log/auth.log", wanted, options, [](std::string_view line, std::size_t n) {
//     ...;  // only lines holding 10.0.0.1 or jane@example.com as a whole token
//     return Status{};
//   });
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

class TokenMatcher;

struct LineScanOptions {
  std::size_t threads = 1;            // worker threads searching blocks (the reader is one more)
  std::size_t block_bytes = 8 << 20;  // bytes read at a time (a longer line makes its block longer)
  bool first_line = false;            // hand over line 1 too (a CSV header)
  std::string always_bytes;           // hand over every line holding one of these bytes too
};

// The number of search threads for a store: its `threads` setting when given (1-64), otherwise
// the machine's cores.
Result<std::size_t> scan_threads_setting(const std::string* setting);

// Calls `visit` with each line of `file` (without its line ending) that holds a value `wanted`
// finds, or that the options add, with its 1-based number, in file order. Stops at the first
// failure `visit` returns (the threads are stopped and joined before returning).
Status scan_matching_lines(const std::filesystem::path& file, const TokenMatcher& wanted,
                           const LineScanOptions& options,
                           const std::function<Status(std::string_view line, std::size_t number)>& visit);

}  // namespace maestro
