#include "asl/states/state.hpp"

#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
#include "asl/states/choice.hpp"
#include "asl/states/fail.hpp"
#include "asl/states/map.hpp"
#include "asl/states/parallel.hpp"
#include "asl/states/pass.hpp"
#include "asl/states/succeed.hpp"
#include "asl/states/task.hpp"
#include "asl/states/wait.hpp"

namespace cosmicai::asl {

std::string_view to_string(StateType type) {
  switch (type) {
    case StateType::kPass: return "Pass";
    case StateType::kTask: return "Task";
    case StateType::kChoice: return "Choice";
    case StateType::kWait: return "Wait";
    case StateType::kSucceed: return "Succeed";
    case StateType::kFail: return "Fail";
    case StateType::kParallel: return "Parallel";
    case StateType::kMap: return "Map";
  }
  return "?";
}

namespace {

void parse_path_field(const json& obj, const std::string& pointer, const char* key, bool reference, PathField& out,
                      ParseContext& ctx) {
  auto it = obj.find(key);
  if (it == obj.end()) return;
  const std::string where = pointer + "/" + key;
  if (it->is_null()) {
    out.is_null = true;
    return;
  }
  if (!it->is_string()) {
    ctx.error(where, "must be a JSONPath string or null, got " + describe(*it));
    return;
  }
  const auto text = it->get<std::string>();
  auto problem = reference ? check_reference_path(text) : check_path(text);
  if (!problem && std::string_view(key) == "ResultPath" && text.starts_with("$$")) {
    problem = "ResultPath cannot write to the context object ($$)";
  }
  if (problem) {
    ctx.error(where, std::string("invalid ") + (reference ? "reference path '" : "JSONPath '") + text + "': " + *problem);
    return;
  }
  out.path = text;
}

bool mentions_context(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().find("$$") != std::string::npos;
  if (v.is_structured()) {
    for (const auto& e : v) if (mentions_context(e)) return true;
  }
  return false;
}

}  // namespace

void parse_common_fields(const json& obj, const CommonFields& fields, State& state, ParseContext& ctx) {
  const auto& p = state.pointer;
  if (auto c = ctx.get_string(obj, p, "Comment")) state.comment = *c;
  if (fields.transition) {
    const bool has_next = obj.contains("Next");
    const bool has_end = obj.contains("End");
    if (auto n = ctx.get_string(obj, p, "Next")) state.next = *n;
    if (has_end) {
      const auto& e = obj["End"];
      if (!e.is_boolean()) ctx.error(p + "/End", "must be a boolean, got " + describe(e));
      else state.end = e.get<bool>();
    }
    if (has_next && state.end) ctx.error(p, "'Next' and 'End: true' are mutually exclusive");
    if (!has_next && !state.end) ctx.error(p, "must have 'Next' or 'End: true'");
  }
  if (fields.input_output) {
    parse_path_field(obj, p, "InputPath", false, state.input_path, ctx);
    parse_path_field(obj, p, "OutputPath", false, state.output_path, ctx);
  }
  if (fields.result_path) parse_path_field(obj, p, "ResultPath", true, state.result_path, ctx);
  if (fields.parameters) {
    if (auto it = obj.find("Parameters"); it != obj.end()) {
      validate_payload_template(*it, p + "/Parameters", ctx.errors());
      state.parameters = *it;
    }
  }
  if (fields.result_selector) {
    if (auto it = obj.find("ResultSelector"); it != obj.end()) {
      if (!it->is_object()) ctx.error(p + "/ResultSelector", "must be an object, got " + describe(*it));
      validate_payload_template(*it, p + "/ResultSelector", ctx.errors());
      state.result_selector = *it;
    }
  }
  if (fields.retry_catch) {
    if (auto it = obj.find("Retry"); it != obj.end()) state.retry = Retrier::list_from_json(*it, p + "/Retry", ctx);
    if (auto it = obj.find("Catch"); it != obj.end()) {
      state.catchers = Catcher::list_from_json(*it, p + "/Catch", ctx);
    }
  }
  state.uses_context = mentions_context(obj);
}

std::unique_ptr<State> parse_state(const std::string& name, const json& obj, const std::string& pointer,
                                   ParseContext& ctx) {
  if (!obj.is_object()) {
    ctx.error(pointer, "a state must be an object, got " + describe(obj));
    return nullptr;
  }
  if (auto it = obj.find("QueryLanguage"); it != obj.end()) {
    if (*it == "JSONata") {
      ctx.error(pointer + "/QueryLanguage", "the JSONata query language is not supported yet; use JSONPath");
    } else if (*it != "JSONPath") {
      ctx.error(pointer + "/QueryLanguage", "must be \"JSONPath\" or \"JSONata\", got " + describe(*it));
    }
  }
  auto type_it = obj.find("Type");
  if (type_it == obj.end()) {
    ctx.error(pointer, "missing required field 'Type'");
    return nullptr;
  }
  if (!type_it->is_string()) {
    ctx.error(pointer + "/Type", "must be a string, got " + describe(*type_it));
    return nullptr;
  }
  const auto type = type_it->get<std::string>();
  std::unique_ptr<State> state;
  if (type == "Pass") state = parse_pass(obj, pointer, ctx);
  else if (type == "Task") state = parse_task(obj, pointer, ctx);
  else if (type == "Choice") state = parse_choice(obj, pointer, ctx);
  else if (type == "Wait") state = parse_wait(obj, pointer, ctx);
  else if (type == "Succeed") state = parse_succeed(obj, pointer, ctx);
  else if (type == "Fail") state = parse_fail(obj, pointer, ctx);
  else if (type == "Parallel") state = parse_parallel(obj, pointer, ctx);
  else if (type == "Map") state = parse_map(obj, pointer, ctx);
  else {
    ctx.error(pointer + "/Type",
              "unknown state type \"" + type + "\" (expected Pass, Task, Choice, Wait, Succeed, Fail, Parallel or Map)");
    return nullptr;
  }
  if (state) state->name = name;
  return state;
}

}  // namespace cosmicai::asl
