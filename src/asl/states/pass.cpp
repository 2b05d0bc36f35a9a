#include "asl/states/pass.hpp"

namespace cosmicai::asl {

std::unique_ptr<State> parse_pass(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<PassState>();
  s->type = StateType::kPass;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Parameters",
                    "Result", "ResultPath", "Assign", "Output"});
  parse_common_fields(obj, {.parameters = true, .result_path = true}, *s, ctx);
  if (auto it = obj.find("Result"); it != obj.end()) s->result = *it;
  return s;
}

}  // namespace cosmicai::asl
