// Discovery's catalogue of a folder of files (jsonl:FOLDER, csv:FOLDER, textlog:FOLDER): families
// of files as tables, JSON-lines keys or CSV headers as columns, a text log's line as its one
// column. Read-only, a bounded number of lines per file.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "discover/catalogue.hpp"

namespace maestro {

bool is_file_store(std::string_view store);  // jsonl:, csv: or textlog:

// `known_sources` are globs a data map already gives (relative to the folder): a file they match
// belongs to that collection, in any format; other files of the store's format are grouped into
// families (one glob each, e.g. "app-*.jsonl", "auth.log*").
Result<std::unique_ptr<CatalogueSource>> open_file_catalogue(const std::string& store,
                                                             const std::vector<std::string>& known_sources = {});

}  // namespace maestro
