#include "server/http_server.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/url_text.hpp"

namespace maestro {

namespace {

// What libmicrohttpd hands us in pieces for one request, until the last piece arrives.
struct PendingRequest {
  std::string body;
  bool too_large = false;
};

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(cls);
  headers.emplace(lowercase(key ? key : ""), value ? value : "");
  return MHD_YES;
}

// libmicrohttpd would decode %XX itself, into C strings: a %00 would silently cut the path
// ("DSAR-2026-002%00" served as DSAR-2026-002). It leaves them as sent; we decode strictly.
size_t keep_escaped(void*, MHD_Connection*, char* text) {
  return std::strlen(text);
}

MHD_Result collect_argument(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto& request = *static_cast<HttpRequest*>(cls);
  auto name = strict_url_decode(key ? key : "", true);
  auto text = strict_url_decode(value ? value : "", true);
  if (!name || !text) {
    if (request.malformed.empty())
      request.malformed = "the query has " + (name ? text.error().message : name.error().message);
    return MHD_YES;
  }
  request.query.emplace(std::move(*name), std::move(*text));
  return MHD_YES;
}

std::string client_address(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!info || !info->client_addr) return "";
  char text[INET6_ADDRSTRLEN] = {};
  const sockaddr* addr = info->client_addr;
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
  } else if (addr->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text, sizeof text);
  }
  return text;
}

// "127.0.0.1:8080", "[::1]:0", "localhost:8080" -> a socket address.
Result<sockaddr_storage> resolve_listen(const std::string& listen) {
  auto bad = [&] { return invalid("listen address '" + listen + "': expected HOST:PORT, e.g. 127.0.0.1:8080"); };
  std::string host, port;
  if (listen.starts_with("[")) {
    auto close = listen.find("]:");
    if (close == std::string::npos) return bad();
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) return bad();
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
    return bad();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || !found) return bad();
  sockaddr_storage address{};
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  return address;
}

Result<std::string> read_pem(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return not_found(std::string(what) + " " + path + " cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpOptions options, HttpHandler handler) : m_options(std::move(options)), m_handler(std::move(handler)) {}
  ~Impl() {
    if (m_daemon) MHD_stop_daemon(m_daemon);
  }

  Status start() {
    auto address = resolve_listen(m_options.listen);
    if (!address) return propagate(address.error());
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (address->ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    if (m_options.tls_cert_file.empty() != m_options.tls_key_file.empty())
      return invalid("TLS needs both a certificate and a key file");
    if (!m_options.tls_cert_file.empty()) {
      auto cert = read_pem(m_options.tls_cert_file, "TLS certificate");
      if (!cert) return propagate(cert.error());
      auto key = read_pem(m_options.tls_key_file, "TLS key");
      if (!key) return propagate(key.error());
      m_cert = std::move(*cert);
      m_key = std::move(*key);
      flags |= MHD_USE_TLS;
    }
    m_address = *address;
    unsigned threads = m_options.threads < 1 ? 1 : m_options.threads;
    if (m_cert.empty()) {
      m_daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::on_request, this, MHD_OPTION_SOCK_ADDR,
                                  reinterpret_cast<sockaddr*>(&m_address), MHD_OPTION_THREAD_POOL_SIZE, threads,
                                  MHD_OPTION_CONNECTION_TIMEOUT, m_options.idle_timeout_seconds,
                                  MHD_OPTION_CONNECTION_LIMIT, m_options.connection_limit, MHD_OPTION_NOTIFY_COMPLETED,
                                  &Impl::on_completed, this, MHD_OPTION_UNESCAPE_CALLBACK, &keep_escaped, nullptr,
                                  MHD_OPTION_END);
    } else {
      m_daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::on_request, this, MHD_OPTION_SOCK_ADDR,
                                  reinterpret_cast<sockaddr*>(&m_address), MHD_OPTION_THREAD_POOL_SIZE, threads,
                                  MHD_OPTION_CONNECTION_TIMEOUT, m_options.idle_timeout_seconds,
                                  MHD_OPTION_CONNECTION_LIMIT, m_options.connection_limit, MHD_OPTION_NOTIFY_COMPLETED,
                                  &Impl::on_completed, this, MHD_OPTION_HTTPS_MEM_CERT, m_cert.c_str(),
                                  MHD_OPTION_HTTPS_MEM_KEY, m_key.c_str(), MHD_OPTION_UNESCAPE_CALLBACK,
                                  &keep_escaped, nullptr, MHD_OPTION_END);
    }
    if (!m_daemon) {
      return fail(ErrorCode::unavailable, "cannot listen on " + m_options.listen +
                                              " (in use, not an address of this machine, or no permission)");
    }
    const MHD_DaemonInfo* info = MHD_get_daemon_info(m_daemon, MHD_DAEMON_INFO_BIND_PORT);
    m_port = info ? info->port : 0;
    return {};
  }

  std::uint16_t port() const { return m_port; }

 private:
  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                               const char* upload_data, size_t* upload_data_size, void** state) {
    auto* self = static_cast<Impl*>(cls);
    if (!*state) {  // the headers have arrived; the body, if any, follows in later calls
      *state = new PendingRequest();
      return MHD_YES;
    }
    auto* pending = static_cast<PendingRequest*>(*state);
    if (*upload_data_size > 0) {
      if (pending->body.size() + *upload_data_size > self->m_options.max_body) {
        pending->too_large = true;
        pending->body.clear();
      } else if (!pending->too_large) {
        pending->body.append(upload_data, *upload_data_size);
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    HttpRequest request;
    request.method = method ? method : "";
    if (auto path = strict_url_decode(url ? url : "", false)) request.path = std::move(*path);
    else request.malformed = "the address has " + path.error().message;
    request.tls = !self->m_cert.empty();
    request.body = std::move(pending->body);
    request.body_too_large = pending->too_large;
    request.client = client_address(connection);
    MHD_get_connection_values(connection, MHD_HEADER_KIND, &collect_header, &request.headers);
    MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &collect_argument, &request);
    HttpResponse response;
    try {
      response = self->m_handler(request);
    } catch (const std::exception&) {
      response = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n", {}};
    }
    MHD_Response* reply = nullptr;
    if (!response.file.empty()) {
      int fd = ::open(response.file.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (fd >= 0 && ::fstat(fd, &st) == 0) {
        reply = MHD_create_response_from_fd(static_cast<std::uint64_t>(st.st_size), fd);  // MHD closes fd
      } else {
        if (fd >= 0) ::close(fd);
        response = HttpResponse{500, "text/plain; charset=utf-8", "the file cannot be read\n", {}};
      }
    }
    if (!reply)
      reply = MHD_create_response_from_buffer(response.body.size(), response.body.data(), MHD_RESPMEM_MUST_COPY);
    if (!reply) return MHD_NO;
    MHD_add_response_header(reply, "Content-Type", response.content_type.c_str());
    for (const auto& [name, value] : response.headers) MHD_add_response_header(reply, name.c_str(), value.c_str());
    MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned>(response.status), reply);
    MHD_destroy_response(reply);
    return queued;
  }

  static void on_completed(void*, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
    delete static_cast<PendingRequest*>(*state);
    *state = nullptr;
  }

  HttpOptions m_options;
  HttpHandler m_handler;
  sockaddr_storage m_address{};
  std::string m_cert, m_key;
  MHD_Daemon* m_daemon = nullptr;
  std::uint16_t m_port = 0;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpOptions& options, HttpHandler handler) {
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  if (auto ok = impl->start(); !ok) return propagate(ok.error());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const {
  return m_impl->port();
}

}  // namespace maestro
