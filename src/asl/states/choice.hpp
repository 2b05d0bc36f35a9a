#pragma once
/// Choice state: picks the next state from rules over its input.
#include "asl/choice/choice_rule.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// One top-level rule: a JSONPath ChoiceRule or a JSONata `Condition`, with its `Next` and the
/// `Assign`/`Output` that apply when it matches.
struct ChoiceBranch {
  std::optional<ChoiceRule> rule;         ///< JSONPath
  std::optional<JsonataValue> condition;  ///< JSONata (a boolean or an expression giving one)
  std::string next;
  std::optional<JsonataValue> output;     ///< JSONata
  std::optional<AssignSpec> assign;

  /// Evaluate the rule against the effective input (JSONPath) or `$states.input` (JSONata).
  bool matches(const EvalEnv& env) const;
};

/// "A Choice state adds branching logic to a state machine."
class ChoiceState : public State {
 public:
  std::vector<ChoiceBranch> choices;
  std::string default_next;  ///< `Default`, empty if none

  /// The first branch whose rule matches (`env.input`: the effective input), or nullptr.
  const ChoiceBranch* choose(const EvalEnv& env) const;
  /// The state output once `chosen` matched (nullptr: the Default was taken): the matched rule's
  /// Assign and JSONata Output apply, or the state's own when the Default is taken. `raw` is the state
  /// input; `assigned` receives the Assign values, if any.
  json output_of(const ChoiceBranch* chosen, const json& raw, const EvalEnv& env,
                 std::optional<json>& assigned) const;
};

/// Parse a Choice state object at `pointer`.
std::unique_ptr<State> parse_choice(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
