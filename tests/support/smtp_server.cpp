#include "support/smtp_server.hpp"

#include "support/server_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace maestro::testing {

namespace fs = std::filesystem;


SmtpServer::SmtpServer(fs::path dir) : m_dir(std::move(dir)) {}

SmtpServer::~SmtpServer() {
  stop();
}

bool SmtpServer::start() {
  if (m_port == 0) m_port = free_tcp_port();
  fs::create_directories(m_dir);
  std::string listen = "127.0.0.1:" + std::to_string(m_port);
  std::string mail = (m_dir / "mail").string();
  std::string handlers = std::string(MAESTRO_SOURCE_DIR) + "/tests/support";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("PYTHONPATH", handlers.c_str(), 1);
    ::execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "-c",
            "numbered_sink.NumberedSink", mail.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  m_pid = pid;
  for (int i = 0; i < 100; ++i) {
    if (port_accepts(m_port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void SmtpServer::stop() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGTERM);
  ::waitpid(m_pid, nullptr, 0);
  m_pid = 0;
  for (int i = 0; i < 50 && port_accepts(m_port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

std::vector<std::string> SmtpServer::messages() const {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_dir / "mail", ec)) {
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // numbered in the order the server accepted them
  std::vector<std::string> out;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

}  // namespace maestro::testing
