#include <cstdio>

#include "connectors/connector.hpp"

namespace maestro {

std::string value_text(const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.15g", *d);
    return buffer;
  }
  return std::get<std::string>(v);
}

const Value* Record::get(std::string_view column) const {
  for (const auto& [name, value] : columns) {
    if (name == column) return &value;
  }
  return nullptr;
}

}  // namespace maestro
