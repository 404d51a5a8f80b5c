// Parsing and validation of incoming requests.
#include <nlohmann/json.hpp>

#include "desk/desk.hpp"

namespace maestro {

const std::vector<std::string>& known_channels() {
  static const std::vector<std::string> channels{"email",     "web-form", "portal", "phone", "post",
                                                 "in-person", "api",      "drop",   "agent", "other"};
  return channels;
}

Result<IntakeRequest> parse_intake_json(std::string_view text) {
  using nlohmann::json;
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // The parser's own wording ("[json.exception.parse_error.101] ...") means nothing to a client.
    return invalid("the request is not valid JSON (it goes wrong at byte " + std::to_string(e.byte) + ")");
  }
  if (!j.is_object()) return invalid("the request must be a JSON object");
  static const std::vector<std::string> keys{"subject",      "subjects", "name",     "rights",  "right",
                                             "jurisdiction", "channel",  "received", "tenants", "tenant",
                                             "ticket",       "formats",  "gpc",      "language"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return invalid("unknown field '" + key +
                     "' in the request (known: subjects, name, rights, jurisdiction, "
                     "channel, received, tenants, ticket, formats, gpc, language)");
    }
  }
  auto strings = [&](const char* plural, const char* singular, std::vector<std::string>& out) -> Status {
    for (const char* key : {plural, singular}) {
      if (!j.contains(key)) continue;
      const json& v = j[key];
      if (v.is_string()) {
        out.push_back(v.get<std::string>());
      } else if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); })) {
        for (const auto& x : v) out.push_back(x.get<std::string>());
      } else {
        return invalid(std::string("'") + key + "' must be a string or a list of strings");
      }
    }
    return {};
  };
  auto text_field = [&](const char* key, std::string& out) -> Status {
    if (!j.contains(key)) return {};
    if (!j[key].is_string()) return invalid(std::string("'") + key + "' must be a string");
    out = j[key].get<std::string>();
    return {};
  };
  IntakeRequest r;
  if (auto ok = strings("subjects", "subject", r.subjects); !ok) return propagate(ok.error());
  if (auto ok = strings("tenants", "tenant", r.tenants); !ok) return propagate(ok.error());
  std::vector<std::string> rights;
  if (auto ok = strings("rights", "right", rights); !ok) return propagate(ok.error());
  for (const auto& right : rights) r.rights += (r.rights.empty() ? "" : ",") + right;
  for (auto [key, target] :
       {std::pair{"name", &r.name}, std::pair{"jurisdiction", &r.jurisdiction}, std::pair{"channel", &r.channel},
        std::pair{"ticket", &r.ticket}, std::pair{"formats", &r.formats}, std::pair{"language", &r.language}}) {
    if (auto ok = text_field(key, *target); !ok) return propagate(ok.error());
  }
  if (j.contains("gpc")) {
    if (!j["gpc"].is_boolean()) return invalid("'gpc' must be true or false");
    r.gpc = j["gpc"].get<bool>();
  }
  if (j.contains("received")) {
    std::string received;
    if (auto ok = text_field("received", received); !ok) return propagate(ok.error());
    r.received = received;
  }
  return r;
}

}  // namespace maestro
