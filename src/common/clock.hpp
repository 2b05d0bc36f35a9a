#pragma once
/// Time source for the engine: real time, or scaled time for tests and dry runs.
#include <chrono>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace cosmicai {

/// A clock whose waits can be scaled. All members are thread-safe.
///
/// Logical time is what executions see (history timestamps, `$$.State.EnteredTime`,
/// Wait states). With scale 1 it follows the wall clock; with scale 0 every wait
/// finishes at once but logical time still advances by the waited amount, so
/// retry back-off and Wait durations stay measurable in tests.
class Clock {
 public:
  using duration = std::chrono::nanoseconds;
  using time_point = std::chrono::time_point<std::chrono::system_clock, duration>;

  explicit Clock(double scale = 1.0);

  /// Return the current logical time.
  time_point now() const;
  /// Return how long a logical wait of `d` takes in real time.
  duration real_delay(duration d) const;
  /// Advance logical time by `d` (called when a scaled wait completes).
  void advance(duration d);
  /// Return the scale factor (1 = real time, 0 = no sleeping).
  double scale() const { return scale_; }
  /// Return the total logical time advanced by scaled waits so far.
  duration skipped() const;

 private:
  double scale_;
  std::chrono::steady_clock::time_point start_steady_;
  std::chrono::system_clock::time_point start_system_;
  mutable std::atomic<std::int64_t> skipped_ns_{0};
};

/// Format a time point as ISO-8601 UTC with millisecond precision ("2026-01-01T00:00:00.000Z").
std::string format_iso8601(Clock::time_point t);

}  // namespace cosmicai
