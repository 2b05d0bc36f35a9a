// Task states: Lambda functions called through the registry, with timeouts that cancel the handler.
#include "common/json_limits.hpp"
#include "functions/lambda.hpp"
#include "engine/map_io/s3_task.hpp"
#include "engine/runtime.hpp"

namespace cosmicai::engine {

using asl::StatesError;

namespace {

constexpr const char* kRegion = "us-east-1";

/// An object of `n` members appended in order (the keys are distinct: no lookups).
json::object_t& new_object(json& j, std::size_t n) {
  j = json::object();
  auto& o = j.get_ref<json::object_t&>();
  o.reserve(n);
  return o;
}

json one_element_array(json v) {
  json a = json::array();
  a.get_ref<json::array_t&>().push_back(std::move(v));
  return a;
}

json invoke_response(json payload, const std::string& request_id) {
  json r;
  auto& o = new_object(r, 5);
  o.emplace_back("ExecutedVersion", "$LATEST");
  o.emplace_back("Payload", std::move(payload));
  json meta;
  auto& m = new_object(meta, 3);
  json all;
  auto& a = new_object(all, 3);
  a.emplace_back("X-Amz-Executed-Version", one_element_array("$LATEST"));
  a.emplace_back("x-amzn-RequestId", one_element_array(request_id));
  a.emplace_back("Content-Type", one_element_array("application/json"));
  m.emplace_back("AllHttpHeaders", std::move(all));
  json headers;
  auto& h = new_object(headers, 3);
  h.emplace_back("X-Amz-Executed-Version", "$LATEST");
  h.emplace_back("x-amzn-RequestId", request_id);
  h.emplace_back("Content-Type", "application/json");
  m.emplace_back("HttpHeaders", std::move(headers));
  m.emplace_back("HttpStatusCode", 200);
  o.emplace_back("SdkHttpMetadata", std::move(meta));
  json response_meta;
  new_object(response_meta, 1).emplace_back("RequestId", request_id);
  o.emplace_back("SdkResponseMetadata", std::move(response_meta));
  o.emplace_back("StatusCode", 200);
  return r;
}

/// How many bytes the Invoke response adds to its Payload when serialised (the request id in it three times).
std::size_t invoke_response_overhead(const std::string& request_id) {
  static const std::string sample_id(36, '0');  // request ids are UUIDs
  static const std::size_t uuid_overhead = dump_compact(invoke_response(nullptr, sample_id)).size() - 4;  // "null"
  if (request_id.size() == sample_id.size()) return uuid_overhead;
  return dump_compact(invoke_response(nullptr, request_id)).size() - 4;
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

/// One attempt of a Task: settled once, by the handler's return or by a timer. The callbacks
/// (timers, the handler's return) share it instead of each copying the state they need.
struct TaskAttempt {
  std::atomic<bool> settled{false};
  std::mutex mu;  // guards the timer ids
  std::optional<std::uint64_t> timeout_id;
  std::optional<std::uint64_t> heartbeat_id;
  CallPtr call;
  BodyDone done;
  bool service = false;
  std::weak_ptr<functions::CancelToken> token;

  void stop_timers() {
    auto& scheduler = call->exec().scheduler;
    std::lock_guard lock(mu);
    for (auto* id : {&timeout_id, &heartbeat_id}) {
      if (*id) scheduler.cancel_deadline(**id);
      id->reset();
    }
  }
  void fail_with(Failure f, bool timed_out) {
    if (settled.exchange(true)) return;
    stop_timers();
    if (call->run->history().enabled()) {  // the run's: a Distributed Map child records none
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
  }
  void expire(bool is_heartbeat) {
    const std::string error(is_heartbeat ? asl::errors::kHeartbeatTimeout : asl::errors::kTimeout);
    const std::string cause = is_heartbeat ? "The task did not send a heartbeat in time (HeartbeatSeconds)"
                                           : "The task timed out (TimeoutSeconds)";
    if (auto t = token.lock()) t->cancel(error, cause);
    fail_with(Failure{error, cause}, true);
  }
};

}  // namespace

void task_body(const CallPtr& call, const json& effective, const asl::ContextRef& context, BodyDone done) {
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

  const bool history = call->run->history().enabled();  // a Distributed Map child records none
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
  attempt->call = call;
  attempt->done = std::move(done);
  attempt->service = service;
  std::shared_ptr<Execution> exec_ptr = call->run->exec_ptr();
  Scheduler& scheduler = exec.scheduler;
  // HeartbeatSeconds at or above TimeoutSeconds can never fire first.
  const bool use_heartbeat = heartbeat && (!timeout || *heartbeat < *timeout);
  auto arm_heartbeat = [attempt, exec_ptr, hb = heartbeat.value_or(0)] {
    std::lock_guard lock(attempt->mu);
    if (attempt->settled.load()) return;
    if (attempt->heartbeat_id) exec_ptr->scheduler.cancel_deadline(*attempt->heartbeat_id);
    attempt->heartbeat_id = exec_ptr->post_deadline(std::chrono::seconds(hb), [attempt] { attempt->expire(true); });
  };

  functions::CancelToken::Hooks hooks;
  hooks.wait = [&scheduler](std::optional<functions::CancelToken::duration> delay, const std::function<bool()>& stop) {
    scheduler.park(delay, stop);
  };
  hooks.wake = [&scheduler] { scheduler.wake_parked(); };
  if (use_heartbeat) hooks.heartbeat = arm_heartbeat;
  auto token = std::make_shared<functions::CancelToken>(std::move(hooks));
  attempt->token = token;
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
      attempt->fail_with(Failure{mocked->error, mocked->cause}, false);
      return;
    }
    // Return is the service's raw result: lambda:invoke's whole Invoke response; for a function
    // ARN its Payload when it has one (LocalStack's reading), else the value itself.
    if (attempt->settled.exchange(true)) return;
    attempt->stop_timers();
    json result = std::move(mocked->result);
    if (!service && result.is_object() && result.contains("Payload")) result = result["Payload"];
    if (history) {
      json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
      d["output"] = dump_compact(result);
      d["outputDetails"] = {{"truncated", false}};
      call->record(service ? "TaskSucceeded" : "LambdaFunctionSucceeded", std::move(d));
    }
    attempt->done(true, std::move(result), {});
    return;
  }

