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
  if (auto it = value.find("ResultPath"); it != value.end()) {
    if (it->is_null()) {
      c.result_path_ = std::nullopt;
    } else if (!it->is_string()) {
      ctx.error(pointer + "/ResultPath", "must be a reference path or null, got " + describe(*it));
    } else if (auto problem = check_reference_path(it->get<std::string>())) {
      ctx.error(pointer + "/ResultPath", "invalid reference path '" + it->get<std::string>() + "': " + *problem);
    } else if (it->get_ref<const std::string&>().starts_with("$$")) {
      ctx.error(pointer + "/ResultPath", "invalid reference path '" + it->get<std::string>() +
                                             "': ResultPath cannot write to the context object ($$)");
    } else {
      c.result_path_ = it->get<std::string>();
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
