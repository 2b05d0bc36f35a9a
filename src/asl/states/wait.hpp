#pragma once
/// Wait state: delays the execution for a time or until a timestamp.
#include <chrono>
#include <cstdint>

#include "asl/query/literal_or_path.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// "A Wait state causes the interpreter to delay the machine from continuing for a
/// specified time." Exactly one of the four fields is set.
class WaitState : public State {
 public:
  LiteralOrPath seconds;    ///< Seconds / SecondsPath (JSONata: Seconds)
  LiteralOrPath timestamp;  ///< Timestamp / TimestampPath (JSONata: Timestamp), RFC3339 text

  /// How long to wait from `now` (since the Unix epoch): Seconds, or until Timestamp (zero when
  /// past). JSONata fields see `env`; SecondsPath/TimestampPath read `path_input` (the effective
  /// input). Throws StatesError with AWS's wording for a bad value.
  std::chrono::nanoseconds delay(const EvalEnv& env, const json& path_input, std::chrono::nanoseconds now) const;
};

/// Parse a Wait state object at `pointer`.
std::unique_ptr<State> parse_wait(const json& obj, const std::string& pointer, ParseContext& ctx);

/// Parse an RFC3339 timestamp ("2016-03-14T01:59:00Z", optional fraction, "Z" or
/// an offset) into nanoseconds since the Unix epoch; nullopt if malformed.
/// AWS requires an uppercase "T" and a time zone.
std::optional<std::int64_t> parse_timestamp_ns(std::string_view text);

}  // namespace cosmicai::asl
