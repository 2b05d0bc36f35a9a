#pragma once
/// Fail state: stops the execution with an Error and a Cause.
#include "asl/query/literal_or_path.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// "The Fail State terminates the machine and marks it as a failure."
class FailState : public State {
 public:
  LiteralOrPath error;  ///< Error / ErrorPath (a JSONPath or an intrinsic call); JSONata: Error
  LiteralOrPath cause;  ///< Cause / CausePath likewise

  /// The Error (nullopt when absent); a path reads the state input. Throws StatesError when a path
  /// matches nothing or gives a non-string (States.Runtime) or an expression fails (QueryEvaluationError).
  std::optional<std::string> error_of(const EvalEnv& env) const;
  /// The Cause likewise.
  std::optional<std::string> cause_of(const EvalEnv& env) const;
};

/// Parse a Fail state object at `pointer`.
std::unique_ptr<State> parse_fail(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
