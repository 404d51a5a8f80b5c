// Sink: where a sealed package is delivered. One file per kind, chosen by the destination's
// scheme in open_sink(): a local folder, or s3://bucket/prefix/.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.hpp"

namespace maestro {

class Sink {
 public:
  virtual ~Sink() = default;
  // Delivers `file` under `name`; returns where it now is (a path or an s3:// URL). A partly
  // written delivery is never left under the final name.
  virtual Result<std::string> put(const std::filesystem::path& file, const std::string& name) = 0;
};

struct SinkOptions {
  std::filesystem::path exports_root;  // local destinations must lie inside this folder
};

// Checks the destination and opens its sink; writes nothing yet.
Result<std::unique_ptr<Sink>> open_sink(const std::string& destination, const SinkOptions& options);

}  // namespace maestro
