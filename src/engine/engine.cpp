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

// === Execution ===

bool Execution::finish(ExecutionResult result) {
  {
    std::lock_guard lock(mu_);
    if (done_) return false;
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
  cv_.notify_all();
  return true;
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

double Execution::random_unit() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

std::string Execution::uuid() {
  std::uint64_t a, b;
  {
    std::lock_guard lock(mu_);
    a = rng_();
    b = rng_();
  }
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffULL);
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
  auto exec = std::make_shared<Execution>(*scheduler_, *registry_, options.record_history);
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
  exec->execution_context = json{{"Id", exec->execution_arn},
                                 {"Input", input},
                                 {"StartTime", format_iso8601(start)},
                                 {"Name", options.name},
                                 {"RoleArn", options.role_arn},
                                 {"RedriveCount", 0}};
  exec->state_machine_context =
      json{{"Id", !options.state_machine_arn.empty()
                      ? options.state_machine_arn
                      : "arn:aws:states:" + region_account + ":stateMachine:" + options.state_machine_name},
           {"Name", options.state_machine_name}};
  if (machine->timeout_seconds()) exec->deadline = start + std::chrono::seconds(*machine->timeout_seconds());

  const auto started_id = exec->history.add(
      "ExecutionStarted", 0,
      json{{"input", dump_compact(input)}, {"inputDetails", {{"truncated", false}}}, {"roleArn", options.role_arn}});

  if (dump_compact(input).size() > kPayloadLimitBytes) {
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
      scheduler_->post_deadline(std::chrono::seconds(*machine->timeout_seconds()), [weak] {
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
    run->start();
  }
  ExecutionResult result = exec->wait();
  result.transitions = exec->transitions.load();
  result.child_failures = exec->child_failures();
  if (options.record_history) result.history = exec->history.to_json();
  return result;
}

}  // namespace cosmicai::engine
