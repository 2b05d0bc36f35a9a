#pragma once
/// Hooks for whoever keeps executions beyond one process (the service's SQLite store): every
/// history event as it is recorded, Distributed Map runs and their children, and a way to stop a
/// running execution. Optional: `cosmicai run` uses none of them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/json.hpp"

namespace cosmicai::engine {

struct Execution;

/// One history event, as GetExecutionHistory lists it.
struct HistoryEvent {
  std::int64_t id = 0;
  std::int64_t previous_id = 0;
  Clock::time_point timestamp;
  std::string type;
  json details;  ///< becomes "<detailsKey>EventDetails" (details_key); null for none
};

/// A Distributed Map run as DescribeMapRun shows it.
struct MapRunInfo {
  std::string map_run_arn;
  std::string state_name;
  std::size_t total = 0;            ///< items (or batches)
  std::size_t max_concurrency = 0;  ///< 0 = unlimited
  std::optional<std::int64_t> tolerated_failure_count;
  std::optional<double> tolerated_failure_percentage;
};

/// A Task's mocked service response (SFN_MOCK_CONFIG): the service's raw result, or an error.
struct MockedResponse {
  bool ok = true;
  json result;  ///< ok: the raw result (for lambda:invoke the whole Invoke response)
  std::string error, cause;
};

/// Receives an execution's progress. Calls come from engine workers, concurrently for
/// different executions; events of one execution arrive in id order. Implementations must not
/// call back into the engine.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  /// Every history event of the execution (needs ExecutionOptions::record_history).
  virtual void event(const HistoryEvent&) {}
  /// A Distributed Map state started a Map Run.
  virtual void map_run_started(const MapRunInfo&) {}
  /// A child execution of a Map Run ended (`output` only when ok). `skipped`: it was not run
  /// because completed_child() supplied its result.
  virtual void map_child_finished(const std::string& /*map_run_arn*/, const std::string& /*state_name*/,
                                  std::size_t /*index*/, bool /*ok*/, const json& /*output*/) {}
  /// The Map Run ended: "SUCCEEDED", "FAILED" or "ABORTED".
  virtual void map_run_finished(const std::string& /*map_run_arn*/, const std::string& /*status*/) {}
  /// A mocked response for this invocation of the Lambda Task state `state_name` (counted per state
  /// across the execution, retries included), or nullopt to call the function.
  virtual std::optional<MockedResponse> mocked_task(const std::string& /*state_name*/) { return std::nullopt; }
  /// Resuming: the output of child `index` of the Distributed Map state `state_name` if it already
  /// succeeded in an earlier attempt of this execution (it is then not run again).
  virtual std::optional<json> completed_child(const std::string& /*state_name*/, std::size_t /*index*/) {
    return std::nullopt;
  }
};

/// A handle to stop a running execution (StopExecution). Create it, pass it in
/// ExecutionOptions::control, and call abort() from any thread; an abort before the execution
/// started takes effect when it starts.
class ExecutionControl {
 public:
  /// End the execution as ABORTED with `error`/`cause` (either may be absent). Returns false when it
  /// had already ended.
  bool abort(std::optional<std::string> error, std::optional<std::string> cause);

 private:
  friend class Engine;
  void attach(const std::shared_ptr<Execution>& exec);
  std::mutex mu_;
  std::weak_ptr<Execution> exec_;
  bool attached_ = false;
  bool abort_requested_ = false;
  std::optional<std::string> error_, cause_;
};

}  // namespace cosmicai::engine
