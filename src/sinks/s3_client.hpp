// One bucket of an S3-compatible service, through libcurl with AWS Signature Version 4: the
// requests that the s3:// sink (uploads) and the s3 store (objects read and rewritten as files
// of lines) need. Every call is independent, so one client may be used from several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace maestro {

struct S3Config {
  std::string endpoint;  // e.g. http://127.0.0.1:4568; empty: AWS itself
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::uint64_t part_size = 8 * 1024 * 1024;  // S3's minimum is 5 MiB
};

// Reads the standard AWS environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL);
// fails when no credentials are set.
Result<S3Config> s3_config_from_environment();

struct S3Object {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // as S3 quotes it; changes whenever the object is replaced
};

class S3Client {
 public:
  S3Client(S3Config config, std::string bucket) : m_config(std::move(config)), m_bucket(std::move(bucket)) {}

  // Every object whose key starts with `prefix`, in key order (all pages of ListObjectsV2).
  Result<std::vector<S3Object>> list(const std::string& prefix) const;
  // The object's size and ETag; not_found when there is none.
  Result<S3Object> head(const std::string& key) const;
  // Downloads `object` into `file` with ranged GETs of one part each, `threads` at a time.
  Status download(const S3Object& object, const std::filesystem::path& file, std::size_t threads) const;
  // Uploads `file` as `key`: one PUT, or a multipart upload when larger than one part. Either
  // way S3 shows the new object only once it is whole.
  Status upload(const std::filesystem::path& file, const std::string& key) const;
  // Replaces `to` with a copy of `from` (server side, in one step).
  Status copy(const std::string& from, const std::string& to) const;
  Status remove(const std::string& key) const;

  const std::string& bucket() const { return m_bucket; }
  // "AWS" or the endpoint, for messages.
  std::string service() const { return m_config.endpoint.empty() ? "AWS" : m_config.endpoint; }

 private:
  struct Response {
    long status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case (common/http_capture)
    std::string header(const std::string& name) const;
  };
  struct Request {
    std::string method;
    std::string key;
    std::string query;  // already encoded
    const std::string* body = nullptr;
    std::vector<std::string> headers;  // "Name: value"
  };
  Result<Response> send(const Request& request) const;
  std::string url(const std::string& key, const std::string& query) const;
  Status upload_in_parts(const std::filesystem::path& file, std::uint64_t size, const std::string& key) const;

  S3Config m_config;
  std::string m_bucket;
};

}  // namespace maestro
