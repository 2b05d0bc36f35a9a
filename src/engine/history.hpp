#pragma once
/// Execution history in the shape of AWS GetExecutionHistory.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "engine/observer.hpp"

namespace cosmicai::engine {

/// Append-only event log of one execution. Ids are 1, 2, 3... in recording order.
/// When disabled only ids are handed out (no details kept), so recording is free.
/// Thread-safe.
class History {
 public:
  History(Clock& clock, bool enabled) : clock_(clock), enabled_(enabled) {}

  /// Record an event of `type` (e.g. "TaskStateEntered") after `previous_id`
  /// (0 for none) and return its id. `details` becomes "<detailsKey>EventDetails".
  /// `type` must stay valid as long as the history (a literal or other static string).
  std::int64_t add(std::string_view type, std::int64_t previous_id, json details = nullptr);

  /// Return {"events":[...]} as GetExecutionHistory prints it.
  json to_json() const;
  /// Like to_json, moving the events' details out (the history is then spent): the execution's end.
  json release_json();
  bool enabled() const { return enabled_; }
  /// Call `listener` with each event as it is recorded, in id order (set before the first add).
  void set_listener(std::function<void(const HistoryEvent&)> listener) { listener_ = std::move(listener); }
  /// Return the number of events recorded.
  std::int64_t size() const { return next_id_.load() - 1; }

 private:
  struct Event {
    std::int64_t id;
    std::int64_t previous_id;
    Clock::time_point timestamp;
    std::string_view type;  ///< static (see add)
    json details;
  };
  Clock& clock_;
  bool enabled_;
  std::atomic<std::int64_t> next_id_{1};
  mutable std::mutex mu_;
  std::vector<Event> events_;
  std::function<void(const HistoryEvent&)> listener_;
};

/// Return the details key for an event type: "stateEnteredEventDetails" for any
/// "*StateEntered", "taskScheduledEventDetails" for "TaskScheduled", ...
std::string details_key(std::string_view type);

}  // namespace cosmicai::engine
