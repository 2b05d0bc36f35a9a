#include "asl/states/succeed.hpp"

namespace cosmicai::asl {

std::unique_ptr<State> parse_succeed(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<SucceedState>();
  s->type = StateType::kSucceed;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer, {"Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "Output"});
  parse_common_fields(obj, {.transition = false, .assign = false}, *s, ctx);
  return s;
}

}  // namespace cosmicai::asl
