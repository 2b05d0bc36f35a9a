#include "engine/scheduler.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

namespace cosmicai::engine {

namespace {

thread_local const Scheduler* tl_worker_of = nullptr;  // the scheduler whose worker this thread is

std::string describe(const std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

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
  park_cv_.notify_all();
  for (auto& t : threads_) t.join();
  timer_thread_.join();
}

void Scheduler::run_work(Work& work, const char* where) { run_guarded(work.task, work.on_error, where); }

void Scheduler::run_guarded(const std::function<void()>& task, const ErrorHandler& on_error, const char* where) {
  try {
    task();
  } catch (...) {
    const auto ep = std::current_exception();
    if (on_error) {
      try {
        on_error(ep);
        return;
      } catch (...) {
        std::fprintf(stderr, "cosmicai: internal error: the error handler of a %s failed: %s\n", where,
                     describe(std::current_exception()).c_str());
      }
    }
    std::fprintf(stderr, "cosmicai: internal error in a %s: %s\n", where, describe(ep).c_str());
  }
}

void Scheduler::post(std::function<void()> task, ErrorHandler on_error) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Work{std::move(task), std::move(on_error)});
  }
  cv_.notify_one();
}

void Scheduler::run_here(const std::function<void()>& task, ErrorHandler on_error) {
  {
    std::lock_guard lock(mu_);
    ++busy_;
  }
  run_guarded(task, on_error, "task run in place");
  {
    std::lock_guard lock(mu_);
    --busy_;
    const bool had = !queue_.empty();
    release_sleepers_if_idle();
    if (!had && !queue_.empty()) cv_.notify_all();
  }
}

void Scheduler::post_after(Clock::duration delay, std::function<void()> task, ErrorHandler on_error) {
  const auto real = clock_.real_delay(delay);
  if (real <= Clock::duration::zero()) {
    {
      std::lock_guard lock(mu_);
      sleepers_.push(Sleeper{clock_.now() + delay, timer_seq_++, Work{std::move(task), std::move(on_error)}});
      release_sleepers_if_idle();
    }
    cv_.notify_all();
    timer_cv_.notify_one();  // the timer thread also wakes sleepers whose time comes while workers are busy
    return;
  }
  {
    std::lock_guard lock(mu_);
    timers_.push(Timer{std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(real),
                       timer_seq_++, Work{std::move(task), std::move(on_error)}});
  }
  timer_cv_.notify_one();
}

std::uint64_t Scheduler::post_deadline(Clock::duration delay, std::function<void()> task, ErrorHandler on_error) {
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = ++timer_seq_;
    const auto due = clock_.now() + delay;
    deadlines_.emplace(id, std::make_pair(due, Work{std::move(task), std::move(on_error)}));
    deadline_order_.emplace(due, id);
  }
  timer_cv_.notify_one();
  return id;
}

bool Scheduler::cancel_deadline(std::uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = deadlines_.find(id);
  if (it == deadlines_.end()) return false;
  deadline_order_.erase({it->second.first, id});
  deadlines_.erase(it);
  return true;
}

void Scheduler::park(std::optional<Clock::duration> delay, const std::function<bool()>& stop) {
  std::unique_lock lock(mu_);
  const bool has_due = delay.has_value();
  const Clock::time_point due = has_due ? clock_.now() + *delay : Clock::time_point{};
  auto ready = [&] { return stop_ || stop() || (has_due && clock_.now() >= due); };
  if (ready()) return;
  const bool worker = tl_worker_of == this;
  ++parked_;
  const auto due_it = has_due ? parked_due_.insert(due) : parked_due_.end();
  if (worker) {
    --busy_;
    ++parked_workers_;
    const bool had = !queue_.empty();
    release_sleepers_if_idle();
    if (!had && !queue_.empty()) cv_.notify_all();
  }
  while (!ready()) {
    if (has_due) {
      // At time scale 0 logical time also passes with real time, so this wakes in time even
      // when the clock does not jump; a jump notifies park_cv_.
      park_cv_.wait_for(lock, real_until(due));
    } else {
      park_cv_.wait(lock);
    }
  }
  --parked_;
  if (has_due) parked_due_.erase(due_it);
  if (worker) {
    ++busy_;
    --parked_workers_;
  }
}

