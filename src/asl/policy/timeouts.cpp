#include "asl/policy/timeouts.hpp"

#include "asl/path/json_path.hpp"

namespace cosmicai::asl {

TaskTimeouts TaskTimeouts::from_json(const json& state, const std::string& pointer, ParseContext& ctx) {
  TaskTimeouts t;
  t.timeout_expr_ = jsonata_field(state, pointer, "TimeoutSeconds", ctx);
  t.heartbeat_expr_ = jsonata_field(state, pointer, "HeartbeatSeconds", ctx);
  if (!t.timeout_expr_) t.timeout_seconds_ = ctx.get_int(state, pointer, "TimeoutSeconds", true, kMaxSeconds);
  t.timeout_seconds_path_ = ctx.get_path(state, pointer, "TimeoutSecondsPath");
  if (!t.heartbeat_expr_) t.heartbeat_seconds_ = ctx.get_int(state, pointer, "HeartbeatSeconds", true, kMaxSeconds);
  t.heartbeat_seconds_path_ = ctx.get_path(state, pointer, "HeartbeatSecondsPath");
  if (state.contains("TimeoutSeconds") && state.contains("TimeoutSecondsPath")) {
    ctx.error(pointer, "TimeoutSeconds and TimeoutSecondsPath are mutually exclusive");
  }
  if (state.contains("HeartbeatSeconds") && state.contains("HeartbeatSecondsPath")) {
    ctx.error(pointer, "HeartbeatSeconds and HeartbeatSecondsPath are mutually exclusive");
  }
  if (t.timeout_seconds_ && t.heartbeat_seconds_ && *t.heartbeat_seconds_ >= *t.timeout_seconds_) {
    ctx.error(pointer + "/HeartbeatSeconds", "must be smaller than TimeoutSeconds (" +
                                                 std::to_string(*t.timeout_seconds_) + "), got " +
                                                 std::to_string(*t.heartbeat_seconds_));
  }
  return t;
}

std::int64_t resolve_seconds_path(const std::string& path, const char* field, const json& input,
                                  const json& context, bool positive, const json* vars) {
  auto value = try_query_path(path, input, context, vars);
  if (!value) {
    std::string tail = path.size() > 2 && path.rfind("$.", 0) == 0 ? "$['" + path.substr(2) + "']" : path;
    throw StatesError(errors::kRuntime, "Invalid path '" + path + "' : No results for path: " + tail);
  }
  std::int64_t v = 0;
  if (!as_integer(*value, v) || v < (positive ? 1 : 0)) {
    throw StatesError(errors::kRuntime, std::string("The value of the field '") + field +
                                            "' must be a " + (positive ? "positive" : "non-negative") +
                                            " integer, got " + describe(*value) + " from path '" + path + "'");
  }
  return v;
}

std::optional<std::int64_t> TaskTimeouts::timeout(const json& input, const json& context, const json* vars) const {
  if (timeout_seconds_) return timeout_seconds_;
  if (timeout_expr_) return timeout_expr_->evaluate_integer(EvalEnv{input, context, vars}, 1);
  if (timeout_seconds_path_) {
    return resolve_seconds_path(*timeout_seconds_path_, "TimeoutSecondsPath", input, context, true, vars);
  }
  return std::nullopt;
}

std::optional<std::int64_t> TaskTimeouts::heartbeat(const json& input, const json& context, const json* vars) const {
  if (heartbeat_seconds_) return heartbeat_seconds_;
  if (heartbeat_expr_) return heartbeat_expr_->evaluate_integer(EvalEnv{input, context, vars}, 1);
  if (heartbeat_seconds_path_) {
    return resolve_seconds_path(*heartbeat_seconds_path_, "HeartbeatSecondsPath", input, context, true, vars);
  }
  return std::nullopt;
}

}  // namespace cosmicai::asl
