#pragma once
/// Resource → handler: the functions a Task state can call.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "functions/cancel.hpp"

namespace cosmicai::functions {

/// A failure raised by a function, shaped like a Lambda function error.
/// The engine turns it into Error = error_type and Cause =
/// {"errorMessage":…,"errorType":…} (plus whatever `extra` holds, e.g. stackTrace).
class FunctionError : public std::runtime_error {
 public:
  FunctionError(std::string error_type, std::string error_message, json extra = json::object())
      : std::runtime_error(error_type + ": " + error_message),
        error_type_(std::move(error_type)),
        error_message_(std::move(error_message)),
        extra_(std::move(extra)) {}
  const std::string& error_type() const { return error_type_; }
  const std::string& error_message() const { return error_message_; }
  const json& extra() const { return extra_; }

 private:
  std::string error_type_;
  std::string error_message_;
  json extra_;
};

/// What a handler knows about the call it serves.
struct InvokeContext {
  std::string function_name;    ///< resolved name, e.g. "cosmic-executor"
  std::string qualifier;        ///< version or alias from the ARN ("$LATEST" if none)
  std::string request_id;       ///< unique per invocation
  std::string execution_arn;    ///< calling execution, if any
  /// Cancelled when the handler should stop (Task timeout, execution ended); never null.
  /// A default context's token is never cancelled and waits in real time.
  std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
};

/// A function body: takes the event, returns the result or throws FunctionError.
/// Any other exception is reported as a function error of its C++ type name.
/// Handlers may be called concurrently from several threads.
using Handler = std::function<json(const json& event, const InvokeContext& ctx)>;

/// Split a function reference into name and qualifier. Accepts a bare name
/// ("fn", "fn:$LATEST"), a partial ARN ("123456789012:function:fn") and a full
/// ARN ("arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST").
struct FunctionRef {
  std::string name;
  std::string qualifier;
};
FunctionRef parse_function_ref(std::string_view ref);

/// Name → handler table. Thread-safe: lookups may run while others register.
class Registry {
 public:
  /// Bind `name` to `handler`, replacing any earlier binding.
  void add(std::string name, Handler handler);
  /// Return the handler for a name or ARN, or nullptr if none is bound.
  std::shared_ptr<const Handler> find(std::string_view name_or_arn) const;
  /// Return the bound names, sorted.
  std::vector<std::string> names() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Handler>, std::less<>> handlers_;
};

/// Bind the two test functions of the conformance suite:
/// `sfn_stub_identity` (returns its event) and `sfn_stub_raise` (fails with
/// errorType "Exception", errorMessage "Some exception was raised.").
void add_stub_functions(Registry& registry);

/// How a process handler stops and how much it may print.
struct ProcessOptions {
  /// Time between SIGTERM and SIGKILL when the invocation is cancelled.
  std::chrono::milliseconds kill_grace{2000};
  /// Most bytes of stdout taken as the result: Lambda's 6 MB response limit. More stops the
  /// process and fails with Function.ResponseSizeTooLarge.
  std::size_t max_output_bytes = 6291556;
};

/// Make a handler that runs `command` through /bin/sh with the event JSON on
/// stdin and takes the result JSON from stdout. A non-zero exit, a crash or
/// output that is not JSON becomes a FunctionError naming the command.
/// If stdout is a JSON object with "errorType"/"errorMessage" and the exit code
/// is non-zero, those become the error.
/// The command runs in its own process group. When the invocation's token is
/// cancelled the whole group gets SIGTERM, then SIGKILL after `kill_grace`, and the
/// handler throws FunctionError(token error, cause). Processes the command leaves
/// behind in its group when it exits are killed (SIGKILL).
Handler make_process_handler(std::string command, ProcessOptions options = {});

}  // namespace cosmicai::functions
