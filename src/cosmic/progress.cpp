#include "cosmic/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "report/text_table.hpp"

namespace cosmicai::cosmic {

Progress::Progress(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { stop(); }

void Progress::expect_ranks(std::int64_t n) {
  expected_ += n;
  ensure_started();
}

void Progress::add_samples(std::int64_t n) {
  samples_ += n;
  ensure_started();
}

void Progress::rank_done(bool ok) {
  ++done_;
  if (!ok) ++failed_;
  ensure_started();
}

std::string Progress::line() const {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const auto done = done_.load(), expected = expected_.load(), failed = failed_.load();
  const double rate = elapsed > 0 ? static_cast<double>(samples_.load()) / elapsed : 0.0;
  std::string s = expected > 0 ? fmt::format("ranks {}/{}", done, expected) : fmt::format("ranks {}", done);
  if (failed) s += fmt::format(" ({} failed)", failed);
  s += fmt::format(" · {} samples/s · {} elapsed", report::format_count(static_cast<long long>(rate)),
                   format_duration(elapsed));
  if (done > 0 && expected > done) {
    s += fmt::format(" · ETA {}", format_duration(elapsed / static_cast<double>(done) *
                                                  static_cast<double>(expected - done)));
  }
  return s;
}

void Progress::ensure_started() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { loop(); });
}

void Progress::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const std::string s = line();
    std::fprintf(stderr, "\r\033[K%s", s.c_str());
    std::fflush(stderr);
    drawn_ = true;
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

void Progress::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_duration(double seconds) {
  if (!(seconds >= 0)) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace cosmicai::cosmic
