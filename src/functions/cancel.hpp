#pragma once
/// Cancellation of a running handler: the engine cancels, the handler checks (or waits on) the token.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace cosmicai::functions {

/// Tells a handler to stop. The engine cancels it when the Task's TimeoutSeconds or
/// HeartbeatSeconds expire, when the execution ends (its own TimeoutSeconds, a failure) or
/// when a sibling Parallel branch / Map iteration failed. A built-in handler checks
/// `cancelled()` between units of work (batches) and returns soon after; whatever it
/// returns or throws after cancellation is ignored by the engine, which has already failed
/// the state. A process handler is stopped by signals (see make_process_handler).
///
/// Waiting (`wait_for`, `wait`) goes through the engine: time is the engine's logical
/// clock, and with time scale 0 a waiting handler counts as idle, so the clock can skip
/// ahead to the next timer (a Task timeout of 2 s ends a handler that waits 30 s at
/// once). A token made outside an engine waits in real time. All members are thread-safe.
class CancelToken {
 public:
  using duration = std::chrono::nanoseconds;

  /// How the engine serves waits and heartbeats (set once, before the handler runs).
  struct Hooks {
    /// Block until `stop()` holds or `delay` (nullopt: no limit) of logical time has passed.
    std::function<void(std::optional<duration> delay, const std::function<bool()>& stop)> wait;
    /// Wake every waiter of `wait` so it re-checks `stop()`.
    std::function<void()> wake;
    /// The handler is alive: restart the HeartbeatSeconds timer.
    std::function<void()> heartbeat;
  };

  CancelToken() = default;
  explicit CancelToken(Hooks hooks) : hooks_(std::move(hooks)) {}
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  /// Return true once cancelled.
  bool cancelled() const noexcept { return flag_.load(std::memory_order_acquire); }
  /// The flag itself, for code that cannot see this header's callers (model::ModelRunner::predict).
  const std::atomic<bool>& flag() const noexcept { return flag_; }
  /// Return the ASL error name of the cancellation ("States.Timeout", …), empty until cancelled.
  std::string error() const;
  /// Return why it was cancelled, empty until cancelled.
  std::string cause() const;
  /// Throw FunctionError(error(), cause()) if cancelled.
  void throw_if_cancelled() const;

  /// Cancel with `error` and `cause`. The first call wins and runs the callbacks on the
  /// calling thread; returns false if the token was already cancelled.
  bool cancel(std::string error, std::string cause);

  /// Run `fn` once when the token is cancelled (at once, on this thread, if it already is).
  /// Returns an id for remove_callback. `fn` must be quick and must not throw.
  std::uint64_t on_cancel(std::function<void()> fn);
  /// Drop a callback; after it returns the callback is not running and will not run.
  void remove_callback(std::uint64_t id);

  /// Block until cancelled or `delay` of the engine's logical time has passed. Returns cancelled().
  bool wait_for(duration delay);
  /// Block until cancelled. Returns cancelled() (false only when the engine shuts down meanwhile).
  bool wait();

  /// Tell the engine the handler is alive: restarts the state's HeartbeatSeconds timer
  /// (does nothing for a state without one).
  void heartbeat();

 private:
  bool wait_impl(std::optional<duration> delay);

  std::atomic<bool> flag_{false};
  Hooks hooks_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // real-time waits of a token without hooks
  std::string error_, cause_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::function<void()>> callbacks_;
  std::uint64_t running_callback_ = 0;  // id of the callback cancel() is running, 0 if none
  std::condition_variable callback_done_;
};

/// An RAII registration of a CancelToken callback.
class CancelCallback {
 public:
  CancelCallback(CancelToken& token, std::function<void()> fn) : token_(&token), id_(token.on_cancel(std::move(fn))) {}
  ~CancelCallback() { token_->remove_callback(id_); }
  CancelCallback(const CancelCallback&) = delete;
  CancelCallback& operator=(const CancelCallback&) = delete;

 private:
  CancelToken* token_;
  std::uint64_t id_;
};

}  // namespace cosmicai::functions
