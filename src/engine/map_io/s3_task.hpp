#pragma once
/// Task states with Resource arn:aws:states:::aws-sdk:SERVICE:ACTION. The S3 actions getObject,
/// putObject, listObjectsV2, headObject, deleteObject and copyObject run on the engine's stores
/// (EngineOptions::stores) with the AWS SDK's request and response shapes; every other action fails
/// at run time, as a call AWS could not serve would.
#include "engine/runtime.hpp"

namespace cosmicai::engine {

/// The Task body for kAwsSdk resources (see run_with_policy). Failures are named as Step Functions
/// names SDK errors ("S3.NoSuchKeyException") with the bucket and key in the cause.
void aws_sdk_task_body(const CallPtr& call, const json& effective, const asl::ContextRef& context, BodyDone done);

}  // namespace cosmicai::engine
