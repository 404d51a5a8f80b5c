#include "connectors/http_connector.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <thread>

#include "common/http_capture.hpp"
#include "common/text.hpp"
#include "connectors/credential_vault.hpp"
#include "connectors/rate_limiter.hpp"
#include "crypto/keyring.hpp"
#include "connectors/sql_support.hpp"
#include "connectors/value_json.hpp"

namespace maestro {

namespace {

using json = nlohmann::json;
using Values = std::map<std::string, std::string>;  // placeholder -> value
using SteadyClock = std::chrono::steady_clock;

struct Answer {
  long status = 0;
  std::string body;
  HttpHeaders headers;  // lower-case names
};

enum class Encoding { raw, url, json_string };

std::string encode(const std::string& value, Encoding how) {
  if (how == Encoding::url) return percent_encode(value);
  if (how == Encoding::json_string) {
    std::string quoted = json(value).dump();
    return quoted.substr(1, quoted.size() - 2);
  }
  return value;
}

// Replaces every <name> that `values` knows; others stay (the loader made sure none is left).
std::string render(const std::string& text, const Values& values, Encoding how) {
  static const std::regex pattern("<([A-Za-z_][A-Za-z0-9_]*)>");
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
    out.append(text, last, static_cast<std::size_t>(it->position()) - last);
    auto value = values.find((*it)[1].str());
    out += value == values.end() ? it->str() : encode(value->second, how);
    last = static_cast<std::size_t>(it->position() + it->length());
  }
  return out + text.substr(last);
}

Record to_record(const json& item) {
  Record r;
  if (!item.is_object()) {
    r.columns.emplace_back("value", value_from_json(item));
    return r;
  }
  for (auto it = item.begin(); it != item.end(); ++it) r.columns.emplace_back(it.key(), value_from_json(it.value()));
  return r;
}

// The value at a dotted path ("links.next"), or null when a part is missing.
const json* at_path(const json& root, const std::string& path) {
  const json* at = &root;
  if (path.empty()) return at;
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = std::min(path.find('.', start), path.size());
    std::string part = path.substr(start, end - start);
    if (!at->is_object() || !at->contains(part)) return nullptr;
    at = &(*at)[part];
    start = end + 1;
  }
  return at;
}

// "merge_fields.FNAME" -> "merge_fields/FNAME" (a JSON pointer's path, with ~ and / escaped).
std::string dotted_to_pointer(const std::string& dotted) {
  std::string out;
  for (char c : dotted) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else if (c == '.') out += '/';
    else out += c;
  }
  return out;
}

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump(); }

// A JSON body as a form (Stripe's APIs): {"a": 1, "b": {"c": "x"}} -> a=1&b[c]=x; null -> "".
void form_encode(const json& value, const std::string& name, std::string& out) {
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      form_encode(it.value(), name.empty() ? it.key() : name + "[" + it.key() + "]", out);
    return;
  }
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) form_encode(value[i], name + "[" + std::to_string(i) + "]", out);
    return;
  }
  out += (out.empty() ? "" : "&") + percent_encode(name) + "=" + percent_encode(text_of(value));
}

// The URL of `rel` in an RFC 8288 Link header: <https://...>; rel="next", <...>; rel="last".
std::string link_with_rel(const std::string& header, const std::string& rel) {
  static const std::regex entry(R"(<([^>]*)>\s*((?:;\s*[^;,]+)*))");
  for (auto it = std::sregex_iterator(header.begin(), header.end(), entry); it != std::sregex_iterator(); ++it) {
    std::string params = (*it)[2].str();
    std::regex rel_pattern(";\\s*rel=\"?([^\";]*)\"?");
    std::smatch m;
    if (std::regex_search(params, m, rel_pattern)) {
      std::string rels = " " + m[1].str() + " ";
      if (rels.find(" " + rel + " ") != std::string::npos) return (*it)[1].str();
    }
  }
  return "";
}

