// Connectors for files: JSON lines (one object per line), CSV (a header row, RFC 4180 quoting)
// and plain-text logs (identifiers found anywhere in a line). Each collection is a file glob
// under the store's folder; .gz files are read transparently. Every record carries `_file`
// and `_line`, which is how erasure finds it again.
#pragma once

#include "connectors/connector.hpp"

namespace maestro {

Result<std::unique_ptr<Connector>> open_jsonl_connector(const StoreSpec& store, AccessMode mode);
Result<std::unique_ptr<Connector>> open_csv_connector(const StoreSpec& store, AccessMode mode);
Result<std::unique_ptr<Connector>> open_textlog_connector(const StoreSpec& store, AccessMode mode);

// Splits one CSV line into fields (quotes and doubled quotes handled; no embedded newlines).
std::vector<std::string> split_csv_line(std::string_view line);

}  // namespace maestro
