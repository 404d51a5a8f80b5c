// A store's Value to and from JSON, one way for every connector, the erasure plans and the
// package: numbers stay numbers, strings strings, and true/false, arrays and objects keep their
// JSON type (an API's `labels: []` is an empty list in the package, not the text "[]").
#pragma once

#include <nlohmann/json.hpp>

#include "connectors/connector.hpp"

namespace maestro {

nlohmann::json value_to_json(const Value& v);
Value value_from_json(const nlohmann::json& v);

}  // namespace maestro
