#include "asl/states/fail.hpp"

#include "asl/intrinsic/intrinsics.hpp"
#include "asl/path/json_path.hpp"

namespace cosmicai::asl {

namespace {
std::optional<std::string> get_path_or_intrinsic(const json& obj, const std::string& pointer, const char* key,
                                                 ParseContext& ctx) {
  auto s = ctx.get_string(obj, pointer, key);
  if (!s) return std::nullopt;
  auto problem = is_intrinsic_call(*s) ? check_intrinsic(*s) : check_path(*s);
  if (problem) {
    ctx.error(pointer + "/" + key, "invalid path or intrinsic '" + *s + "': " + *problem);
    return std::nullopt;
  }
  return s;
}
}  // namespace

std::unique_ptr<State> parse_fail(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<FailState>();
  s->type = StateType::kFail;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer, {"Type", "Comment", "QueryLanguage", "Error", "ErrorPath", "Cause", "CausePath"});
  parse_common_fields(obj, {.transition = false, .input_output = false, .output = false, .assign = false}, *s, ctx);
  s->error_expr = jsonata_field(obj, pointer, "Error", ctx);
  s->cause_expr = jsonata_field(obj, pointer, "Cause", ctx);
  if (!s->error_expr) s->error = ctx.get_string(obj, pointer, "Error");
  if (!s->cause_expr) s->cause = ctx.get_string(obj, pointer, "Cause");
  s->error_path = get_path_or_intrinsic(obj, pointer, "ErrorPath", ctx);
  s->cause_path = get_path_or_intrinsic(obj, pointer, "CausePath", ctx);
  if (obj.contains("Error") && obj.contains("ErrorPath")) {
    ctx.error(pointer, "Error and ErrorPath are mutually exclusive");
  }
  if (obj.contains("Cause") && obj.contains("CausePath")) {
    ctx.error(pointer, "Cause and CausePath are mutually exclusive");
  }
  return s;
}

}  // namespace cosmicai::asl
