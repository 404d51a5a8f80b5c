// DROP matching's inner loop: standardize an identifier, SHA-256 it, look the digest up among a
// million list hashes. Issue 14's goal: at least 5 M identifiers per second per core.
//
//   build/bench/micro/maestro_microbench --benchmark_filter=Drop
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>

#include "drop/digest_index.hpp"
#include "drop/drop_rules.hpp"

namespace {

using maestro::DropDigest;
using maestro::DropRules;

const DropRules& rules() {
  static const DropRules loaded = *DropRules::load(std::nullopt);
  return loaded;
}

std::vector<std::string> emails(std::size_t n) {
  std::vector<std::string> out;
  std::mt19937_64 random(7);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back("Customer." + std::to_string(random() % 100000000) + "@Example-Shop.com");
  return out;
}

std::vector<std::string> phones(std::size_t n) {
  std::vector<std::string> out;
  std::mt19937_64 random(9);
  for (std::size_t i = 0; i < n; ++i) out.push_back("+1 (415) " + std::to_string(1000000 + random() % 8999999));
  return out;
}

// A million list digests, as `drop match` holds them in memory.
const maestro::DropDigestIndex& million_list_digests() {
  static const auto index = [] {
    maestro::DropDigestIndex out;
    std::string scratch;
    DropDigest d;
    std::uint32_t item = 0;
    for (const auto& e : emails(1000000)) {
      rules().digest("email", e + ".list", scratch, d);
      out.add(d, item++);
    }
    out.build();
    return out;
  }();
  return index;
}

void run(benchmark::State& state, const char* kind, const std::vector<std::string>& values, bool lookup) {
  const auto& wanted = million_list_digests();
  std::string scratch;
  DropDigest d;
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    rules().digest(kind, values[i], scratch, d);
    if (lookup) wanted.for_each(d, [&](std::uint32_t) { ++found; });
    benchmark::DoNotOptimize(d);
    if (++i == values.size()) i = 0;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations());
}

void DropEmailStandardizeAndHash(benchmark::State& state) { run(state, "email", emails(100000), false); }
void DropPhoneStandardizeAndHash(benchmark::State& state) { run(state, "phone", phones(100000), false); }
void DropEmailHashAndLookupInAMillion(benchmark::State& state) { run(state, "email", emails(100000), true); }

}  // namespace

BENCHMARK(DropEmailStandardizeAndHash);
BENCHMARK(DropPhoneStandardizeAndHash);
BENCHMARK(DropEmailHashAndLookupInAMillion);
BENCHMARK_MAIN();
