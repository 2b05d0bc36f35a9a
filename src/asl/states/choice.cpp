#include "asl/states/choice.hpp"

namespace cosmicai::asl {

std::unique_ptr<State> parse_choice(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<ChoiceState>();
  s->type = StateType::kChoice;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer, {"Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "Choices", "Default"});
  parse_common_fields(obj, {.transition = false}, *s, ctx);
  if (auto d = ctx.get_string(obj, pointer, "Default")) s->default_next = *d;
  auto it = obj.find("Choices");
  if (it == obj.end()) {
    ctx.error(pointer, "missing required field 'Choices'");
  } else if (!it->is_array() || it->empty()) {
    ctx.error(pointer + "/Choices", "must be a non-empty array of choice rules, got " + describe(*it));
  } else {
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto rule = ChoiceRule::from_json((*it)[i], pointer + "/Choices/" + std::to_string(i), true, ctx.errors());
      if (rule) s->choices.push_back(std::move(*rule));
    }
  }
  return s;
}

}  // namespace cosmicai::asl
