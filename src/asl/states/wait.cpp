#include "asl/states/wait.hpp"

#include <limits>

#include "asl/choice/timestamp.hpp"

namespace cosmicai::asl {

std::unique_ptr<State> parse_wait(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<WaitState>();
  s->type = StateType::kWait;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Seconds",
                    "SecondsPath", "Timestamp", "TimestampPath", "Assign", "Output"});
  parse_common_fields(obj, {}, *s, ctx);
  s->seconds_expr = jsonata_field(obj, pointer, "Seconds", ctx);
  s->timestamp_expr = jsonata_field(obj, pointer, "Timestamp", ctx);
  if (!s->seconds_expr) s->seconds = ctx.get_int(obj, pointer, "Seconds", false, 99999999);
  s->seconds_path = ctx.get_path(obj, pointer, "SecondsPath");
  if (!s->timestamp_expr) s->timestamp = ctx.get_string(obj, pointer, "Timestamp");
  s->timestamp_path = ctx.get_path(obj, pointer, "TimestampPath");
  if (s->timestamp && !parse_timestamp_ns(*s->timestamp)) {
    ctx.error(pointer + "/Timestamp", "must be an RFC3339 timestamp such as 2016-03-14T01:59:00Z, got \"" +
                                          *s->timestamp + "\"");
  }
  int count = 0;
  for (const char* k : {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}) count += obj.contains(k) ? 1 : 0;
  if (count != 1) {
    ctx.error(pointer, "must have exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (found " +
                           std::to_string(count) + ")");
  }
  return s;
}

std::optional<std::int64_t> parse_timestamp_ns(std::string_view text) {
  // One grammar for Choice rules and Wait: asl/choice/timestamp.hpp.
  auto t = parse_timestamp(text);
  if (!t) return std::nullopt;
  // Nanoseconds since 1970 fit an int64 from 1677 to 2262; instants outside saturate (a Wait
  // until year 4032 waits as long as the engine allows) instead of overflowing.
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / 1000000000 - 1;
  if (t->seconds > kMaxSeconds) return std::numeric_limits<std::int64_t>::max();
  if (t->seconds < -kMaxSeconds) return std::numeric_limits<std::int64_t>::min();
  return t->seconds * 1000000000 + t->nanos;
}

}  // namespace cosmicai::asl
