#include "cosmic/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "report/text_table.hpp"

namespace cosmicai::cosmic {

std::optional<ProgressMode> parse_progress_mode(std::string_view text, bool terminal) {
  if (text == "auto") return terminal ? ProgressMode::kLine : ProgressMode::kOff;
  if (text == "line") return ProgressMode::kLine;
  if (text == "plain") return ProgressMode::kPlain;
  if (text == "off") return ProgressMode::kOff;
  return std::nullopt;
}

Progress::Progress(bool enabled) : Progress(enabled ? ProgressMode::kLine : ProgressMode::kOff, stderr) {}

Progress::Progress(ProgressMode mode, std::FILE* out, std::chrono::milliseconds interval)
    : mode_(mode), out_(out), interval_(interval), start_(std::chrono::steady_clock::now()) {}

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
    s += fmt::format(" · ETA {}",
                     format_duration(elapsed / static_cast<double>(done) * static_cast<double>(expected - done)));
  }
  return s;
}

void Progress::ensure_started() {
  if (mode_ == ProgressMode::kOff) return;
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { loop(); });
}

void Progress::write_plain_locked() {
  // Ranks, not samples: a line when a rank ends (samples change with every batch).
  const std::string counts = fmt::format("{}/{}/{}", done_.load(), expected_.load(), failed_.load());
  if (counts == last_counts_) return;
  last_counts_ = counts;
  const std::string s = line();
  std::fprintf(out_, "%s\n", s.c_str());
  std::fflush(out_);
}

void Progress::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (mode_ == ProgressMode::kPlain) {
      write_plain_locked();
    } else {
      const std::string s = line();
      std::fprintf(out_, "\r\033[K%s", s.c_str());
      std::fflush(out_);
      drawn_ = true;
    }
    cv_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void Progress::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  const bool started = thread_.joinable();
  if (started) thread_.join();
  if (mode_ == ProgressMode::kPlain && started) {
    std::lock_guard lock(mu_);
    write_plain_locked();  // the final counts, unless the last line showed them
  }
  if (drawn_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
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
