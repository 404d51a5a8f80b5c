#include "sinks/s3_client.hpp"

#include <curl/curl.h>

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/http_capture.hpp"
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

std::string xml_unescape(std::string text) {
  static const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&#34;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [entity, plain] : entities) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1)) {
      text.replace(at, std::strlen(entity), plain);
    }
  }
  return text;
}

// The text of the first <tag> at or after `from`; `from` moves past it.
std::string xml_value(const std::string& xml, const std::string& tag, std::size_t* from = nullptr) {
  std::size_t start = xml.find("<" + tag + ">", from ? *from : 0);
  if (start == std::string::npos) return "";
  start += tag.size() + 2;
  std::size_t end = xml.find("</" + tag + ">", start);
  if (end == std::string::npos) return "";
  if (from) *from = end;
  return xml_unescape(xml.substr(start, end - start));
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

const std::string k_empty;

}  // namespace

std::string S3Client::Response::header(const std::string& name) const {
  return header_value(headers, name);
}

std::string S3Client::url(const std::string& key, const std::string& query) const {
  std::string base = m_config.endpoint.empty()
                         ? "https://" + m_bucket + ".s3." + m_config.region + ".amazonaws.com/" + encode_key(key)
                         : m_config.endpoint + "/" + m_bucket + "/" + encode_key(key);
  return query.empty() ? base : base + "?" + query;
}

Result<S3Client::Response> S3Client::send(const Request& request) const {
  CURL* curl = curl_easy_init();
  if (!curl) return fail(ErrorCode::internal, "cannot start libcurl");
  const std::string& body = request.body ? *request.body : k_empty;
  Response response;
  struct curl_slist* headers = nullptr;
  // curl signs the request but does not send the payload hash, which S3 requires.
  headers = curl_slist_append(headers, ("x-amz-content-sha256: " + sha256_hex(body)).c_str());
  if (!m_config.session_token.empty()) {
    headers = curl_slist_append(headers, ("x-amz-security-token: " + m_config.session_token).c_str());
  }
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  headers = curl_slist_append(headers, "Expect:");
  std::string sigv4 = "aws:amz:" + m_config.region + ":s3";
  std::string credentials = m_config.access_key + ":" + m_config.secret_key;
  std::string target = url(request.key, request.query);
  Upload upload{&body};
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERPWD, credentials.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  capture_response(curl, response.body, response.headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, send_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    return fail(ErrorCode::unavailable, "cannot reach S3 at " + service() + ": " + curl_easy_strerror(rc));
  }
  if (response.status >= 300) {
    std::string code = xml_value(response.body, "Code"), message = xml_value(response.body, "Message");
    ErrorCode kind = response.status == 403 || response.status == 401 ? ErrorCode::permission_denied
                     : response.status == 404                         ? ErrorCode::not_found
                                                                      : ErrorCode::unavailable;
    return fail(kind, "S3 refused " + request.method + " s3://" + m_bucket + "/...: HTTP " +
                          std::to_string(response.status) + (code.empty() ? "" : " " + code) +
                          (message.empty() ? "" : " (" + message + ")"));
  }
  return response;
}

Result<std::vector<S3Object>> S3Client::list(const std::string& prefix) const {
  std::vector<S3Object> objects;
  std::string token;
  while (true) {
    std::string query = "list-type=2&prefix=" + percent_encode(prefix);
    if (!token.empty()) query = "continuation-token=" + percent_encode(token) + "&" + query;
    auto page = send({.method = "GET", .query = query});
    if (!page) return propagate(page.error());
    std::size_t at = 0;
    while (true) {
      std::size_t from = page->body.find("<Contents>", at);
      if (from == std::string::npos) break;
      std::size_t end = page->body.find("</Contents>", from);
      std::string entry = page->body.substr(from, end == std::string::npos ? std::string::npos : end - from);
      objects.push_back({xml_value(entry, "Key"), std::strtoull(xml_value(entry, "Size").c_str(), nullptr, 10),
                         xml_value(entry, "ETag")});
      at = end == std::string::npos ? page->body.size() : end;
    }
    token = xml_value(page->body, "NextContinuationToken");
    if (xml_value(page->body, "IsTruncated") != "true" || token.empty()) break;
  }
  std::sort(objects.begin(), objects.end(), [](const S3Object& a, const S3Object& b) { return a.key < b.key; });
  return objects;
}

Result<S3Object> S3Client::head(const std::string& key) const {
  auto r = send({.method = "HEAD", .key = key});
  if (!r) return propagate(r.error());
  return S3Object{key, std::strtoull(r->header("content-length").c_str(), nullptr, 10), r->header("etag")};
}

