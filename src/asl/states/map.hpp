#pragma once
/// Map state: runs a sub-machine for every item of an array.
#include <cstdint>
#include <memory>

#include "asl/query/literal_or_path.hpp"
#include "asl/states/item_reader.hpp"
#include "asl/states/result_writer.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

class StateMachine;

/// ItemProcessor ProcessorConfig.Mode.
enum class MapMode { kInline, kDistributed };

/// ItemBatcher: groups items into batches `{"Items": [...], "BatchInput": ...}`.
struct ItemBatcher {
  LiteralOrPath max_items_per_batch;          ///< MaxItemsPerBatch(Path)
  LiteralOrPath max_input_bytes_per_batch;    ///< MaxInputBytesPerBatch(Path)
  std::optional<PayloadTemplate> batch_input;  ///< JSONPath BatchInput
  std::optional<JsonataValue> batch_input_expr;  ///< JSONata BatchInput
};

/// A Map's limits as resolved for one run.
struct MapLimits {
  std::optional<std::int64_t> max_concurrency;  ///< 0 = unlimited
  std::optional<std::int64_t> tolerated_failure_count;
  std::optional<double> tolerated_failure_percentage;
};

/// ItemBatcher as resolved for one run.
struct Batching {
  std::optional<std::int64_t> max_items;
  std::optional<std::int64_t> max_bytes;
  std::optional<json> batch_input;
};

/// "The Map state can be used to run a set of steps for each element of an input array."
class MapState : public State {
 public:
  std::shared_ptr<const StateMachine> processor;  ///< ItemProcessor or legacy Iterator
  MapMode mode = MapMode::kInline;
  std::string execution_type;                     ///< DISTRIBUTED: STANDARD or EXPRESS
  std::optional<JsonPath> items_path;             ///< ItemsPath; nullopt: "$"
  std::optional<PayloadTemplate> item_selector;   ///< ItemSelector, or legacy Parameters
  LiteralOrPath max_concurrency;                  ///< MaxConcurrency(Path)
  LiteralOrPath tolerated_failure_percentage;     ///< ToleratedFailurePercentage(Path)
  LiteralOrPath tolerated_failure_count;          ///< ToleratedFailureCount(Path)
  std::string label;
  std::optional<ItemBatcher> item_batcher;
  std::optional<ItemReader> item_reader;      ///< items from S3 instead of ItemsPath (engine/map_io)
  std::optional<ResultWriter> result_writer;  ///< results exported to S3 and/or reshaped (engine/map_io)
  // JSONata fields (QueryLanguage JSONata).
  std::optional<JsonataValue> items;               ///< `Items` (default: the state input)
  std::optional<JsonataValue> item_selector_expr;  ///< `ItemSelector` with $states.context.Map.Item

  // Resolution for one run. JSONata fields see `env` (the state input as $states.input); JSONPath
  // fields read `effective` (the effective input). Each throws StatesError with AWS's wording.

  /// The items when there is no ItemReader: JSONata `Items` (default: the state input), or ItemsPath.
  json items_of(const EvalEnv& env, const json& effective) const;
  /// MaxConcurrency and ToleratedFailure*.
  MapLimits limits(const EvalEnv& env, const json& effective) const;
  /// Whether items go through an ItemSelector.
  bool has_item_selector() const { return item_selector || item_selector_expr; }
  /// The input of item `index` through the ItemSelector, with `$$.Map.Item` (`item_context`: the
  /// context object with Map.Item set).
  json select_item(const EvalEnv& env, const json& effective, const ContextRef& item_context) const;
  /// The ItemBatcher's limits and BatchInput (only with an ItemBatcher).
  Batching batching(const EvalEnv& env, const json& effective) const;
};

/// Parse a Map state object at `pointer` (the processor recursively).
std::unique_ptr<State> parse_map(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
