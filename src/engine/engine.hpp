#pragma once
/// Runs executions of parsed state machines: the public face of the engine.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asl/state_machine.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "engine/observer.hpp"
#include "functions/registry.hpp"

namespace cosmicai::engine {

class Scheduler;
class StoreResolver;
class HistoryLog;

/// AWS's payload quota: 256 KiB for execution input, state input/output and task results.
inline constexpr std::size_t kPayloadLimitBytes = 262144;

/// How an engine runs: how many workers, and how fast time goes.
struct EngineOptions {
  std::size_t workers = 4;   ///< worker threads for states, Map iterations and Parallel branches
  double time_scale = 1.0;   ///< 1 = real time; 0 = no sleeping (logical time still advances)
  /// Buckets for ItemReader, ResultWriter and aws-sdk:s3 tasks (map_io/store_resolver.hpp);
  /// null: those fail at run time with their AWS error, naming the bucket.
  std::shared_ptr<const StoreResolver> stores;
};

/// Per-execution settings.
struct ExecutionOptions {
  std::string name = "local-execution";          ///< $$.Execution.Name
  std::string state_machine_name = "StateMachine";
  std::string role_arn = "arn:aws:iam::123456789012:role/cosmicai-local";
  bool record_history = false;                     ///< keep the events for ExecutionResult::history
  /// ARNs for $$.Execution.Id / $$.StateMachine.Id; empty: built from the names (us-east-1, 123456789012).
  std::string execution_arn;
  std::string state_machine_arn;
  /// $$.Execution.RedriveCount: how many times the execution has been redriven (0 on a first run).
  std::int64_t redrive_count = 0;
  /// Receives events, Map Run progress and supplies resumed results (observer.hpp); may be null.
  std::shared_ptr<ExecutionObserver> observer;
  /// Lets another thread stop the execution (ABORTED); may be null.
  std::shared_ptr<ExecutionControl> control;
};

/// The events an execution recorded (ExecutionOptions::record_history), kept as compact records and
/// serialised to GetExecutionHistory's JSON only when read. Cheap to copy (shared, immutable).
class ExecutionHistory {
 public:
  ExecutionHistory() = default;
  explicit ExecutionHistory(std::shared_ptr<const HistoryLog> log) : log_(std::move(log)) {}
  /// Whether the execution recorded its history.
  bool recorded() const { return log_ != nullptr; }
  /// Return the number of events (0 when not recorded).
  std::size_t size() const;
  /// Return {"events":[...]} as GetExecutionHistory prints it; null when not recorded.
  json to_json() const;
  /// The records themselves (engine/history.hpp); null when not recorded.
  const std::shared_ptr<const HistoryLog>& log() const { return log_; }

 private:
  std::shared_ptr<const HistoryLog> log_;
};

/// The end of an execution.
struct ExecutionResult {
  std::string status;                   ///< "SUCCEEDED", "FAILED", "TIMED_OUT" or "ABORTED"
  json output;                          ///< SUCCEEDED only
  std::optional<std::string> error;     ///< FAILED/TIMED_OUT; nullopt when the failure named none
  std::optional<std::string> cause;
  ExecutionHistory history;             ///< the events, when recorded (history.to_json() for the JSON)
  std::int64_t transitions = 0;         ///< states entered (all branches and iterations)
  /// Why child executions of Distributed Map states failed ("Map state 'M' item 3: Error: Cause"),
  /// in the order they failed. AWS reports these per Map Run, not in the execution's
  /// Error/Cause, so they are kept apart from to_json().
  std::vector<std::string> child_failures;

  /// Return {"status":…,"output":…} or {"status":…,"error":…,"cause":…}.
  json to_json() const;
};

/// Runs executions on a shared worker pool. Executions may run concurrently:
/// run() is thread-safe. The state machine and registry must outlive each run.
class Engine {
 public:
  Engine(std::shared_ptr<const functions::Registry> registry, EngineOptions options = {});
  ~Engine();

  /// Run `machine` on `input` and block until it ends. Never throws for anything an
  /// execution can do: failures come back as FAILED results.
  ExecutionResult run(std::shared_ptr<const asl::StateMachine> machine, const json& input,
                      const ExecutionOptions& options = {});

  /// The engine's clock (logical time of all its executions).
  Clock& clock() { return clock_; }
  const EngineOptions& options() const { return options_; }

 private:
  EngineOptions options_;
  Clock clock_;
  std::shared_ptr<const functions::Registry> registry_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace cosmicai::engine
