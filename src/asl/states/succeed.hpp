#pragma once
/// Succeed state: stops an execution (or branch/iteration) successfully.
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// "The Succeed State either terminates a state machine successfully, ends a branch
/// of a Parallel State, or ends an iteration of a Map State."
class SucceedState : public State {};

/// Parse a Succeed state object at `pointer`.
std::unique_ptr<State> parse_succeed(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
