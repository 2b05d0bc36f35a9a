// Task states: Lambda functions called through the registry, with timeouts.
#include "functions/lambda.hpp"
#include "engine/map_io/s3_task.hpp"
#include "engine/runtime.hpp"

namespace cosmicai::engine {

using asl::StatesError;

namespace {

constexpr const char* kRegion = "us-east-1";

json invoke_response(json payload, const std::string& request_id) {
  json r = json::object();
  r["ExecutedVersion"] = "$LATEST";
  r["Payload"] = std::move(payload);
  r["SdkHttpMetadata"] = json{{"AllHttpHeaders", {{"X-Amz-Executed-Version", {"$LATEST"}},
                                                  {"x-amzn-RequestId", {request_id}},
                                                  {"Content-Type", {"application/json"}}}},
                              {"HttpHeaders", {{"X-Amz-Executed-Version", "$LATEST"},
                                               {"x-amzn-RequestId", request_id},
                                               {"Content-Type", "application/json"}}},
                              {"HttpStatusCode", 200}};
  r["SdkResponseMetadata"] = json{{"RequestId", request_id}};
  r["StatusCode"] = 200;
  return r;
}

/// The event a function receives from arn:aws:states:::lambda:invoke, as recorded on AWS (LocalStack
/// test_lambda_task_service: test_invoke, test_invoke_json_values): Lambda gets the Payload as the raw
/// request body, so a string Payload is that JSON text ("\"HelloWorld\"" -> "HelloWorld", "null" -> null),
/// and no Payload (or null) is an empty body, which a function sees as {}. A string that is not JSON is
/// passed on as the string.
json invoke_payload(const json& parameters) {
  const auto it = parameters.find("Payload");
  if (it == parameters.end() || it->is_null()) return json::object();
  if (!it->is_string()) return *it;
  json parsed = json::parse(it->get_ref<const std::string&>(), nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? *it : parsed;
}

}  // namespace

void task_body(const CallPtr& call, const json& effective, const json& context, BodyDone done) {
  const auto& t = static_cast<const asl::TaskState&>(*call->state);
  auto& exec = call->exec();
  const bool service = t.resource_kind == asl::ResourceKind::kLambdaInvoke;
  // Timeouts resolve against the effective input, before anything is scheduled.
  std::optional<std::int64_t> timeout = t.timeouts.timeout(effective, context);
  std::optional<std::int64_t> heartbeat = t.timeouts.heartbeat(effective, context);
  if (t.resource_kind == asl::ResourceKind::kActivity) {
    // No activity workers exist here, so the activity is as absent as a deleted one on AWS, which fails the
    // execution with States.Runtime before scheduling anything (recorded: LocalStack test_runtime_error_handling).
    throw StatesError(asl::errors::kRuntime, "The activity " + t.resource + " does not exist.");
  }
  if (t.resource_kind == asl::ResourceKind::kAwsSdk) {
    aws_sdk_task_body(call, effective, context, std::move(done));  // map_io/s3_task.cpp
    return;
  }
  if (t.resource_kind == asl::ResourceKind::kUnsupported) {
    throw StatesError(asl::errors::kRuntime, "the resource '" + t.resource + "' is not supported by this engine");
  }

  std::string function;
  json event;
  if (service) {
    if (!effective.is_object() || !effective.contains("FunctionName") || !effective["FunctionName"].is_string()) {
      throw StatesError(asl::errors::kRuntime,
                        "The resource arn:aws:states:::lambda:invoke needs a string 'FunctionName' in Parameters, got "
                        "parameters " + dump_compact(effective));
    }
    function = effective["FunctionName"].get<std::string>();
    event = invoke_payload(effective);
  } else {
    function = t.resource;
    event = effective;
  }

  const bool history = exec.history.enabled();
  if (history) {
    if (service) {
      json d{{"resourceType", "lambda"}, {"resource", "invoke"}, {"region", kRegion},
             {"parameters", dump_compact(effective)}};
      if (timeout) d["timeoutInSeconds"] = *timeout;
      if (heartbeat) d["heartbeatInSeconds"] = *heartbeat;
      call->record("TaskScheduled", std::move(d));
      call->record("TaskStarted", json{{"resourceType", "lambda"}, {"resource", "invoke"}});
    } else {
      json d{{"resource", t.resource}, {"input", dump_compact(effective)}, {"inputDetails", {{"truncated", false}}}};
      if (timeout) d["timeoutInSeconds"] = *timeout;
      call->record("LambdaFunctionScheduled", std::move(d));
      call->record("LambdaFunctionStarted");
    }
  } else {
    call->record("");
    call->record("");
  }

  // Whichever comes first settles the attempt: the function's return or a timer.
  auto settled = std::make_shared<std::atomic<bool>>(false);
  auto fail_with = [call, service, settled, done](Failure f, bool timed_out) {
    if (settled->exchange(true)) return;
    if (call->exec().history.enabled()) {
      json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
      if (f.error) d["error"] = *f.error;
      if (f.cause) d["cause"] = *f.cause;
      call->record(service ? (timed_out ? "TaskTimedOut" : "TaskFailed")
                           : (timed_out ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed"),
                   std::move(d));
    }
    done(false, nullptr, std::move(f));
  };
  const std::optional<std::int64_t> limit =
      heartbeat && (!timeout || *heartbeat < *timeout) ? heartbeat : timeout;
  if (limit) {
    const bool is_heartbeat = limit == heartbeat && heartbeat.has_value();
    exec.scheduler.post_deadline(std::chrono::seconds(*limit), [fail_with, is_heartbeat] {
      fail_with(Failure{std::string(is_heartbeat ? asl::errors::kHeartbeatTimeout : asl::errors::kTimeout),
                        is_heartbeat ? "The task did not send a heartbeat in time (HeartbeatSeconds)"
                                     : "The task timed out (TimeoutSeconds)"},
                true);
    });
  }

  functions::InvokeContext ictx;
  const auto ref = functions::parse_function_ref(function);
  ictx.function_name = ref.name;
  ictx.qualifier = ref.qualifier;
  ictx.request_id = exec.uuid();
  ictx.execution_arn = exec.execution_arn;
  json result;
  std::optional<MockedResponse> mocked;
  if (exec.observer) mocked = exec.observer->mocked_task(t.name);
  if (mocked && !mocked->ok) {
    fail_with(Failure{mocked->error, mocked->cause}, false);
    return;
  }
  if (mocked) {
    // Return is the service's raw result: lambda:invoke's whole Invoke response; for a function
    // ARN its Payload when it has one (LocalStack's reading), else the value itself.
    if (settled->exchange(true)) return;
    result = std::move(mocked->result);
    if (!service && result.is_object() && result.contains("Payload")) result = result["Payload"];
    if (exec.history.enabled()) {
      json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
      d["output"] = dump_compact(result);
      d["outputDetails"] = {{"truncated", false}};
      call->record(service ? "TaskSucceeded" : "LambdaFunctionSucceeded", std::move(d));
    }
    done(true, std::move(result), {});
    return;
  }
  try {
    result = functions::invoke_function(exec.registry, function, event, ictx);
  } catch (const functions::FunctionError& e) {
    fail_with(Failure{e.error_type(), functions::function_error_cause(e)}, false);
    return;
  } catch (const functions::ServiceError& e) {
    fail_with(Failure{e.name(), e.cause()}, false);
    return;
  }
  if (settled->exchange(true)) return;  // timed out meanwhile
  if (service) result = invoke_response(std::move(result), ictx.request_id);
  try {
    // AWS names the integration ('lambda') or the function ARN in this cause, not the state.
    check_payload_size(result, service ? std::string("lambda") : t.resource);
  } catch (const StatesError& e) {
    done(false, nullptr, Failure{e.name(), e.cause()});
    return;
  }
  if (exec.history.enabled()) {
    json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
    d["output"] = dump_compact(result);
    d["outputDetails"] = {{"truncated", false}};
    call->record(service ? "TaskSucceeded" : "LambdaFunctionSucceeded", std::move(d));
  }
  done(true, std::move(result), {});
}

}  // namespace cosmicai::engine
