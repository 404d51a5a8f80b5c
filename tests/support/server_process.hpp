// A test server run as a child process on 127.0.0.1 (json-server, a scripted faulty API):
// started on a free port, waited for until it accepts connections, stopped when destroyed.
#pragma once

#include <string>
#include <vector>

namespace maestro::testing {

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Runs `argv` with "{port}" in any argument replaced by a free port; true once it accepts.
  bool start(std::vector<std::string> argv);
  void stop();
  int port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

 private:
  int m_port = 0;
  int m_pid = 0;
};

// Whether something accepts TCP connections on 127.0.0.1:port.
bool port_accepts(int port);
// A free TCP port on 127.0.0.1 (bound and released; good enough for a test server).
int free_tcp_port();

}  // namespace maestro::testing
