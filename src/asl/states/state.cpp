#include "asl/states/state.hpp"

#include <cctype>

#include "asl/errors.hpp"
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
  std::string problem;
  auto path = JsonPath::compile(text, problem, reference);
  if (path && std::string_view(key) == "ResultPath" && path->context()) {
    problem = "ResultPath cannot write to the context object ($$)";
  }
  if (path && std::string_view(key) == "ResultPath" && !path->variable().empty()) {
    problem = "ResultPath cannot write to a variable (use Assign)";
  }
  if (!problem.empty()) {
    ctx.error(where, std::string("invalid ") + (reference ? "reference path '" : "JSONPath '") + text + "': " + problem);
    return;
  }
  if (!path->is_root()) out.path = std::move(path);
}

bool mentions_context(const json& v) {
  if (v.is_string()) return v.get_ref<const std::string&>().find("$$") != std::string::npos;
  if (v.is_structured()) {
    for (const auto& e : v) if (mentions_context(e)) return true;
  }
  return false;
}

/// Whether JSONata text (a state's definition) may read `$states.context`: every `$states`
/// counts unless `.input`, `.result` or `.errorOutput` follows it, so anything else (`.context`,
/// `$states` as a whole, `$keys($states)`, an escape in between) makes the state build `$$`.
bool jsonata_mentions_context(const std::string& text) {
  constexpr std::string_view kStates = "$states";
  auto ident = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
  };
  const std::size_t n = text.size();
  for (std::size_t pos = text.find(kStates); pos != std::string::npos; pos = text.find(kStates, pos + 1)) {
    std::size_t i = pos + kStates.size();
    if (i < n && ident(text[i])) continue;  // $statesX: another variable
    while (i < n && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i >= n || text[i] != '.') return true;
    ++i;
    while (i < n && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < n && ident(text[i])) ++i;
    const std::string_view name(text.data() + start, i - start);
    if (name != "input" && name != "result" && name != "errorOutput") return true;
  }
  return false;
}

PayloadTemplate parse_assign_paths(const json& v, const std::string& where, ParseContext& ctx) {
  return PayloadTemplate::compile(v, where, ctx.errors());
}

void check_assign_names(const json& v, const std::string& where, ParseContext& ctx) {
  if (!v.is_object()) {
    ctx.error(where, "must be an object of variable names and values, got " + describe(v));
    return;
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string name = it.key();
    if (!ctx.jsonata && name.ends_with(".$")) name.resize(name.size() - 2);
    const std::string at = where + "/" + pointer_escape(it.key());
    if (name == "states") {
      ctx.error(at, "'states' is reserved ($states) and cannot be assigned");
      continue;
    }
    bool ok = !name.empty() && name.size() <= 80 &&
              (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_' ||
               static_cast<unsigned char>(name[0]) >= 0x80);
    for (char c : name) {
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80);
    }
    if (!ok) ctx.error(at, "invalid variable name '" + name + "' (letters, digits and '_', not starting with a digit, "
                           "at most 80 characters)");
  }
}

}  // namespace

std::optional<AssignSpec> parse_assign(const json& obj, const std::string& pointer, StatesAccess access,
                                       ParseContext& ctx) {
  auto it = obj.find("Assign");
  if (it == obj.end()) return std::nullopt;
  const std::string where = pointer + "/Assign";
  check_assign_names(*it, where, ctx);
  AssignSpec a;
  if (ctx.jsonata) a.jsonata = JsonataValue::compile(*it, "Assign", where, access, ctx);
  else a.paths = parse_assign_paths(*it, where, ctx);
  return a;
}

void parse_common_fields(const json& obj, const CommonFields& fields, State& state, ParseContext& ctx) {
  const auto& p = state.pointer;
  auto& flow = state.flow;
  flow.jsonata = state.jsonata = ctx.jsonata;
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
  if (ctx.jsonata) {
    if (fields.arguments) {
      if (auto it = obj.find("Arguments"); it != obj.end()) {
        flow.arguments = JsonataValue::compile(*it, "Arguments", p + "/Arguments", {}, ctx);
      }
    }
    if (fields.output) {
      if (auto it = obj.find("Output"); it != obj.end()) {
        flow.output = JsonataValue::compile(*it, "Output", p + "/Output", {.result = fields.has_result}, ctx);
      }
    }
  } else {
    if (fields.input_output) {
      parse_path_field(obj, p, "InputPath", false, flow.input_path, ctx);
      parse_path_field(obj, p, "OutputPath", false, flow.output_path, ctx);
    }
    if (fields.result_path) parse_path_field(obj, p, "ResultPath", true, flow.result_path, ctx);
    if (fields.parameters) {
      if (auto it = obj.find("Parameters"); it != obj.end()) {
        flow.parameters = PayloadTemplate::compile(*it, p + "/Parameters", ctx.errors());
      }
    }
    if (fields.result_selector) {
      if (auto it = obj.find("ResultSelector"); it != obj.end()) {
        if (!it->is_object()) ctx.error(p + "/ResultSelector", "must be an object, got " + describe(*it));
        flow.result_selector = PayloadTemplate::compile(*it, p + "/ResultSelector", ctx.errors());
      }
    }
  }
  if (fields.assign) {
    if (auto a = parse_assign(obj, p, {.result = fields.has_result}, ctx)) {
      flow.assign = std::move(a->jsonata);
      flow.assign_paths = std::move(a->paths);
    }
  }
  if (fields.retry_catch) {
    if (auto it = obj.find("Retry"); it != obj.end()) state.retry = Retrier::list_from_json(*it, p + "/Retry", ctx);
    if (auto it = obj.find("Catch"); it != obj.end()) {
      state.catchers = Catcher::list_from_json(*it, p + "/Catch", ctx);
    }
  }
  state.uses_context = mentions_context(obj) || (ctx.jsonata && jsonata_mentions_context(obj.dump()));
}

