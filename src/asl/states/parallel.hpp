#pragma once
/// Parallel state: runs its branches concurrently on the same input.
#include <memory>

#include "asl/states/state.hpp"

namespace cosmicai::asl {

class StateMachine;

/// "The Parallel State causes parallel execution of branches." The output is an
/// array with each branch's output, in branch order.
class ParallelState : public State {
 public:
  std::vector<std::shared_ptr<const StateMachine>> branches;
};

/// Parse a Parallel state object at `pointer` (branches recursively).
std::unique_ptr<State> parse_parallel(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
