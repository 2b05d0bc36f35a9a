#pragma once
/// Choice state: picks the next state from rules over its input.
#include "asl/choice/choice_rule.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// "A Choice state adds branching logic to a state machine."
class ChoiceState : public State {
 public:
  std::vector<ChoiceRule> choices;
  std::string default_next;  ///< `Default`, empty if none
};

/// Parse a Choice state object at `pointer`.
std::unique_ptr<State> parse_choice(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
