#include "asl/states/parallel.hpp"

#include "asl/state_machine.hpp"

namespace cosmicai::asl {

std::unique_ptr<State> parse_parallel(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<ParallelState>();
  s->type = StateType::kParallel;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Parameters",
                    "ResultSelector", "ResultPath", "Retry", "Catch", "Branches", "Assign", "Output", "Arguments"});
  parse_common_fields(obj,
                      {.parameters = true, .result_path = true, .result_selector = true, .retry_catch = true,
                       .arguments = true, .has_result = true},
                      *s, ctx);
  auto it = obj.find("Branches");
  if (it == obj.end()) {
    ctx.error(pointer, "missing required field 'Branches'");
  } else if (!it->is_array() || it->empty()) {
    ctx.error(pointer + "/Branches", "must be a non-empty array of state machines, got " + describe(*it));
  } else {
    for (std::size_t i = 0; i < it->size(); ++i) {
      const bool jsonata = ctx.jsonata;
      auto branch = StateMachine::parse_sub((*it)[i], pointer + "/Branches/" + std::to_string(i),
                                            MachineKind::kBranch, ctx);
      ctx.jsonata = jsonata;
      if (branch) s->branches.push_back(std::move(branch));
    }
  }
  return s;
}

}  // namespace cosmicai::asl
