#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "connectors/connector.hpp"
#include "connectors/value_json.hpp"

namespace maestro {

std::string value_text(const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.15g", *d);
    return buffer;
  }
  if (const auto* j = std::get_if<JsonText>(&v)) return j->text;
  return std::get<std::string>(v);
}

nlohmann::json value_to_json(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* j = std::get_if<JsonText>(&v)) {
    nlohmann::json parsed = nlohmann::json::parse(j->text, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json(j->text) : parsed;
  }
  return nullptr;
}

Value value_from_json(const nlohmann::json& v) {
  if (v.is_null()) return std::monostate{};
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) return static_cast<std::int64_t>(v.get<std::uint64_t>());
  if (v.is_number_float()) return v.get<double>();
  return JsonText{v.dump()};  // true, false, arrays and objects
}

const Value* Record::get(std::string_view column) const {
  for (const auto& [name, value] : columns) {
    if (name == column) return &value;
  }
  return nullptr;
}

Value Record::field(std::string_view name) const {
  if (const Value* v = get(name)) return *v;
  auto dot = name.find('.');
  if (dot == std::string_view::npos) return {};
  const Value* column = get(name.substr(0, dot));
  if (!column) return {};
  const std::string* text = std::get_if<std::string>(column);
  if (const auto* j = std::get_if<JsonText>(column)) text = &j->text;
  if (!text) return {};
  nlohmann::json document = nlohmann::json::parse(*text, nullptr, false);
  const nlohmann::json* current = &document;
  for (std::size_t start = dot + 1;;) {
    std::size_t next = name.find('.', start);
    std::string key(name.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start));
    if (!current->is_object() || !current->contains(key)) return {};
    current = &(*current)[key];
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  return value_from_json(*current);
}

Status Connector::find_together(const Collection& collection, const std::vector<std::string>& fields,
                                const std::vector<std::vector<std::string>>& tuples, const RecordVisitor& visit) {
  if (fields.empty()) return invalid(collection.key() + ": a lookup needs at least one field");
  std::set<std::vector<std::string>> wanted(tuples.begin(), tuples.end());
  std::set<std::string> firsts;
  for (const auto& tuple : tuples) {
    if (tuple.size() != fields.size()) return invalid(collection.key() + ": a lookup tuple does not match its fields");
    firsts.insert(tuple.front());
  }
  return find(collection, fields.front(), {firsts.begin(), firsts.end()}, [&](const Record& r) -> Status {
    std::vector<std::string> held;
    for (const auto& field : fields) held.push_back(value_text(r.field(field)));
    return wanted.contains(held) ? visit(r) : Status{};
  });
}

namespace {

// What makes two row changes one statement: the key field, and a delete or the new values.
std::string change_signature(const RowChange& row) {
  std::string signature = row.key_field + (row.delete_row ? "\x1f" "D" : "\x1f" "U");
  for (const auto& f : row.set) {
    signature += "\x1f" + f.field + "\x1e" + std::to_string(f.to.index()) + "\x1e" + value_text(f.to);
  }
  return signature;
}

}  // namespace

Result<ApplyCounts> apply_in_chunks(const std::vector<CollectionChanges>& changes, const KeysApplier& apply_keys,
                                    std::size_t chunk) {
  ApplyCounts counts;
  for (const auto& change : changes) {
    // Groups in the order their first row comes, so a single erasure runs as it always did.
    std::vector<std::pair<const RowChange*, std::vector<std::string>>> groups;
    std::map<std::string, std::size_t> group_of;
    for (const auto& row : change.rows) {
      if (!row.delete_row && row.set.empty()) continue;  // nothing to change
      auto [it, fresh] = group_of.try_emplace(change_signature(row), groups.size());
      if (fresh) groups.push_back({&row, {}});
      groups[it->second].second.push_back(row.key);
    }
    for (const auto& [shape, keys] : groups) {
      for (std::size_t start = 0; start < keys.size(); start += chunk) {
        std::vector<std::string> part(keys.begin() + static_cast<std::ptrdiff_t>(start),
                                      keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), start + chunk)));
        auto touched = apply_keys(*change.collection, *shape, part);
        if (!touched) return propagate(touched.error());
        (shape->delete_row ? counts.rows_deleted : counts.rows_changed) += *touched;
      }
    }
  }
  return counts;
}

}  // namespace maestro
