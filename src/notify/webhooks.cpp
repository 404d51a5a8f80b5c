#include "notify/webhooks.hpp"

#include <curl/curl.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/http_capture.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

using nlohmann::json;

const std::vector<std::string>& webhook_event_types() {
  static const std::vector<std::string> types{"case.created",  "case.state_changed", "case.due_soon",
                                              "case.overdue",  "case.closed",        "job.failed",
                                              "erasure.proven", "package.staged",    "ping"};
  return types;
}

std::string webhook_body(const WebhookEvent& event, const std::string& format) {
  json data = json::parse(event.data_json, nullptr, false);
  if (data.is_discarded()) data = json::object();
  if (format == "slack") {
    std::string text = "Maestro: " + event.type;
    if (!event.case_number.empty()) text += " " + event.case_number;
    if (data.contains("to")) text += " (now " + data["to"].get<std::string>() + ")";
    if (data.contains("legal_due")) text += " (legal deadline " + data["legal_due"].get<std::string>() + ")";
    return json{{"text", text}}.dump();
  }
  json body{{"id", event.id}, {"type", event.type}, {"occurred_at", event.occurred_at}, {"data", data}};
  if (!event.case_number.empty()) body["case"] = event.case_number;
  return body.dump();
}

std::string webhook_signature(const std::string& secret, const std::string& id, std::int64_t timestamp,
                              const std::string& body) {
  return "v1," + base64(hmac_sha256(secret, id + "." + std::to_string(timestamp) + "." + body));
}

Result<long> post_json(const std::string& url, const std::string& body, const std::vector<std::string>& extra_headers,
                       long timeout_seconds) {
  CURL* curl = curl_easy_init();
  if (!curl) return fail(ErrorCode::internal, "cannot start libcurl");
  std::string answer;
  HttpHeaders answer_headers;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  for (const auto& h : extra_headers) headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is not a delivery
  capture_response(curl, answer, answer_headers);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return fail(ErrorCode::unavailable, "cannot reach " + url + ": " + std::string(curl_easy_strerror(rc)));
  return status;
}

Result<long> post_webhook(const std::string& url, const std::string& secret, const std::string& id,
                          const std::string& body, long timeout_seconds) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auto status = post_json(url, body,
                          {"User-Agent: Maestro-Webhooks/1", "webhook-id: " + id,
                           "webhook-timestamp: " + std::to_string(now.count()),
                           "webhook-signature: " + webhook_signature(secret, id, now.count(), body)},
                          timeout_seconds);
  if (!status) return fail(ErrorCode::unavailable, "cannot reach the webhook receiver: " + status.error().message);
  return status;
}

}  // namespace maestro
