#include "asl/states/wait.hpp"

#include <algorithm>
#include <limits>

#include "asl/choice/timestamp.hpp"

namespace cosmicai::asl {

namespace {

/// The longest a Wait waits: the most its Seconds field may ask. A larger SecondsPath value or a
/// far-future Timestamp waits this long (an execution ends long before) instead of overflowing
/// the clock's nanoseconds.
constexpr std::int64_t kMaxWaitSeconds = 99999999;

}  // namespace

std::unique_ptr<State> parse_wait(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<WaitState>();
  s->type = StateType::kWait;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Seconds",
                    "SecondsPath", "Timestamp", "TimestampPath", "Assign", "Output"});
  parse_common_fields(obj, {}, *s, ctx);
  s->seconds = LiteralOrPath::parse(obj, pointer, "Seconds", "SecondsPath", ctx, [&]() {
    auto v = ctx.get_int(obj, pointer, "Seconds", false, kMaxWaitSeconds);
    return v ? std::optional<json>(*v) : std::nullopt;
  }, false, false);
  s->timestamp = LiteralOrPath::parse(obj, pointer, "Timestamp", "TimestampPath", ctx, [&]() -> std::optional<json> {
    auto v = ctx.get_string(obj, pointer, "Timestamp");
    if (!v) return std::nullopt;
    if (!parse_timestamp_ns(*v)) {
      ctx.error(pointer + "/Timestamp", "must be an RFC3339 timestamp such as 2016-03-14T01:59:00Z, got \"" + *v + "\"");
      return std::nullopt;
    }
    return json(*v);
  }, false, false);
  int count = 0;
  for (const char* k : {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}) count += obj.contains(k) ? 1 : 0;
  if (count != 1) {
    ctx.error(pointer, "must have exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (found " +
                           std::to_string(count) + ")");
  }
  return s;
}

namespace {

/// SecondsPath: a non-negative integer. AWS reports a bad value without the state preamble
/// (LocalStack's reproduction, checked against test_base_wait_seconds_path recordings).
std::int64_t seconds_path(const std::optional<json>& v, const LiteralOrPath& field, const json&, const EvalEnv&) {
  const std::string& path = field.path_text();
  if (!v) {
    throw StatesError::bare(errors::kRuntime, "The SecondsPath parameter does not reference an input value: " + path);
  }
  const std::string assignment = path + " == " + (v->is_string() ? v->get<std::string>() : dump_compact(*v));
  if (!v->is_number_integer()) {
    throw StatesError::bare(errors::kRuntime, "The SecondsPath parameter cannot be parsed as a long value: " + assignment);
  }
  if (v->get<std::int64_t>() < 0) {
    throw StatesError::bare(errors::kRuntime, "The SecondsPath parameter references a negative value: " + assignment);
  }
  return v->get<std::int64_t>();
}

/// Unused: WaitState::delay reads TimestampPath itself (its message names the input).
std::string timestamp_path(const std::optional<json>& v, const LiteralOrPath&, const json&, const EvalEnv&) {
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

}  // namespace

std::chrono::nanoseconds WaitState::delay(const EvalEnv& env, const json& path_input,
                                          std::chrono::nanoseconds now) const {
  if (seconds.present()) {
    return std::chrono::seconds(std::min(*seconds.integer(env, path_input, 0, seconds_path), kMaxWaitSeconds));
  }
  std::optional<std::int64_t> ns;
  switch (timestamp.kind()) {
    case LiteralOrPath::Kind::kAbsent: return std::chrono::nanoseconds(0);
    case LiteralOrPath::Kind::kLiteral: ns = parse_timestamp_ns(timestamp.literal().get_ref<const std::string&>()); break;
    case LiteralOrPath::Kind::kJsonata: {
      const std::string text = *timestamp.string(env, path_input, timestamp_path);
      ns = parse_timestamp_ns(text);
      if (!ns) {
        throw StatesError::query_evaluation("Timestamp",
                          "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format "
                          "string: " + text);
      }
      break;
    }
    case LiteralOrPath::Kind::kPath: {
      auto v = timestamp.path_value(path_input, env.context, env.vars);
      if (!v) {
        throw StatesError(errors::kRuntime, "The JSONPath '" + timestamp.path_text() +
                                                "' specified for the field 'TimestampPath' could not be found "
                                                "in the input '" + dump_compact(path_input) + "'");
      }
      if (v->is_string()) ns = parse_timestamp_ns(v->get<std::string>());
      if (!ns) {
        // AWS's text (recorded: LocalStack test_wait_timestamppath with a timestamp lacking its zone).
        throw StatesError(errors::kRuntime,
                          "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                          "format string: " + timestamp.path_text() + " == " +
                              (v->is_string() ? v->get<std::string>() : dump_compact(*v)));
      }
      break;
    }
  }
  const auto target = std::chrono::nanoseconds(*ns);
  return target > now ? std::min<std::chrono::nanoseconds>(target - now, std::chrono::seconds(kMaxWaitSeconds))
                      : std::chrono::nanoseconds(0);
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
