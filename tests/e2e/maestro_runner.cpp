#include "maestro_runner.hpp"

#include "crypto/keyring.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

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

RunResult Maestro::run(const std::vector<std::string>& args, const std::string& stdin_text) {
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
