#pragma once
/// Live progress of a workflow run on stderr: ranks done/total, samples/s, elapsed, ETA.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace cosmicai::cosmic {

/// Counts ranks and samples and, when enabled, redraws one status line on stderr about once
/// a second. Disabled (the default when stderr is not a terminal) it only counts.
/// All members are thread-safe.
class Progress {
 public:
  /// `enabled`: draw the line (use `stderr_is_terminal()`).
  explicit Progress(bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Add ranks to wait for (Initialize calls this with its world size).
  void expect_ranks(std::int64_t n);
  /// Count inferred samples (called per batch).
  void add_samples(std::int64_t n);
  /// Count a finished rank (successful or not).
  void rank_done(bool ok);
  /// Return the status line as it would be drawn now ("ranks 3/11 · 1,234 samples/s · 12s elapsed · ETA 30s").
  std::string line() const;
  /// Erase the line and stop drawing.
  void stop();

  std::int64_t ranks_done() const { return done_.load(); }
  std::int64_t ranks_failed() const { return failed_.load(); }
  std::int64_t samples() const { return samples_.load(); }

 private:
  void ensure_started();
  void loop();

  const bool enabled_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<std::int64_t> expected_{0}, done_{0}, failed_{0}, samples_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool drawn_ = false;
  std::thread thread_;
};

/// Return whether stderr is attached to a terminal.
bool stderr_is_terminal();

/// Format seconds as "42s", "3m05s" or "1h02m".
std::string format_duration(double seconds);

}  // namespace cosmicai::cosmic
