// A small HTTP/1.1 server over GNU libmicrohttpd: an epoll event loop with a pool of threads, so
// hundreds of idle keep-alive connections cost no thread each and never block other clients.
// The handler runs on a pool thread and must not wait on long work (that is what jobs are for).
//
//   auto server = HttpServer::start({.listen = "127.0.0.1:8080"}, [](const HttpRequest& r) {
//     return HttpResponse{200, "text/plain", "hello"};
//   });
//   (*server)->port();   // the bound port (useful with :0)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace maestro {

struct HttpRequest {
  std::string method;
  std::string path;                            // decoded, without the query
  std::map<std::string, std::string> query;    // decoded; a repeated key keeps its first value
  // Why the address cannot be taken as sent (a NUL, bad UTF-8, a broken %-escape); empty when it
  // can. The server still calls the handler, which answers 400 in its own format.
  std::string malformed;
  bool tls = false;  // it came over this server's own TLS
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  bool body_too_large = false;  // more than HttpOptions::max_body arrived; `body` is empty
  std::string client;           // the peer's address, e.g. 127.0.0.1
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string file;  // when set, the body is this file, streamed from disk (a package can be large)
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";  // host:port, [v6]:port; port 0 picks a free one
  unsigned threads = 4;
  std::size_t max_body = 1 << 20;
  unsigned idle_timeout_seconds = 60;
  unsigned connection_limit = 2048;
  std::string tls_cert_file, tls_key_file;  // both or neither
};

class HttpServer {
 public:
  // Binds and starts serving; fails with a clear message when the address is taken or invalid.
  static Result<std::unique_ptr<HttpServer>> start(const HttpOptions& options, HttpHandler handler);
  ~HttpServer();  // stops: open connections are closed
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace maestro