// === DataFlow ===

json DataFlow::input_of(const json& raw, const ContextRef& context, const Variables* vars) const {
  if (input_path.is_null) return json::object();
  if (jsonata || !input_path.path) return raw;
  return input_path.path->query(raw, context, vars);
}

json DataFlow::effective_input(const json& raw, const ContextRef& context, const Variables* vars, bool skip_parameters) const {
  if (jsonata) {
    if (!arguments) return raw;
    return arguments->evaluate(EvalEnv{raw, context, vars});
  }
  if (parameters && !skip_parameters) {
    if (input_path.is_null) return parameters->evaluate(json::object(), context, vars);
    if (!input_path.path) return parameters->evaluate(raw, context, vars);
    return parameters->evaluate(input_path.path->query(raw, context, vars), context, vars);
  }
  return input_of(raw, context, vars);
}

json DataFlow::evaluate_assign(const json& value, const EvalEnv& env) const {
  if (assign) return assign->evaluate(env);
  if (assign_paths) return assign_paths->evaluate(value, env.context, env.vars);
  return json::object();
}

json DataFlow::jsonata_output_of(const json& raw, json result, const ContextRef& context, const Variables* vars,
                                 bool has_result, json* assigned) const {
  const EvalEnv env{raw, context, vars, has_result ? &result : nullptr};
  if (assigned && assign) *assigned = assign->evaluate(env);
  if (output) return output->evaluate(env);
  return result;
}

json DataFlow::output_of(const json& raw, json result, const ContextRef& context, const Variables* vars, bool select,
                         bool has_result, json* assigned) const {
  if (jsonata) return jsonata_output_of(raw, std::move(result), context, vars, has_result, assigned);
  // JSONPath reads the input only to place the result into it (ResultPath other than "$").
  const bool reads_input = result_path.is_null || result_path.path;
  return output_of(reads_input ? json(raw) : json(), std::move(result), context, vars, select, has_result, assigned);
}

json DataFlow::output_of(json&& raw, json result, const ContextRef& context, const Variables* vars, bool select,
                         bool has_result, json* assigned) const {
  if (jsonata) return jsonata_output_of(raw, std::move(result), context, vars, has_result, assigned);
  // JSONPath: Assign reads the raw result ($), before ResultSelector.
  if (assigned && assign_paths) *assigned = assign_paths->evaluate(result, context, vars);
  if (select && result_selector) result = result_selector->evaluate(result, context, vars);
  json out;
  if (result_path.is_null) out = std::move(raw);
  else if (!result_path.path) out = std::move(result);
  else out = result_path.path->apply_result(std::move(raw), std::move(result));
  if (output_path.is_null) return json::object();
  if (!output_path.path) return out;
  return output_path.path->query(std::move(out), context, vars);
}

void DataFlow::output_in_place(json& io, json result, const ContextRef& context, const Variables* vars, bool select,
                               bool has_result, json* assigned) const {
  if (jsonata) {
    io = jsonata_output_of(io, std::move(result), context, vars, has_result, assigned);
    return;
  }
  // JSONPath: as output_of.
  if (assigned && assign_paths) *assigned = assign_paths->evaluate(result, context, vars);
  if (select && result_selector) result = result_selector->evaluate(result, context, vars);
  if (result_path.is_null) {
    // the input is the output
  } else if (!result_path.path) {
    io.swap(result);
  } else {
    result_path.path->apply_result_in_place(io, std::move(result));
  }
  if (output_path.is_null) io = json::object();
  else if (output_path.path) io = output_path.path->query(std::move(io), context, vars);
}

std::unique_ptr<State> parse_state(const std::string& name, const json& obj, const std::string& pointer,
                                   ParseContext& ctx) {
  if (!obj.is_object()) {
    ctx.error(pointer, "a state must be an object, got " + describe(obj));
    return nullptr;
  }
  ctx.jsonata = ctx.machine_jsonata;
  if (auto it = obj.find("QueryLanguage"); it != obj.end()) {
    if (*it == "JSONata") {
      ctx.jsonata = true;
    } else if (*it == "JSONPath") {
      ctx.jsonata = false;
      if (ctx.machine_jsonata) {
        ctx.error(pointer + "/QueryLanguage",
                  "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
      }
    } else {
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