  if (timeout) {
    std::lock_guard lock(attempt->mu);
    attempt->timeout_id = exec.post_deadline(std::chrono::seconds(*timeout), [attempt] { attempt->expire(false); });
  }
  if (use_heartbeat) arm_heartbeat();

  auto invoke = [function = std::move(function), event = std::move(event), ictx = std::move(ictx), attempt,
                 running_id]() mutable {
    const CallPtr& call = attempt->call;
    const bool service = attempt->service;
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
      attempt->fail_with(Failure{e.error_type(), functions::function_error_cause(e)}, false);
      return;
    } catch (const functions::ServiceError& e) {
      attempt->fail_with(Failure{e.name(), e.cause()}, false);
      return;
    }
    if (attempt->settled.exchange(true)) return;  // timed out meanwhile: the result is dropped
    attempt->stop_timers();
    try {
      const auto& t = static_cast<const asl::TaskState&>(*call->state);
      const bool record = call->run->history().enabled();
      if (service && !record && t.flow.output_is_result_field("Payload")) {
        // Only the Payload of the Invoke response is read (OutputPath "$.Payload"): the rest is not
        // built. The size check still counts the whole response.
        if (over_payload_limit(result, invoke_response_overhead(ictx.request_id))) {
          throw StatesError(asl::errors::kDataLimitExceeded, payload_limit_cause("lambda"));
        }
        json payload_only = json::object();
        payload_only.get_ref<json::object_t&>().emplace_back("Payload", std::move(result));
        result = std::move(payload_only);
      } else {
        if (service) result = invoke_response(std::move(result), ictx.request_id);
        // AWS names the integration ('lambda') or the function ARN in this cause, not the state.
        check_payload_size(result, service ? std::string("lambda") : t.resource);
      }
      if (record) {
        json d = service ? json{{"resourceType", "lambda"}, {"resource", "invoke"}} : json::object();
        d["output"] = dump_compact(result);
        d["outputDetails"] = {{"truncated", false}};
        call->record(service ? "TaskSucceeded" : "LambdaFunctionSucceeded", std::move(d));
      } else {
        call->record("");
      }
    } catch (const StatesError& e) {
      attempt->done(false, nullptr, Failure{e.name(), e.cause()});
      return;
    }
    attempt->done(true, std::move(result), {});
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
