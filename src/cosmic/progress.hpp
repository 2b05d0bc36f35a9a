#pragma once
/// Live progress of a workflow run on stderr: ranks done/total, samples/s, elapsed, ETA.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace cosmicai::cosmic {

/// How progress is shown: not at all, one line redrawn in place (`\r`, for a terminal), or one
/// plain line per update (for logs: no carriage return or escape sequence).
enum class ProgressMode { kOff, kLine, kPlain };

/// Parse `--progress`: "auto" (kLine when `terminal`, else kOff), "line", "plain" or "off";
/// nullopt for anything else.
std::optional<ProgressMode> parse_progress_mode(std::string_view text, bool terminal);

/// Counts ranks and samples and shows them: kLine redraws one status line about once a second;
/// kPlain writes a line when the rank counts changed, at most once per `interval`, and a last one
/// at stop(); kOff (the default when stderr is not a terminal) only counts.
/// All members are thread-safe.
class Progress {
 public:
  /// `enabled`: draw the line on stderr (use `stderr_is_terminal()`).
  explicit Progress(bool enabled);
  /// Show progress on `out` (not owned; must outlive this object) in `mode`.
  Progress(ProgressMode mode, std::FILE* out, std::chrono::milliseconds interval = std::chrono::seconds(1));
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
  /// kPlain: write the line when the counts changed since the last one. Holds mu_.
  void write_plain_locked();

  const ProgressMode mode_;
  std::FILE* const out_;
  const std::chrono::milliseconds interval_;
  const std::chrono::steady_clock::time_point start_;
  std::string last_counts_;  ///< kPlain: the counts of the last line written
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
