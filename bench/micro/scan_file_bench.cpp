// The scan engine alone, on one file: how fast TokenMatcher + scan_matching_lines find the lines
// holding any of the wanted values (one a line in PATTERNS), with THREADS search threads.
// Run by bench/scan_engine and bench/scan_forms; prints one line of figures.
//
//   maestro_scanbench FILE PATTERNS THREADS [exact|by_kind]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scan/line_scanner.hpp"
#include "scan/token_matcher.hpp"

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: maestro_scanbench FILE PATTERNS THREADS [exact|by_kind]\n");
    return 2;
  }
  std::vector<std::string> wanted;
  std::ifstream patterns(argv[2]);
  for (std::string line; std::getline(patterns, line);)
    if (!line.empty()) wanted.push_back(line);
  auto start = std::chrono::steady_clock::now();
  bool by_kind = argc == 5 && std::string(argv[4]) == "by_kind";
  maestro::TokenMatcher matcher(wanted, by_kind ? maestro::TokenForms::by_kind : maestro::TokenForms::exact);
  auto built = std::chrono::steady_clock::now();
  maestro::LineScanOptions options;
  options.threads = std::stoul(argv[3]);
  std::size_t lines = 0;
  auto status = maestro::scan_matching_lines(argv[1], matcher, options, [&](std::string_view, std::size_t) {
    ++lines;
    return maestro::Status{};
  });
  auto end = std::chrono::steady_clock::now();
  if (!status) {
    std::fprintf(stderr, "%s\n", status.error().message.c_str());
    return 1;
  }
  double seconds = std::chrono::duration<double>(end - built).count();
  double setup = std::chrono::duration<double>(built - start).count();
  double bytes = static_cast<double>(std::filesystem::file_size(argv[1]));
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%s identifiers %zu threads %s setup %.3f s scan %.3f s %.0f MB/s lines %zu peak %.0f MiB\n",
              by_kind ? "by_kind" : "exact", wanted.size(), argv[3], setup, seconds, bytes / 1e6 / seconds, lines,
              static_cast<double>(usage.ru_maxrss) / 1024.0);
}
