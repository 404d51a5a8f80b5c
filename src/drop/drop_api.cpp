#include "drop/drop_api.hpp"

#include <curl/curl.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

namespace maestro {

namespace {

struct Answer {
  long status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;
};

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* out) {
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(value.begin());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    auto* answer = static_cast<Answer*>(out);
    if (name == "content-type") answer->content_type = value;
    if (name == "retry-after") answer->retry_after = value;
  }
  return size * count;
}

// The day of the month of the n-th Sunday (n = 1, 2) of a month.
unsigned nth_sunday(int year, unsigned month, unsigned n) {
  using namespace std::chrono;
  weekday first{sys_days{std::chrono::year{year} / std::chrono::month{month} / 1}};
  unsigned first_sunday = 1 + (7 - first.c_encoding()) % 7;
  return first_sunday + 7 * (n - 1);
}

// One call, retried while DROP says "later" (429), fails on its side (5xx) or cannot be reached.
class DropCall {
 public:
  DropCall(const DropApiSettings& settings, Instant now) : m_settings(settings), m_now(now) {}

  Result<Answer> send(const std::string& method, const std::string& path, curl_mime* (*form)(CURL*, const void*),
                      const void* form_input) {
    if (m_settings.api_key.empty())
      return fail(ErrorCode::permission_denied, "no DROP API key: set the variable maestro.yaml's drop.api_key_env names");
    std::string name = method + " " + path;
    for (int attempt = 1;; ++attempt) {
      std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
      if (!curl) return fail(ErrorCode::internal, "cannot start an HTTP client");
      Answer answer;
      std::string url = m_settings.base_url + path;
      curl_slist* headers = curl_slist_append(nullptr, ("X-API-KEY: " + m_settings.api_key).c_str());
      headers = curl_slist_append(headers, "Accept: application/zip, application/json");
      curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
      curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
      curl_mime* mime = form ? form(curl.get(), form_input) : nullptr;
      if (mime) curl_easy_setopt(curl.get(), CURLOPT_MIMEPOST, mime);
      curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, m_settings.timeout_seconds);
      curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
      curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
      curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, 2L);
      if (!m_settings.ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, m_settings.ca_file.c_str());
      curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &collect_body);
      curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer.body);
      curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, &collect_header);
      curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &answer);
      CURLcode rc = curl_easy_perform(curl.get());
      curl_slist_free_all(headers);
      if (mime) curl_mime_free(mime);
      double backoff = std::min(m_settings.max_wait_seconds, 1.0 * (1 << std::min(attempt - 1, 6)));
      if (rc != CURLE_OK) {
        if (attempt < m_settings.attempts) {
          wait(backoff);
          continue;
        }
        return unavailable(name + ": " + curl_easy_strerror(rc));
      }
      curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &answer.status);
      if (answer.status == 401)
        return fail(ErrorCode::permission_denied, name + ": DROP refused the API key (401): check the broker's key");
      if (answer.status == 403)
        return fail(ErrorCode::permission_denied,
                    name + ": DROP answered 403: the broker is not eligible or has selected no list");
      if (answer.status == 404) return fail(ErrorCode::not_found, name + ": DROP answered 404 (check drop.api_url)");
      if (answer.status == 429 || answer.status >= 500) {
        double seconds = answer.status == 429 ? retry_after(answer, 30) : backoff;
        if (attempt < m_settings.attempts && seconds <= m_settings.max_wait_seconds) {
          wait(seconds);
          continue;
        }
        return unavailable(name + ": DROP answered " + std::to_string(answer.status) + " " + std::to_string(attempt) +
                           " time(s)");
      }
      return answer;
    }
  }

 private:
  static double retry_after(const Answer& answer, double fallback) {
    if (answer.retry_after.empty()) return fallback;
    char* end = nullptr;
    double seconds = std::strtod(answer.retry_after.c_str(), &end);
    return end && *end == '\0' && seconds >= 0 ? seconds : fallback;
  }
  static void wait(double seconds) { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }
  Unexpected<Error> unavailable(const std::string& message) const {
    std::string hint = in_drop_maintenance_window(m_now)
                           ? " (DROP's daily maintenance window is 01:00-03:00 Pacific: try again after it)"
                           : " (try again later)";
    return fail(ErrorCode::unavailable, message + hint);
  }

  const DropApiSettings& m_settings;
  Instant m_now;
};

