#include "sinks/s3_sink.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <strings.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <cstring>
#include <fstream>
#include <regex>
#include <vector>

#include "common/text.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// An object key in a URL path: '/' separates folders and stays.
std::string encode_key(const std::string& key) {
  return percent_encode(key, "/");
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &length);
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string xml_value(const std::string& xml, const std::string& tag) {
  auto start = xml.find("<" + tag + ">");
  if (start == std::string::npos) return "";
  start += tag.size() + 2;
  auto end = xml.find("</" + tag + ">", start);
  return end == std::string::npos ? "" : xml.substr(start, end - start);
}

struct Response {
  long status = 0;
  std::string body;
  std::string etag;
};

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t collect_etag(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  if (line.size() > 5 && strncasecmp(line.c_str(), "etag:", 5) == 0) {
    std::string value = line.substr(5);
    while (!value.empty() && (value.front() == ' ')) value.erase(value.begin());
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    *static_cast<std::string*>(user) = value;
  }
  return size * count;
}

struct Upload {
  const std::string* body;
  size_t offset = 0;
};

size_t send_body(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t n = std::min(size * count, u->body->size() - u->offset);
  std::memcpy(buffer, u->body->data() + u->offset, n);
  u->offset += n;
  return n;
}

class S3Sink final : public Sink {
 public:
  S3Sink(S3Location location, S3Config config) : m_location(std::move(location)), m_config(std::move(config)) {}

  Result<std::string> put(const std::filesystem::path& file, const std::string& name) override {
    std::error_code ec;
    std::uint64_t size = std::filesystem::file_size(file, ec);
    if (ec) return fail(ErrorCode::not_found, "cannot read " + file.string());
    std::string key = m_location.prefix + name;
    std::ifstream in(file, std::ios::binary);
    Status sent = size <= m_config.part_size ? put_single(in, size, key) : put_multipart(in, size, key);
    if (!sent) return propagate(sent.error());
    return "s3://" + m_location.bucket + "/" + key;
  }

 private:
  std::string url(const std::string& key, const std::string& query = "") const {
    std::string base = m_config.endpoint.empty() ? "https://" + m_location.bucket + ".s3." + m_config.region +
                                                       ".amazonaws.com/" + encode_key(key)
                                                 : m_config.endpoint + "/" + m_location.bucket + "/" + encode_key(key);
    return query.empty() ? base : base + "?" + query;
  }

  Result<Response> request(const std::string& method, const std::string& target, const std::string& body) const {
    CURL* curl = curl_easy_init();
    if (!curl) return fail(ErrorCode::internal, "cannot start libcurl");
    Response response;
    struct curl_slist* headers = nullptr;
    // curl signs the request but does not send the payload hash, which S3 requires.
    headers = curl_slist_append(headers, ("x-amz-content-sha256: " + sha256_hex(body)).c_str());
    if (!m_config.session_token.empty()) {
      headers = curl_slist_append(headers, ("x-amz-security-token: " + m_config.session_token).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");
    std::string sigv4 = "aws:amz:" + m_config.region + ":s3";
    std::string credentials = m_config.access_key + ":" + m_config.secret_key;
    Upload upload{&body};
    curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_etag);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.etag);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, send_body);
      curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else if (method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
      return fail(ErrorCode::unavailable, "cannot reach S3 at " +
                                              (m_config.endpoint.empty() ? std::string("AWS") : m_config.endpoint) +
                                              ": " + curl_easy_strerror(rc));
    }
    if (response.status >= 300) {
      std::string code = xml_value(response.body, "Code"), message = xml_value(response.body, "Message");
      ErrorCode kind = response.status == 403 || response.status == 401 ? ErrorCode::permission_denied
                       : response.status == 404                         ? ErrorCode::not_found
                                                                        : ErrorCode::unavailable;
      return fail(kind, "S3 refused " + method + " s3://" + m_location.bucket + "/...: HTTP " +
                            std::to_string(response.status) + (code.empty() ? "" : " " + code) +
                            (message.empty() ? "" : " (" + message + ")"));
    }
    return response;
  }

  Status put_single(std::ifstream& in, std::uint64_t size, const std::string& key) const {
    std::string body(size, '\0');
    in.read(body.data(), static_cast<std::streamsize>(size));
    auto r = request("PUT", url(key), body);
    if (!r) return propagate(r.error());
    return {};
  }

  Status put_multipart(std::ifstream& in, std::uint64_t size, const std::string& key) const {
    auto started = request("POST", url(key, "uploads"), "");
    if (!started) return propagate(started.error());
    std::string upload_id = xml_value(started->body, "UploadId");
    if (upload_id.empty()) return fail(ErrorCode::unavailable, "S3 did not start a multipart upload");
    std::string id_query = "uploadId=" + encode_key(upload_id);
    std::string complete = "<CompleteMultipartUpload>";
    std::string part(m_config.part_size, '\0');
    int number = 0;
    for (std::uint64_t sent = 0; sent < size; sent += part.size()) {
      part.resize(std::min<std::uint64_t>(m_config.part_size, size - sent));
      in.read(part.data(), static_cast<std::streamsize>(part.size()));
      ++number;
      auto r = request("PUT", url(key, "partNumber=" + std::to_string(number) + "&" + id_query), part);
      if (!r || r->etag.empty()) {
        request("DELETE", url(key, id_query), "");  // abort, so no orphaned parts are kept (and billed)
        return r ? fail(ErrorCode::unavailable, "S3 returned no ETag for part " + std::to_string(number))
                 : propagate(r.error());
      }
      complete += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + r->etag + "</ETag></Part>";
    }
    complete += "</CompleteMultipartUpload>";
    auto done = request("POST", url(key, id_query), complete);
    if (!done || done->body.find("<Error>") != std::string::npos) {
      request("DELETE", url(key, id_query), "");
      return done
                 ? fail(ErrorCode::unavailable, "S3 could not complete the upload: " + xml_value(done->body, "Message"))
                 : propagate(done.error());
    }
    return {};
  }

  S3Location m_location;
  S3Config m_config;
};

}  // namespace

