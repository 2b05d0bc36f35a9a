#include "cosmic/handlers.hpp"

#include <thread>

#include "cosmic/infer.hpp"
#include "cosmic/shard_plan.hpp"
#include "cosmic/summarize.hpp"

namespace cosmicai::cosmic {

CosmicRuntime::CosmicRuntime(CosmicConfig config)
    : config_(std::move(config)),
      gate_(compute_slots(config_.threads, static_cast<int>(std::thread::hardware_concurrency()))) {}

Result<json> CosmicRuntime::initialize(const json& event) {
  auto r = cosmic::initialize(*config_.store, event);
  if (r && config_.progress) {
    const json& body = r->at("body");
    config_.progress->expect_ranks(body.is_array() ? static_cast<std::int64_t>(body.size())
                                                   : body.at("world_size").get<std::int64_t>());
  }
  return r;
}

Result<json> CosmicRuntime::infer(const json& rank_dict) { return infer_rank(config_, gate_, rank_dict); }

Result<json> CosmicRuntime::summarize(const json& event) {
  if (config_.progress) config_.progress->stop();
  return summarize_results(config_, event);
}

std::string error_type_for(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      return "InvalidPayload";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kCorrupt:
      return "CorruptPartition";
    case ErrorCode::kIo:
    case ErrorCode::kUnavailable:
    case ErrorCode::kPermission:
      return "StorageError";
    case ErrorCode::kInternal:
      return "InferenceError";
  }
  return "InferenceError";
}

namespace {
functions::Handler wrap(std::shared_ptr<CosmicRuntime> rt, Result<json> (CosmicRuntime::*fn)(const json&)) {
  return [rt = std::move(rt), fn](const json& event, const functions::InvokeContext&) -> json {
    auto r = ((*rt).*fn)(event);
    if (!r) throw functions::FunctionError(error_type_for(r.error()), r.error().message);
    return std::move(r).value();
  };
}
}  // namespace

void register_cosmic_handlers(functions::Registry& registry, std::shared_ptr<CosmicRuntime> runtime) {
  registry.add(kInitializeFunction, wrap(runtime, &CosmicRuntime::initialize));
  registry.add("data-parallel-init-fmi", wrap(runtime, &CosmicRuntime::initialize));
  registry.add(kInferFunction, wrap(runtime, &CosmicRuntime::infer));
  registry.add(kSummarizeFunction, wrap(runtime, &CosmicRuntime::summarize));
}

}  // namespace cosmicai::cosmic
