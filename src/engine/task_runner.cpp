// Task states: Lambda functions called through the registry, with timeouts that cancel the handler.
#include "common/json_limits.hpp"
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
  const auto& text = it->get_ref<const std::string&>();
  if (json_depth_exceeded_at(text) != std::string::npos) return *it;  // passed on as the string
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? *it : parsed;
}

/// One attempt of a Task: settled once, by the handler's return or by a timer.
struct TaskAttempt {
  std::atomic<bool> settled{false};
  std::mutex mu;  // guards the timer ids
  std::optional<std::uint64_t> timeout_id;
  std::optional<std::uint64_t> heartbeat_id;
};

}  // namespace

void task_body(const CallPtr& call, const json& effective, const json& context, BodyDone done) {
  const auto& t = static_cast<const asl::TaskState&>(*call->state);
  auto& exec = call->exec();
  const bool service = t.resource_kind == asl::ResourceKind::kLambdaInvoke;
  // Timeouts resolve before anything is scheduled: paths on the effective input, JSONata on $states.input.
  const asl::EvalEnv env{call->input, context, call->vars.get()};
  std::optional<std::int64_t> timeout = t.timeouts.timeout(env, effective);
  std::optional<std::int64_t> heartbeat = t.timeouts.heartbeat(env, effective);
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
                        std::string("The resource arn:aws:states:::lambda:invoke needs a string 'FunctionName' in ") +
                            (t.jsonata ? "Arguments" : "Parameters") + ", got " + dump_compact(effective));
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

  // Whichever comes first settles the attempt: the function's return or a timer. A timer also
  // cancels the handler's token (a process handler's group gets SIGTERM, then SIGKILL).
  auto attempt = std::make_shared<TaskAttempt>();
  std::shared_ptr<Execution> exec_ptr = call->run->exec_ptr();
  Scheduler& scheduler = exec.scheduler;
  auto stop_timers = [attempt, &scheduler] {
    std::lock_guard lock(attempt->mu);
    for (auto* id : {&attempt->timeout_id, &attempt->heartbeat_id}) {
      if (*id) scheduler.cancel_deadline(**id);
      id->reset();
    }
  };
  auto fail_with = [call, service, attempt, done, stop_timers](Failure f, bool timed_out) {
    if (attempt->settled.exchange(true)) return;
    stop_timers();
    if (call->exec().history.enabled()) {
      json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
      if (f.error) d["error"] = *f.error;
      if (f.cause) d["cause"] = *f.cause;
      call->record(service ? (timed_out ? "TaskTimedOut" : "TaskFailed")
                           : (timed_out ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed"),
                   std::move(d));
    } else {
      call->record("");  // keeps event ids as AWS numbers them
    }
    done(false, nullptr, std::move(f));
  };
  auto token_slot = std::make_shared<std::weak_ptr<functions::CancelToken>>();
  auto expire = [fail_with, token_slot](bool is_heartbeat) {
    const std::string error(is_heartbeat ? asl::errors::kHeartbeatTimeout : asl::errors::kTimeout);
    const std::string cause = is_heartbeat ? "The task did not send a heartbeat in time (HeartbeatSeconds)"
                                           : "The task timed out (TimeoutSeconds)";
    if (auto token = token_slot->lock()) token->cancel(error, cause);
    fail_with(Failure{error, cause}, true);
  };
  // HeartbeatSeconds at or above TimeoutSeconds can never fire first.
  const bool use_heartbeat = heartbeat && (!timeout || *heartbeat < *timeout);
  auto arm_heartbeat = [attempt, exec_ptr, expire, hb = heartbeat.value_or(0)] {
    std::lock_guard lock(attempt->mu);
    if (attempt->settled.load()) return;
    if (attempt->heartbeat_id) exec_ptr->scheduler.cancel_deadline(*attempt->heartbeat_id);
    attempt->heartbeat_id = exec_ptr->post_deadline(std::chrono::seconds(hb), [expire] { expire(true); });
  };

  functions::CancelToken::Hooks hooks;
  hooks.wait = [&scheduler](std::optional<functions::CancelToken::duration> delay, const std::function<bool()>& stop) {
    scheduler.park(delay, stop);
  };
  hooks.wake = [&scheduler] { scheduler.wake_parked(); };
  if (use_heartbeat) hooks.heartbeat = arm_heartbeat;
  auto token = std::make_shared<functions::CancelToken>(std::move(hooks));
  *token_slot = token;
  const auto running_id = exec.add_running(token, call->run);

  functions::InvokeContext ictx;
  const auto ref = functions::parse_function_ref(function);
  ictx.function_name = ref.name;
  ictx.qualifier = ref.qualifier;
  ictx.request_id = exec.uuid();
  ictx.execution_arn = exec.execution_arn;
  ictx.cancel = token;

  // A mocked response (SFN_MOCK_CONFIG) settles the attempt like the function's own result would,
  // before any timer is armed and without invoking the handler.
  std::optional<MockedResponse> mocked;
  if (exec.observer) mocked = exec.observer->mocked_task(t.name);
  if (mocked) {
    exec.remove_running(running_id);
    if (!mocked->ok) {
      fail_with(Failure{mocked->error, mocked->cause}, false);
      return;
    }
    // Return is the service's raw result: lambda:invoke's whole Invoke response; for a function
    // ARN its Payload when it has one (LocalStack's reading), else the value itself.
    if (attempt->settled.exchange(true)) return;
    stop_timers();
    json result = std::move(mocked->result);
    if (!service && result.is_object() && result.contains("Payload")) result = result["Payload"];
    if (history) {
      json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
      d["output"] = dump_compact(result);
      d["outputDetails"] = {{"truncated", false}};
      call->record(service ? "TaskSucceeded" : "LambdaFunctionSucceeded", std::move(d));
    }
    done(true, std::move(result), {});
    return;
  }

  if (timeout) {
    std::lock_guard lock(attempt->mu);
    attempt->timeout_id = exec.post_deadline(std::chrono::seconds(*timeout), [expire] { expire(false); });
  }
  if (use_heartbeat) arm_heartbeat();

  auto invoke = [call, function, event = std::move(event), ictx, token, attempt, fail_with, stop_timers, service, done,
                 running_id]() mutable {
    auto& ex = call->exec();
    struct Unregister {
      Execution& e;
      std::uint64_t id;
      ~Unregister() { e.remove_running(id); }
    } unregister{ex, running_id};
    // Ended (timeout, execution over, sibling failed) before it started: the handler never runs.
    if (attempt->settled.load() || call->run->cancelled()) return;
    json result;
    try {
      result = functions::invoke_function(ex.registry, function, event, ictx);
    } catch (const functions::FunctionError& e) {
      fail_with(Failure{e.error_type(), functions::function_error_cause(e)}, false);
      return;
    } catch (const functions::ServiceError& e) {
      fail_with(Failure{e.name(), e.cause()}, false);
      return;
    }
    if (attempt->settled.exchange(true)) return;  // timed out meanwhile: the result is dropped
    stop_timers();
    try {
      const auto& t = static_cast<const asl::TaskState&>(*call->state);
      if (service) result = invoke_response(std::move(result), ictx.request_id);
      // AWS names the integration ('lambda') or the function ARN in this cause, not the state.
      check_payload_size(result, service ? std::string("lambda") : t.resource);
      if (ex.history.enabled()) {
        json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
        d["output"] = dump_compact(result);
        d["outputDetails"] = {{"truncated", false}};
        call->record(service ? "TaskSucceeded" : "LambdaFunctionSucceeded", std::move(d));
      } else {
        call->record("");
      }
    } catch (const StatesError& e) {
      done(false, nullptr, Failure{e.name(), e.cause()});
      return;
    }
    done(true, std::move(result), {});
  };
  // With a timer, the handler runs as its own work item so that the state can fail (and the
  // machine go on) the moment the timer fires, even if the handler is slow to stop.
  if (timeout || use_heartbeat) {
    exec.post(std::move(invoke));
  } else {
    invoke();
  }
}

}  // namespace cosmicai::engine
