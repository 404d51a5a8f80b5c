// Connectors for files: JSON lines (one object per line), CSV (a header row, RFC 4180 quoting)
// and plain-text logs (identifiers found anywhere in a line). Each collection is a file glob
// under the store's folder, or under a bucket's prefix (connectors/s3_objects.hpp); .gz files
// are read transparently. Every record carries `_file` and `_line`, which is how erasure finds
// it again.
#pragma once

#include <filesystem>
#include <optional>

#include "connectors/connector.hpp"
#include "connectors/file_lines.hpp"

namespace maestro {

// Where a file store's files are: a folder on this machine, or objects in a bucket. The
// connector reads and rewrites them through it, so every format works on every shelf.
class FileShelf {
 public:
  struct Item {
    std::string name;  // as records show it in `_file`
    std::uint64_t size = 0;
    std::filesystem::path path;  // a local file
    std::string key, etag;       // an object
  };
  using LineTransform = std::function<std::optional<std::string>(const std::string& line)>;

  virtual ~FileShelf() = default;
  // The files of `collection` (its `source` glob), in name order.
  virtual Result<std::vector<Item>> items(const Collection& collection) = 0;
  // Calls `use` with a local file that holds the item's bytes: the file itself, or a download.
  virtual Status read(const Item& item, const std::function<Status(const std::filesystem::path&)>& use) = 0;
  // Rewrites the item line by line as rewrite_lines() does; it is replaced, whole, only when a
  // line changed.
  virtual Result<RewriteCounts> rewrite(const Item& item, const LineTransform& transform) = 0;
  // The items of `all` that may hold a line with one of `tokens` (as whole tokens, in every form
  // of their kind with `by_kind`) or one of `always_bytes`: a superset of the items holding a
  // match. By default all of them; a bucket with more objects than its `objects_per_job` asks
  // the workers (connectors/object_parts.hpp).
  virtual Result<std::vector<Item>> narrow(const Collection& /*collection*/, std::vector<Item> all,
                                           const std::vector<std::string>& /*tokens*/, bool /*by_kind*/,
                                           const std::string& /*always_bytes*/) {
    return all;
  }
};

// A connector for files of `format` (jsonl, csv or textlog) kept on `shelf`.
Result<std::unique_ptr<Connector>> open_line_connector(std::string_view format, const StoreSpec& store,
                                                       AccessMode mode, std::unique_ptr<FileShelf> shelf);

Result<std::unique_ptr<Connector>> open_jsonl_connector(const StoreSpec& store, AccessMode mode);
Result<std::unique_ptr<Connector>> open_csv_connector(const StoreSpec& store, AccessMode mode);
Result<std::unique_ptr<Connector>> open_textlog_connector(const StoreSpec& store, AccessMode mode);

// Splits one CSV line into fields (quotes and doubled quotes handled; no embedded newlines).
std::vector<std::string> split_csv_line(std::string_view line);

}  // namespace maestro
