// Running the cosmicai binary (or any shell command) from a test, and the small file and quoting
// helpers that go with it.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cosmicai::testing {

/// What a shell command printed on stdout (add `2>&1` to the command to take stderr too) and its
/// exit status (-1 when it did not exit normally or could not start).
struct CommandOutput {
  int exit_code = -1;
  std::string out;
};

/// Run `command` through /bin/sh and wait for it.
inline CommandOutput run_command(const std::string& command) {
  CommandOutput o;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return o;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int status = ::pclose(p);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

/// `s` as one single-quoted shell word.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// The whole file (empty when it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace cosmicai::testing
