// A demo shop that Maestro generates itself, so that anyone with only this repository can run a
// full request: a SQLite sales database, a JSON-lines application log, a CSV newsletter export,
// and the datamap.yaml that describes them. Deterministic: the same size and seed give the same
// files. The benchmarks use it at larger sizes.
//
//   DemoShop shop = *generate_demo_shop("maestro-demo/shop", {.customers = 200});
//   shop.datamap  // maestro-demo/shop/datamap.yaml
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/result.hpp"

namespace maestro {

struct DemoShopOptions {
  int customers = 200;
  std::uint64_t seed = 20260227;
};

struct DemoShop {
  std::filesystem::path datamap;
  std::string sample_email;  // a customer with orders, log events and a newsletter row
  std::size_t rows = 0;      // database rows written
  std::size_t log_lines = 0;
};

// Writes the shop into `dir`, which must not exist or be empty.
Result<DemoShop> generate_demo_shop(const std::filesystem::path& dir, const DemoShopOptions& options);

}  // namespace maestro
