#pragma once
/// The Cosmic AI handlers as Lambda functions: start-up (store, model, threads) and the runtime's main.
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "aws/lambda_runtime.hpp"
#include "aws/lambda_settings.hpp"
#include "aws/runtime_api_client.hpp"
#include "functions/registry.hpp"

namespace cosmicai::aws {

/// Init error types (posted to /runtime/init/error).
inline constexpr const char* kStoreNotConfigured = "CosmicAI.StoreNotConfigured";
inline constexpr const char* kStoreUnavailable = "CosmicAI.StoreUnavailable";
inline constexpr const char* kMissingCredentials = "CosmicAI.MissingCredentials";
inline constexpr const char* kModelNotFound = "CosmicAI.ModelNotFound";
inline constexpr const char* kModelLoad = "CosmicAI.ModelLoad";
inline constexpr const char* kConfigInvalid = "Runtime.ConfigInvalid";

/// Return the registered name for a handler name: the short names `initialize`, `infer` and
/// `summarize` (the image's per-function command) map to the seeds' `data-parallel-init`,
/// `cosmic-executor` and `resultSummary`; ARNs are reduced to the function name; others are kept.
std::string canonical_handler_name(const std::string& name);

/// A started function: its handlers and the one this environment serves, or why it cannot start.
struct FunctionInit {
  std::shared_ptr<functions::Registry> registry;
  std::string handler;               ///< registered name served
  std::string model_source;          ///< model loaded at start-up (infer only)
  int threads = 0;                   ///< intra-op threads per inference
  std::optional<ErrorReport> error;  ///< set when start-up failed
};

/// Start the function `settings.handler` describes. For `cosmic-executor` the model is found
/// (COSMICAI_MODEL, else TASK_ROOT/model/model.pt or TASK_ROOT/model/*.ts.pt) and loaded now, once
/// per environment, so warm invocations reuse it. Errors name what is missing and where.
FunctionInit init_cosmic_function(const LambdaSettings& settings);

/// Run the runtime: start the function (posting /runtime/init/error on failure) and serve
/// invocations. Returns the process exit code: 2 when AWS_LAMBDA_RUNTIME_API is not set, 1 when
/// start-up failed or the API failed, 3 after a deadline the handler could not be stopped at.
int run_cosmic_lambda_runtime(const LambdaSettings& settings, std::ostream& log, std::int64_t max_invocations = 0);

}  // namespace cosmicai::aws
