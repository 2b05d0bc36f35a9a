#pragma once
/// The Lambda custom runtime loop: next event → registered handler → response or error.
#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "aws/runtime_api_client.hpp"
#include "functions/registry.hpp"

namespace cosmicai::aws {

/// Error types the runtime itself posts (handlers post their own, e.g. "NotFound").
inline constexpr const char* kUnmarshalError = "Runtime.UnmarshalError";       ///< event is not JSON
inline constexpr const char* kNoSuchHandler = "Runtime.NoSuchHandler";         ///< init: no or unknown function name
inline constexpr const char* kDeadlineExceeded = "CosmicAI.DeadlineExceeded";  ///< stopped before the deadline
inline constexpr const char* kResponseTooLarge = "Function.ResponseSizeTooLarge";  ///< the API answered 413

/// How the loop ends.
enum class LoopEnd {
  kApiFailure,       ///< the Runtime API was unreachable or answered 500: exit, Lambda restarts the runtime
  kDeadlineExit,     ///< a handler ignored its cancelled token past the deadline: exit for a fresh environment
  kInvocationLimit,  ///< `max_invocations` served (tests)
};

/// Options of the loop.
struct LoopOptions {
  /// Post the timeout error this long before Lambda-Runtime-Deadline-Ms.
  std::chrono::milliseconds deadline_margin{1000};
  /// Stop after this many invocations (0 = never).
  std::int64_t max_invocations = 0;
};

/// Serve invocations of `handler` (a registered name) until the API fails. Each event is parsed
/// as JSON (else kUnmarshalError), _X_AMZN_TRACE_ID is set from Lambda-Runtime-Trace-Id, the
/// handler runs on a worker thread while this one watches Lambda-Runtime-Deadline-Ms (at the
/// margin it cancels the invocation's InvokeContext::cancel token and posts kDeadlineExceeded), and the
/// result is POSTed as the response or the error as {errorType, errorMessage, stackTrace}
/// (functions::FunctionError keeps its type; other exceptions are named by their C++ type).
/// Writes one line per problem to `log`. Not thread-safe; one loop per process.
LoopEnd run_invocation_loop(RuntimeApiClient& client, const functions::Registry& registry, const std::string& handler,
                            const LoopOptions& options, std::ostream& log);

/// Return the current Unix time in milliseconds (the clock Lambda-Runtime-Deadline-Ms uses).
std::int64_t unix_now_ms();

}  // namespace cosmicai::aws
