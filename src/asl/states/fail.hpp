#pragma once
/// Fail state: stops the execution with an Error and a Cause.
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// "The Fail State terminates the machine and marks it as a failure."
class FailState : public State {
 public:
  std::optional<std::string> error;       ///< `Error`
  std::optional<std::string> error_path;  ///< `ErrorPath` (JSONPath or intrinsic)
  std::optional<std::string> cause;       ///< `Cause`
  std::optional<std::string> cause_path;  ///< `CausePath` (JSONPath or intrinsic)
  std::optional<JsonataValue> error_expr;  ///< JSONata `Error`
  std::optional<JsonataValue> cause_expr;  ///< JSONata `Cause`
};

/// Parse a Fail state object at `pointer`.
std::unique_ptr<State> parse_fail(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
