#include "sinks/sink.hpp"

#include "sinks/s3_sink.hpp"

#include <system_error>

namespace maestro {

namespace fs = std::filesystem;

namespace {

class DirectorySink final : public Sink {
 public:
  explicit DirectorySink(fs::path dir) : m_dir(std::move(dir)) {}

  Result<std::string> put(const fs::path& file, const std::string& name) override {
    std::error_code ec;
    fs::create_directories(m_dir, ec);
    if (ec) return fail(ErrorCode::permission_denied, "cannot create " + m_dir.string() + ": " + ec.message());
    fs::path target = m_dir / name;
    if (fs::exists(target, ec)) return fail(ErrorCode::already_exists, target.string() + " already exists");
    fs::path partial = target;
    partial += ".partial";
    fs::copy_file(file, partial, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::permissions(partial, fs::perms::owner_read | fs::perms::owner_write, ec);
    if (!ec) fs::rename(partial, target, ec);
    if (ec) {
      fs::remove(partial, ec);
      return fail(ErrorCode::unavailable, "cannot write " + target.string());
    }
    return target.string();
  }

 private:
  fs::path m_dir;
};

bool inside(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Sink>> open_sink(const std::string& destination, const SinkOptions& options) {
  if (destination.empty()) return invalid("give --out, a folder or s3://bucket/prefix/");
  if (destination.starts_with("s3://")) {
    auto location = parse_s3_url(destination);
    if (!location) return propagate(location.error());
    auto config = s3_config_from_environment();
    if (!config) return propagate(config.error());
    return open_s3_sink(*location, std::move(*config));
  }
  if (destination.find("://") != std::string::npos) {
    return invalid("unsupported destination '" + destination + "': use a folder or s3://bucket/prefix/");
  }
  std::error_code ec;
  fs::path root = fs::weakly_canonical(options.exports_root, ec);
  fs::path target = fs::weakly_canonical(fs::absolute(destination, ec), ec);
  if (ec || !inside(target, root)) {
    return fail(ErrorCode::permission_denied, "--out " + destination + " is outside the allowed export folder " +
                                                  root.string() + " (set exports_root in maestro.yaml)");
  }
  return std::unique_ptr<Sink>(std::make_unique<DirectorySink>(target));
}

}  // namespace maestro
