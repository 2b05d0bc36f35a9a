#include "engine/engine.hpp"

#include <fmt/format.h>

#include "engine/runtime.hpp"
#include "engine/scheduler.hpp"

namespace cosmicai::engine {

// === ExecutionResult ===

json ExecutionResult::to_json() const {
  json j = json::object();
  j["status"] = status;
  if (status == "SUCCEEDED") {
    j["output"] = output;
  } else {
    j["error"] = error ? json(*error) : json(nullptr);
    j["cause"] = cause ? json(*cause) : json(nullptr);
  }
  return j;
}

// === ExecutionHistory ===

std::size_t ExecutionHistory::size() const { return log_ ? log_->events().event_count() : 0; }

json ExecutionHistory::to_json() const { return log_ ? log_->to_json() : json(nullptr); }

// === Execution ===

bool Execution::finish(ExecutionResult result) {
  std::string stop_error, stop_cause;
  {
    std::lock_guard lock(mu_);
    if (done_) return false;
    if (result.status == "TIMED_OUT") {
      stop_error = std::string(asl::errors::kTimeout);
      stop_cause = result.cause.value_or("The execution timed out");
    } else {
      stop_error = "ExecutionEnded";
      stop_cause = "the execution ended (" + result.status + ") while the function was running";
    }
    done_ = true;
    cancelled->store(true);
    if (history.enabled()) {
      // The last event of the execution follows the latest one recorded.
      const auto prev = history.size();
      if (result.status == "SUCCEEDED") {
        history.add("ExecutionSucceeded", prev,
                    json{{"output", dump_compact(result.output)}, {"outputDetails", {{"truncated", false}}}});
      } else {
        json d = json::object();
        if (result.error) d["error"] = *result.error;
        if (result.cause) d["cause"] = *result.cause;
        history.add(result.status == "TIMED_OUT" ? "ExecutionTimedOut"
                    : result.status == "ABORTED" ? "ExecutionAborted"
                                                 : "ExecutionFailed",
                    prev, std::move(d));
      }
    }
    result_ = std::move(result);
  }
  // Stop every handler still running: nothing can use their results any more.
  cancel_running(true, stop_error, stop_cause);
  cv_.notify_all();
  return true;
}

void Execution::fail_internal(const std::exception_ptr& error, std::string_view where) {
  std::string what;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception that is not a std::exception";
  }
  ExecutionResult r;
  r.status = "FAILED";
  r.error = std::string(asl::errors::kRuntime);
  r.cause = "internal error in " + std::string(where) + ": " + what;
  finish(std::move(r));
}

namespace {
Scheduler::ErrorHandler fail_execution_on_error(const std::shared_ptr<Execution>& exec, const char* where) {
  return [weak = std::weak_ptr<Execution>(exec), where](std::exception_ptr ep) {
    if (auto e = weak.lock()) e->fail_internal(ep, where);
  };
}
}  // namespace

void Execution::post(std::function<void()> task) {
  scheduler.post(std::move(task), fail_execution_on_error(shared_from_this(), "a state of the execution"));
}

void Execution::post_after(Clock::duration delay, std::function<void()> task) {
  scheduler.post_after(delay, std::move(task), fail_execution_on_error(shared_from_this(), "a delayed state step"));
}

void Execution::run_here(const std::function<void()>& task) {
  scheduler.run_here(task, fail_execution_on_error(shared_from_this(), "a state of the execution"));
}

std::uint64_t Execution::post_deadline(Clock::duration delay, std::function<void()> task) {
  return scheduler.post_deadline(delay, std::move(task), fail_execution_on_error(shared_from_this(), "a timeout"));
}

std::uint64_t Execution::add_running(std::shared_ptr<functions::CancelToken> token, std::weak_ptr<MachineRun> run) {
  std::uint64_t id;
  {
    std::lock_guard lock(running_mu_);
    id = ++running_seq_;
    running_.emplace(id, Running{token, std::move(run)});
  }
  // An execution that ended (or a run cancelled) before the handler was noted still stops it.
  bool ended;
  {
    std::lock_guard lock(mu_);
    ended = done_;
  }
  if (ended) token->cancel("ExecutionEnded", "the execution ended before the function started");
  return id;
}

void Execution::remove_running(std::uint64_t id) {
  std::lock_guard lock(running_mu_);
  running_.erase(id);
}

void Execution::cancel_stopped_handlers() {
  cancel_running(false, "Cancelled", "a sibling branch or iteration failed, so this one was stopped");
}

void Execution::cancel_running(bool all, const std::string& error, const std::string& cause) {
  std::vector<std::shared_ptr<functions::CancelToken>> stop;
  {
    std::lock_guard lock(running_mu_);
    for (const auto& [id, r] : running_) {
      if (all) {
        stop.push_back(r.token);
      } else if (auto run = r.run.lock(); run && run->cancelled()) {
        stop.push_back(r.token);
      }
    }
  }
  for (auto& t : stop) t->cancel(error, cause);
}

void Execution::note_child_failure(std::string note) {
  std::lock_guard lock(mu_);
  child_failures_.push_back(std::move(note));
}

std::vector<std::string> Execution::child_failures() {
  std::lock_guard lock(mu_);
  return child_failures_;
}

ExecutionResult Execution::wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return done_; });
  return result_;
}

