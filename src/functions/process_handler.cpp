#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

#include "functions/registry.hpp"

extern char** environ;

namespace cosmicai::functions {

namespace {

struct ProcessOutput {
  int status = 0;
  std::string out;
  std::string err;
};

// Run `command` through /bin/sh with `input` on stdin; collect stdout and stderr.
ProcessOutput run_process(const std::string& command, const std::string& input) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) throw FunctionError("Runtime.Unknown", "cannot create pipe: " + std::string(std::strerror(errno)));
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw FunctionError("Runtime.Unknown", "cannot create pipe: " + std::string(std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw FunctionError("Runtime.Unknown", "cannot start command '" + command + "': " + std::strerror(rc));
  }
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  ProcessOutput result;
  std::size_t written = 0;
  int in_fd = in_pipe[1];
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    pollfd fds[3];
    int n = 0;
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in_fd) {
        const ssize_t w = write(in_fd, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // child closed stdin
        if (written >= input.size()) {
          close(in_fd);
          in_fd = -1;
        }
      } else {
        int& fd = fds[i].fd == out_fd ? out_fd : err_fd;
        std::string& sink = fds[i].fd == out_fd ? result.out : result.err;
        const ssize_t r = read(fd, buf, sizeof buf);
        if (r > 0) {
          sink.append(buf, static_cast<std::size_t>(r));
        } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          close(fd);
          fd = -1;
        }
      }
    }
  }
  while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
  }
  return result;
}

std::string tail(const std::string& text, std::size_t max = 400) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  if (t.size() > max) t = "..." + t.substr(t.size() - max);
  return t;
}

}  // namespace

Handler make_process_handler(std::string command) {
  // SIGPIPE from a child that closes stdin early must not kill the engine.
  signal(SIGPIPE, SIG_IGN);
  return [command = std::move(command)](const json& event, const InvokeContext&) -> json {
    const auto out = run_process(command, dump_compact(event));
    if (WIFSIGNALED(out.status)) {
      const int sig = WTERMSIG(out.status);
      throw FunctionError("Runtime.ExitError", "command '" + command + "' was killed by signal " +
                                                   std::to_string(sig) + " (" + strsignal(sig) + ")" +
                                                   (out.err.empty() ? "" : ": " + tail(out.err)));
    }
    const int code = WIFEXITED(out.status) ? WEXITSTATUS(out.status) : -1;
    json parsed;
    bool is_json = true;
    std::string parse_error;
    std::string trimmed = out.out;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
    if (trimmed.find_first_not_of(" \t\r\n") == std::string::npos) {
      parsed = nullptr;
    } else {
      try {
        parsed = json::parse(trimmed);
      } catch (const json::parse_error& e) {
        is_json = false;
        parse_error = e.what();
      }
    }
    if (code != 0) {
      if (is_json && parsed.is_object() && parsed.contains("errorType")) {
        json extra = parsed;
        extra.erase("errorType");
        extra.erase("errorMessage");
        throw FunctionError(parsed["errorType"].is_string() ? parsed["errorType"].get<std::string>()
                                                            : dump_compact(parsed["errorType"]),
                            parsed.value("errorMessage", std::string()), extra);
      }
      std::string how = "exited with status " + std::to_string(code);
      if (code > 128 && code < 128 + NSIG) {  // the shell reports a child killed by a signal as 128+N
        how += " (killed by signal " + std::to_string(code - 128) + " (" + strsignal(code - 128) + "))";
      }
      throw FunctionError("Runtime.ExitError",
                          "command '" + command + "' " + how + (out.err.empty() ? "" : ": " + tail(out.err)));
    }
    if (!is_json) {
      throw FunctionError("Runtime.MarshalError", "command '" + command + "' printed output that is not JSON (" +
                                                      parse_error + "): " + tail(out.out, 200));
    }
    return parsed;
  };
}

}  // namespace cosmicai::functions
