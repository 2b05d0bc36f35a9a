#pragma once
/// Task state: calls a resource (a Lambda function) and records its result.
#include "asl/policy/timeouts.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

/// How the engine calls a Task's Resource.
enum class ResourceKind {
  kLambdaInvoke,    ///< arn:aws:states:::lambda:invoke (result: the Invoke response)
  kLambdaFunction,  ///< arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] (result: the function's)
  kActivity,        ///< arn:aws:states:REGION:ACCOUNT:activity:NAME (no activity exists locally: States.Runtime)
  kUnsupported,     ///< any other service integration or pattern (.sync, .waitForTaskToken)
};

/// "A Task State causes the interpreter to execute the work identified by the
/// state's Resource field."
class TaskState : public State {
 public:
  std::string resource;
  ResourceKind resource_kind = ResourceKind::kUnsupported;
  TaskTimeouts timeouts;
  std::optional<json> credentials;
};

/// Classify a Resource ARN.
ResourceKind classify_resource(std::string_view resource);

/// Parse a Task state object at `pointer`.
std::unique_ptr<State> parse_task(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