void Scheduler::wake_parked() {
  { std::lock_guard lock(mu_); }  // a parker between its check and its wait holds mu_
  park_cv_.notify_all();
}

std::chrono::steady_clock::duration Scheduler::real_until(Clock::time_point due) const {
  const auto left = due - clock_.now();
  if (left <= Clock::duration::zero()) return std::chrono::steady_clock::duration::zero();
  // Logical time runs at 1/scale of real time; at scale 0 it runs with real time between jumps.
  const auto real = clock_.scale() > 0 ? clock_.real_delay(left) : left;
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(real) + std::chrono::microseconds(1);
}

void Scheduler::release_sleepers_if_idle() {
  if (clock_.scale() > 0) return;
  // Queued work waits for a worker unless every worker is parked: then only time can free one.
  if (busy_ != 0 || (!queue_.empty() && parked_workers_ < threads_.size())) return;
  if (sleepers_.empty() && parked_ == 0) return;
  // Nothing can run before the earliest wake-up: jump logical time to it and wake
  // everything that is due by then.
  std::optional<Clock::time_point> due;
  auto consider = [&](Clock::time_point t) {
    if (!due || t < *due) due = t;
  };
  if (!sleepers_.empty()) consider(sleepers_.top().due);
  if (!parked_due_.empty()) consider(*parked_due_.begin());
  if (!deadline_order_.empty()) consider(deadline_order_.begin()->first);
  if (!due) return;  // parked threads wait without a limit and nothing else is pending
  const auto now = clock_.now();
  if (*due > now) clock_.advance(*due - now);
  while (!sleepers_.empty() && sleepers_.top().due <= *due) {
    queue_.push_back(std::move(const_cast<Sleeper&>(sleepers_.top()).work));
    sleepers_.pop();
  }
  park_cv_.notify_all();
  timer_cv_.notify_all();
}

void Scheduler::worker_loop() {
  tl_worker_of = this;
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    auto work = std::move(queue_.front());
    queue_.pop_front();
    run_busy(lock, work, "worker task");
  }
}

void Scheduler::run_busy(std::unique_lock<std::mutex>& lock, Work& work, const char* where) {
  ++busy_;  // the clock must not jump past what this work starts
  lock.unlock();
  run_work(work, where);
  work = Work{};
  lock.lock();
  --busy_;
  const bool had = !queue_.empty();
  release_sleepers_if_idle();
  if (!had && !queue_.empty()) cv_.notify_all();
}

void Scheduler::timer_loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    const auto now_real = std::chrono::steady_clock::now();
    if (!timers_.empty() && timers_.top().due <= now_real) {
      queue_.push_back(std::move(const_cast<Timer&>(timers_.top()).work));
      timers_.pop();
      cv_.notify_one();
      continue;
    }
    if (!deadline_order_.empty() && deadline_order_.begin()->first <= clock_.now()) {
      const auto id = deadline_order_.begin()->second;
      deadline_order_.erase(deadline_order_.begin());
      auto node = deadlines_.extract(id);
      Work work = std::move(node.mapped().second);
      run_busy(lock, work, "deadline task");
      continue;
    }
    if (!sleepers_.empty() && sleepers_.top().due <= clock_.now()) {
      // With time scale 0 logical time still runs with real time between jumps: a sleeper whose
      // wake-up time the clock has reached is due even while workers are busy (a long task must
      // not hold back another execution's Wait or back-off).
      const auto now = clock_.now();
      while (!sleepers_.empty() && sleepers_.top().due <= now) {
        queue_.push_back(std::move(const_cast<Sleeper&>(sleepers_.top()).work));
        sleepers_.pop();
      }
      cv_.notify_all();
      continue;
    }
    std::optional<std::chrono::steady_clock::time_point> wake;
    auto consider = [&](std::chrono::steady_clock::time_point t) {
      if (!wake || t < *wake) wake = t;
    };
    if (!timers_.empty()) consider(timers_.top().due);
    if (!deadline_order_.empty()) consider(now_real + real_until(deadline_order_.begin()->first));
    if (!sleepers_.empty()) consider(now_real + real_until(sleepers_.top().due));
    if (wake) {
      timer_cv_.wait_until(lock, *wake);
    } else {
      timer_cv_.wait(lock);
    }
  }
}

}  // namespace cosmicai::engine
