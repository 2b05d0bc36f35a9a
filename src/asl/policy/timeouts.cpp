#include "asl/policy/timeouts.hpp"

namespace cosmicai::asl {

TaskTimeouts TaskTimeouts::from_json(const json& state, const std::string& pointer, ParseContext& ctx) {
  TaskTimeouts t;
  t.timeout_ = LiteralOrPath::parse(state, pointer, "TimeoutSeconds", "TimeoutSecondsPath", ctx, [&]() {
    auto v = ctx.get_int(state, pointer, "TimeoutSeconds", true, kMaxSeconds);
    return v ? std::optional<json>(*v) : std::nullopt;
  });
  t.heartbeat_ = LiteralOrPath::parse(state, pointer, "HeartbeatSeconds", "HeartbeatSecondsPath", ctx, [&]() {
    auto v = ctx.get_int(state, pointer, "HeartbeatSeconds", true, kMaxSeconds);
    return v ? std::optional<json>(*v) : std::nullopt;
  });
  using Kind = LiteralOrPath::Kind;
  if (t.timeout_.kind() == Kind::kLiteral && t.heartbeat_.kind() == Kind::kLiteral &&
      t.heartbeat_.literal().get<std::int64_t>() >= t.timeout_.literal().get<std::int64_t>()) {
    ctx.error(pointer + "/HeartbeatSeconds", "must be smaller than TimeoutSeconds (" +
                                                 std::to_string(t.timeout_.literal().get<std::int64_t>()) + "), got " +
                                                 std::to_string(t.heartbeat_.literal().get<std::int64_t>()));
  }
  return t;
}

namespace {

std::int64_t seconds_path(const std::optional<json>& value, const LiteralOrPath& field, bool positive) {
  const std::string& path = field.path_text();
  if (!value) {
    std::string tail = path.size() > 2 && path.rfind("$.", 0) == 0 ? "$['" + path.substr(2) + "']" : path;
    throw StatesError(errors::kRuntime, "Invalid path '" + path + "' : No results for path: " + tail);
  }
  std::int64_t v = 0;
  if (!as_integer(*value, v) || v < (positive ? 1 : 0)) {
    throw StatesError(errors::kRuntime, "The value of the field '" + field.path_key() + "' must be a " +
                                            (positive ? "positive" : "non-negative") + " integer, got " +
                                            describe(*value) + " from path '" + path + "'");
  }
  return v;
}

}  // namespace

std::int64_t positive_seconds_path(const std::optional<json>& value, const LiteralOrPath& field, const json&, const EvalEnv&) {
  return seconds_path(value, field, true);
}

std::int64_t non_negative_path(const std::optional<json>& value, const LiteralOrPath& field, const json&, const EvalEnv&) {
  return seconds_path(value, field, false);
}

std::optional<std::int64_t> TaskTimeouts::timeout(const EvalEnv& env, const json& path_input) const {
  return timeout_.integer(env, path_input, 1, positive_seconds_path);
}

std::optional<std::int64_t> TaskTimeouts::heartbeat(const EvalEnv& env, const json& path_input) const {
  return heartbeat_.integer(env, path_input, 1, positive_seconds_path);
}

}  // namespace cosmicai::asl
