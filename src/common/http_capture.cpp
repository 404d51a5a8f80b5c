#include "common/http_capture.hpp"

#include <curl/curl.h>

#include <algorithm>

namespace maestro {

namespace {

size_t collect_body(char* data, size_t size, size_t count, void* body) {
  static_cast<std::string*>(body)->append(data, size * count);
  return size * count;
}

// One "Name: value" line (the status line and the blank line end are not headers).
size_t collect_header(char* data, size_t size, size_t count, void* headers) {
  std::string line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto first = value.find_first_not_of(" \t");
    auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    static_cast<HttpHeaders*>(headers)->emplace_back(name, value);
  }
  return size * count;
}

}  // namespace

void capture_response(CURL* curl, std::string& body, HttpHeaders& headers) {
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
}

std::string header_value(const HttpHeaders& headers, const std::string& name) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return "";
}

}  // namespace maestro
