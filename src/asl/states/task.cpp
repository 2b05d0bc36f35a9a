#include "asl/states/task.hpp"

namespace cosmicai::asl {

ResourceKind classify_resource(std::string_view r) {
  if (r == "arn:aws:states:::lambda:invoke") return ResourceKind::kLambdaInvoke;
  if (r.rfind("arn:aws:lambda:", 0) == 0 && r.find(":function:") != std::string_view::npos) {
    return ResourceKind::kLambdaFunction;
  }
  if (r.rfind("arn:aws:states:", 0) == 0 && r.find(":activity:") != std::string_view::npos) {
    return ResourceKind::kActivity;
  }
  return ResourceKind::kUnsupported;
}

std::unique_ptr<State> parse_task(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<TaskState>();
  s->type = StateType::kTask;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Parameters",
                    "ResultSelector", "ResultPath", "Retry", "Catch", "Resource", "TimeoutSeconds",
                    "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials"});
  parse_common_fields(obj,
                      {.parameters = true, .result_path = true, .result_selector = true, .retry_catch = true}, *s,
                      ctx);
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
    const auto params = obj.find("Parameters");
    if (params == obj.end() || !params->is_object()) {
      ctx.error(pointer, "arn:aws:states:::lambda:invoke needs 'Parameters' with 'FunctionName'");
    } else if (!params->contains("FunctionName") && !params->contains("FunctionName.$")) {
      ctx.error(pointer + "/Parameters", "missing required field 'FunctionName' for arn:aws:states:::lambda:invoke");
    }
  }
  s->timeouts = TaskTimeouts::from_json(obj, pointer, ctx);
  if (auto it = obj.find("Credentials"); it != obj.end()) s->credentials = *it;
  return s;
}

}  // namespace cosmicai::asl
