#pragma once
/// Task timeouts: TimeoutSeconds(Path) and HeartbeatSeconds(Path).
#include <cstdint>
#include <optional>
#include <string>

#include "asl/parse_context.hpp"
#include "asl/query/jsonata_field.hpp"

namespace cosmicai::asl {

/// The timeout fields of a Task state. Immutable; thread-safe.
class TaskTimeouts {
 public:
  /// Parse the timeout fields of the Task state object at `pointer`.
  static TaskTimeouts from_json(const json& state, const std::string& pointer, ParseContext& ctx);

  /// Resolve the effective timeout in seconds against the state input (TimeoutSecondsPath),
  /// or nullopt for none. Throws StatesError(States.Runtime) when the path matches nothing
  /// or does not give a positive integer.
  /// A JSONata expression sees `input` as $states.input; it must give a positive integer
  /// (else States.QueryEvaluationError).
  std::optional<std::int64_t> timeout(const json& input, const json& context, const json* vars = nullptr) const;
  /// Same for the heartbeat.
  std::optional<std::int64_t> heartbeat(const json& input, const json& context, const json* vars = nullptr) const;

  bool has_timeout() const { return timeout_seconds_ || timeout_seconds_path_ || timeout_expr_; }
  bool has_heartbeat() const { return heartbeat_seconds_ || heartbeat_seconds_path_ || heartbeat_expr_; }

  /// AWS's default task timeout (a year) when none is given.
  static constexpr std::int64_t kMaxSeconds = 99999999;

 private:
  std::optional<std::int64_t> timeout_seconds_;
  std::optional<std::string> timeout_seconds_path_;
  std::optional<std::int64_t> heartbeat_seconds_;
  std::optional<std::string> heartbeat_seconds_path_;
  std::optional<JsonataValue> timeout_expr_;    ///< JSONata TimeoutSeconds
  std::optional<JsonataValue> heartbeat_expr_;  ///< JSONata HeartbeatSeconds
};

/// Resolve a "...SecondsPath"-style field: the path must select a non-negative
/// (or positive) integer. Throws StatesError(States.Runtime) with AWS's wording.
std::int64_t resolve_seconds_path(const std::string& path, const char* field, const json& input,
                                  const json& context, bool positive, const json* vars = nullptr);

}  // namespace cosmicai::asl
