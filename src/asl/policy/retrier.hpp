#pragma once
/// A Retry entry: which errors to retry, how often, and how long to wait.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asl/parse_context.hpp"
#include "common/result.hpp"

namespace cosmicai::asl {

/// How a retrier randomises its delay.
enum class JitterStrategy { kNone, kFull };

/// One element of a state's `Retry` array. Immutable; thread-safe.
class Retrier {
 public:
  /// Parse the retrier at `pointer` (e.g. "/States/Fetch/Retry/0"); `last` tells
  /// whether it is the last of its list. Problems go to `ctx`.
  static std::optional<Retrier> from_json(const json& value, const std::string& pointer, bool last,
                                          ParseContext& ctx);
  /// Parse a whole `Retry` array at `pointer`.
  static std::vector<Retrier> list_from_json(const json& value, const std::string& pointer, ParseContext& ctx);

  /// Return whether this retrier handles `error`.
  bool matches(const std::optional<std::string>& error) const;

  /// Return the delay before retry number `attempt` (0 = the first retry):
  /// IntervalSeconds × BackoffRate^attempt, capped at MaxDelaySeconds. With FULL
  /// jitter the result is `unit` × that delay, where `unit` is a random number in [0, 1).
  std::chrono::nanoseconds delay(int attempt, double unit = 1.0) const;

  const std::vector<std::string>& error_equals() const { return error_equals_; }
  std::int64_t interval_seconds() const { return interval_seconds_; }
  std::int64_t max_attempts() const { return max_attempts_; }
  double backoff_rate() const { return backoff_rate_; }
  std::optional<std::int64_t> max_delay_seconds() const { return max_delay_seconds_; }
  JitterStrategy jitter() const { return jitter_; }

 private:
  std::vector<std::string> error_equals_;
  std::int64_t interval_seconds_ = 1;
  std::int64_t max_attempts_ = 3;
  double backoff_rate_ = 2.0;
  std::optional<std::int64_t> max_delay_seconds_;
  JitterStrategy jitter_ = JitterStrategy::kNone;
};

}  // namespace cosmicai::asl
