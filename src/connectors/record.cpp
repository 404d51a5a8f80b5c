#include <nlohmann/json.hpp>

#include <cstdio>
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

Result<ApplyCounts> apply_each_row(const std::vector<CollectionChanges>& changes, const RowApplier& apply_row) {
  ApplyCounts counts;
  for (const auto& change : changes) {
    for (const auto& row : change.rows) {
      auto touched = apply_row(*change.collection, row);
      if (!touched) return propagate(touched.error());
      (row.delete_row ? counts.rows_deleted : counts.rows_changed) += *touched;
    }
  }
  return counts;
}

}  // namespace maestro
