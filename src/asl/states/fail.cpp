#include "asl/states/fail.hpp"

namespace cosmicai::asl {

std::unique_ptr<State> parse_fail(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<FailState>();
  s->type = StateType::kFail;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer, {"Type", "Comment", "QueryLanguage", "Error", "ErrorPath", "Cause", "CausePath"});
  parse_common_fields(obj, {.transition = false, .input_output = false, .output = false, .assign = false}, *s, ctx);
  auto literal = [&](const char* key) {
    return [&obj, &pointer, &ctx, key]() -> std::optional<json> {
      auto v = ctx.get_string(obj, pointer, key);
      return v ? std::optional<json>(*v) : std::nullopt;
    };
  };
  s->error = LiteralOrPath::parse(obj, pointer, "Error", "ErrorPath", ctx, literal("Error"), true);
  s->cause = LiteralOrPath::parse(obj, pointer, "Cause", "CausePath", ctx, literal("Cause"), true);
  return s;
}

namespace {

// Recorded wording: the path names its field; a non-string value is rejected.
std::string string_path(const std::optional<json>& value, const LiteralOrPath& field, const json&, const EvalEnv&) {
  if (!value) return {};  // reported by FailState::field_of, which knows the input
  if (!value->is_string()) {
    throw StatesError(errors::kRuntime, "The field '" + field.path_key() + "' must resolve to a string, got " +
                                            describe(*value) + " from '" + field.path_text() + "'");
  }
  return value->get<std::string>();
}

std::optional<std::string> field_of(const LiteralOrPath& field, const EvalEnv& env) {
  if (field.kind() != LiteralOrPath::Kind::kPath) return field.string(env, env.input, string_path);
  auto value = field.path_value(env.input, env.context, env.vars);
  if (!value) {
    throw StatesError(errors::kRuntime, "The JSONPath '" + field.path_text() + "' specified for the field '" +
                                            field.path_key() + "' could not be found in the input '" +
                                            dump_compact(env.input) + "'");
  }
  return string_path(value, field, env.input, env);
}

}  // namespace

std::optional<std::string> FailState::error_of(const EvalEnv& env) const { return field_of(error, env); }
std::optional<std::string> FailState::cause_of(const EvalEnv& env) const { return field_of(cause, env); }

}  // namespace cosmicai::asl
