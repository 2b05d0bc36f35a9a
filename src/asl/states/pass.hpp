#pragma once
/// Pass state: passes its input (or a fixed Result) to its output.
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// "The Pass State by default passes its input to its output, performing no work."
class PassState : public State {
 public:
  std::optional<json> result;  ///< `Result`, used instead of the effective input
};

/// Parse a Pass state object at `pointer`.
std::unique_ptr<State> parse_pass(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
