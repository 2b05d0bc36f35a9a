#include "asl/states/task.hpp"

#include <cctype>

namespace cosmicai::asl {

ResourceKind classify_resource(std::string_view r) {
  if (r == "arn:aws:states:::lambda:invoke") return ResourceKind::kLambdaInvoke;
  if (r.rfind("arn:aws:lambda:", 0) == 0 && r.find(":function:") != std::string_view::npos) {
    return ResourceKind::kLambdaFunction;
  }
  if (r.rfind("arn:aws:states:", 0) == 0 && r.find(":activity:") != std::string_view::npos) {
    return ResourceKind::kActivity;
  }
  if (parse_aws_sdk_resource(r)) return ResourceKind::kAwsSdk;
  return ResourceKind::kUnsupported;
}

std::optional<AwsSdkAction> parse_aws_sdk_resource(std::string_view r) {
  constexpr std::string_view kPrefix = "arn:aws:states:::aws-sdk:";
  if (r.rfind(kPrefix, 0) != 0) return std::nullopt;
  r.remove_prefix(kPrefix.size());
  const auto colon = r.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == r.size()) return std::nullopt;
  AwsSdkAction a{std::string(r.substr(0, colon)), std::string(r.substr(colon + 1))};
  auto ident = [](std::string_view s) {
    for (char c : s) {
      if (!std::isalnum(static_cast<unsigned char>(c))) return false;
    }
    return !s.empty();
  };
  // The action is the SDK's camelCase name; a '.' suffix is an integration pattern this engine cannot wait for.
  if (!ident(a.action) || !std::islower(static_cast<unsigned char>(a.action[0]))) return std::nullopt;
  for (char c : a.service) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
  }
  return a;
}

std::unique_ptr<State> parse_task(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<TaskState>();
  s->type = StateType::kTask;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Parameters",
                    "ResultSelector", "ResultPath", "Retry", "Catch", "Resource", "TimeoutSeconds",
                    "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign", "Output",
                    "Arguments"});
  parse_common_fields(obj,
                      {.parameters = true, .result_path = true, .result_selector = true, .retry_catch = true,
                       .arguments = true, .has_result = true},
                      *s, ctx);
  if (auto r = ctx.get_string(obj, pointer, "Resource")) {
    s->resource = *r;
    if (r->rfind("arn:", 0) != 0) {
      ctx.error(pointer + "/Resource", "must be an ARN (\"arn:...\"), got \"" + *r + "\"");
    }
    s->resource_kind = classify_resource(*r);
  } else if (!obj.contains("Resource")) {
    ctx.error(pointer, "missing required field 'Resource'");
  }
  if (s->resource_kind == ResourceKind::kLambdaInvoke) {
    // "FunctionName" is a required parameter of the Lambda Invoke API.
    // (JSONata Arguments may compute the whole object, so only their literal object form is checked.)
    const char* field = ctx.jsonata ? "Arguments" : "Parameters";
    const auto params = obj.find(field);
    if (params == obj.end() || (!params->is_object() && !ctx.jsonata)) {
      ctx.error(pointer, std::string("arn:aws:states:::lambda:invoke needs '") + field + "' with 'FunctionName'");
    } else if (params->is_object() && !params->contains("FunctionName") && !params->contains("FunctionName.$")) {
      ctx.error(pointer + "/" + field, "missing required field 'FunctionName' for arn:aws:states:::lambda:invoke");
    }
  }
  s->timeouts = TaskTimeouts::from_json(obj, pointer, ctx);
  if (auto it = obj.find("Credentials"); it != obj.end()) s->credentials = *it;
  return s;
}

}  // namespace cosmicai::asl
