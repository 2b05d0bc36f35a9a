#include "functions/cancel.hpp"

#include <thread>

#include "functions/registry.hpp"

namespace cosmicai::functions {

namespace {
thread_local std::uint64_t tl_running_callback = 0;  // id of the callback this thread is running
}

std::string CancelToken::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

std::string CancelToken::cause() const {
  std::lock_guard lock(mu_);
  return cause_;
}

void CancelToken::throw_if_cancelled() const {
  if (!cancelled()) return;
  std::lock_guard lock(mu_);
  throw FunctionError(error_, cause_);
}

bool CancelToken::cancel(std::string error, std::string cause) {
  std::unique_lock lock(mu_);
  if (flag_.load(std::memory_order_relaxed)) return false;
  error_ = std::move(error);
  cause_ = std::move(cause);
  flag_.store(true, std::memory_order_release);
  cv_.notify_all();
  // One callback at a time, outside the lock, so a callback may use the token.
  while (!callbacks_.empty()) {
    auto it = callbacks_.begin();
    running_callback_ = it->first;
    auto fn = std::move(it->second);
    callbacks_.erase(it);
    lock.unlock();
    tl_running_callback = running_callback_;
    fn();
    tl_running_callback = 0;
    lock.lock();
    running_callback_ = 0;
    callback_done_.notify_all();
  }
  lock.unlock();
  if (hooks_.wake) hooks_.wake();
  return true;
}

std::uint64_t CancelToken::on_cancel(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (!flag_.load(std::memory_order_relaxed)) {
      const auto id = next_id_++;
      callbacks_.emplace(id, std::move(fn));
      return id;
    }
  }
  fn();
  return 0;
}

void CancelToken::remove_callback(std::uint64_t id) {
  if (id == 0) return;
  std::unique_lock lock(mu_);
  callbacks_.erase(id);
  if (tl_running_callback == id) return;  // removed from inside itself
  callback_done_.wait(lock, [&] { return running_callback_ != id; });
}

bool CancelToken::wait_impl(std::optional<duration> delay) {
  if (cancelled()) return true;
  if (hooks_.wait) {
    hooks_.wait(delay, [this] { return cancelled(); });
    return cancelled();
  }
  std::unique_lock lock(mu_);
  if (delay) {
    cv_.wait_for(lock, *delay, [this] { return cancelled(); });
  } else {
    cv_.wait(lock, [this] { return cancelled(); });
  }
  return cancelled();
}

bool CancelToken::wait_for(duration delay) { return wait_impl(delay); }

bool CancelToken::wait() { return wait_impl(std::nullopt); }

void CancelToken::heartbeat() {
  if (hooks_.heartbeat && !cancelled()) hooks_.heartbeat();
}

}  // namespace cosmicai::functions