namespace {
/// A seed for an execution's generator: drawn from one process-wide generator that a
/// std::random_device seeded once.
std::uint64_t fresh_seed() {
  static std::mutex mu;
  static std::mt19937_64 seeder{std::random_device{}()};
  std::lock_guard lock(mu);
  return seeder();
}
}  // namespace

std::mt19937_64& Execution::rng() {
  if (!rng_) rng_.emplace(fresh_seed());
  return *rng_;
}

double Execution::random_unit() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng());
}

std::string Execution::uuid() {
  std::uint64_t a, b;
  {
    std::lock_guard lock(mu_);
    a = rng()();
    b = rng()();
  }
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: a's 16 hex digits, then b's, lower case.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](std::uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out[static_cast<std::size_t>(pos + i)] = kHex[(v >> (4 * (digits - 1 - i))) & 0xf];
    pos += digits + 1;  // and the dash after it
  };
  put(a >> 32, 8);
  put((a >> 16) & 0xffff, 4);
  put(a & 0xffff, 4);
  put(b >> 48, 4);
  put(b & 0xffffffffffffULL, 12);
  return out;
}

// === Engine ===

Engine::Engine(std::shared_ptr<const functions::Registry> registry, EngineOptions options)
    : options_(options),
      clock_(options.time_scale),
      registry_(std::move(registry)),
      scheduler_(std::make_unique<Scheduler>(options.workers, clock_)) {}

Engine::~Engine() = default;

ExecutionResult Engine::run(std::shared_ptr<const asl::StateMachine> machine, const json& input,
                            const ExecutionOptions& options) {
  auto exec = std::make_shared<Execution>(*scheduler_, *registry_, options.record_history, machine);
  exec->stores = options_.stores.get();
  exec->observer = options.observer;
  if (options.observer && options.record_history) {
    exec->history.set_listener([obs = options.observer](const HistoryEvent& e) { obs->event(e); });
  }
  const std::string region_account = "us-east-1:123456789012";
  exec->execution_arn =
      !options.execution_arn.empty()
          ? options.execution_arn
          : "arn:aws:states:" + region_account + ":execution:" + options.state_machine_name + ":" + options.name;
  const auto start = clock_.now();
  // $$ (and its copy of the input) only for a machine with a state that reads it.
  if (machine->uses_context()) {
    exec->execution_context = json{{"Id", exec->execution_arn},
                                   {"Input", input},
                                   {"StartTime", format_iso8601(start)},
                                   {"Name", options.name},
                                   {"RoleArn", options.role_arn},
                                   {"RedriveCount", options.redrive_count}};
    exec->state_machine_context =
        json{{"Id", !options.state_machine_arn.empty()
                        ? options.state_machine_arn
                        : "arn:aws:states:" + region_account + ":stateMachine:" + options.state_machine_name},
             {"Name", options.state_machine_name}};
  }
  if (machine->timeout_seconds()) exec->deadline = start + std::chrono::seconds(*machine->timeout_seconds());

  const auto started_id =
      exec->history.enabled()
          ? exec->history.add("ExecutionStarted", 0,
                              json{{"input", dump_compact(input)},
                                   {"inputDetails", {{"truncated", false}}},
                                   {"roleArn", options.role_arn}})
          : exec->history.add("ExecutionStarted", 0);

  std::optional<std::uint64_t> timeout_id;
  if (over_payload_limit(input)) {
    ExecutionResult r;
    r.status = "FAILED";
    r.error = std::string(asl::errors::kDataLimitExceeded);
    r.cause = "The execution input has a size exceeding the maximum number of bytes service limit (" +
              std::to_string(kPayloadLimitBytes) + " bytes).";
    exec->finish(std::move(r));
  } else {
    auto run = std::make_shared<MachineRun>(exec, *machine, input, started_id, std::vector<CancelFlag>{exec->cancelled},
                                            [exec](RunOutcome o) {
                                              ExecutionResult r;
                                              if (o.ok) {
                                                r.status = "SUCCEEDED";
                                                r.output = std::move(o.output);
                                              } else {
                                                r.status = "FAILED";
                                                r.error = std::move(o.failure.error);
                                                r.cause = std::move(o.failure.cause);
                                              }
                                              exec->finish(std::move(r));
                                            });
    if (machine->timeout_seconds()) {
      std::weak_ptr<Execution> weak = exec;
      timeout_id = exec->post_deadline(std::chrono::seconds(*machine->timeout_seconds()), [weak] {
        if (auto e = weak.lock()) {
          ExecutionResult r;
          r.status = "TIMED_OUT";
          r.error = std::string(asl::errors::kTimeout);
          r.cause = "The execution timed out (TimeoutSeconds)";
          e->finish(std::move(r));
        }
      });
    }
    if (options.control) options.control->attach(exec);
    // The states before the first one that calls a function or starts child runs run on this
    // thread, which would otherwise only wait: no hand-over to a worker for a short execution.
    exec->run_here([&run] { run->resume(/*inline_only=*/true); });
  }
  ExecutionResult result = exec->wait();
  if (timeout_id) scheduler_->cancel_deadline(*timeout_id);
  result.transitions = exec->transitions.load();
  result.child_failures = exec->child_failures();
  if (options.record_history) result.history = ExecutionHistory(exec->history.release());
  return result;
}

}  // namespace cosmicai::engine
