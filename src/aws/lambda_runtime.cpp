#include "aws/lambda_runtime.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <future>
#include <thread>

#include "common/json_limits.hpp"
#include "functions/cancel.hpp"
#include "functions/lambda.hpp"

namespace cosmicai::aws {

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

// The outcome of one handler call.
struct Outcome {
  bool ok = false;
  json result;
  ErrorReport error;
};

Outcome call_handler(const functions::Registry& registry, const std::string& handler, const json& event,
                     const functions::InvokeContext& ctx) {
  Outcome o;
  try {
    o.result = functions::invoke_function(registry, handler, event, ctx);
    o.ok = true;
  } catch (const functions::FunctionError& e) {
    o.error.error_type = e.error_type();
    o.error.error_message = e.error_message();
    if (e.extra().is_object() && e.extra().contains("stackTrace")) o.error.stack_trace = e.extra()["stackTrace"];
  } catch (const functions::ServiceError& e) {
    o.error.error_type = e.name();
    o.error.error_message = e.cause();
  } catch (const std::exception& e) {
    o.error.error_type = "Runtime.Unknown";
    o.error.error_message = e.what();
  }
  if (!o.ok && o.error.stack_trace.empty()) {
    o.error.stack_trace.push_back(
        fmt::format("cosmicai lambda-runtime: handler {} (request {})", handler, ctx.request_id));
  }
  return o;
}

// Qualifier of an invoked function ARN (arn:…:function:NAME[:QUALIFIER]).
std::string qualifier_of(const std::string& arn) {
  const auto ref = functions::parse_function_ref(arn);
  return ref.qualifier.empty() ? "$LATEST" : ref.qualifier;
}

enum class PostEnd { kOk, kFatal };

PostEnd check_reply(const Result<PostReply>& reply, const std::string& what, std::ostream& log) {
  if (!reply) {
    log << "cosmicai lambda-runtime: " << reply.error().message << "\n";
    return PostEnd::kFatal;
  }
  if (reply->status == 500) {  // "Container error. Non-recoverable state. Runtime should exit promptly."
    log << "cosmicai lambda-runtime: " << what << " answered HTTP 500 (" << reply->body << "); exiting\n";
    return PostEnd::kFatal;
  }
  if (reply->status != 202) {
    log << "cosmicai lambda-runtime: " << what << " answered HTTP " << reply->status << ": " << reply->body << "\n";
  }
  return PostEnd::kOk;
}

}  // namespace

