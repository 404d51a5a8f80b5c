// The s3:// sink: uploads a package to any S3-compatible service through libcurl, signed with
// AWS Signature Version 4. Configuration comes from the standard AWS environment variables:
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or
// AWS_DEFAULT_REGION), and AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) for a service other than
// AWS. Files larger than one part are sent as a multipart upload, read one part at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "sinks/s3_client.hpp"
#include "sinks/sink.hpp"

namespace maestro {

struct S3Location {
  std::string bucket;
  std::string prefix;  // "" or ending in '/'
};

// Parses s3://bucket/prefix/ (bucket names: 3-63 of a-z, 0-9, '.', '-').
Result<S3Location> parse_s3_url(const std::string& url);

Result<std::unique_ptr<Sink>> open_s3_sink(const S3Location& location, S3Config config);

// A presigned GET of s3://bucket/key (AWS Signature Version 4, query signing): anyone holding the
// URL may fetch that one object until `signed_at` + `expires` (1 second to 7 days). The bucket
// is addressed as the sink addresses it: virtual-hosted on AWS, path-style at a custom endpoint.
Result<std::string> presign_s3_get(const S3Config& config, const std::string& bucket, const std::string& key,
                                   std::chrono::system_clock::time_point signed_at, std::chrono::seconds expires);

}  // namespace maestro
