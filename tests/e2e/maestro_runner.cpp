#include "maestro_runner.hpp"

#include "crypto/keyring.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <cstdlib>
#include <fstream>

namespace maestro::e2e {

namespace {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

Maestro::Maestro() {
  m_env["MAESTRO_HOME"] = home().string();
  m_env["MAESTRO_ACTOR"] = "e2e-operator";
  m_env["MAESTRO_NOW"] = "2026-03-02T09:00:00Z";
}

namespace {

// Every row of every table of the case store, as one digest; "" when there is no store, or it
// holds nothing but its schema (a first, refused call may create the empty store).
std::string store_digest(const std::filesystem::path& db) {
  if (!std::filesystem::exists(db)) return "";
  sqlite3* handle = nullptr;
  std::vector<std::string> tables;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    // The store's own bookkeeping (meta: its schema version, the key check) is not a trace of a
    // call; every other table is, the case-number sequence included.
    const char* sql =
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT IN ('schema_version', 'meta') ORDER BY name";
    if (sqlite3_prepare_v2(handle, sql, -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW)
        tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  std::string all;
  for (const auto& table : tables) {
    // A refusal may be put on the audit trail as one (a DPO wants to see an erasure refused under
    // a legal hold); it must change nothing else.
    std::string rows = "FROM \"" + table + "\"" + (table == "audit_events" ? " WHERE outcome <> 'refused'" : "");
    if (count_rows(db, "SELECT count(*) " + rows) == 0) continue;
    all += table + "=" + digest_rows(db, "SELECT * " + rows + " ORDER BY rowid") + ";";
  }
  return all;
}

// Exit statuses that mean "refused": invalid input, not found, not allowed in this state,
// permission denied (docs/cli.md). Such a call must leave the store as it found it.
bool is_refusal(int exit_code) {
  return exit_code == 2 || exit_code == 3 || exit_code == 4 || exit_code == 7;
}

}  // namespace

std::string Maestro::store_state() const { return store_digest(home() / "maestro.db"); }

RunResult Maestro::run(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::string before = store_digest(home() / "maestro.db");
  RunResult r = run_unchecked(args, stdin_text);
  if (is_refusal(r.exit_code) && store_digest(home() / "maestro.db") != before) {
    std::string command;
    for (const auto& a : args) command += " " + a;
    ADD_FAILURE() << "a refused call (exit " << r.exit_code << ") changed the case store: maestro" << command
                  << "\n" << r.err;
  }
  return r;
}

RunResult Maestro::run_unchecked(const std::vector<std::string>& args, const std::string& stdin_text) {
  auto in = m_dir / "stdin.txt", out = m_dir / "stdout.txt", err = m_dir / "stderr.txt";
  std::ofstream(in) << stdin_text;
  std::string command = "cd " + shell_quote(m_dir.path().string()) + " && env -u MAESTRO_CONFIG";
  for (const auto& [name, value] : m_env) command += " " + name + "=" + shell_quote(value);
  // A time limit, so that a hung binary fails the test instead of hanging the suite.
  command += " timeout 60 " + shell_quote(MAESTRO_BINARY);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " <" + shell_quote(in.string()) + " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  int status = std::system(command.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = testing::read_file(out);
  r.err = testing::read_file(err);
  return r;
}

BackgroundMaestro::BackgroundMaestro(const Maestro& maestro, const std::vector<std::string>& args,
                                     const std::string& output_name)
    : m_out(maestro.dir() / (output_name + ".out")), m_err(maestro.dir() / (output_name + ".err")) {
  std::vector<std::string> argv_text{MAESTRO_BINARY};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  // Emptied here, before the child starts: out() must never read an earlier process's output.
  std::ofstream(m_out, std::ios::trunc).flush();
  std::ofstream(m_err, std::ios::trunc).flush();
  m_pid = ::fork();
  if (m_pid == 0) {
    if (::chdir(maestro.dir().path().c_str()) != 0) ::_exit(127);
    ::unsetenv("MAESTRO_CONFIG");
    for (const auto& [name, value] : maestro.environment()) ::setenv(name.c_str(), value.c_str(), 1);
    int out = ::open(m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
}

BackgroundMaestro::~BackgroundMaestro() {
  stop();
}

int BackgroundMaestro::stop() {
  if (m_pid <= 0) return -1;
  ::kill(m_pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(m_pid, SIGKILL);
  ::waitpid(m_pid, &status, 0);
  m_pid = -1;
  return -1;
}

void BackgroundMaestro::kill_now() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGKILL);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  m_pid = -1;
}

void BackgroundMaestro::send(int signal) const {
  if (m_pid > 0) ::kill(m_pid, signal);
}

std::string BackgroundMaestro::out() const {
  return testing::read_file(m_out);
}
std::string BackgroundMaestro::err() const {
  return testing::read_file(m_err);
}

long long count_rows(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  long long count = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      count = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return count;
}

void exec_sql(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(handle);
  sqlite3_close(handle);
}

std::string digest_rows(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  std::string all;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
          all += std::to_string(sqlite3_column_type(stmt, i)) + ":";
          const void* blob = sqlite3_column_blob(stmt, i);
          all.append(static_cast<const char*>(blob ? blob : ""),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
          all += '\x1f';
        }
        all += '\x1e';
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return sha256_hex(all);
}

}  // namespace maestro::e2e
