// A real SMTP server for one test: Debian's aiosmtpd on a free loopback port, writing each
// message it accepts to a numbered file (tests/support/numbered_sink.py). Stopped when the
// object goes away.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace maestro::testing {

class SmtpServer {
 public:
  explicit SmtpServer(std::filesystem::path dir);
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  bool start();  // on the same port as before, if it ran before; true once it accepts connections
  void stop();
  int port() const { return m_port; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(m_port); }
  // The raw messages received so far, oldest first.
  std::vector<std::string> messages() const;

 private:
  std::filesystem::path m_dir;
  int m_port = 0;
  int m_pid = 0;
};

}  // namespace maestro::testing
