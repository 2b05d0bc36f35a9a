#pragma once
/// Wait state: delays the execution for a time or until a timestamp.
#include <cstdint>

#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// "A Wait state causes the interpreter to delay the machine from continuing for a
/// specified time." Exactly one of the four fields is set.
class WaitState : public State {
 public:
  std::optional<std::int64_t> seconds;
  std::optional<std::string> seconds_path;
  std::optional<std::string> timestamp;  ///< RFC3339 text
  std::optional<std::string> timestamp_path;
  std::optional<JsonataValue> seconds_expr;    ///< JSONata Seconds
  std::optional<JsonataValue> timestamp_expr;  ///< JSONata Timestamp
};

/// Parse a Wait state object at `pointer`.
std::unique_ptr<State> parse_wait(const json& obj, const std::string& pointer, ParseContext& ctx);

/// Parse an RFC3339 timestamp ("2016-03-14T01:59:00Z", optional fraction, "Z" or
/// an offset) into nanoseconds since the Unix epoch; nullopt if malformed.
/// AWS requires an uppercase "T" and a time zone.
std::optional<std::int64_t> parse_timestamp_ns(std::string_view text);

}  // namespace cosmicai::asl
