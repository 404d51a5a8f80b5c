// Runs the real maestro binary in a fresh home folder and captures what it prints.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace maestro::e2e {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Maestro {
 public:
  Maestro();
  // Runs `maestro args...` with MAESTRO_HOME set to this test's home and MAESTRO_NOW pinned.
  // A call that is refused (exit 2, 3, 4 or 7) must leave the case store as it was: every such
  // call of the e2e suite is checked, and a change fails the test.
  RunResult run(const std::vector<std::string>& args, const std::string& stdin_text = "");
  // The same without that check, for the few refusals that must leave a trace (a wrong
  // verification code counts against the requester's attempts).
  RunResult run_unchecked(const std::vector<std::string>& args, const std::string& stdin_text = "");
  // Every row of the case store as one digest (bookkeeping and recorded refusals left out): equal
  // before and after a refused call means it left no trace. The API tests compare it too.
  std::string store_state() const;
  void set_now(std::string iso) { m_env["MAESTRO_NOW"] = std::move(iso); }
  void set_env(const std::string& name, std::string value) { m_env[name] = std::move(value); }
  void unset_env(const std::string& name) { m_env.erase(name); }
  std::filesystem::path home() const { return m_dir / "home"; }
  const testing::TempDir& dir() const { return m_dir; }
  const std::map<std::string, std::string>& environment() const { return m_env; }

 private:
  testing::TempDir m_dir;
  std::map<std::string, std::string> m_env;
};

// `maestro args...` running in the background (e.g. `serve`), in the test's folder and
// environment; stopped with SIGTERM (then SIGKILL) when destroyed. Output goes to files.
class BackgroundMaestro {
 public:
  // Output goes to NAME.out and NAME.err in the test's folder (several may run at once).
  BackgroundMaestro(const Maestro& maestro, const std::vector<std::string>& args,
                    const std::string& name = "background");
  ~BackgroundMaestro();
  BackgroundMaestro(const BackgroundMaestro&) = delete;
  BackgroundMaestro& operator=(const BackgroundMaestro&) = delete;
  // Sends SIGTERM and waits (at most 30 s); returns the exit status, -1 if it had to be killed.
  int stop();
  // SIGKILL: dies at once, mid-work, as a machine that loses power.
  void kill_now();
  // Sends a signal (SIGSTOP freezes it where it is, SIGCONT lets it go on).
  void send(int signal) const;
  int pid() const { return m_pid; }
  std::string out() const;
  std::string err() const;

 private:
  std::filesystem::path m_out, m_err;
  int m_pid = -1;
};


// Counts rows with raw SQL, independently of Maestro's code.
long long count_rows(const std::filesystem::path& db, const std::string& sql);
void exec_sql(const std::filesystem::path& db, const std::string& sql);
// SHA-256 over every value of every row the query returns, in order: equal digests mean the
// rows are unchanged byte for byte.
std::string digest_rows(const std::filesystem::path& db, const std::string& sql);

}  // namespace maestro::e2e
