#pragma once
/// Worker pool plus timer queue: the only threads of the engine.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <thread>
#include <vector>

#include "common/clock.hpp"

namespace cosmicai::engine {

/// Runs tasks on a fixed pool of workers and fires delayed tasks from one timer
/// thread. Waiting (Wait states, retry back-off, timeouts) costs no worker: a
/// delayed task is only posted to the pool when its time comes. All members are
/// thread-safe. The destructor drops pending timers and joins the threads after
/// the queued tasks have run.
///
/// Every kind of work item takes an `ErrorHandler`: an exception escaping the item is
/// handed to it (on the same thread), so the owner can fail its execution instead of
/// losing the completion. Without one the exception is reported on stderr.
///
/// Time scale 0 (simulated time): logical time jumps ahead only when no worker is busy,
/// no task is queued (or every worker is parked, so none can run it) and no deadline
/// callback is running, and something is waiting on the clock (a post_after sleeper or a
/// parked thread). It then jumps to the earliest of
/// the sleepers' wake-up times, the parked threads' wake-up times and the deadlines.
class Scheduler {
 public:
  using ErrorHandler = std::function<void(std::exception_ptr)>;

  /// Start `workers` (at least 1) worker threads and the timer thread.
  Scheduler(std::size_t workers, Clock& clock);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Queue `task` to run on a worker.
  void post(std::function<void()> task, ErrorHandler on_error = {});

  /// Run `task` on the calling thread (not a worker), counted as busy work like a worker's task
  /// (time scale 0: the clock does not jump while it runs). `task` must not park.
  void run_here(const std::function<void()>& task, ErrorHandler on_error = {});

  /// Run `task` on a worker after a logical sleep of `delay` (Wait, back-off). With time
  /// scale 0 time is simulated: sleepers wait in logical-time order until the engine is
  /// idle (see above), then the clock jumps to the earliest wake-up time. Sleeps that
  /// overlap therefore advance logical time once (two parallel 10 s waits take 10 s).
  /// Between jumps logical time runs with real time, so a sleeper also wakes when the
  /// clock reaches its time while workers are busy.
  void post_after(Clock::duration delay, std::function<void()> task, ErrorHandler on_error = {});

  /// Run `task` on the timer thread once logical time reaches now + `delay` (timeouts,
  /// heartbeats), whether time passes in real time or jumps (time scale 0). Unlike
  /// post_after, a deadline does not by itself make time jump: it fires early only when
  /// the clock skips past it for a sleeper or a parked thread. `task` must be short (it
  /// holds up other deadlines); it counts as busy work while it runs. Returns an id for
  /// cancel_deadline.
  std::uint64_t post_deadline(Clock::duration delay, std::function<void()> task, ErrorHandler on_error = {});
  /// Drop a deadline that has not fired. Returns false if it fired, is firing or is unknown.
  bool cancel_deadline(std::uint64_t id);

  /// Block the calling thread until `stop()` holds (re-checked on wake_parked) or `delay`
  /// (nullopt: no limit) of logical time has passed. A worker that parks counts as idle
  /// meanwhile, so with time scale 0 the clock can jump to the next deadline or sleeper.
  /// `stop` must be cheap and must not block.
  void park(std::optional<Clock::duration> delay, const std::function<bool()>& stop);
  /// Wake every parked thread so it re-checks its `stop`.
  void wake_parked();

  /// Return the number of workers.
  std::size_t workers() const { return threads_.size(); }
  Clock& clock() { return clock_; }

 private:
  struct Work {
    std::function<void()> task;
    ErrorHandler on_error;
  };
  struct Timer {
    std::chrono::steady_clock::time_point due;
    std::uint64_t seq;
    Work work;
    bool operator>(const Timer& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  struct Sleeper {
    Clock::time_point due;
    std::uint64_t seq;
    Work work;
    bool operator>(const Sleeper& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  void worker_loop();
  void timer_loop();
  static void run_work(Work& work, const char* where);
  /// Run `work` with `lock` (on mu_) released, counted as busy meanwhile; then wake sleepers if the
  /// scheduler went idle and waiting workers if the work queued more.
  void run_busy(std::unique_lock<std::mutex>& lock, Work& work, const char* where);
  static void run_guarded(const std::function<void()>& task, const ErrorHandler& on_error, const char* where);
  void release_sleepers_if_idle();  // requires mu_
  std::chrono::steady_clock::duration real_until(Clock::time_point due) const;

  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Work> queue_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;  // real-time post_after
  std::priority_queue<Sleeper, std::vector<Sleeper>, std::greater<>> sleepers_;  // time scale 0 only
  std::map<std::uint64_t, std::pair<Clock::time_point, Work>> deadlines_;   // by id
  std::set<std::pair<Clock::time_point, std::uint64_t>> deadline_order_;  // (due, id)
  std::multiset<Clock::time_point> parked_due_;  // wake-up times of parked threads that have one
  std::size_t parked_ = 0;
  std::size_t parked_workers_ = 0;  // parked threads that are workers of this scheduler
  std::size_t busy_ = 0;  // workers running a task + deadline callbacks running
  std::condition_variable timer_cv_;
  std::condition_variable park_cv_;
  std::uint64_t timer_seq_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
  std::thread timer_thread_;
};

}  // namespace cosmicai::engine
