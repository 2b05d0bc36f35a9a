#pragma once
/// The service's durable state in SQLite (WAL): state machines, executions, every history
/// event, Map Runs and the results of their children, tags. One connection, thread-safe. Writes
/// that a client can rely on (machines, executions and their ends, Map children's results, tags)
/// are committed before the call returns; history events and Map Run progress are group-committed
/// within 5 ms (or with the next such write). Reads see every write at once (same connection).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/json.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace cosmicai::service {

/// Seconds since the epoch, with a fraction (API timestamps are JSON numbers).
using EpochSeconds = double;

struct StateMachineRecord {
  std::int64_t seq = 0;
  std::string arn, name, definition, role_arn, type, revision_id, description;
  EpochSeconds created = 0;
  std::optional<EpochSeconds> updated;
  json logging;  ///< loggingConfiguration (null: default)
  json tracing;  ///< tracingConfiguration (null: default)
};

struct ExecutionRecord {
  std::int64_t seq = 0;
  std::string arn, state_machine_arn, state_machine_name, name, status, input, definition, role_arn;
  std::optional<std::string> output, error, cause;
  EpochSeconds started = 0;
  std::optional<EpochSeconds> stopped;
  std::int64_t redrive_count = 0;
  std::optional<EpochSeconds> redrive_date;
  std::int64_t event_base = 0;  ///< history events before the latest redrive (the attempt's ids follow)
  std::string test_case;        ///< the mock-config test case (stateMachineArn#Case), "" for none
};

struct EventRecord {
  std::int64_t id = 0, previous_id = 0;
  EpochSeconds timestamp = 0;
  std::string type;
  std::string details;  ///< JSON text, "" for none
};

struct MapRunRecord {
  std::int64_t seq = 0;
  std::string arn, execution_arn, state_name, status;
  EpochSeconds started = 0;
  std::optional<EpochSeconds> stopped;
  std::int64_t total = 0, max_concurrency = 0, succeeded = 0, failed = 0;
  std::optional<std::int64_t> tolerated_failure_count;
  std::optional<double> tolerated_failure_percentage;
};

/// A page request: resume after `after` (a seq or event id; nullopt = from the start).
struct Page {
  std::size_t limit = 100;
  std::optional<std::int64_t> after;
};

class Store {
 public:
  /// Open (creating if needed) the database at `path`; "" = in memory. Throws std::runtime_error
  /// naming the file when it cannot be opened or is not a cosmicai database.
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // --- state machines ---
  /// Insert; false when the ARN exists.
  bool insert_state_machine(const StateMachineRecord& r);
  std::optional<StateMachineRecord> state_machine(const std::string& arn);
  bool update_state_machine(const StateMachineRecord& r);
  bool delete_state_machine(const std::string& arn);
  /// In creation order, `page.after` = last seq seen.
  std::vector<StateMachineRecord> list_state_machines(const Page& page);

  // --- executions ---
  bool insert_execution(const ExecutionRecord& r);
  std::optional<ExecutionRecord> execution(const std::string& arn);
  /// Set the end of an execution (status, output/error/cause, stop date).
  void finish_execution(const std::string& arn, const std::string& status, const std::optional<std::string>& output,
                        const std::optional<std::string>& error, const std::optional<std::string>& cause,
                        EpochSeconds stopped);
  /// Newest first, `page.after` = last seq seen; `status` "" = any.
  std::vector<ExecutionRecord> list_executions(const std::string& state_machine_arn, const std::string& status,
                                               const Page& page);
  /// Mark a FAILED/TIMED_OUT/ABORTED execution RUNNING again for a redrive (count + 1, date, the
  /// history so far as its event base). False when it is not in one of those states.
  bool redrive_execution(const std::string& arn, EpochSeconds date);
  /// Executions still RUNNING (at start-up: those a previous process left behind).
  std::vector<ExecutionRecord> running_executions();
  /// Count executions by status (any machine), for tests and benches.
  std::int64_t count_executions(const std::string& status);

  // --- history ---
  void add_event(const std::string& execution_arn, const EventRecord& e);
  /// By id (descending when `reverse`), `page.after` = last id seen.
  std::vector<EventRecord> events(const std::string& execution_arn, bool reverse, const Page& page);
  /// Forget an execution's events after id `event_base` and its Map Runs started since (before
  /// resuming it from the start of its current attempt); children's results stay.
  void reset_execution_progress(const std::string& execution_arn, std::int64_t event_base);

  // --- Map Runs and their children ---
  void insert_map_run(const MapRunRecord& r);
  void finish_map_run(const std::string& arn, const std::string& status, EpochSeconds stopped);
  std::optional<MapRunRecord> map_run(const std::string& arn);
  std::vector<MapRunRecord> list_map_runs(const std::string& execution_arn, const Page& page);
  /// Record a child's end; `key` names the Map state visit ("State#1").
  void add_map_child(const std::string& execution_arn, const std::string& key, std::int64_t index,
                     const std::string& map_run_arn, bool ok, const std::string& output);
  /// The output (JSON text) of a child that succeeded.
  std::optional<std::string> succeeded_map_child(const std::string& execution_arn, const std::string& key,
                                                 std::int64_t index);

  /// Commit the writes that wait for a group commit (history events, Map Run progress).
  void flush();

  // --- tags ---
  void set_tags(const std::string& arn, const std::vector<std::pair<std::string, std::string>>& tags);
  void remove_tags(const std::string& arn, const std::vector<std::string>& keys);
  std::vector<std::pair<std::string, std::string>> tags(const std::string& arn);

 private:
  class Stmt;
  class Write;
  static constexpr std::chrono::milliseconds kLazyCommit{5};
  void exec_sql(const char* sql);
  void commit_locked();
  void flusher_loop();
  [[noreturn]] void fail(const char* what);
  std::mutex mu_;
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, sqlite3_stmt*> statements_;  ///< prepared once per SQL literal
  std::string path_;
  bool in_txn_ = false;
  std::chrono::steady_clock::time_point txn_start_;
  bool stop_flusher_ = false;
  std::condition_variable flusher_cv_;
  std::thread flusher_;
};

}  // namespace cosmicai::service