Result<S3Location> parse_s3_url(const std::string& text) {
  static const std::regex pattern("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/(.*))?");
  std::smatch m;
  if (!std::regex_match(text, m, pattern)) {
    return invalid("invalid S3 destination '" + text + "': expected s3://bucket/prefix/");
  }
  S3Location location{m[1].str(), m[3].str()};
  if (!location.prefix.empty() && location.prefix.back() != '/') location.prefix += '/';
  if (location.prefix.find("..") != std::string::npos) return invalid("an S3 prefix must not contain '..'");
  return location;
}

Result<S3Config> s3_config_from_environment() {
  S3Config c;
  c.access_key = env("AWS_ACCESS_KEY_ID");
  c.secret_key = env("AWS_SECRET_ACCESS_KEY");
  c.session_token = env("AWS_SESSION_TOKEN");
  if (c.access_key.empty() || c.secret_key.empty()) {
    return precondition("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (!env(name).empty()) {
      c.region = env(name);
      break;
    }
  }
  for (const char* name : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
    if (!env(name).empty()) {
      c.endpoint = env(name);
      break;
    }
  }
  while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
  if (std::string part = env("MAESTRO_S3_PART_SIZE_MB"); !part.empty()) {
    c.part_size = std::max<std::uint64_t>(5, std::strtoull(part.c_str(), nullptr, 10)) * 1024 * 1024;
  }
  return c;
}

Result<std::unique_ptr<Sink>> open_s3_sink(const S3Location& location, S3Config config) {
  return std::unique_ptr<Sink>(std::make_unique<S3Sink>(location, std::move(config)));
}

Result<std::string> presign_s3_get(const S3Config& config, const std::string& bucket, const std::string& key,
                                   std::chrono::system_clock::time_point signed_at, std::chrono::seconds expires) {
  if (expires.count() < 1 || expires.count() > 7 * 24 * 3600)
    return invalid("a presigned URL lasts from 1 second to 7 days");
  if (config.access_key.empty() || config.secret_key.empty()) return invalid("no S3 credentials to sign with");
  std::string scheme_host, path;
  if (config.endpoint.empty()) {
    // us-east-1 answers at the global name too (AWS's own documented example signs that host).
    scheme_host = "https://" + bucket + (config.region == "us-east-1" ? ".s3" : ".s3." + config.region) +
                  ".amazonaws.com";
    path = "/" + encode_key(key);
  } else {
    scheme_host = config.endpoint;
    while (scheme_host.ends_with('/')) scheme_host.pop_back();
    path = "/" + bucket + "/" + encode_key(key);
  }
  std::string host = scheme_host.substr(scheme_host.find("://") + 3);
  std::time_t t = std::chrono::system_clock::to_time_t(signed_at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char amz_date[17], day[9];
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
  std::strftime(day, sizeof day, "%Y%m%d", &tm);
  std::string scope = std::string(day) + "/" + config.region + "/s3/aws4_request";
  // Query parameters in byte order, as the canonical request needs them.
  std::vector<std::pair<std::string, std::string>> query{
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Credential", config.access_key + "/" + scope},
      {"X-Amz-Date", amz_date},
      {"X-Amz-Expires", std::to_string(expires.count())},
      {"X-Amz-SignedHeaders", "host"},
  };
  if (!config.session_token.empty()) query.emplace_back("X-Amz-Security-Token", config.session_token);
  std::sort(query.begin(), query.end());
  std::string canonical_query;
  for (const auto& [k, v] : query)
    canonical_query += (canonical_query.empty() ? "" : "&") + k + "=" + percent_encode(v);
  std::string canonical_request =
      "GET\n" + path + "\n" + canonical_query + "\nhost:" + host + "\n\nhost\nUNSIGNED-PAYLOAD";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string signing_key = hmac_sha256("AWS4" + config.secret_key, day);
  signing_key = hmac_sha256(signing_key, config.region);
  signing_key = hmac_sha256(signing_key, "s3");
  signing_key = hmac_sha256(signing_key, "aws4_request");
  std::string signature = to_hex(hmac_sha256(signing_key, to_sign));
  return scheme_host + path + "?" + canonical_query + "&X-Amz-Signature=" + signature;
}

}  // namespace maestro