LoopEnd run_invocation_loop(RuntimeApiClient& client, const functions::Registry& registry, const std::string& handler,
                            const LoopOptions& options, std::ostream& log) {
  const auto resolved = functions::parse_function_ref(handler).name;
  for (std::int64_t served = 0; options.max_invocations == 0 || served < options.max_invocations; ++served) {
    auto inv = client.next();
    if (!inv) {
      log << "cosmicai lambda-runtime: " << inv.error().message << "\n";
      return LoopEnd::kApiFailure;
    }
    const std::string id = inv->request_id;
    const std::string what = fmt::format("POST for request {}", id);
    auto post_error = [&](const ErrorReport& e) { return check_reply(client.post_error(id, e), what, log); };

    json event;
    try {
      event = parse_json(inv->body);
    } catch (const json::parse_error& e) {
      ErrorReport r{kUnmarshalError,
                    fmt::format("event of request {} for {} is not JSON ({} bytes): {}", id, resolved, inv->body.size(),
                                e.what()),
                    json::array()};
      if (post_error(r) == PostEnd::kFatal) return LoopEnd::kApiFailure;
      continue;
    }
    // Custom runtimes must propagate the trace header themselves.
    if (!inv->trace_id.empty()) {
      ::setenv("_X_AMZN_TRACE_ID", inv->trace_id.c_str(), 1);
    } else {
      ::unsetenv("_X_AMZN_TRACE_ID");
    }
    {
      const char* trace = std::getenv("_X_AMZN_TRACE_ID");
      log << "START RequestId: " << id << " Version: " << qualifier_of(inv->function_arn)
          << " _X_AMZN_TRACE_ID: " << (trace ? trace : "") << "\n";
    }
    functions::InvokeContext ctx;
    ctx.function_name = resolved;
    ctx.qualifier = qualifier_of(inv->function_arn);
    ctx.request_id = id;

    const std::int64_t margin = options.deadline_margin.count();
    const std::int64_t stop_at = inv->deadline_ms > 0 ? inv->deadline_ms - margin : 0;
    if (stop_at > 0 && unix_now_ms() >= stop_at) {
      ErrorReport r{kDeadlineExceeded,
                    fmt::format("request {} for {} arrived {} ms before its deadline, less than the {} ms margin; "
                                "not started",
                                id, resolved, inv->deadline_ms - unix_now_ms(), margin),
                    json::array()};
      if (post_error(r) == PostEnd::kFatal) return LoopEnd::kApiFailure;
      continue;
    }

    // The handler runs on its own thread so this one can watch the deadline. At the margin the
    // invocation's token is cancelled (the inference handler stops within one micro-batch); the
    // timeout error is posted either way, and the environment stays warm if the handler returned.
    ctx.cancel = std::make_shared<functions::CancelToken>();
    auto task = std::make_shared<std::packaged_task<Outcome()>>(
        [&registry, handler, event = std::move(event), ctx] { return call_handler(registry, handler, event, ctx); });
    auto future = task->get_future();
    std::thread worker([task] { (*task)(); });
    bool finished = true;
    if (stop_at > 0) {
      const auto budget = std::chrono::milliseconds(std::max<std::int64_t>(0, stop_at - unix_now_ms()));
      finished = future.wait_for(budget) == std::future_status::ready;
    }
    if (!finished) {
      const std::string message = fmt::format(
          "{} did not finish request {} by {} ms before its deadline (Lambda-Runtime-Deadline-Ms {}); "
          "stopped so that the error is reported instead of a kill",
          resolved, id, margin, inv->deadline_ms);
      ctx.cancel->cancel(kDeadlineExceeded, message);
      const auto grace = std::chrono::milliseconds(std::max<std::int64_t>(0, inv->deadline_ms - unix_now_ms()) / 2);
      const bool stopped = future.wait_for(grace) == std::future_status::ready;
      ErrorReport r{kDeadlineExceeded, message,
                    json::array({fmt::format("cosmicai lambda-runtime: handler {} (request {})", resolved, id)})};
      if (stopped) {
        worker.join();
        log << "cosmicai lambda-runtime: " << message << "; the handler stopped when cancelled\n";
        if (post_error(r) == PostEnd::kFatal) return LoopEnd::kApiFailure;
        continue;
      }
      worker.detach();
      (void)post_error(r);
      log << "cosmicai lambda-runtime: " << message
          << "; the handler did not stop when cancelled, so the runtime exits and Lambda starts a fresh "
             "environment\n";
      return LoopEnd::kDeadlineExit;
    }
    worker.join();
    Outcome outcome = future.get();
    if (outcome.ok) {
      const std::string body = dump_compact(outcome.result);
      auto reply = client.post_response(id, body);
      if (check_reply(reply, what, log) == PostEnd::kFatal) return LoopEnd::kApiFailure;
      if (reply->status == 413) {
        ErrorReport r{kResponseTooLarge,
                      fmt::format("the response of {} to request {} is {} bytes, over Lambda's limit ({})", resolved,
                                  id, body.size(), reply->body),
                      json::array()};
        if (post_error(r) == PostEnd::kFatal) return LoopEnd::kApiFailure;
      }
    } else if (post_error(outcome.error) == PostEnd::kFatal) {
      return LoopEnd::kApiFailure;
    }
  }
  return LoopEnd::kInvocationLimit;
}

}  // namespace cosmicai::aws

