#include "engine/scheduler.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

namespace cosmicai::engine {

Scheduler::Scheduler(std::size_t workers, Clock& clock) : clock_(clock) {
  if (workers == 0) workers = 1;
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  timer_thread_ = std::thread([this] { timer_loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  timer_cv_.notify_all();
  for (auto& t : threads_) t.join();
  timer_thread_.join();
}

void Scheduler::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void Scheduler::post_after(Clock::duration delay, std::function<void()> task) {
  const auto real = clock_.real_delay(delay);
  if (real <= Clock::duration::zero()) {
    {
      std::lock_guard lock(mu_);
      sleepers_.push(Sleeper{clock_.now() + delay, timer_seq_++, std::move(task)});
      release_sleepers_if_idle();
    }
    cv_.notify_all();
    timer_cv_.notify_one();  // the timer thread also wakes sleepers whose time comes while workers are busy
    return;
  }
  add_timer(std::chrono::duration_cast<std::chrono::steady_clock::duration>(real), std::move(task));
}

void Scheduler::post_deadline(Clock::duration delay, std::function<void()> task) {
  auto real = clock_.scale() > 0 ? clock_.real_delay(delay) : delay;
  add_timer(std::chrono::duration_cast<std::chrono::steady_clock::duration>(real), std::move(task));
}

void Scheduler::add_timer(std::chrono::steady_clock::duration real, std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    timers_.push(Timer{std::chrono::steady_clock::now() + real, timer_seq_++, std::move(task)});
  }
  timer_cv_.notify_one();
}

void Scheduler::release_sleepers_if_idle() {
  if (busy_ != 0 || !queue_.empty() || sleepers_.empty()) return;
  // Nothing can run before the earliest sleeper wakes: jump logical time to it and
  // wake every sleeper that is due by then.
  const auto due = sleepers_.top().due;
  const auto now = clock_.now();
  if (due > now) clock_.advance(due - now);
  while (!sleepers_.empty() && sleepers_.top().due <= due) {
    queue_.push_back(std::move(const_cast<Sleeper&>(sleepers_.top()).task));
    sleepers_.pop();
  }
}

void Scheduler::worker_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    auto task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      // State runners turn every error into a failure; reaching this is a bug, not a crash.
      std::fprintf(stderr, "cosmicai: internal error in a worker task: %s\n", e.what());
    }
    task = nullptr;
    lock.lock();
    --busy_;
    const bool had = !queue_.empty();
    release_sleepers_if_idle();
    if (!had && !queue_.empty()) cv_.notify_all();
  }
}

void Scheduler::timer_loop() {
  using steady = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto wake = steady::time_point::max();
    if (!timers_.empty()) wake = timers_.top().due;
    if (!sleepers_.empty()) {
      // With time scale 0 logical time still runs with real time between jumps: a sleeper whose
      // wake-up time the clock has reached is due even while workers are busy (a long task must
      // not hold back another execution's Wait or back-off).
      const auto now = clock_.now();
      if (sleepers_.top().due <= now) {
        while (!sleepers_.empty() && sleepers_.top().due <= now) {
          queue_.push_back(std::move(const_cast<Sleeper&>(sleepers_.top()).task));
          sleepers_.pop();
        }
        cv_.notify_all();
        continue;
      }
      const auto left = std::chrono::duration_cast<steady::duration>(sleepers_.top().due - now);
      wake = std::min(wake, steady::now() + left);
    }
    if (wake == steady::time_point::max()) {
      timer_cv_.wait(lock);
      continue;
    }
    if (steady::now() < wake) {
      timer_cv_.wait_until(lock, wake);
      continue;
    }
    if (timers_.empty() || timers_.top().due > steady::now()) continue;  // a sleeper's turn: handled above
    auto task = std::move(const_cast<Timer&>(timers_.top()).task);
    timers_.pop();
    queue_.push_back(std::move(task));
    cv_.notify_one();
  }
}

}  // namespace cosmicai::engine
