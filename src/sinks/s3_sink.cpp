#include "sinks/s3_sink.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <regex>
#include <vector>

#include "common/text.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

namespace {

class S3Sink final : public Sink {
 public:
  S3Sink(S3Location location, S3Config config)
      : m_prefix(std::move(location.prefix)), m_client(std::move(config), std::move(location.bucket)) {}

  Result<std::string> put(const std::filesystem::path& file, const std::string& name) override {
    std::string key = m_prefix + name;
    if (auto sent = m_client.upload(file, key); !sent) return propagate(sent.error());
    return "s3://" + m_client.bucket() + "/" + key;
  }

 private:
  std::string m_prefix;
  S3Client m_client;
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
    path = "/" + percent_encode(key, "/");
  } else {
    scheme_host = config.endpoint;
    while (scheme_host.ends_with('/')) scheme_host.pop_back();
    path = "/" + bucket + "/" + percent_encode(key, "/");
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
