#include "asl/path/payload_template.hpp"

#include <fmt/format.h>

#include "asl/intrinsic/intrinsics.hpp"
#include "asl/parse_context.hpp"
#include "asl/path/json_path.hpp"

namespace cosmicai::asl {

namespace {

// Spec: "a field whose name ends in '.$' ... its value is a Path (or an intrinsic
// function call) and the field name without '.$' receives the selected value."
bool is_dynamic_key(const std::string& key) { return key.size() > 2 && key.ends_with(".$"); }

json evaluate_value(const json& tmpl, const json& input, const json& context, const json* vars);

json evaluate_object(const json& tmpl, const json& input, const json& context, const json* vars) {
  json out = json::object();
  for (const auto& [key, value] : tmpl.items()) {
    if (!is_dynamic_key(key)) {
      out[key] = evaluate_value(value, input, context, vars);
      continue;
    }
    const std::string name = key.substr(0, key.size() - 2);
    if (!value.is_string())
      throw StatesError(errors::kRuntime,
                        fmt::format("The value for the field '{}' must be a string holding a JSONPath or an "
                                    "intrinsic function call, got {}",
                                    key, dump_compact(value)));
    const std::string& expr = value.get_ref<const std::string&>();
    if (is_intrinsic_call(expr)) {
      out[name] = evaluate_intrinsic(expr, input, context, vars);
    } else if (!expr.empty() && expr[0] == '$') {
      out[name] = query_field_path(expr, key, input, context, vars);
    } else {
      throw StatesError(errors::kRuntime,
                        fmt::format("The value for the field '{}' must be a valid JSONPath or a valid intrinsic "
                                    "function call, got '{}'",
                                    key, expr));
    }
  }
  return out;
}

json evaluate_value(const json& tmpl, const json& input, const json& context, const json* vars) {
  if (tmpl.is_object()) return evaluate_object(tmpl, input, context, vars);
  if (tmpl.is_array()) {
    json out = json::array();
    for (const auto& item : tmpl) out.push_back(evaluate_value(item, input, context, vars));
    return out;
  }
  return tmpl;
}

}  // namespace

json evaluate_payload_template(const json& tmpl, const json& input, const json& context, const json* vars) {
  return evaluate_value(tmpl, input, context, vars);
}

void validate_payload_template(const json& tmpl, const std::string& pointer, std::vector<ValidationError>& errors) {
  if (tmpl.is_array()) {
    for (std::size_t i = 0; i < tmpl.size(); ++i)
      validate_payload_template(tmpl[i], pointer + "/" + std::to_string(i), errors);
    return;
  }
  if (!tmpl.is_object()) return;
  for (const auto& [key, value] : tmpl.items()) {
    const std::string where = pointer + "/" + pointer_escape(key);
    if (!is_dynamic_key(key)) {
      validate_payload_template(value, where, errors);
      continue;
    }
    if (!value.is_string()) {
      errors.push_back({where, fmt::format("a field ending in '.$' must hold a JSONPath or an intrinsic function "
                                           "call as a string, got {}",
                                           dump_compact(value))});
      continue;
    }
    const std::string& expr = value.get_ref<const std::string&>();
    if (is_intrinsic_call(expr)) {
      if (auto problem = check_intrinsic(expr))
        errors.push_back({where, fmt::format("invalid intrinsic function call '{}': {}", expr, *problem)});
    } else if (!expr.empty() && expr[0] == '$') {
      if (auto problem = check_path(expr))
        errors.push_back({where, fmt::format("invalid JSONPath '{}': {}", expr, *problem)});
    } else {
      errors.push_back({where, fmt::format("must be a valid JSONPath ('$...'), context path ('$$...') or intrinsic "
                                           "function call ('States.Format(...)'), got '{}'",
                                           expr)});
    }
  }
}

}  // namespace cosmicai::asl
