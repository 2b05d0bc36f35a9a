#include "engine/observer.hpp"

#include "engine/runtime.hpp"

namespace cosmicai::engine {

bool ExecutionControl::abort(std::optional<std::string> error, std::optional<std::string> cause) {
  std::shared_ptr<Execution> exec;
  {
    std::lock_guard lock(mu_);
    if (!attached_) {
      if (abort_requested_) return false;
      abort_requested_ = true;
      error_ = std::move(error);
      cause_ = std::move(cause);
      return true;
    }
    exec = exec_.lock();
  }
  if (!exec) return false;
  ExecutionResult r;
  r.status = "ABORTED";
  r.error = std::move(error);
  r.cause = std::move(cause);
  return exec->finish(std::move(r));
}

void ExecutionControl::attach(const std::shared_ptr<Execution>& exec) {
  bool abort_now = false;
  {
    std::lock_guard lock(mu_);
    exec_ = exec;
    attached_ = true;
    abort_now = abort_requested_;
  }
  if (abort_now) {
    ExecutionResult r;
    r.status = "ABORTED";
    r.error = error_;
    r.cause = cause_;
    exec->finish(std::move(r));
  }
}

}  // namespace cosmicai::engine