curl_mime* status_file_form(CURL* curl, const void* input) {
  const auto* file = static_cast<const std::filesystem::path*>(input);
  curl_mime* mime = curl_mime_init(curl);
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_name(part, "file");
  curl_mime_filedata(part, file->c_str());
  curl_mime_type(part, "text/csv");
  return mime;
}

}  // namespace

bool in_drop_maintenance_window(Instant at) {
  using namespace std::chrono;
  auto utc = floor<seconds>(at);
  year_month_day day{floor<days>(utc)};
  int year = static_cast<int>(day.year());
  // Daylight saving time starts at 02:00 local (10:00 UTC) on the second Sunday of March and ends
  // at 02:00 local (09:00 UTC) on the first Sunday of November.
  sys_seconds dst_start = sys_days{std::chrono::year{year} / March / nth_sunday(year, 3, 2)} + hours{10};
  sys_seconds dst_end = sys_days{std::chrono::year{year} / November / nth_sunday(year, 11, 1)} + hours{9};
  hours offset = (utc >= dst_start && utc < dst_end) ? hours{-7} : hours{-8};
  auto local = utc + offset;
  auto since_midnight = local - floor<days>(local);
  return since_midnight >= hours{1} && since_midnight < hours{3};
}

Result<DropDownloadResult> drop_download(const DropApiSettings& settings, const std::filesystem::path& zip,
                                         Instant now) {
  DropCall call(settings, now);
  auto answer = call.send("GET", "/data/download", nullptr, nullptr);
  if (!answer) return propagate(answer.error());
  DropDownloadResult out;
  if (answer->status == 202) {
    out.state = DropDownloadState::preparing;
    out.message = "DROP is preparing the download: ask again later";
    return out;
  }
  if (answer->status != 200)
    return fail(ErrorCode::unavailable, "GET /data/download: DROP answered " + std::to_string(answer->status));
  if (answer->content_type.find("json") != std::string::npos) {
    out.state = DropDownloadState::no_new_data;
    out.message = "DROP has no new data for this broker";
    return out;
  }
  if (!answer->body.starts_with("PK"))
    return fail(ErrorCode::unavailable, "GET /data/download: DROP's answer is neither a ZIP nor a JSON message");
  std::filesystem::path partial = zip;
  partial += ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    file.write(answer->body.data(), static_cast<std::streamsize>(answer->body.size()));
    if (!file.flush()) return fail(ErrorCode::unavailable, "cannot write " + partial.string());
  }
  std::error_code ec;
  std::filesystem::rename(partial, zip, ec);
  if (ec) return fail(ErrorCode::unavailable, "cannot write " + zip.string() + ": " + ec.message());
  return out;
}

Status drop_upload(const DropApiSettings& settings, const std::filesystem::path& status_file, bool amend, Instant now) {
  if (!std::filesystem::is_regular_file(status_file)) return fail(ErrorCode::not_found, "no status file " + status_file.string());
  DropCall call(settings, now);
  std::string path = amend ? "/data/amend" : "/data/upload";
  auto answer = call.send("POST", path, &status_file_form, &status_file);
  if (!answer) return propagate(answer.error());
  if (answer->status < 200 || answer->status >= 300)
    return fail(ErrorCode::unavailable, "POST " + path + ": DROP answered " + std::to_string(answer->status) + ": " +
                                            answer->body.substr(0, 300));
  return {};
}

}  // namespace maestro
