// Connector: reads (and later erases) one store's records. One file per store type, all listed
// in registry.cpp.
//
// Contract: find() streams the rows of a collection whose field equals any of the given values
// to `visit`, one at a time, without holding them all. Values always reach the store as bound
// parameters, never spliced into query text. A connector is used from one thread at a time.
//
//   auto c = open_connector(system.store, tenant);
//   c->find(collection, "email", {"jane@example.com"}, [](const Record& r) { ...; return Status{}; });
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "datamap/datamap.hpp"

namespace maestro {

// A value as a store returned it.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

std::string value_text(const Value& v);  // "" for null; numbers in their shortest form

struct Record {
  std::vector<std::pair<std::string, Value>> columns;  // in the store's column order

  const Value* get(std::string_view column) const;
};

using RecordVisitor = std::function<Status(const Record&)>;

class Connector {
 public:
  virtual ~Connector() = default;
  // Streams the rows of `collection` whose `field` (a column, or a dotted path into a JSON
  // column) equals one of `values`. Fails with `unavailable` when the store cannot be reached.
  virtual Status find(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
                      const RecordVisitor& visit) = 0;
};

// Opens a connector for `store`; `tenant` (may be empty) replaces "{tenant}" in its settings.
Result<std::unique_ptr<Connector>> open_connector(const StoreSpec& store, std::string_view tenant);

}  // namespace maestro
