#include "aws/cosmic_function.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cosmic/handlers.hpp"
#include "cosmic/runtime.hpp"

namespace cosmicai::aws {

namespace fs = std::filesystem;

std::string canonical_handler_name(const std::string& name) {
  const std::string bare = functions::parse_function_ref(name).name;
  if (bare == "initialize") return cosmic::kInitializeFunction;
  if (bare == "infer") return cosmic::kInferFunction;
  if (bare == "summarize") return cosmic::kSummarizeFunction;
  return bare;
}

namespace {

FunctionInit failed(FunctionInit init, std::string type, std::string message) {
  init.error = ErrorReport{std::move(type), std::move(message), json::array()};
  return init;
}

// A model baked into the code folder: TASK_ROOT/model/model.pt, else the first *.ts.pt there.
std::optional<std::string> find_code_folder_model(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "model.pt", ec)) return (dir / "model.pt").string();
  std::vector<std::string> found;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.ends_with(".ts.pt") && it->is_regular_file(ec)) found.push_back(it->path().string());
  }
  if (found.empty()) return std::nullopt;
  std::sort(found.begin(), found.end());
  return found.front();
}

}  // namespace

FunctionInit init_cosmic_function(const LambdaSettings& s) {
  FunctionInit init;
  if (s.handler.empty()) {
    return failed(std::move(init), kNoSuchHandler,
                  "missing function name: pass the handler as an argument (the image's command), or set _HANDLER or "
                  "AWS_LAMBDA_FUNCTION_NAME to initialize, infer or summarize (or data-parallel-init, "
                  "cosmic-executor, resultSummary)");
  }
  init.handler = canonical_handler_name(s.handler);
  const std::string known = "initialize, infer, summarize (data-parallel-init, cosmic-executor, resultSummary)";
  if (init.handler != cosmic::kInitializeFunction && init.handler != "data-parallel-init-fmi" &&
      init.handler != cosmic::kInferFunction && init.handler != cosmic::kSummarizeFunction) {
    return failed(std::move(init), kNoSuchHandler,
                  fmt::format("no handler named '{}' (from {}); known: {}", s.handler,
                              s.handler_source.empty() ? "the command line" : s.handler_source, known));
  }
  // /tmp is the only writable place on Lambda; relative paths resolve there.
  std::error_code ec;
  fs::current_path(s.tmp_dir, ec);
  if (ec || ::access(s.tmp_dir.c_str(), W_OK) != 0) {
    return failed(std::move(init), kConfigInvalid,
                  fmt::format("temporary folder {} (TMPDIR, else /tmp) is not a writable folder", s.tmp_dir));
  }

  if (s.store.empty()) {
    return failed(std::move(init), kStoreNotConfigured,
                  "no object store: set COSMICAI_STORE (s3:// on AWS) or pass --store");
  }
  if (s.store.starts_with("s3://") && !s.has_aws_credentials) {
    return failed(std::move(init), kMissingCredentials,
                  fmt::format("store {}: no credentials for S3: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not "
                              "both set (Lambda sets them from the function's execution role)",
                              s.store));
  }
  auto store = storage::open_object_store(s.store);
  if (!store) {
    return failed(std::move(init), kStoreUnavailable,
                  fmt::format("store {} (COSMICAI_STORE): {}", s.store, store.error().message));
  }

  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  init.threads = s.threads > 0 ? s.threads : (s.memory_mb > 0 ? std::min(vcpus_for_memory(s.memory_mb), cores) : 0);

  cosmic::CosmicConfig config;
  config.store = *store;
  config.threads = init.threads;
  config.seed = s.model_seed;
  config.precision = s.precision;
  if (s.memory_mb > 0) config.pricing.memory_mb = s.memory_mb;

  if (init.handler == cosmic::kInferFunction) {
    // The LibTorch model library ships in the code folder beside the binary; name it for the loader,
    // which otherwise finds "beside the executable" through /proc/self/exe (absent in a bare chroot).
    const fs::path library = fs::path(s.task_root) / "libcosmicai_model.so";
    if (!std::getenv("COSMICAI_MODEL_LIBRARY") && fs::is_regular_file(library, ec)) {
      ::setenv("COSMICAI_MODEL_LIBRARY", library.c_str(), 0);
    }
    const fs::path model_dir = fs::path(s.task_root) / "model";
    std::string source = s.model;
    if (source.empty()) {
      auto found = find_code_folder_model(model_dir);
      if (!found) {
        return failed(std::move(init), kModelNotFound,
                      fmt::format("no model in the code folder: {} holds neither model.pt nor a *.ts.pt file, and "
                                  "COSMICAI_MODEL is not set (LAMBDA_TASK_ROOT={})",
                                  model_dir.string(), s.task_root));
      }
      source = *found;
    }
    model::ModelOptions mo;
    mo.source = source;
    mo.seed = config.seed;
    mo.threads = config.threads;
    mo.precision = config.precision;
    mo.batch_size = 1 << 20;  // as infer_rank asks, so that its cache lookup finds this model
    auto loaded = cosmic::cached_model(mo);
    if (!loaded) {
      return failed(std::move(init), kModelLoad, fmt::format("model {}: {}", source, loaded.error().message));
    }
    config.model = source;
    init.model_source = source;
  }

  init.registry = std::make_shared<functions::Registry>();
  cosmic::register_cosmic_handlers(*init.registry, std::make_shared<cosmic::CosmicRuntime>(std::move(config)));
  return init;
}

int run_cosmic_lambda_runtime(const LambdaSettings& s, std::ostream& log, std::int64_t max_invocations) {
  if (s.runtime_api.empty()) {
    log << "cosmicai lambda-runtime: AWS_LAMBDA_RUNTIME_API is not set (host:port of the Lambda Runtime API); "
           "this command runs inside Lambda or under a Runtime API emulator\n";
    return 2;
  }
  RuntimeApiClient client(s.runtime_api);
  FunctionInit init = init_cosmic_function(s);
  if (init.error) {
    log << "cosmicai lambda-runtime: init error " << init.error->error_type << ": " << init.error->error_message
        << "\n";
    auto reply = client.post_init_error(*init.error);
    if (!reply) log << "cosmicai lambda-runtime: " << reply.error().message << "\n";
    return 1;
  }
  log << fmt::format("cosmicai lambda-runtime: serving {} (threads {}{}{})\n", init.handler, init.threads,
                     init.model_source.empty() ? "" : ", model ", init.model_source);
  LoopOptions options;
  options.deadline_margin = std::chrono::milliseconds(s.deadline_margin_ms);
  options.max_invocations = max_invocations;
  switch (run_invocation_loop(client, *init.registry, init.handler, options, log)) {
    case LoopEnd::kInvocationLimit:
      return 0;
    case LoopEnd::kDeadlineExit:
      return 3;
    case LoopEnd::kApiFailure:
      return 1;
  }
  return 1;
}

}  // namespace cosmicai::aws
