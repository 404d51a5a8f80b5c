#include "server/api_support.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace maestro {

using nlohmann::json;

namespace {

constexpr const char* k_problem_type = "application/problem+json";
constexpr const char* k_json_type = "application/json";

}  // namespace


int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::not_found: return 404;
    case ErrorCode::already_exists: return 409;
    case ErrorCode::failed_precondition: return 409;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::permission_denied: return 403;
    case ErrorCode::data_loss:
    case ErrorCode::internal: return 500;
  }
  return 500;
}

const char* title_for(int status) {
  switch (status) {
    case 400: return "Bad request";
    case 401: return "Authentication required";
    case 403: return "Not allowed";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 409: return "Conflict";
    case 413: return "Request body too large";
    case 415: return "Unsupported media type";
    case 503: return "Unavailable";
    default: return "Server error";
  }
}

HttpResponse problem(int status, const std::string& detail) {
  json body{{"type", "about:blank"}, {"title", title_for(status)}, {"status", status}, {"detail", detail}};
  HttpResponse r{status, k_problem_type, body.dump() + "\n", {}};
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"maestro\"");
  return r;
}

HttpResponse problem(const Error& error) {
  return problem(http_status_for(error.code), error.message);
}

HttpResponse json_response(int status, std::string body) {
  return HttpResponse{status, k_json_type, std::move(body) + "\n", {}};
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(path);
  while (std::getline(in, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// A 415 answer unless the body is declared as JSON.
std::optional<HttpResponse> not_json(const HttpRequest& r) {
  auto type = r.headers.find("content-type");
  if (type != r.headers.end() && type->second.starts_with("application/json")) return std::nullopt;
  return problem(415, "send the request as application/json");
}

std::optional<HttpResponse> not_json_if_any(const HttpRequest& r) {
  if (r.body.empty()) return std::nullopt;
  return not_json(r);
}

// A parsed JSON body that only has the fields a route accepts.
Result<json> strict_body(const HttpRequest& r, const std::vector<std::string>& allowed) {
  if (r.body.empty()) return json::object();
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded()) return invalid("the body is not valid JSON");
  if (!body.is_object()) return invalid("the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string known;
      for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
      return invalid("unknown field '" + key + "' (known: " + known + ")");
    }
  }
  return body;
}

Result<std::string> optional_string(const json& body, const char* key) {
  if (!body.contains(key)) return std::string();
  if (!body[key].is_string()) return invalid(std::string("'") + key + "' must be a string");
  return body[key].get<std::string>();
}

Result<std::vector<std::string>> optional_strings(const json& body, const char* key) {
  std::vector<std::string> out;
  if (!body.contains(key)) return out;
  auto bad = [&] { return invalid(std::string("'") + key + "' must be a list of strings"); };
  if (!body[key].is_array() || body[key].size() > 1000) return bad();
  for (const auto& v : body[key]) {
    if (!v.is_string()) return bad();
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<bool> optional_bool(const json& body, const char* key, bool fallback) {
  if (!body.contains(key)) return fallback;
  if (!body[key].is_boolean()) return invalid(std::string("'") + key + "' must be true or false");
  return body[key].get<bool>();
}

HttpResponse redirect_to(const std::string& to) {
  HttpResponse r{303, "text/plain; charset=utf-8", "See " + to + "\n", {}};
  r.headers.emplace_back("Location", to);
  return r;
}

std::pair<std::string, bool> effective_client(const HttpRequest& r, const std::vector<std::string>& trusted) {
  auto is_trusted = [&](const std::string& address) {
    return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
  };
  if (!is_trusted(r.client)) return {r.client, false};
  std::string client = r.client;
  if (auto forwarded = r.headers.find("x-forwarded-for"); forwarded != r.headers.end()) {
    // Walk from the nearest hop back; the first address that is not a trusted proxy is the client.
    std::vector<std::string> hops;
    std::stringstream list(forwarded->second);
    for (std::string hop; std::getline(list, hop, ',');) {
      hop.erase(0, hop.find_first_not_of(' '));
      hop.erase(hop.find_last_not_of(' ') + 1);
      if (!hop.empty()) hops.push_back(hop);
    }
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      client = *it;
      if (!is_trusted(*it)) break;
    }
  }
  auto proto = r.headers.find("x-forwarded-proto");
  return {client, proto != r.headers.end() && proto->second == "https"};
}

std::optional<HttpResponse> refuse_unless(const Caller& caller, Role needed) {
  if (role_allows(caller.role, needed)) return std::nullopt;
  return problem(403, std::string("this needs the ") + role_name(needed) + " role; the caller has " +
                          role_name(caller.role));
}

}  // namespace maestro
