#pragma once
/// Task timeouts: TimeoutSeconds(Path) and HeartbeatSeconds(Path).
#include <cstdint>
#include <optional>
#include <string>

#include "asl/parse_context.hpp"
#include "asl/query/jsonata_field.hpp"
#include "asl/query/literal_or_path.hpp"

namespace cosmicai::asl {

/// The timeout fields of a Task state. Immutable; thread-safe.
class TaskTimeouts {
 public:
  /// Parse the timeout fields of the Task state object at `pointer`.
  static TaskTimeouts from_json(const json& state, const std::string& pointer, ParseContext& ctx);

  /// Resolve the effective timeout in seconds, or nullopt for none: the literal, the JSONata
  /// expression (a positive integer, else States.QueryEvaluationError; it sees `env`) or
  /// TimeoutSecondsPath on `path_input` (the effective input; States.Runtime when the path matches
  /// nothing or does not give a positive integer).
  std::optional<std::int64_t> timeout(const EvalEnv& env, const json& path_input) const;
  /// Same for the heartbeat.
  std::optional<std::int64_t> heartbeat(const EvalEnv& env, const json& path_input) const;

  bool has_timeout() const { return timeout_.present(); }
  bool has_heartbeat() const { return heartbeat_.present(); }

  /// AWS's default task timeout (a year) when none is given.
  static constexpr std::int64_t kMaxSeconds = 99999999;

 private:
  LiteralOrPath timeout_;    ///< TimeoutSeconds / TimeoutSecondsPath
  LiteralOrPath heartbeat_;  ///< HeartbeatSeconds / HeartbeatSecondsPath
};

/// Check a "...SecondsPath" value (see LiteralOrPath::PathCheck): a positive integer; throws
/// StatesError(States.Runtime) with AWS's wording.
std::int64_t positive_seconds_path(const std::optional<json>& value, const LiteralOrPath& field, const json& input,
                                   const EvalEnv& env);
/// Same for a non-negative integer (ItemBatcher limits).
std::int64_t non_negative_path(const std::optional<json>& value, const LiteralOrPath& field, const json& input,
                               const EvalEnv& env);

}  // namespace cosmicai::asl
