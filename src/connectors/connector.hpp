// Connector: reads and erases one store's records. One file per store type, all listed in
// registry.cpp.
//
// Contract: find() streams the rows of a collection whose field equals any of the given values
// to `visit`, one at a time, without holding them all; scan() streams every row. apply() carries
// out an erasure plan's changes for this store. Values always reach the store as bound
// parameters, never spliced into query text. A connector is used from one thread at a time.
//
//   auto c = open_connector(system.store, tenant);
//   c->find(collection, "email", {"jane@example.com"}, [](const Record& r) { ...; return Status{}; });
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"
#include "datamap/datamap.hpp"

namespace maestro {

// true, false, an array or an object, as a JSON API or a JSON-lines file gave it: its JSON text
// (connectors/value_json.hpp turns it back into JSON of the same type).
struct JsonText {
  std::string text;
  bool operator==(const JsonText&) const = default;
};

// A value as a store returned it.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, JsonText>;

std::string value_text(const Value& v);  // "" for null; numbers in their shortest form; JSON as text

struct Record {
  std::vector<std::pair<std::string, Value>> columns;  // in the store's column order

  const Value* get(std::string_view column) const;
  // A column's value, or the value at a dotted path into a JSON column ("payload.customerName"):
  // strings as they are, other JSON values as JSON text, null or missing as monostate.
  Value field(std::string_view name) const;
};

using RecordVisitor = std::function<Status(const Record&)>;

// One field of a row to change: where it holds `from`, it becomes `to` (null: monostate).
// Databases change the row found by its key whatever it holds; files change only cells that
// still hold `from`, so applying a change twice changes nothing the second time.
struct FieldChange {
  std::string field;  // a column, a dotted path into a JSON column, or "line" for a text log
  Value from;
  Value to;
};

// One row (a database row, or every line of a file) found by `key_field == key`. For a text
// log the key is a token that the line contains and `key_field` is empty.
struct RowChange {
  std::string key_field;
  std::string key;
  bool delete_row = false;
  std::vector<FieldChange> set;
  // Other fields of the record an API's request needs besides the key (Mailchimp's list_id):
  // field -> value. Empty for databases and files.
  std::vector<std::pair<std::string, std::string>> context;
  // How locate reached the record: the field it asked by and the value that matched (a parent's
  // id, an identifier). The erasure's proof asks that way again where the key alone cannot be.
  std::string found_by_field;
  std::string found_by_value;
};

struct CollectionChanges {
  const Collection* collection = nullptr;
  std::vector<RowChange> rows;
};

struct ApplyCounts {
  std::size_t rows_deleted = 0;
  std::size_t rows_changed = 0;
};

// Groups each collection's row changes that one statement can make together (the same key
// field and the same change: a delete, or the same new values for the same fields, as a batch
// of erasures with `null` or `redact` has) and calls `apply_keys` with each group's first change
// and up to `chunk` keys at a time; it returns the rows it touched. Collections stay in the order
// given (children before parents); deletions and changes are counted; the first failure stops.
// The database connectors wrap it in their transaction.
using KeysApplier =
    std::function<Result<std::size_t>(const Collection&, const RowChange& change, const std::vector<std::string>& keys)>;
Result<ApplyCounts> apply_in_chunks(const std::vector<CollectionChanges>& changes, const KeysApplier& apply_keys,
                                    std::size_t chunk = 500);

enum class AccessMode { read_only, read_write };

class Connector {
 public:
  virtual ~Connector() = default;
  // Streams the rows of `collection` whose `field` (a column, or a dotted path into a JSON
  // column) equals one of `values`. Fails with `unavailable` when the store cannot be reached.
  virtual Status find(const Collection& collection, const std::string& field, const std::vector<std::string>& values,
                      const RecordVisitor& visit) = 0;
  // Streams the rows whose `fields` hold one of `tuples` together (each tuple's values in the
  // order of `fields`): an API read that needs several values of one record at once (grouped
  // inputs). By default: find() by the first field, keeping rows whose other fields match too.
  virtual Status find_together(const Collection& collection, const std::vector<std::string>& fields,
                               const std::vector<std::vector<std::string>>& tuples, const RecordVisitor& visit);
  // Streams every row of `collection` (used to re-apply erasures to a restored backup).
  virtual Status scan(const Collection& collection, const RecordVisitor& visit) = 0;
  // Applies the changes in order, collections in the order given (children before parents).
  // Databases do it in one transaction: all or nothing. File stores rewrite each file
  // atomically (write, fsync, rename); a file already rewritten is left as it is, so a
  // re-run after a crash completes the work. Needs a connector opened read_write.
  virtual Result<ApplyCounts> apply(const std::vector<CollectionChanges>& changes) = 0;
  // Checks that the store answers (`maestro datamap check --connect`): a database is connected
  // once opened; an API sends its test request. `unavailable` says what failed.
  virtual Status test_connection() { return {}; }
  // Sends a request that takes the person by identifier, with no record read first (an API's
  // opt-out or opt-in, Fides' consent_requests): its parameters are filled from the row's key and
  // context as a delete's would be. True: the API accepted it; false: skipped (a value it may go
  // without is missing) or nothing was there. Stores without such requests refuse.
  virtual Result<bool> send_by_identifier(const HttpRequestSpec& request, const RowChange& /*row*/) {
    return fail(ErrorCode::failed_precondition, request.where + ": this store takes no requests by identifier");
  }
  // Whether find() can look records of `collection` up by `field` (an API can only ask what its
  // read requests ask; databases and files can look up any field).
  virtual bool can_find_by(const Collection& /*collection*/, const std::string& /*field*/) const { return true; }
  // The person's identifiers by kind, for stores whose answers are filtered by them (an API's
  // `filter` postprocessor compares a field with the person's email). Others ignore it.
  virtual void know_identities(const std::map<std::string, std::vector<std::string>>& /*by_kind*/) {}
  // Whether the answers depend on the identities given to know_identities(): such a store is
  // asked for one person at a time when many are searched together.
  virtual bool answers_for_one_person() const { return false; }

  // What the connector has cost so far, for `--stats`: requests sent to the store (SQL
  // statements, counting each chunk of a long key list; HTTP requests, counting each page and
  // retry) and bytes of files read.
  struct Traffic {
    std::size_t requests = 0;
    std::uint64_t bytes_read = 0;
  };
  const Traffic& traffic() const { return m_traffic; }

 protected:
  Traffic m_traffic;
};

// The store with "{tenant}" in its settings replaced by `tenant`.
StoreSpec for_tenant(const StoreSpec& store, std::string_view tenant);

// Opens a connector for `store`; `tenant` (may be empty) replaces "{tenant}" in its settings.
Result<std::unique_ptr<Connector>> open_connector(const StoreSpec& store, std::string_view tenant,
                                                  AccessMode mode = AccessMode::read_only);

}  // namespace maestro
