#pragma once
/// Map state: runs a sub-machine for every item of an array.
#include <cstdint>
#include <memory>

#include "asl/states/item_reader.hpp"
#include "asl/states/result_writer.hpp"
#include "asl/states/state.hpp"

namespace cosmicai::asl {

class StateMachine;

/// ItemProcessor ProcessorConfig.Mode.
enum class MapMode { kInline, kDistributed };

/// ItemBatcher: groups items into batches `{"Items": [...], "BatchInput": ...}`.
struct ItemBatcher {
  std::optional<std::int64_t> max_items_per_batch;
  std::optional<std::string> max_items_per_batch_path;
  std::optional<std::int64_t> max_input_bytes_per_batch;
  std::optional<std::string> max_input_bytes_per_batch_path;
  std::optional<json> batch_input;
  std::optional<JsonataValue> max_items_per_batch_expr;        ///< JSONata
  std::optional<JsonataValue> max_input_bytes_per_batch_expr;  ///< JSONata
  std::optional<JsonataValue> batch_input_expr;                ///< JSONata BatchInput
};

/// "The Map state can be used to run a set of steps for each element of an input array."
class MapState : public State {
 public:
  std::shared_ptr<const StateMachine> processor;  ///< ItemProcessor or legacy Iterator
  MapMode mode = MapMode::kInline;
  std::string execution_type;                     ///< DISTRIBUTED: STANDARD or EXPRESS
  std::string items_path = "$";
  std::optional<json> item_selector;              ///< ItemSelector, or legacy Parameters
  std::optional<std::int64_t> max_concurrency;    ///< 0 = unlimited
  std::optional<std::string> max_concurrency_path;
  std::optional<double> tolerated_failure_percentage;
  std::optional<std::string> tolerated_failure_percentage_path;
  std::optional<std::int64_t> tolerated_failure_count;
  std::optional<std::string> tolerated_failure_count_path;
  std::string label;
  std::optional<ItemBatcher> item_batcher;
  std::optional<ItemReader> item_reader;      ///< items from S3 instead of ItemsPath (engine/map_io)
  std::optional<ResultWriter> result_writer;  ///< results exported to S3 and/or reshaped (engine/map_io)
  // JSONata fields (QueryLanguage JSONata).
  std::optional<JsonataValue> items;                             ///< `Items` (default: the state input)
  std::optional<JsonataValue> item_selector_expr;                ///< `ItemSelector` with $states.context.Map.Item
  std::optional<JsonataValue> max_concurrency_expr;
  std::optional<JsonataValue> tolerated_failure_percentage_expr;
  std::optional<JsonataValue> tolerated_failure_count_expr;
};

/// Parse a Map state object at `pointer` (the processor recursively).
std::unique_ptr<State> parse_map(const json& obj, const std::string& pointer, ParseContext& ctx);

}  // namespace cosmicai::asl
