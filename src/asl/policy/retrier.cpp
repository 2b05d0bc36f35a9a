#include "asl/policy/retrier.hpp"

#include <algorithm>
#include <cmath>

#include "asl/policy/error_matcher.hpp"

namespace cosmicai::asl {

namespace {
constexpr std::int64_t kMaxSeconds = 99999999;  // AWS's upper bound for IntervalSeconds/MaxDelaySeconds
}

std::optional<Retrier> Retrier::from_json(const json& value, const std::string& pointer, bool last,
                                          ParseContext& ctx) {
  if (!value.is_object()) {
    ctx.error(pointer, "a retrier must be an object, got " + describe(value));
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  ctx.check_fields(value, pointer,
                   {"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                    "JitterStrategy", "Comment"});
  Retrier r;
  if (auto it = value.find("ErrorEquals"); it != value.end()) {
    r.error_equals_ = parse_error_equals(*it, pointer + "/ErrorEquals", last, ctx);
  } else {
    ctx.error(pointer, "missing required field 'ErrorEquals'");
  }
  if (auto v = ctx.get_int(value, pointer, "IntervalSeconds", true, kMaxSeconds)) r.interval_seconds_ = *v;
  if (auto v = ctx.get_int(value, pointer, "MaxAttempts", false, kMaxSeconds)) r.max_attempts_ = *v;
  if (auto v = ctx.get_number(value, pointer, "BackoffRate", 1.0)) r.backoff_rate_ = *v;
  if (auto v = ctx.get_int(value, pointer, "MaxDelaySeconds", true, kMaxSeconds)) r.max_delay_seconds_ = *v;
  if (auto s = ctx.get_string(value, pointer, "JitterStrategy")) {
    if (*s == "FULL") r.jitter_ = JitterStrategy::kFull;
    else if (*s == "NONE") r.jitter_ = JitterStrategy::kNone;
    else ctx.error(pointer + "/JitterStrategy", "must be \"FULL\" or \"NONE\", got \"" + *s + "\"");
  }
  if (ctx.error_count() != before) return std::nullopt;
  return r;
}

std::vector<Retrier> Retrier::list_from_json(const json& value, const std::string& pointer, ParseContext& ctx) {
  std::vector<Retrier> out;
  if (!value.is_array()) {
    ctx.error(pointer, "must be an array of retriers, got " + describe(value));
    return out;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (auto r = from_json(value[i], pointer + "/" + std::to_string(i), i + 1 == value.size(), ctx)) {
      out.push_back(std::move(*r));
    }
  }
  return out;
}

bool Retrier::matches(const std::optional<std::string>& error) const { return error_matches(error_equals_, error); }

std::chrono::nanoseconds Retrier::delay(int attempt, double unit) const {
  double seconds = static_cast<double>(interval_seconds_) * std::pow(backoff_rate_, attempt);
  if (max_delay_seconds_) seconds = std::min(seconds, static_cast<double>(*max_delay_seconds_));
  seconds = std::min(seconds, static_cast<double>(kMaxSeconds));
  if (jitter_ == JitterStrategy::kFull) seconds *= std::clamp(unit, 0.0, 1.0);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(seconds * 1e9)));
}

}  // namespace cosmicai::asl
