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
  kAwsSdk,          ///< arn:aws:states:::aws-sdk:SERVICE:ACTION (S3 actions run on the engine's stores;
                    ///< others validate and fail at run time)
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

/// The service and action of an aws-sdk Resource ("arn:aws:states:::aws-sdk:s3:getObject" → s3, getObject).
struct AwsSdkAction {
  std::string service;
  std::string action;
};
/// Split an aws-sdk Resource; nullopt unless it is "arn:aws:states:::aws-sdk:SERVICE:ACTION" with a
/// request-response action (no .sync/.waitForTaskToken suffix).
std::optional<AwsSdkAction> parse_aws_sdk_resource(std::string_view resource);

/// Parse a Task state object at `pointer`.
std::unique_ptr<State> parse_task(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
