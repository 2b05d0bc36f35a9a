#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "common/json_limits.hpp"
#include "functions/registry.hpp"

extern char** environ;

namespace cosmicai::functions {

namespace {

struct ProcessOutput {
  int status = 0;
  std::string out;
  std::string err;
  bool cancelled = false;       // stopped because the token was cancelled
  bool killed = false;          // needed SIGKILL after the grace period
  bool too_large = false;       // stdout exceeded max_output_bytes
};

constexpr std::size_t kStderrKeep = 64 * 1024;  // the tail of stderr kept for error messages

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

[[noreturn]] void fail_start(const std::string& command, const std::string& what, int err) {
  throw FunctionError("Runtime.Unknown", "cannot start command '" + command + "': " + what + ": " + std::strerror(err));
}

// True once the child has exited (it stays a zombie, so its pid and group id cannot be reused).
bool child_exited(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return errno == ECHILD;
  return info.si_pid == pid;
}

// Kills the caller's process group: the guardian's handler for the engine's death.
void kill_own_group(int) { ::kill(0, SIGKILL); }

void close_from(unsigned first) {
  if (::syscall(SYS_close_range, first, ~0U, 0) == 0) return;
  for (int fd = static_cast<int>(first); fd < 1024; ++fd) ::close(fd);  // kernels before 5.9
}

// The guardian (see run_process), in the child of fork(): never returns.
[[noreturn]] void guard_command(pid_t engine, int death_signal, int in_fd, int out_fd, int err_fd,
                                const char* const* argv) {
  ::setpgid(0, 0);
  struct sigaction on_death {};
  on_death.sa_handler = kill_own_group;
  sigemptyset(&on_death.sa_mask);
  ::sigaction(death_signal, &on_death, nullptr);
  // Cancellation signals the whole group: the command handles SIGTERM, the guardian outlives it
  // to report how it ended (SIGKILL after the grace period stops both).
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  ::prctl(PR_SET_PDEATHSIG, death_signal);
  if (::getppid() != engine) ::_exit(127);  // the engine died before prctl took effect
  const pid_t child = ::fork();
  if (child < 0) ::_exit(127);
  if (child == 0) {
    // Default dispositions (the engine ignores SIGPIPE; the command should not).
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, death_signal}) ::signal(sig, SIG_DFL);
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
    close_from(3);
    ::execve("/bin/sh", const_cast<char* const*>(argv), environ);
    ::_exit(127);
  }
  close_from(0);  // hold no pipe of this command or of any other open
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) ::_exit(127);
  }
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  const int sig = WTERMSIG(status);
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::signal(sig, SIG_DFL);
  ::kill(::getpid(), sig);
  ::_exit(128 + sig);
}

