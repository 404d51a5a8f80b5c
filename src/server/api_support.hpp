// What every route of the JSON API shares: RFC 9457 problem answers, JSON answers, strict
// parsing of request bodies, and who is calling.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

#include "desk/desk.hpp"
#include "server/http_server.hpp"

namespace maestro {

// Who is calling, once the bearer token (or the dashboard session) is checked.
struct Caller {
  std::string name;
  Role role = Role::auditor;
};

int http_status_for(ErrorCode code);
// RFC 9457 problem details. `detail` is Maestro's own message: it never repeats an identifier.
HttpResponse problem(int status, const std::string& detail);
HttpResponse problem(const Error& error);
HttpResponse json_response(int status, std::string body);
std::vector<std::string> split_path(const std::string& path);
// A 415 answer unless the body is declared as JSON.
std::optional<HttpResponse> not_json(const HttpRequest& r);
// The same for routes whose body is optional: none is fine, one must be JSON.
std::optional<HttpResponse> not_json_if_any(const HttpRequest& r);
// A parsed JSON body that only has the fields a route accepts; an empty body is {}.
Result<nlohmann::json> strict_body(const HttpRequest& r, const std::vector<std::string>& allowed);
// A string field, "" when absent; invalid_argument when it is not a string.
Result<std::string> optional_string(const nlohmann::json& body, const char* key);
// A list of strings, empty when absent; invalid_argument when it is anything else.
Result<std::vector<std::string>> optional_strings(const nlohmann::json& body, const char* key);
// A boolean field, `fallback` when absent.
Result<bool> optional_bool(const nlohmann::json& body, const char* key, bool fallback);
// A 303 answer sending the browser to `to`.
HttpResponse redirect_to(const std::string& to);
// The caller's address and whether it came over HTTPS: the peer's, unless the peer is one of
// `trusted_proxies`, whose X-Forwarded-For (nearest untrusted hop) and X-Forwarded-Proto count.
std::pair<std::string, bool> effective_client(const HttpRequest& r, const std::vector<std::string>& trusted_proxies);
// A 403 answer unless `caller` holds `needed`.
std::optional<HttpResponse> refuse_unless(const Caller& caller, Role needed);

}  // namespace maestro
