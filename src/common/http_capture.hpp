// What a libcurl transfer answered, collected by its write and header callbacks: the body, and
// the headers with lower-case names and trimmed values. Used by every HTTP client of Maestro's
// (the s3 client, the API connector).
//
//   HttpHeaders headers; std::string body;
//   capture_response(curl, body, headers);
//   curl_easy_perform(curl);
//   std::string next = header_value(headers, "link");
#pragma once

#include <string>
#include <utility>
#include <vector>

typedef void CURL;

namespace maestro {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;  // in the order received

// Points the transfer's body at `body` and its headers at `headers` (both must outlive it).
void capture_response(CURL* curl, std::string& body, HttpHeaders& headers);

// The value of the last header named `name` (lower case), or "" when there is none.
std::string header_value(const HttpHeaders& headers, const std::string& name);

}  // namespace maestro
