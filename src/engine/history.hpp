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
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
    kExitedEntered,  ///< two events: a kExited, then (id + 1) the kEntered of `entered_name` whose input is `text`
  };
  // User-provided, so that appending a record initialises its members once (value-initialising an
  // aggregate-like type first zero-fills it whole).
  HistoryRecord() {}  // NOLINT(modernize-use-equals-default)

  std::int64_t id = 0;
  std::int64_t previous_id = 0;
  Clock::time_point timestamp;
  std::string_view type;                 ///< static (see History::add)
  Kind kind = Kind::kPlain;
  const std::string* state_name = nullptr;  ///< kEntered/kExited: held by the state tree the log keeps alive
  std::string text;                      ///< kEntered/kExited: the input/output as compact JSON
  std::int64_t text_of = 0;              ///< kEntered: when not 0, `text` is that of event `text_of` instead
  json details;
  std::string_view entered_type;             ///< kExitedEntered: the second event's type (static)
  const std::string* entered_name = nullptr;  ///< kExitedEntered: the second event's state

  /// How many events the record holds (2 for kExitedEntered).
  std::int64_t events() const { return kind == Kind::kExitedEntered ? 2 : 1; }

  /// The event's details as GetExecutionHistory shows them ("<detailsKey>EventDetails"); null for
  /// none. `io_text`: the input/output text (`text`, or event `text_of`'s). For kExitedEntered,
  /// those of its first event (the StateExited).
  json details_json(const std::string& io_text) const;
  /// For kExitedEntered: its second event's details (the StateEntered).
  json entered_details_json() const;
};

/// Records in id order, in chunks of 16, 32, 64, ... records: appending never moves a record.
class HistoryRecords {
 public:
  /// The number of records.
  std::size_t size() const { return size_; }
  /// The number of events they hold.
  std::size_t event_count() const { return events_; }
  /// Count `n` more events (in the record last appended).
  void count_events(std::size_t n) { events_ += n; }
  /// The record holding event `id`, or null.
  const HistoryRecord* find(std::int64_t id) const;
  const HistoryRecord& operator[](std::size_t i) const {
    const auto [chunk, offset] = locate(i);
    return chunks_[chunk][offset];
  }
  /// Append a default record and return it.
  HistoryRecord& append();
  template <class F>
  void for_each(F&& f) const {
    for (const auto& chunk : chunks_) {
      for (const auto& r : chunk) f(r);
    }
  }

 private:
  static constexpr std::size_t kFirst = 16;
  /// Chunk k holds kFirst << k records, from index kFirst * (2^k - 1).
  static std::pair<std::size_t, std::size_t> locate(std::size_t i);
  std::vector<std::vector<HistoryRecord>> chunks_;
  std::size_t size_ = 0;
  std::size_t events_ = 0;
};

/// The events of one execution, in id order; serialised only when read. Immutable.
class HistoryLog {
 public:
  HistoryLog(HistoryRecords events, std::shared_ptr<const void> keep_alive)
      : events_(std::move(events)), keep_alive_(std::move(keep_alive)) {}
  /// Return {"events":[...]} as GetExecutionHistory prints it.
  json to_json() const;
  const HistoryRecords& events() const { return events_; }
  /// The input/output text of a kEntered/kExited record of this log (its own or the one it shares).
  const std::string& io_text(const HistoryRecord& record) const;

 private:
  HistoryRecords events_;
  std::shared_ptr<const void> keep_alive_;  ///< what the records' state names point into
};

/// A state's StateExited, serialised but not yet recorded: a run that goes straight on to its next
/// state records it together with that state's StateEntered (History::add_exit_and_enter).
struct PendingExit {
  std::string_view type;  ///< static
  const std::string* state_name = nullptr;
  std::int64_t previous_id = 0;
  Clock::time_point timestamp;
  std::string text;  ///< the output (history enabled)
  json assigned;     ///< what the state's Assign set, or null
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
  /// keep_alive (a name held by the state tree). `same_text_as`: the id of an earlier state event of
  /// this history whose input/output was this same value (a StateExited whose output became the next
  /// state's input), whose text is then shared instead of serialising `value` again; 0 for none.
  /// `timestamp`: when the event happened, if the caller has read the clock already (else now).
  std::int64_t add_state(std::string_view type, std::int64_t previous_id, bool entered, const std::string& state_name,
                         const json& value, json assigned = nullptr, std::int64_t same_text_as = 0,
                         std::optional<Clock::time_point> timestamp = std::nullopt);
  /// Fill `exit` with a StateExited of `state_name` with `output` after `previous_id`, timed and
  /// serialised now (enabled), to be recorded by add_exit or add_exit_and_enter.
  void prepare_exit(PendingExit& exit, std::string_view type, std::int64_t previous_id, const std::string& state_name,
                    const json& output, json assigned) const;
  /// Record a prepared StateExited; returns its id.
  std::int64_t add_exit(PendingExit&& exit);
  /// Record a prepared StateExited and then the StateEntered of the state its output goes to (its
  /// input is that output: the text is shared; at the same time), as consecutive events.
  /// Returns {the StateExited's id, the StateEntered's id}.
  std::pair<std::int64_t, std::int64_t> add_exit_and_enter(PendingExit&& exit, std::string_view entered_type,
                                                           const std::string& entered_name);
  /// The clock events are timed by.
  Clock& clock() const { return clock_; }

  /// The events so far, in id order, as a log that serialises when read (the history is then spent:
  /// later events are not kept).
  std::shared_ptr<const HistoryLog> release();
  bool enabled() const { return enabled_; }
  /// Call `listener` with each event as it is recorded, in id order (set before the first add).
  void set_listener(std::function<void(const HistoryEvent&)> listener) { listener_ = std::move(listener); }
  /// Return the number of events recorded.
  std::int64_t size() const { return next_id_.load() - 1; }

 private:
  /// Append a record (under mu_), give it the next id, fill it with `fill` and tell the listener.
  template <class Fill>
  std::int64_t push(Fill&& fill);
  Clock& clock_;
  bool enabled_;
  std::shared_ptr<const void> keep_alive_;
  std::atomic<std::int64_t> next_id_{1};
  mutable std::mutex mu_;
  HistoryRecords events_;  ///< enabled: every id handed out, in order (ids are only handed out under mu_)
  bool released_ = false;
  HistoryRecord scratch_[2];  ///< after release(): where events are built for the listener, not kept
  std::function<void(const HistoryEvent&)> listener_;
};

/// Return the details key for an event type: "stateEnteredEventDetails" for any
/// "*StateEntered", "taskScheduledEventDetails" for "TaskScheduled", ...
std::string details_key(std::string_view type);

}  // namespace cosmicai::engine
