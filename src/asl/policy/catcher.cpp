#include "asl/policy/catcher.hpp"

#include "asl/path/json_path.hpp"
#include "asl/policy/error_matcher.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

std::optional<Catcher> Catcher::from_json(const json& value, const std::string& pointer, bool last,
                                          ParseContext& ctx) {
  if (!value.is_object()) {
    ctx.error(pointer, "a catcher must be an object, got " + describe(value));
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  ctx.check_fields(value, pointer, {"ErrorEquals", "Next", "ResultPath", "Comment", "Output", "Assign"});
  Catcher c;
  if (auto it = value.find("ErrorEquals"); it != value.end()) {
    c.error_equals_ = parse_error_equals(*it, pointer + "/ErrorEquals", last, ctx);
  } else {
    ctx.error(pointer, "missing required field 'ErrorEquals'");
  }
  if (auto n = ctx.get_string(value, pointer, "Next")) c.next_ = *n;
  else if (!value.contains("Next")) ctx.error(pointer, "missing required field 'Next'");
  c.jsonata_ = ctx.jsonata;
  if (auto it = value.find("ResultPath"); it != value.end()) {
    std::string problem;
    if (it->is_null()) {
      c.discard_result_ = true;
    } else if (!it->is_string()) {
      ctx.error(pointer + "/ResultPath", "must be a reference path or null, got " + describe(*it));
    } else if (auto path = JsonPath::compile(it->get<std::string>(), problem, true); !path) {
      ctx.error(pointer + "/ResultPath", "invalid reference path '" + it->get<std::string>() + "': " + problem);
    } else if (path->context()) {
      ctx.error(pointer + "/ResultPath", "invalid reference path '" + it->get<std::string>() +
                                             "': ResultPath cannot write to the context object ($$)");
    } else if (!path->is_root()) {
      c.result_path_ = std::move(path);
    }
  }
  if (ctx.jsonata) {
    if (auto it = value.find("Output"); it != value.end()) {
      c.output_ = JsonataValue::compile(*it, "Output", pointer + "/Output", {.error_output = true}, ctx);
    }
  }
  if (auto a = parse_assign(value, pointer, {.error_output = true}, ctx)) {
    c.assign_paths_ = std::move(a->paths);
    c.assign_ = std::move(a->jsonata);
  }
  if (ctx.error_count() != before) return std::nullopt;
  return c;
}

std::vector<Catcher> Catcher::list_from_json(const json& value, const std::string& pointer, ParseContext& ctx) {
  std::vector<Catcher> out;
  if (!value.is_array()) {
    ctx.error(pointer, "must be an array of catchers, got " + describe(value));
    return out;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (auto c = from_json(value[i], pointer + "/" + std::to_string(i), i + 1 == value.size(), ctx)) {
      out.push_back(std::move(*c));
    }
  }
  return out;
}

bool Catcher::matches(const std::optional<std::string>& error) const { return error_matches(error_equals_, error); }

}  // namespace cosmicai::asl

namespace cosmicai::asl {

json Catcher::output_of(const json& input, json error_output, const ContextRef& context, const Variables* vars,
                        json* assigned) const {
  if (jsonata_) {
    const EvalEnv env{input, context, vars, nullptr, &error_output};
    if (assigned && assign_) *assigned = assign_->evaluate(env);
    return output_ ? output_->evaluate(env) : error_output;
  }
  if (assigned && assign_paths_) *assigned = assign_paths_->evaluate(error_output, context, vars);
  if (discard_result_) return input;
  if (!result_path_) return error_output;
  return result_path_->apply_result(input, std::move(error_output));
}

}  // namespace cosmicai::asl
