#pragma once
/// Settings of the Lambda custom runtime, read once from the environment Lambda sets.
#include <cstdint>
#include <functional>
#include <string>

namespace cosmicai::aws {

/// Lambda gives one vCPU per 1,769 MB of configured memory, up to 6 vCPUs at 10,240 MB.
inline constexpr int kMegabytesPerVcpu = 1769;
inline constexpr int kMaxLambdaVcpus = 6;

/// Return the vCPUs Lambda gives a function of `memory_mb`: ceil(memory / 1,769) in [1, 6]
/// (1,769 → 1, 3,008 → 2, 5,307 → 3, 10,240 → 6); 0 when memory is unknown (≤ 0).
int vcpus_for_memory(int memory_mb);

/// Everything the runtime reads from its environment (ARCHITECTURE.md: environment read in one
/// place). Command-line options of `cosmicai lambda-runtime` override the COSMICAI_* fields.
struct LambdaSettings {
  std::string runtime_api;     ///< AWS_LAMBDA_RUNTIME_API: host:port of the Runtime API
  std::string handler;         ///< the function to serve: argument, else _HANDLER, else AWS_LAMBDA_FUNCTION_NAME
  std::string handler_source;  ///< where `handler` came from, for error messages
  std::string function_name;   ///< AWS_LAMBDA_FUNCTION_NAME
  int memory_mb = 0;           ///< AWS_LAMBDA_FUNCTION_MEMORY_SIZE (0 = unknown)
  std::string task_root = "/var/task";     ///< LAMBDA_TASK_ROOT: the code folder (the image bakes the model in model/)
  std::string tmp_dir = "/tmp";            ///< TMPDIR, else /tmp: the only writable place on Lambda
  std::string store;                       ///< COSMICAI_STORE: object store URI (s3:// on AWS)
  std::string model;                       ///< COSMICAI_MODEL: model source; empty = a model file in TASK_ROOT/model/
  int threads = 0;                         ///< COSMICAI_THREADS: intra-op threads; 0 = the vCPUs of `memory_mb`
  std::uint64_t model_seed = 0;            ///< COSMICAI_MODEL_SEED: seed of the built-in model's weights
  std::string precision = "fp32";          ///< COSMICAI_PRECISION: fp32 (default), bf16 or int8
  std::int64_t deadline_margin_ms = 1000;  ///< COSMICAI_DEADLINE_MARGIN_MS: stop this long before the deadline
  bool has_aws_credentials = false;        ///< AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY both set

  /// Read the settings through `getenv` (std::getenv by default). Malformed numbers are
  /// reported in `problems` ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'abc' is not an integer").
  static LambdaSettings from_environment(std::string& problems,
                                         const std::function<const char*(const char*)>& getenv = nullptr);
};

}  // namespace cosmicai::aws
