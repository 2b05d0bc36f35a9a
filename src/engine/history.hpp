#pragma once
/// Execution history in the shape of AWS GetExecutionHistory.
///
/// Events are recorded as compact records (type, ids, timestamp, and for a state's
/// StateEntered/StateExited its name and input/output as JSON text); the JSON objects
/// GetExecutionHistory lists are built only when the history is read (`HistoryLog::to_json`), or
/// at once for a listener (the service persists every event as it is recorded).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "engine/observer.hpp"

namespace cosmicai::engine {

/// One recorded event, before it is turned into GetExecutionHistory's JSON.
struct HistoryRecord {
  enum class Kind : std::uint8_t {
    kPlain,    ///< `details` are the event's details (null: none)
    kEntered,  ///< {"name", "input": text, "inputDetails"}
    kExited,   ///< {"name", "output": text, "outputDetails"}, plus `details` as assignedVariables when an object
  };
  std::int64_t id = 0;
  std::int64_t previous_id = 0;
  Clock::time_point timestamp;
  std::string_view type;                 ///< static (see History::add)
  Kind kind = Kind::kPlain;
  const std::string* state_name = nullptr;  ///< kEntered/kExited: held by the state tree the log keeps alive
  std::string text;                      ///< kEntered/kExited: the input/output as compact JSON
  json details;

  /// The event's details as GetExecutionHistory shows them ("<detailsKey>EventDetails"); null for none.
  json details_json() const;
};

/// The events of one execution, in id order; serialised only when read. Immutable.
class HistoryLog {
 public:
  HistoryLog(std::vector<HistoryRecord> events, std::shared_ptr<const void> keep_alive)
      : events_(std::move(events)), keep_alive_(std::move(keep_alive)) {}
  /// Return {"events":[...]} as GetExecutionHistory prints it.
  json to_json() const;
  const std::vector<HistoryRecord>& events() const { return events_; }

 private:
  std::vector<HistoryRecord> events_;
  std::shared_ptr<const void> keep_alive_;  ///< what the records' state names point into
};

/// Append-only event log of one execution. Ids are 1, 2, 3... in recording order.
/// When disabled only ids are handed out (no details kept), so recording is free.
/// Thread-safe.
class History {
 public:
  /// `keep_alive`: the state machine whose state names kEntered/kExited records point to.
  History(Clock& clock, bool enabled, std::shared_ptr<const void> keep_alive = nullptr)
      : clock_(clock), enabled_(enabled), keep_alive_(std::move(keep_alive)) {}

  /// Record an event of `type` (e.g. "TaskScheduled") after `previous_id`
  /// (0 for none) and return its id. `details` becomes "<detailsKey>EventDetails".
  /// `type` must stay valid as long as the history (a literal or other static string).
  std::int64_t add(std::string_view type, std::int64_t previous_id, json details = nullptr);
  /// Record a state's "<Type>StateEntered" (`entered`, with its input) or "<Type>StateExited" (with
  /// its output and, when `assigned` is an object, the variables its Assign set). `value` is
  /// serialised now; the event's JSON is built when read. `state_name` must outlive the history's
  /// keep_alive (a name held by the state tree).
  std::int64_t add_state(std::string_view type, std::int64_t previous_id, bool entered, const std::string& state_name,
                         const json& value, json assigned = nullptr);

  /// The events so far, in id order, as a log that serialises when read (the history is then spent).
  std::shared_ptr<const HistoryLog> release();
  bool enabled() const { return enabled_; }
  /// Call `listener` with each event as it is recorded, in id order (set before the first add).
  void set_listener(std::function<void(const HistoryEvent&)> listener) { listener_ = std::move(listener); }
  /// Return the number of events recorded.
  std::int64_t size() const { return next_id_.load() - 1; }

 private:
  std::int64_t push(HistoryRecord&& record);  // requires enabled_
  Clock& clock_;
  bool enabled_;
  std::shared_ptr<const void> keep_alive_;
  std::atomic<std::int64_t> next_id_{1};
  mutable std::mutex mu_;
  std::vector<HistoryRecord> events_;
  std::function<void(const HistoryEvent&)> listener_;
};

/// Return the details key for an event type: "stateEnteredEventDetails" for any
/// "*StateEntered", "taskScheduledEventDetails" for "TaskScheduled", ...
std::string details_key(std::string_view type);

}  // namespace cosmicai::engine
