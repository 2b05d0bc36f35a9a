#include "asl/states/choice.hpp"

namespace cosmicai::asl {

bool ChoiceBranch::matches(const EvalEnv& env) const {
  if (condition) return condition->evaluate_bool(env);
  return rule && rule->evaluate(env.input, env.context, env.vars);
}

namespace {

std::optional<ChoiceBranch> parse_jsonata_rule(const json& rule, const std::string& pointer, ParseContext& ctx) {
  if (!rule.is_object()) {
    ctx.error(pointer, "a choice rule must be an object, got " + describe(rule));
    return std::nullopt;
  }
  ctx.check_fields(rule, pointer, {"Condition", "Next", "Output", "Assign", "Comment"});
  ChoiceBranch b;
  if (auto it = rule.find("Condition"); it == rule.end()) {
    ctx.error(pointer, "a JSONata choice rule must have 'Condition'");
  } else if (!it->is_boolean() && !(it->is_string() && is_jsonata_string(it->get_ref<const std::string&>()))) {
    ctx.error(pointer + "/Condition", "must be a boolean or a JSONata expression \"{% ... %}\", got " + describe(*it));
  } else {
    b.condition = JsonataValue::compile(*it, "Condition", pointer + "/Condition", {}, ctx);
  }
  if (auto n = ctx.get_string(rule, pointer, "Next")) b.next = *n;
  else if (!rule.contains("Next")) ctx.error(pointer, "a top-level choice rule must have 'Next'");
  if (auto it = rule.find("Output"); it != rule.end()) {
    b.output = JsonataValue::compile(*it, "Output", pointer + "/Output", {}, ctx);
  }
  b.assign = parse_assign(rule, pointer, {}, ctx);
  return b;
}

}  // namespace

std::unique_ptr<State> parse_choice(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<ChoiceState>();
  s->type = StateType::kChoice;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "InputPath", "OutputPath", "Choices", "Default", "Assign",
                    "Output"});
  parse_common_fields(obj, {.transition = false}, *s, ctx);
  if (auto d = ctx.get_string(obj, pointer, "Default")) s->default_next = *d;
  auto it = obj.find("Choices");
  if (it == obj.end()) {
    ctx.error(pointer, "missing required field 'Choices'");
  } else if (!it->is_array() || it->empty()) {
    ctx.error(pointer + "/Choices", "must be a non-empty array of choice rules, got " + describe(*it));
  } else {
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string where = pointer + "/Choices/" + std::to_string(i);
      const json& rule = (*it)[i];
      if (ctx.jsonata) {
        if (auto b = parse_jsonata_rule(rule, where, ctx)) s->choices.push_back(std::move(*b));
        continue;
      }
      auto parsed = ChoiceRule::from_json(rule, where, true, ctx.errors());
      if (!parsed) continue;
      ChoiceBranch b;
      b.next = parsed->next();
      b.rule = std::move(parsed);
      if (rule.is_object()) b.assign = parse_assign(rule, where, {}, ctx);
      s->choices.push_back(std::move(b));
    }
  }
  return s;
}

const ChoiceBranch* ChoiceState::choose(const EvalEnv& env) const {
  for (const auto& branch : choices) {
    if (branch.matches(env)) return &branch;
  }
  return nullptr;
}

json ChoiceState::output_of(const ChoiceBranch* chosen, const json& raw, const EvalEnv& env,
                            std::optional<json>& assigned) const {
  if (!chosen) {
    json a;
    json out = flow.output_of(raw, env.input, env.context, env.vars, false, false, flow.has_assign() ? &a : nullptr);
    if (flow.has_assign()) assigned = std::move(a);
    return out;
  }
  if (chosen->assign) {
    if (chosen->assign->jsonata) assigned = chosen->assign->jsonata->evaluate(env);
    else assigned = chosen->assign->paths->evaluate(env.input, env.context, env.vars);
  }
  if (jsonata) return chosen->output ? chosen->output->evaluate(env) : raw;
  return flow.output_of(raw, env.input, env.context, env.vars, false, false, nullptr);
}

}  // namespace cosmicai::asl