// Run `command` through /bin/sh in its own process group with `input` on stdin; collect stdout
// and stderr. Cancelling `token` stops the group: SIGTERM, then SIGKILL after the grace period.
ProcessOutput run_process(const std::string& command, const std::string& input, const ProcessOptions& options,
                          CancelToken& token) {
  using SteadyClock = std::chrono::steady_clock;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) fail_start(command, "pipe", errno);
  Fd in_r(in_pipe[0]), in_w(in_pipe[1]);
  if (pipe2(out_pipe, O_CLOEXEC) != 0) fail_start(command, "pipe", errno);
  Fd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) fail_start(command, "pipe", errno);
  Fd err_r(err_pipe[0]), err_w(err_pipe[1]);
  Fd cancel_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (cancel_fd.fd < 0) fail_start(command, "eventfd", errno);

  // The command runs under a guardian: a forked copy of the engine that leads the command's
  // process group, is told by the kernel when the engine dies (PR_SET_PDEATHSIG) and then kills
  // the whole group, grandchildren included. A kill -9 of cosmicai therefore leaves nothing
  // running, and a rerun or a resumed execution cannot repeat a side effect of a command that
  // was still going. The guardian waits for the command and exits as it did (same code or same
  // signal). Between fork and exec only async-signal-safe calls are made.
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  const pid_t parent = ::getpid();
  const int death_signal = SIGRTMAX;
  const pid_t pid = ::fork();
  if (pid < 0) fail_start(command, "fork", errno);
  if (pid == 0) guard_command(parent, death_signal, in_r.fd, out_w.fd, err_w.fd, argv);
  ::setpgid(pid, pid);  // also here, so a cancellation right after the fork reaches the group
  in_r.reset();
  out_w.reset();
  err_w.reset();

  // Wake the poll below when the token is cancelled.
  CancelCallback on_cancel(token, [fd = cancel_fd.fd] {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto w = ::write(fd, &one, sizeof one);
  });
  Fd exit_fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));  // -1 on kernels before 5.3: poll instead

  fcntl(in_w.fd, F_SETFL, O_NONBLOCK);
  fcntl(out_r.fd, F_SETFL, O_NONBLOCK);
  fcntl(err_r.fd, F_SETFL, O_NONBLOCK);
  if (input.empty()) in_w.reset();
  ProcessOutput result;
  std::size_t written = 0;
  bool kill_pending = false;  // SIGTERM sent, SIGKILL due at kill_at
  SteadyClock::time_point kill_at{};
  bool exited = false;
  char buf[65536];

  auto read_some = [&](Fd& fd, bool is_out) {
    while (fd.fd >= 0) {
      const ssize_t r = ::read(fd.fd, buf, sizeof buf);
      if (r > 0) {
        std::string& sink = is_out ? result.out : result.err;
        if (is_out && !result.too_large && result.out.size() + static_cast<std::size_t>(r) > options.max_output_bytes) {
          result.too_large = true;
          ::kill(-pid, SIGKILL);
        }
        if (is_out && result.too_large) continue;  // discard the rest
        sink.append(buf, static_cast<std::size_t>(r));
        if (!is_out && sink.size() > 2 * kStderrKeep) sink.erase(0, sink.size() - kStderrKeep);
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno == EAGAIN) return;
      fd.reset();  // EOF or error
    }
  };
  auto stop = [&] {
    if (result.cancelled) return;
    result.cancelled = true;
    ::kill(-pid, SIGTERM);
    kill_at = SteadyClock::now() + options.kill_grace;
    kill_pending = true;
  };
  if (token.cancelled()) stop();

  while (!exited) {
    pollfd fds[5];
    int n = 0;
    if (in_w.fd >= 0) fds[n++] = {in_w.fd, POLLOUT, 0};
    if (out_r.fd >= 0) fds[n++] = {out_r.fd, POLLIN, 0};
    if (err_r.fd >= 0) fds[n++] = {err_r.fd, POLLIN, 0};
    if (!result.cancelled) fds[n++] = {cancel_fd.fd, POLLIN, 0};
    if (exit_fd.fd >= 0) fds[n++] = {exit_fd.fd, POLLIN, 0};
    int timeout_ms = exit_fd.fd >= 0 ? -1 : 20;
    if (kill_pending) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(kill_at - SteadyClock::now()).count();
      const int left_ms = static_cast<int>(std::max<std::int64_t>(0, left));
      timeout_ms = timeout_ms < 0 ? left_ms : std::min(timeout_ms, left_ms);
    }
    if (::poll(fds, static_cast<nfds_t>(n), timeout_ms) < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == in_w.fd) {
        const ssize_t w = ::write(in_w.fd, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // child closed stdin
        if (written >= input.size()) in_w.reset();
      } else if (fds[i].fd == out_r.fd) {
        read_some(out_r, true);
      } else if (fds[i].fd == err_r.fd) {
        read_some(err_r, false);
      } else if (fds[i].fd == cancel_fd.fd) {
        stop();
      }
    }
    if (kill_pending && SteadyClock::now() >= kill_at) {
      ::kill(-pid, SIGKILL);
      result.killed = true;
      kill_pending = false;
    }
    exited = child_exited(pid);
  }
  // The command has exited: take what it wrote, stop whatever it left running in its group
  // (they may hold the pipes open), then reap it.
  read_some(out_r, true);
  read_some(err_r, false);
  ::kill(-pid, SIGKILL);
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

Handler make_process_handler(std::string command, ProcessOptions options) {
  // SIGPIPE from a child that closes stdin early must not kill the engine.
  signal(SIGPIPE, SIG_IGN);
  return [command = std::move(command), options](const json& event, const InvokeContext& ctx) -> json {
    CancelToken never;
    CancelToken& token = ctx.cancel ? *ctx.cancel : never;
    const auto out = run_process(command, dump_compact(event), options, token);
    if (out.cancelled) {
      throw FunctionError(token.error(), token.cause() + " (command '" + command + "' stopped by " +
                                             (out.killed ? "SIGKILL after SIGTERM" : "SIGTERM") + ")");
    }
    if (out.too_large) {
      throw FunctionError("Function.ResponseSizeTooLarge",
                          "command '" + command + "' printed more than " + std::to_string(options.max_output_bytes) +
                              " bytes, Lambda's response size limit; it was stopped");
    }
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
        parsed = parse_json(trimmed);
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