Status S3Client::download(const S3Object& object, const std::filesystem::path& file, std::size_t threads) const {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::unavailable, "cannot write " + file.string());
  const std::uint64_t part = std::max<std::uint64_t>(m_config.part_size, 1);
  const std::uint64_t parts = (object.size + part - 1) / part;
  std::atomic<std::uint64_t> next{0};
  std::mutex failure_mutex;
  Status failure;
  auto fetch_parts = [&] {
    for (std::uint64_t i = next++; i < parts; i = next++) {
      std::uint64_t first = i * part, last = std::min(object.size, first + part) - 1;
      // If-Match: every part comes from the same version of the object, or the download fails.
      auto r = send({.method = "GET",
                     .key = object.key,
                     .headers = {"Range: bytes=" + std::to_string(first) + "-" + std::to_string(last),
                                 "If-Match: " + object.etag}});
      Status wrote = r ? Status{} : Status(propagate(r.error()));
      if (r && (r->body.size() != last - first + 1 ||
                ::pwrite(fd, r->body.data(), r->body.size(), static_cast<off_t>(first)) !=
                    static_cast<ssize_t>(r->body.size()))) {
        wrote = fail(ErrorCode::unavailable, "cannot download s3://" + m_bucket + "/" + object.key + " into " +
                                                 file.string() + " (a part came back short or could not be written)");
      }
      if (!wrote) {
        std::lock_guard lock(failure_mutex);
        if (failure) failure = wrote;
        next = parts;
      }
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < std::min<std::uint64_t>(std::max<std::size_t>(threads, 1), parts); ++t) {
    pool.emplace_back(fetch_parts);
  }
  fetch_parts();
  for (auto& t : pool) t.join();
  bool closed = ::close(fd) == 0;
  if (failure && !closed) failure = fail(ErrorCode::unavailable, "cannot write " + file.string());
  return failure;
}

Status S3Client::upload(const std::filesystem::path& file, const std::string& key) const {
  std::error_code ec;
  std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return fail(ErrorCode::not_found, "cannot read " + file.string());
  if (size > m_config.part_size) return upload_in_parts(file, size, key);
  std::string body(size, '\0');
  std::ifstream in(file, std::ios::binary);
  in.read(body.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) return fail(ErrorCode::unavailable, "cannot read " + file.string());
  auto r = send({.method = "PUT", .key = key, .body = &body});
  return r ? Status{} : Status(propagate(r.error()));
}

Status S3Client::upload_in_parts(const std::filesystem::path& file, std::uint64_t size, const std::string& key) const {
  auto started = send({.method = "POST", .key = key, .query = "uploads"});
  if (!started) return propagate(started.error());
  std::string upload_id = xml_value(started->body, "UploadId");
  if (upload_id.empty()) return fail(ErrorCode::unavailable, "S3 did not start a multipart upload");
  std::string id_query = "uploadId=" + encode_key(upload_id);
  auto abort = [&] { send({.method = "DELETE", .key = key, .query = id_query}); };  // no orphaned parts kept (and billed)
  std::ifstream in(file, std::ios::binary);
  std::string complete = "<CompleteMultipartUpload>";
  std::string part(m_config.part_size, '\0');
  int number = 0;
  for (std::uint64_t sent = 0; sent < size; sent += part.size()) {
    part.resize(std::min<std::uint64_t>(m_config.part_size, size - sent));
    in.read(part.data(), static_cast<std::streamsize>(part.size()));
    ++number;
    auto r = send({.method = "PUT", .key = key, .query = "partNumber=" + std::to_string(number) + "&" + id_query,
                   .body = &part});
    if (!r || r->header("etag").empty()) {
      abort();
      return r ? fail(ErrorCode::unavailable, "S3 returned no ETag for part " + std::to_string(number))
               : propagate(r.error());
    }
    complete +=
        "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + r->header("etag") + "</ETag></Part>";
  }
  complete += "</CompleteMultipartUpload>";
  auto done = send({.method = "POST", .key = key, .query = id_query, .body = &complete});
  if (!done || done->body.find("<Error>") != std::string::npos) {
    abort();
    return done ? fail(ErrorCode::unavailable, "S3 could not complete the upload: " + xml_value(done->body, "Message"))
                : propagate(done.error());
  }
  return {};
}

Status S3Client::copy(const std::string& from, const std::string& to) const {
  auto r = send({.method = "PUT", .key = to, .headers = {"x-amz-copy-source: /" + m_bucket + "/" + encode_key(from)}});
  if (!r) return propagate(r.error());
  // A copy can fail after S3 answered 200: the error is then in the body.
  if (r->body.find("<Error>") != std::string::npos) {
    return fail(ErrorCode::unavailable, "S3 could not copy " + from + " to " + to + ": " + xml_value(r->body, "Message"));
  }
  return {};
}

Status S3Client::remove(const std::string& key) const {
  auto r = send({.method = "DELETE", .key = key});
  return r || r.error().code == ErrorCode::not_found ? Status{} : Status(propagate(r.error()));
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

}  // namespace maestro
