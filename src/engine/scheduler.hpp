#pragma once
/// Worker pool plus timer queue: the only threads of the engine.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "common/clock.hpp"

namespace cosmicai::engine {

/// Runs tasks on a fixed pool of workers and fires delayed tasks from one timer
/// thread. Waiting (Wait states, retry back-off, timeouts) costs no worker: a
/// delayed task is only posted to the pool when its time comes. All members are
/// thread-safe. The destructor drops pending timers and joins the threads after
/// the queued tasks have run.
class Scheduler {
 public:
  /// Start `workers` (at least 1) worker threads and the timer thread.
  Scheduler(std::size_t workers, Clock& clock);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Queue `task` to run on a worker.
  void post(std::function<void()> task);

  /// Run `task` after a logical sleep of `delay` (Wait, back-off). With time scale 0
  /// time is simulated: sleepers wait in logical-time order until no worker is busy and
  /// no task is queued, then the clock jumps to the earliest wake-up time. Sleeps that
  /// overlap therefore advance logical time once (two parallel 10 s waits take 10 s).
  /// Between jumps logical time runs with real time, so a sleeper also wakes when the
  /// clock reaches its time while workers are busy.
  void post_after(Clock::duration delay, std::function<void()> task);

  /// Run `task` once `delay` of logical time has elapsed while work goes on
  /// (timeouts). Unlike post_after it never skips ahead: with time scale 0 it
  /// fires after `delay` of real time.
  void post_deadline(Clock::duration delay, std::function<void()> task);

  /// Return the number of workers.
  std::size_t workers() const { return threads_.size(); }
  Clock& clock() { return clock_; }

 private:
  struct Timer {
    std::chrono::steady_clock::time_point due;
    std::uint64_t seq;
    std::function<void()> task;
    bool operator>(const Timer& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  void worker_loop();
  void timer_loop();
  void add_timer(std::chrono::steady_clock::duration real, std::function<void()> task);
  void release_sleepers_if_idle();  // requires mu_

  struct Sleeper {
    Clock::time_point due;
    std::uint64_t seq;
    std::function<void()> task;
    bool operator>(const Sleeper& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  std::priority_queue<Sleeper, std::vector<Sleeper>, std::greater<>> sleepers_;  // time scale 0 only
  std::size_t busy_ = 0;

  Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::condition_variable timer_cv_;
  std::uint64_t timer_seq_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
  std::thread timer_thread_;
};

}  // namespace cosmicai::engine
