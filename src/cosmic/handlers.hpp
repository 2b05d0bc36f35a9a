#pragma once
/// The Cosmic AI handlers bound to the seeds' Lambda function names.
#include <memory>

#include "common/json.hpp"
#include "common/result.hpp"
#include "cosmic/runtime.hpp"
#include "functions/registry.hpp"

namespace cosmicai::cosmic {

/// Function names the seeds' state machine calls.
inline constexpr const char* kInitializeFunction = "data-parallel-init";
inline constexpr const char* kInferFunction = "cosmic-executor";
inline constexpr const char* kSummarizeFunction = "resultSummary";

/// The three handlers over one configuration, sharing one compute gate. Thread-safe: the
/// engine's Map calls `infer` concurrently.
class CosmicRuntime {
 public:
  /// `config.store` must be set.
  explicit CosmicRuntime(CosmicConfig config);

  Result<json> initialize(const json& event);
  Result<json> infer(const json& rank_dict);
  /// The same, stopping within one micro-batch once `cancel` is cancelled.
  Result<json> infer(const json& rank_dict, const functions::CancelToken& cancel);
  Result<json> summarize(const json& event);

  const CosmicConfig& config() const { return config_; }
  ComputeGate& gate() { return gate_; }

 private:
  CosmicConfig config_;
  ComputeGate gate_;
};

/// Map an Error to the Lambda-style errorType the handlers raise
/// ("InvalidPayload", "NotFound", "CorruptPartition", "StorageError", "InferenceError").
std::string error_type_for(const Error& error);

/// Bind `data-parallel-init`, `cosmic-executor` and `resultSummary` (and `data-parallel-init-fmi`,
/// the paper's name) to `runtime`. Failures raise functions::FunctionError with error_type_for().
void register_cosmic_handlers(functions::Registry& registry, std::shared_ptr<CosmicRuntime> runtime);

}  // namespace cosmicai::cosmic