class HttpConnector final : public Connector {
 public:
  HttpConnector(StoreSpec store, Values params, CURL* curl) : m_store(std::move(store)), m_params(std::move(params)), m_curl(curl) {
    auto number = [&](const char* key, double fallback) {
      auto it = m_store.settings.find(key);
      if (it == m_store.settings.end()) return fallback;
      char* end = nullptr;
      double v = std::strtod(it->second.c_str(), &end);
      return end && *end == '\0' && v > 0 ? v : fallback;
    };
    double rate = number("rate_limit", 10);
    m_interval = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / rate));
    m_timeout = static_cast<long>(number("timeout_seconds", 30));
    m_retries = static_cast<int>(number("retries", 3));
    m_max_pages = static_cast<int>(number("max_pages", 1000));
    m_max_retry_wait = number("max_retry_wait", 60);
    m_async_poll = number("async_poll_seconds", 5);
    m_async_timeout = number("async_timeout_seconds", 900);
    m_base = render(m_store.settings["base_url"], m_params, Encoding::raw);
    while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
  }
  ~HttpConnector() override { curl_easy_cleanup(m_curl); }
  HttpConnector(const HttpConnector&) = delete;
  HttpConnector& operator=(const HttpConnector&) = delete;

  // Fills the authentication's templates; secrets from the environment or files.
  Status prepare_auth() {
    std::string strategy = m_store.settings.count("auth.strategy") ? m_store.settings.at("auth.strategy") : "";
    auto setting = [&](const std::string& name) -> Result<std::string> {
      auto secret = store_secret(m_store, "auth." + name);
      if (!secret) return propagate(secret.error());
      if (!secret->empty()) return *secret;
      auto it = m_store.settings.find("auth." + name);
      return it == m_store.settings.end() ? std::string() : render(it->second, m_params, Encoding::raw);
    };
    if (strategy == "basic") {
      auto user = setting("username");
      auto password = setting("password");
      if (!user || !password) return propagate(!user ? user.error() : password.error());
      m_basic = *user + ":" + *password;
    } else if (strategy == "bearer") {
      auto token = setting("token");
      if (!token) return propagate(token.error());
      if (token->empty()) return precondition("bearer authentication needs auth.token_env or auth.token_file");
      m_auth_headers.emplace_back("Authorization", "Bearer " + *token);
    } else if (strategy == "oauth2_authorization_code") {
      // The authorization was given once, outside Maestro; its refresh token renews access tokens.
      m_oauth = true;
      m_oauth_values = m_params;
      auto refresh = store_secret(m_store, "auth.refresh_token");
      if (!refresh) return propagate(refresh.error());
      if (refresh->empty())
        return precondition("OAuth2 authorization code: the refresh token's environment variable is not set");
      m_oauth_values["refresh_token"] = *refresh;
      m_vault_name = vault_name_for(*refresh);
      if (auto ok = restore_tokens(); !ok) return ok;
    } else if (strategy == "oauth2_client_credentials") {
      m_oauth = true;
      auto client_id = setting("client_id");
      auto client_secret = setting("client_secret");
      if (!client_id || !client_secret) return propagate(!client_id ? client_id.error() : client_secret.error());
      m_oauth_values = m_params;  // a Fides token body names its connector parameters
      if (!client_id->empty()) m_oauth_values["client_id"] = *client_id;
      if (!client_secret->empty()) m_oauth_values["client_secret"] = *client_secret;
      auto scope = setting("scope");
      if (scope && !scope->empty()) m_oauth_values["scope"] = *scope;
      m_vault_name = vault_name_for(*client_id + "\n" + *client_secret);
      if (auto ok = restore_tokens(); !ok) return ok;
    } else if (!strategy.empty() && strategy != "api_key") {
      return invalid("unknown authentication strategy '" + strategy + "'");
    }
    for (const auto& [key, value] : m_store.settings) {
      if (key.starts_with("auth.header."))
        m_auth_headers.emplace_back(key.substr(12), render(value, m_params, Encoding::raw));
      if (key.starts_with("auth.query.")) m_auth_query.emplace_back(key.substr(11), render(value, m_params, Encoding::raw));
    }
    return {};
  }

  void know_identities(const std::map<std::string, std::vector<std::string>>& by_kind) override { m_identities = by_kind; }
  bool answers_for_one_person() const override { return true; }

  Status test_connection() override {
    auto method = m_store.settings.find("test.method");
    auto path = m_store.settings.find("test.path");
    if (path == m_store.settings.end()) return {};  // no test request: opening it is all we know
    HttpRequestSpec spec;
    spec.method = method == m_store.settings.end() || method->second.empty() ? "GET" : method->second;
    spec.path = path->second;
    spec.where = "test_request";
    auto answer = send(spec, url_for(spec, values_for(spec), {}), "", true);
    if (!answer) return propagate(answer.error());
    if (answer->status < 200 || answer->status >= 300) return refused(spec, *answer);
    return {};
  }

  bool can_find_by(const Collection& c, const std::string& field) const override {
    return read_for(c, {field}) != nullptr;
  }

  Status find(const Collection& c, const std::string& field, const std::vector<std::string>& values,
              const RecordVisitor& visit) override {
    const HttpRequestSpec* spec = read_for(c, {field});
    if (!spec) return invalid(c.key() + ": no read request looks records up by '" + field + "' alone");
    for (const auto& value : values) {
      if (auto ok = read_with(*spec, {{field, value}}, visit); !ok) return ok;
    }
    return {};
  }

  Status find_together(const Collection& c, const std::vector<std::string>& fields,
                       const std::vector<std::vector<std::string>>& tuples, const RecordVisitor& visit) override {
    const HttpRequestSpec* spec = read_for(c, fields);
    if (!spec) return invalid(c.key() + ": no read request looks records up by its grouped inputs");
    for (const auto& tuple : tuples) {
      if (tuple.size() != fields.size()) return invalid(c.key() + ": a lookup tuple does not match its fields");
      std::map<std::string, std::string> given;
      for (std::size_t i = 0; i < fields.size(); ++i) given[fields[i]] = tuple[i];
      if (auto ok = read_with(*spec, given, visit); !ok) return ok;
    }
    return {};
  }

  // Every record, through a read request that needs no parameter (a list endpoint): what
  // `maestro backup replay` needs to find erased records in a restored service.
  Status scan(const Collection& c, const RecordVisitor& visit) override {
    if (c.http) {
      for (const auto& spec : c.http->read) {
        if (spec.params.empty()) return read_pages(spec, values_for(spec), visit);
      }
    }
    return precondition(c.key() + " cannot be listed in full (no read request without parameters): re-apply its "
                        "erasures by hand");
  }

  Result<ApplyCounts> apply(const std::vector<CollectionChanges>& changes) override {
    ApplyCounts counts;
    for (const auto& change : changes) {
      const Collection& c = *change.collection;
      for (const auto& row : change.rows) {
        const std::optional<HttpRequestSpec>& spec = row.delete_row ? c.http->remove : c.http->update;
        if (!spec) {
          return precondition(c.key() + " cannot be " + (row.delete_row ? "erased" : "changed") +
                              " through the API: its map has no " + (row.delete_row ? "delete" : "update") + " request");
        }
        auto done = send_change(*spec, row);
        if (!done) return propagate(done.error());
        if (*done) ++(row.delete_row ? counts.rows_deleted : counts.rows_changed);
      }
    }
    return counts;
  }

  Result<bool> send_by_identifier(const HttpRequestSpec& request, const RowChange& row) override {
    return send_change(request, row);
  }

 private:
  // Sends a change (an update or delete of a record, or a request by identifier) with its
  // parameters filled from the row's key and context. False: nothing was there (404, an ignored
  // status) or a value it needs is missing and the request may be skipped.
  Result<bool> send_change(const HttpRequestSpec& spec, const RowChange& row) {
    Values filled = values_for(spec);
    for (const auto& p : spec.params) {
      if (p.field == row.key_field) {
        filled[p.name] = row.key;
        continue;
      }
      auto known = std::find_if(row.context.begin(), row.context.end(),
                                [&](const auto& entry) { return entry.first == p.field; });
      if (known == row.context.end() && spec.skip_missing_param_values) return false;
      if (known == row.context.end())
        return invalid(spec.where + ": parameter <" + p.name + "> needs the record's '" + p.field +
                       "', which the plan does not carry");
      filled[p.name] = known->second;
    }
    // The changed fields as JSON members, nested where the name is dotted (merge_fields.FNAME).
    json object = json::object();
    for (const auto& set : row.set) object[json::json_pointer("/" + dotted_to_pointer(set.field))] = value_to_json(set.to);
    std::string members = object.dump();
    members = members.substr(1, members.size() - 2);
    filled["masked_object_fields"] = members;
    filled["all_object_fields"] = members;
    std::string body = spec.body.empty() && !row.delete_row ? "{<masked_object_fields>}" : spec.body;
    auto answer = send(spec, url_for(spec, filled, {}), render_body(body, filled), spec.method != "POST");
    if (!answer) return propagate(answer.error());
    if (answer->status == 404 || ignored(spec, answer->status)) return false;  // already gone
    if (answer->status < 200 || answer->status >= 300) return propagate(refused(spec, *answer).error());
    if (spec.async) {  // accepted as a job: done once the job is
      if (auto done = wait_for_job(spec, filled, *answer); !done) return propagate(done.error());
    }
    return true;
  }

  // An asynchronous request's job (Fides' async_config, polling): its id from the first answer,
  // then its status asked every async_poll_seconds until it completes, for at most
  // async_timeout_seconds. Gives the values the follow-up requests are filled with.
  Result<Values> wait_for_job(const HttpRequestSpec& spec, Values filled, const Answer& started) {
    const HttpAsync& job = *spec.async;
    std::string name = spec.method + " " + spec.path + " (" + spec.where + ")";
    if (!spec.correlation_id_path.empty()) {
      json parsed = json::parse(started.body, nullptr, false);
      const json* id = parsed.is_discarded() ? nullptr : at_path(parsed, spec.correlation_id_path);
      if (!id || id->is_null())
        return fail(ErrorCode::unavailable, name + ": the answer has no job id at '" + spec.correlation_id_path + "'");
      filled["correlation_id"] = text_of(*id);
    }
    auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                             std::chrono::duration<double>(m_async_timeout));
    auto pause = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(m_async_poll));
    for (;;) {
      std::string body = job.status.body.empty() ? "" : render_body(job.status.body, filled);
      auto answer = send(job.status, url_for(job.status, filled, {}), body, true);
      if (!answer) return propagate(answer.error());
      if (answer->status < 200 || answer->status >= 300) return propagate(refused(job.status, *answer).error());
      json parsed = json::parse(answer->body, nullptr, false);
      const json* status = parsed.is_discarded() ? nullptr : at_path(parsed, job.status_path);
      if (status && text_of(*status) == job.completed_value) return filled;
      if (SteadyClock::now() + pause > deadline)
        return fail(ErrorCode::unavailable, name + ": the API's job has not completed within " +
                                                format_seconds(m_async_timeout) +
                                                " (the store's async_timeout_seconds): run it again later");
      std::this_thread::sleep_for(pause);
    }
  }

  // A read answered later: the job started, waited for, then its records fetched by the result
  // request (at result_path, else the read's data_path), through the read's postprocessors.
  Status read_async(const HttpRequestSpec& spec, const Values& filled, const RecordVisitor& visit) {
    std::string body = spec.body.empty() ? "" : render_body(spec.body, filled);
    auto answer = send(spec, url_for(spec, filled, {}), body, true);
    if (!answer) return propagate(answer.error());
    if (answer->status == 404 || ignored(spec, answer->status)) return {};
    if (answer->status < 200 || answer->status >= 300) return refused(spec, *answer);
    auto done = wait_for_job(spec, filled, *answer);
    if (!done) return propagate(done.error());
    HttpRequestSpec result = *spec.async->result;
    result.data_path = spec.async->result_path.empty() ? spec.data_path : spec.async->result_path;
    result.postprocessors = spec.postprocessors;
    result.ignore_errors = spec.ignore_errors;
    result.ignore_all_errors = spec.ignore_all_errors;
    return read_pages(result, *done, visit);
  }

  static std::string format_seconds(double seconds) {
    std::ostringstream out;
    out << seconds << " s";
    return out.str();
  }

  // Body templates are JSON: values go in as JSON string content, the object's fields as members.
  static std::string render_body(const std::string& body, const Values& filled) {
    Values escaped = filled;
    std::string with_members = body;
    for (const char* raw : {"masked_object_fields", "all_object_fields"}) {
      std::string token = std::string("<") + raw + ">";
      for (auto at = with_members.find(token); at != std::string::npos; at = with_members.find(token))
        with_members.replace(at, token.size(), filled.at(raw));
      escaped.erase(raw);
    }
    return render(with_members, escaped, Encoding::json_string);
  }

  std::string url_for(const HttpRequestSpec& spec, const Values& filled,
                      const std::vector<std::pair<std::string, std::string>>& overrides) const {
    std::string base = m_base;
    if (!spec.base_url.empty()) {  // the request's own host (a Fides request's client_config)
      base = render(spec.base_url, filled, Encoding::raw);
      while (!base.empty() && base.back() == '/') base.pop_back();
    }
    std::string url = base + render(spec.path, filled, Encoding::url);
    std::vector<std::pair<std::string, std::string>> query;
    for (const auto& [name, value] : spec.query) query.emplace_back(name, render(value, filled, Encoding::raw));
    for (const auto& entry : overrides) {  // not a structured binding: clang 14 cannot capture one
      auto it = std::find_if(query.begin(), query.end(), [&](const auto& q) { return q.first == entry.first; });
      if (it == query.end())
        query.push_back(entry);
      else
        it->second = entry.second;
    }
    for (const auto& q : spec.auth.empty() ? m_auth_query : own_auth(spec).query) query.push_back(q);
    char sep = '?';
    for (const auto& [name, value] : query) {
      url += sep + percent_encode(name) + "=" + percent_encode(value);
      sep = '&';
    }
    return url;
  }

  bool ignored(const HttpRequestSpec& spec, long status) const {
    if (status >= 200 && status < 300) return false;
    return spec.ignore_all_errors ||
           std::find(spec.ignore_errors.begin(), spec.ignore_errors.end(), static_cast<int>(status)) !=
               spec.ignore_errors.end();
  }

  Status refused(const HttpRequestSpec& spec, const Answer& answer) const {
    std::string what = answer.status == 401 || answer.status == 403 ? " (check the credentials)" : "";
    return fail(ErrorCode::unavailable, spec.method + " " + spec.path + " (" + spec.where + "): the API answered " +
                                            std::to_string(answer.status) + what);
  }

  // The store's steady pace (rate_limit, per second), then the API's own quotas: the store's
  // rate_limit_config and the request's.
  void wait_for_slot(const HttpRequestSpec& spec) {
    auto now = SteadyClock::now();
    if (m_next_slot > now) std::this_thread::sleep_for(m_next_slot - now);
    m_next_slot = std::max(now, m_next_slot) + m_interval;
    if (m_store.rate_limits.empty() && spec.rate_limits.empty()) return;
    std::vector<HttpRateLimit> limits = m_store.rate_limits;
    limits.insert(limits.end(), spec.rate_limits.begin(), spec.rate_limits.end());
    auto wait = m_quotas.wait_before(limits, SteadyClock::now());
    if (wait > SteadyClock::duration::zero()) std::this_thread::sleep_for(wait);
    m_quotas.record(limits, SteadyClock::now());
  }

  // The connector parameters a request's placeholders start from, its aliases included.
  Values values_for(const HttpRequestSpec& spec) const {
    Values values = m_params;
    for (const auto& [placeholder, connector] : spec.connector_aliases) {
      auto it = m_params.find(connector);
      if (it != m_params.end()) values[placeholder] = it->second;
    }
    return values;
  }

  // A request's own authentication (a Fides request's client_config), its templates filled with
  // the connector parameters like the store's.
  struct RequestAuth {
    std::string basic;
    std::vector<std::pair<std::string, std::string>> headers, query;
  };
  RequestAuth own_auth(const HttpRequestSpec& spec) const {
    auto filled = [&](const std::string& key) {
      auto it = spec.auth.find(key);
      return it == spec.auth.end() ? std::string() : render(it->second, m_params, Encoding::raw);
    };
    RequestAuth auth;
    std::string strategy = filled("strategy");
    if (strategy == "basic") auth.basic = filled("username") + ":" + filled("password");
    if (strategy == "bearer") auth.headers.emplace_back("Authorization", "Bearer " + filled("token"));
    for (const auto& [key, value] : spec.auth) {
      if (key.starts_with("header.")) auth.headers.emplace_back(key.substr(7), render(value, m_params, Encoding::raw));
      if (key.starts_with("query.")) auth.query.emplace_back(key.substr(6), render(value, m_params, Encoding::raw));
    }
    return auth;
  }

  // Seconds from a Retry-After header (a number; an HTTP date counts as the fallback).
  double retry_after(const Answer& answer, double fallback) const {
    std::string value = header_value(answer.headers, "retry-after");
    if (value.empty()) return fallback;
    char* end = nullptr;
    double seconds = std::strtod(value.c_str(), &end);
    return end && *end == '\0' && seconds >= 0 ? seconds : fallback;
  }

  // OAuth2 client credentials (RFC 6749 4.4): a token from the token endpoint, fetched again
  // when it expires or the API refuses it.
  Status fetch_token() {
    const auto& settings = m_store.settings;
    auto get = [&](const std::string& key, const std::string& fallback) {
      auto it = settings.find(key);
      return it == settings.end() ? fallback : it->second;
    };
    HttpRequestSpec spec;
    spec.method = get("auth.token_method", "POST");
    spec.path = render(get("auth.token_path", get("auth.token_url", "/oauth/token")), m_params, Encoding::raw);
    spec.where = "token request";
    std::string body;
    if (auto fides_body = settings.find("auth.token_body"); fides_body != settings.end()) {
      body = render(fides_body->second, m_oauth_values, Encoding::json_string);
      spec.headers.emplace_back("Content-Type", get("auth.token_content_type", "application/json"));
    } else {
      body = "grant_type=client_credentials&client_id=" + percent_encode(m_oauth_values["client_id"]) +
             "&client_secret=" + percent_encode(m_oauth_values["client_secret"]);
      if (!m_oauth_values["scope"].empty()) body += "&scope=" + percent_encode(m_oauth_values["scope"]);
      spec.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    for (const auto& [key, value] : settings) {
      if (key.starts_with("auth.token_query.")) spec.query.emplace_back(key.substr(17), value);
    }
    if (auto base = settings.find("auth.token_base_url"); base != settings.end()) spec.base_url = base->second;
    std::string url = spec.path.find("://") != std::string::npos ? spec.path : url_for(spec, m_oauth_values, {});
    m_token.clear();
    auto answer = send_once(spec, url, body, false, /*authorised=*/false);
    if (!answer) return propagate(answer.error());
    if (answer->status < 200 || answer->status >= 300) return refused(spec, *answer);
    json parsed = json::parse(answer->body, nullptr, false);
    if (parsed.is_discarded() || !parsed.contains("access_token") || !parsed["access_token"].is_string())
      return fail(ErrorCode::unavailable, "token request: the answer has no access_token");
    m_token = parsed["access_token"].get<std::string>();
    // A provider that rotates refresh tokens sends the next one with the access token.
    if (parsed.contains("refresh_token") && parsed["refresh_token"].is_string())
      m_oauth_values["refresh_token"] = parsed["refresh_token"].get<std::string>();
    long configured = std::atol(get("auth.expires_in", "3600").c_str());
    long lifetime = parsed.contains("expires_in") && parsed["expires_in"].is_number() ? parsed["expires_in"].get<long>()
                                                                                      : (configured > 0 ? configured : 3600);
    m_token_expires = SteadyClock::now() + std::chrono::seconds(std::max(1L, lifetime - 30));
    return keep_tokens(std::chrono::system_clock::now() + std::chrono::seconds(std::max(1L, lifetime - 30)));
  }

  // The vault's name for this store's tokens: the token endpoint and the grant the operator
  // configured, hashed (a new authorization starts afresh; no secret is a name).
  std::string vault_name_for(const std::string& grant) const {
    const auto& settings = m_store.settings;
    auto setting = [&](const std::string& key) {
      auto it = settings.find(key);
      return it == settings.end() ? std::string() : it->second;
    };
    return "oauth2:" + sha256_hex(m_base + "\n" + setting("auth.token_base_url") + "\n" +
                                  setting("auth.token_path") + setting("auth.token_url") + "\n" + grant);
  }

  // Takes the tokens an earlier run kept: its access token while it lasts, and the refresh token
  // the provider rotated to (the configured one it replaced is refused by such a provider).
  Status restore_tokens() {
    auto vault = credential_vault();
    if (!vault) return {};
    auto kept = vault->load(m_vault_name);
    if (!kept) return propagate(kept.error());
    if (!*kept) return {};
    json tokens = json::parse(**kept, nullptr, false);
    if (!tokens.is_object()) return fail(ErrorCode::data_loss, "the kept OAuth2 tokens of this store are corrupt");
    if (tokens.contains("refresh_token") && tokens["refresh_token"].is_string())
      m_oauth_values["refresh_token"] = tokens["refresh_token"].get<std::string>();
    if (tokens.contains("access_token") && tokens["access_token"].is_string() && tokens.contains("expires_at") &&
        tokens["expires_at"].is_number_integer()) {
      auto left = std::chrono::seconds(tokens["expires_at"].get<std::int64_t>()) -
                  std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
      if (left > std::chrono::seconds(0)) {
        m_token = tokens["access_token"].get<std::string>();
        m_token_expires = SteadyClock::now() + left;
      }
    }
    m_restored = true;
    return {};
  }

  // Keeps the tokens for the next run. A rotated refresh token that could not be kept would be
  // lost with this process (the provider no longer takes the old one): that is an error.
  Status keep_tokens(std::chrono::system_clock::time_point expires_at) {
    auto vault = credential_vault();
    if (!vault) return {};
    json tokens = {{"access_token", m_token},
                   {"expires_at", std::chrono::duration_cast<std::chrono::seconds>(expires_at.time_since_epoch()).count()}};
    if (auto refresh = m_oauth_values.find("refresh_token"); refresh != m_oauth_values.end())
      tokens["refresh_token"] = refresh->second;
    if (auto ok = vault->save(m_vault_name, tokens.dump()); !ok)
      return fail(ErrorCode::unavailable, "the renewed OAuth2 tokens could not be kept in the case store: " +
                                              ok.error().message);
    return {};
  }

  // A token request refused with tokens kept by an earlier run: another worker may have renewed
  // them since (a rotating provider takes each refresh token once). Read them again and retry once.
  Status fetch_token_retrying() {
    std::string refused_token = m_token;
    auto fetched = fetch_token();
    if (fetched || !m_restored) return fetched;
    std::string used = m_oauth_values["refresh_token"];
    if (auto ok = restore_tokens(); !ok) return fetched;
    if (m_oauth_values["refresh_token"] == used) return fetched;
    if (!m_token.empty() && m_token != refused_token) return {};  // the other worker's fresh access token
    return fetch_token();
  }

  Result<Answer> send(const HttpRequestSpec& spec, const std::string& url, const std::string& body, bool idempotent) {
    if (!m_oauth) return send_once(spec, url, body, idempotent, true);
    if (m_token.empty() || SteadyClock::now() >= m_token_expires) {
      if (auto ok = fetch_token_retrying(); !ok) return propagate(ok.error());
    }
    auto answer = send_once(spec, url, body, idempotent, true);
    if (answer && answer->status == 401) {  // revoked or expired early: one fresh token, one more try
      if (auto ok = fetch_token_retrying(); !ok) return propagate(ok.error());
      return send_once(spec, url, body, idempotent, true);
    }
    return answer;
  }

  Result<Answer> send_once(const HttpRequestSpec& spec, const std::string& url, const std::string& json_body,
                           bool idempotent, bool authorised) {
    std::string name = spec.method + " " + spec.path + " (" + spec.where + ")";
    // The map writes bodies as JSON; a form-encoded API gets them as a form (as Fides does).
    std::string body = json_body;
    bool form = std::any_of(spec.headers.begin(), spec.headers.end(), [](const auto& h) {
      return ascii_lower(h.first) == "content-type" && ascii_lower(h.second).starts_with("application/x-www-form-urlencoded");
    });
    if (form) {
      json parsed = json::parse(json_body, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_object()) {
        body.clear();
        form_encode(parsed, "", body);
      }
    }
    for (int attempt = 1;; ++attempt) {
      wait_for_slot(spec);
      Answer answer;
      curl_easy_reset(m_curl);
      curl_easy_setopt(m_curl, CURLOPT_URL, url.c_str());
      curl_easy_setopt(m_curl, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
      if (spec.method == "GET") curl_easy_setopt(m_curl, CURLOPT_HTTPGET, 1L);
      if (!body.empty() || spec.method == "POST" || spec.method == "PUT" || spec.method == "PATCH") {
        curl_easy_setopt(m_curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(m_curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        curl_easy_setopt(m_curl, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
      }
      curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
      bool typed = false;
      for (const auto& [k, v] : spec.headers) {
        typed = typed || ascii_lower(k) == "content-type";
        headers = curl_slist_append(headers, (k + ": " + v).c_str());
      }
      if (!typed && !body.empty()) headers = curl_slist_append(headers, "Content-Type: application/json");
      std::string basic = m_basic;
      if (authorised && !spec.auth.empty()) {  // the request's own authentication, not the store's
        RequestAuth own = own_auth(spec);
        for (const auto& [k, v] : own.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
        basic = own.basic;
      } else if (authorised) {
        for (const auto& [k, v] : m_auth_headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
        if (!m_token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + m_token).c_str());
      }
      curl_easy_setopt(m_curl, CURLOPT_HTTPHEADER, headers);
      if (authorised && !basic.empty()) {
        curl_easy_setopt(m_curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(m_curl, CURLOPT_USERPWD, basic.c_str());
      }
      curl_easy_setopt(m_curl, CURLOPT_TIMEOUT, m_timeout);
      curl_easy_setopt(m_curl, CURLOPT_CONNECTTIMEOUT, std::min(m_timeout, 10L));
      curl_easy_setopt(m_curl, CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(m_curl, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(m_curl, CURLOPT_SSL_VERIFYHOST, 2L);
      if (auto ca = m_store.settings.find("ca_file"); ca != m_store.settings.end())
        curl_easy_setopt(m_curl, CURLOPT_CAINFO, ca->second.c_str());
      capture_response(m_curl, answer.body, answer.headers);
      ++m_traffic.requests;
      CURLcode rc = curl_easy_perform(m_curl);
      curl_slist_free_all(headers);
      double backoff = 0.5 * (1 << std::min(attempt - 1, 6));
      if (rc != CURLE_OK) {
        if (idempotent && attempt < m_retries) {
          std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
          continue;
        }
        return fail(ErrorCode::unavailable, name + ": " + curl_easy_strerror(rc) + " (after " +
                                                std::to_string(attempt) + " attempt(s))");
      }
      curl_easy_getinfo(m_curl, CURLINFO_RESPONSE_CODE, &answer.status);
      bool busy = answer.status == 429 || answer.status == 503;
      if (busy || (answer.status >= 500 && idempotent)) {
        double wait = busy ? retry_after(answer, backoff) : backoff;
        if (attempt < m_retries && wait <= m_max_retry_wait) {
          std::this_thread::sleep_for(std::chrono::duration<double>(wait));
          continue;
        }
        return fail(ErrorCode::unavailable, name + ": the API answered " + std::to_string(answer.status) + " " +
                                                std::to_string(attempt) + " time(s)" +
                                                (busy ? " (too busy; Retry-After honoured)" : ""));
      }
      return answer;
    }
  }

  // The records of one answer: at data_path, then through the postprocessors.
  Result<std::vector<json>> items_of(const HttpRequestSpec& spec, const json& answer, const Values& filled) const {
    const json* at = at_path(answer, spec.data_path);
    if (!at)
      return fail(ErrorCode::unavailable, spec.method + " " + spec.path + " (" + spec.where + "): the answer has no '" +
                                              spec.data_path + "'");
    std::vector<json> items;
    if (at->is_array())
      items.assign(at->begin(), at->end());
    else if (!at->is_null())
      items.push_back(*at);
    for (const auto& p : spec.postprocessors) {
      std::vector<json> kept;
      for (auto& item : items) {
        if (p.strategy == "unwrap") {
          const json* inner = at_path(item, p.data_path);
          if (inner && inner->is_array())
            kept.insert(kept.end(), inner->begin(), inner->end());
          else if (inner && !inner->is_null())
            kept.push_back(*inner);
          continue;
        }
        const json* value = at_path(item, p.field);
        if (!value) continue;
        std::string text = text_of(*value);
        std::vector<std::string> wanted;
        if (p.identity) {
          if (auto it = m_identities.find(*p.identity); it != m_identities.end()) wanted = it->second;
        } else {
          wanted.push_back(render(p.value, filled, Encoding::raw));
        }
        bool email = p.identity == "email";
        if (std::any_of(wanted.begin(), wanted.end(),
                        [&](const std::string& w) { return email ? ascii_lower(w) == ascii_lower(text) : w == text; }))
          kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    return items;
  }

  // The read request that looks records up by exactly these fields: each is one of its
  // parameters, and its other parameters are the person's identifiers.
  static const HttpRequestSpec* read_for(const Collection& c, const std::vector<std::string>& fields) {
    if (!c.http) return nullptr;
    for (const auto& spec : c.http->read) {
      auto given = [&](const HttpParam& p) { return std::find(fields.begin(), fields.end(), p.field) != fields.end(); };
      bool covers = std::all_of(fields.begin(), fields.end(), [&](const std::string& f) {
        return std::any_of(spec.params.begin(), spec.params.end(), [&](const HttpParam& p) { return p.field == f; });
      });
      bool rest_known = std::all_of(spec.params.begin(), spec.params.end(),
                                    [&](const HttpParam& p) { return given(p) || p.identity.has_value(); });
      if (covers && rest_known) return &spec;
    }
    return nullptr;
  }

  // Reads through `spec` with the parameters of the given fields filled, the others from the
  // person's identifiers.
  Status read_with(const HttpRequestSpec& spec, const std::map<std::string, std::string>& given,
                   const RecordVisitor& visit) {
    Values filled = values_for(spec);
    for (const auto& p : spec.params) {
      if (auto it = given.find(p.field); it != given.end()) {
        filled[p.name] = it->second;
        continue;
      }
      auto known = m_identities.find(*p.identity);  // read_for chose a request whose others are identities
      if (known == m_identities.end() || known->second.empty())
        return invalid(spec.where + ": the request also needs the person's " + *p.identity);
      filled[p.name] = known->second.front();
    }
    return read_pages(spec, filled, visit);
  }

  Status read_pages(const HttpRequestSpec& spec, const Values& filled, const RecordVisitor& visit) {
    if (spec.async) return read_async(spec, filled, visit);
    std::string url = url_for(spec, filled, {});
    std::string body = spec.body.empty() ? "" : render_body(spec.body, filled);
    const auto& config = spec.pagination.config;
    auto setting = [&](const char* key, const std::string& fallback) {
      auto it = config.find(key);
      return it == config.end() ? fallback : it->second;
    };
    long offset = 0;
    if (spec.pagination.strategy == "offset") {
      for (const auto& [k, v] : spec.query)
        if (k == setting("incremental_param", "")) offset = std::atol(render(v, filled, Encoding::raw).c_str());
    }
    for (int page = 0;; ++page) {
      if (page >= m_max_pages)
        return fail(ErrorCode::unavailable, spec.method + " " + spec.path + " (" + spec.where + "): more than " +
                                                std::to_string(m_max_pages) + " pages (raise the store's max_pages)");
      auto answer = send(spec, url, body, true);
      if (!answer) return propagate(answer.error());
      if (answer->status == 404 || ignored(spec, answer->status)) return {};
      if (answer->status < 200 || answer->status >= 300) return refused(spec, *answer);
      json parsed = json::parse(answer->body, nullptr, false);
      if (parsed.is_discarded())
        return fail(ErrorCode::unavailable, spec.method + " " + spec.path + " (" + spec.where +
                                                "): the answer is not JSON");
      const json* raw = at_path(parsed, spec.data_path);
      bool empty_page = !raw || raw->is_null() || (raw->is_array() && raw->empty());
      auto items = items_of(spec, parsed, filled);
      if (!items) return propagate(items.error());
      for (const auto& item : *items) {
        if (auto ok = visit(to_record(item)); !ok) return ok;
      }
      // The next page, as the request's pagination says; none when this one was empty.
      std::string next;
      const std::string& strategy = spec.pagination.strategy;
      if (strategy == "link") {
        if (setting("source", "headers") == "body") {
          const json* link = at_path(parsed, setting("path", "links.next"));
          next = link ? text_of(*link) : "";
        } else {
          std::string header = header_value(answer->headers, "link");
          next = header.empty() ? "" : link_with_rel(header, setting("rel", "next"));
        }
        if (!next.empty() && next.find("://") == std::string::npos) next = m_base + (next[0] == '/' ? "" : "/") + next;
      } else if (strategy == "offset" && !empty_page) {
        offset += std::atol(setting("increment_by", "1").c_str());
        long limit = std::atol(setting("limit", "0").c_str());
        if (limit <= 0 || offset <= limit) next = url_for(spec, filled, {{setting("incremental_param", ""), std::to_string(offset)}});
      } else if (strategy == "cursor" && !empty_page && raw->is_array()) {
        const json* cursor = at_path(raw->back(), setting("field", "id"));
        if (cursor && !cursor->is_null()) next = url_for(spec, filled, {{setting("cursor_param", ""), text_of(*cursor)}});
      }
      if (next.empty() || empty_page) return {};
      url = next;
    }
  }

  StoreSpec m_store;
  Values m_params;
  CURL* m_curl;
  std::string m_base;
  std::string m_basic;
  std::vector<std::pair<std::string, std::string>> m_auth_headers, m_auth_query;
  std::map<std::string, std::vector<std::string>> m_identities;
  bool m_oauth = false;
  RateLimiter m_quotas;
  Values m_oauth_values;  // client id and secret, scope, connector parameters: the token request's
  std::string m_token;
  SteadyClock::time_point m_token_expires{};
  std::string m_vault_name;  // where the tokens are kept between runs (credential_vault.hpp)
  bool m_restored = false;   // tokens came from the vault
  SteadyClock::duration m_interval{};
  SteadyClock::time_point m_next_slot{};
  long m_timeout = 30;
  int m_retries = 3;
  int m_max_pages = 1000;
  double m_max_retry_wait = 60;
  double m_async_poll = 5, m_async_timeout = 900;  // an asynchronous request's job: its pace and patience
};

}  // namespace

Result<std::unique_ptr<Connector>> open_http_connector(const StoreSpec& store, AccessMode) {
  Values params;
  for (const auto& [key, value] : store.settings) {
    if (key.starts_with("param.")) params[key.substr(6)] = value;
    if (key.starts_with("param_env.")) {
      const char* secret = std::getenv(value.c_str());
      if (!secret)
        return fail(ErrorCode::unavailable, "environment variable " + value + " (connector parameter " +
                                                key.substr(10) + ") is not set");
      params[key.substr(10)] = secret;
    }
  }
  CURL* curl = curl_easy_init();
  if (!curl) return fail(ErrorCode::internal, "libcurl could not start");
  auto connector = std::make_unique<HttpConnector>(store, std::move(params), curl);
  if (auto ok = connector->prepare_auth(); !ok) return propagate(ok.error());
  return std::unique_ptr<Connector>(std::move(connector));
}

}  // namespace maestro
