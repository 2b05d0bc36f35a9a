#pragma once
/// Engine internals shared by the state runners (not part of the public API).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "asl/state_machine.hpp"
#include "engine/engine.hpp"
#include "engine/history.hpp"
#include "engine/scheduler.hpp"
#include "functions/cancel.hpp"

namespace cosmicai::engine {

/// An error of a state, branch or iteration: Error and Cause, each possibly absent.
struct Failure {
  std::optional<std::string> error;
  std::optional<std::string> cause;
};

class MachineRun;

/// Shared state of one execution. Thread-safe.
struct Execution : std::enable_shared_from_this<Execution> {
  /// `machine`: kept alive by the recorded history, whose state events point to its state names.
  Execution(Scheduler& s, const functions::Registry& r, bool record, std::shared_ptr<const void> machine = nullptr)
      : scheduler(s), registry(r), history(s.clock(), record, std::move(machine)) {}

  Scheduler& scheduler;
  const functions::Registry& registry;
  const StoreResolver* stores = nullptr;  ///< EngineOptions::stores (may be null)
  History history;
  std::string execution_arn;
  json execution_context;                     ///< $$.Execution
  json state_machine_context;                 ///< $$.StateMachine
  std::optional<Clock::time_point> deadline;  ///< execution TimeoutSeconds
  std::atomic<std::int64_t> transitions{0};
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);

  std::shared_ptr<ExecutionObserver> observer;  ///< ExecutionOptions::observer (may be null)
  /// End the execution (first call wins; returns whether this call ended it) and wake the waiter.
  bool finish(ExecutionResult result);
  /// Block until finish() was called; return the result.
  ExecutionResult wait();
  /// Return a uniform random number in [0, 1) (retry jitter).
  double random_unit();
  /// Return a random UUID (request ids).
  std::string uuid();
  /// Note why a Distributed Map child execution failed (see ExecutionResult::child_failures).
  void note_child_failure(std::string note);
  /// Return the notes so far.
  std::vector<std::string> child_failures();

  /// End the execution as FAILED with States.Runtime naming an exception that escaped the
  /// engine's own code (`where`): a bug, but one that must end the execution, not hang it.
  void fail_internal(const std::exception_ptr& error, std::string_view where);
  /// The scheduler's calls, with exceptions escaping `task` failing this execution.
  void post(std::function<void()> task);
  void post_after(Clock::duration delay, std::function<void()> task);
  std::uint64_t post_deadline(Clock::duration delay, std::function<void()> task);
  /// Run `task` on the calling thread as a worker would (Scheduler::run_here).
  void run_here(const std::function<void()>& task);

  /// Note a handler running for `run` (until remove_running) so that it is cancelled when the
  /// execution ends or `run` is cancelled. Returns an id.
  std::uint64_t add_running(std::shared_ptr<functions::CancelToken> token, std::weak_ptr<MachineRun> run);
  void remove_running(std::uint64_t id);
  /// Cancel the running handlers whose run was cancelled (a failed Parallel branch or Map
  /// iteration stops its siblings' handlers).
  void cancel_stopped_handlers();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  ExecutionResult result_;
  std::vector<std::string> child_failures_;
  std::optional<std::mt19937_64> rng_;  ///< seeded on first use (a std::random_device costs microseconds)
  std::mt19937_64& rng();               ///< requires mu_
  struct Running {
    std::shared_ptr<functions::CancelToken> token;
    std::weak_ptr<MachineRun> run;
  };
  std::mutex running_mu_;
  std::uint64_t running_seq_ = 0;
  std::map<std::uint64_t, Running> running_;
  void cancel_running(bool all, const std::string& error, const std::string& cause);
};

using CancelFlag = std::shared_ptr<std::atomic<bool>>;

/// How a state ended: go to `next`, end the (sub-)machine, or fail.
struct StepResult {
  enum class Kind { kNext, kEnd, kFail };
  Kind kind = Kind::kEnd;
  json output;
  std::string_view next;  ///< a name held by the (immutable) state tree
  Failure failure;
  std::optional<asl::Vars> vars;           ///< the variables after the state's Assign (none: unchanged)
  const asl::State* next_state = nullptr;  ///< the state `next` names, when already known
  json assigned;  ///< what the state's (or Catcher's) Assign set, for StateExited's assignedVariables; null: none

  static StepResult fail(Failure f) { return StepResult{Kind::kFail, nullptr, {}, std::move(f), {}, nullptr, {}}; }
};

/// How a (sub-)machine run ended.
struct RunOutcome {
  bool ok = false;
  json output;
  Failure failure;
};

class MachineRun;

/// One visit of one state: what the state runners work on.
struct StateCall {
  std::shared_ptr<MachineRun> run;
  const asl::State* state = nullptr;
  json input;                   ///< raw state input
  asl::Vars vars;               ///< workflow variables as the state was entered
  std::int64_t entered_id = 0;  ///< id of the <Type>StateEntered event
  Clock::time_point entered_time;
  int retry_count = 0;  ///< $$.State.RetryCount
  std::vector<std::int64_t> retrier_attempts;
  std::function<void(StepResult&&)> done;

  json state_context;  ///< $$.State, as context() last built it

  Execution& exec() const;
  /// Return the context object `$$` for this state (null when the state never uses it): a view of
  /// the execution's `Execution` and `StateMachine` (not copied: they hold the execution input) and
  /// of `state_context`, which this rebuilds. Valid while the call lives, until the next context().
  asl::ContextRef context();
  /// Record an event after the latest event of this run; returns its id.
  std::int64_t record(std::string_view type, json details = nullptr) const;
  /// Turn an exception into a Failure, adding AWS's "An error occurred while
  /// executing the state ..." prefix to runtime errors.
  Failure failure_from(const asl::StatesError& e) const;
};
using CallPtr = std::shared_ptr<StateCall>;

/// Runs the states of one machine (the execution, a Parallel branch or a Map
/// iteration) one after another. Synchronous states run in a loop; a state that
/// waits (timer, child runs) resumes the loop from a worker when it completes.
class MachineRun : public std::enable_shared_from_this<MachineRun> {
 public:
  /// `own_history`: the run is a child execution (Distributed Map) whose events stay out of
  /// the parent's history, as on AWS, where the parent records only MapRun* events.
  MachineRun(std::shared_ptr<Execution> exec, const asl::StateMachine& machine, json input,
             std::int64_t previous_event_id, std::vector<CancelFlag> cancel, std::function<void(RunOutcome)> done,
             bool own_history = false, asl::Vars vars = asl::no_vars());

  /// Queue the run on the worker pool.
  void start();
  /// Run it on the calling thread until it first waits. `inline_only`: the calling thread is not
  /// a worker (Engine::run's own), so only states that never call a handler (Pass, Choice, Wait,
  /// Succeed, Fail) run here; the first other state is queued on the worker pool.
  void resume(bool inline_only = false);
  /// End the run as succeeded with `output` without running a state (a resumed Map child).
  void complete_with(json output) { done_(RunOutcome{true, std::move(output), {}}); }

  Execution& exec() { return *exec_; }
  /// The history this run records into (the execution's, or its own for a child execution).
  History& history() { return own_history_ ? *own_history_ : exec_->history; }
  const std::shared_ptr<Execution>& exec_ptr() const { return exec_; }
  const std::vector<CancelFlag>& cancel_flags() const { return cancel_; }
  bool cancelled() const;
  // Release/acquire: read by a parent's callbacks on other threads while this run waits.
  std::int64_t last_event_id() const { return last_event_id_.load(std::memory_order_acquire); }
  void set_last_event_id(std::int64_t id) { last_event_id_.store(id, std::memory_order_release); }

 private:
  void complete(StepResult&& result);
  bool timed_out();                  // ends the execution as TIMED_OUT once its deadline has passed
  bool advance(StepResult& result);  // false when the run ended; takes the result's parts
  void dispatch(const CallPtr& call);
  StepResult step(const CallPtr& call);  // a synchronous state's result, errors included

  std::shared_ptr<Execution> exec_;
  std::unique_ptr<History> own_history_;
  const asl::StateMachine& machine_;
  const asl::State* current_;
  json input_;
  std::int64_t input_text_of_ = 0;  ///< the StateExited event that recorded input_ as its output (0: none)
  /// The StateExited of the state before current_ while it waits to be recorded with current_'s
  /// StateEntered (advance() leaves it; resume() records both, or record_exit() it alone).
  PendingExit exit_;
  bool exit_pending_ = false;
  void record_exit();  // records a pending StateExited alone
  asl::Vars vars_;     ///< this run's variables (a child run starts from its parent's)
  std::atomic<std::int64_t> last_event_id_;
  std::vector<CancelFlag> cancel_;
  std::function<void(RunOutcome)> done_;
  /// The handshake between resume() and complete(): kStepping while resume() dispatches a
  /// state; complete() then leaves its result in pending_ (kCompleted) for resume() to take.
  enum Step : int { kIdle, kStepping, kCompleted };
  std::atomic<int> step_{kIdle};
  std::optional<StepResult> pending_;
};

// === State runners (one per file) ===
/// The synchronous states (Pass, Choice, Succeed, Fail) return how they ended.
StepResult pass_step(const CallPtr& call);
StepResult choice_step(const CallPtr& call);
StepResult succeed_step(const CallPtr& call);
StepResult fail_step(const CallPtr& call);
void run_wait(const CallPtr& call);

/// The part of a Task/Map/Parallel that Retry repeats: given the effective input,
/// produce the raw result (before ResultSelector) or a failure through `done`.
using BodyDone = std::function<void(bool ok, json result, Failure failure)>;
using Body = std::function<void(const CallPtr& call, const json& effective_input, const asl::ContextRef& context, BodyDone done)>;

/// Run a Task, Map or Parallel body with InputPath/Parameters before it, ResultSelector/
/// ResultPath/OutputPath after it, and Retry/Catch around it.
void run_with_policy(const CallPtr& call, Body body);

void task_body(const CallPtr& call, const json& effective_input, const asl::ContextRef& context, BodyDone done);
void map_body(const CallPtr& call, const json& effective_input, const asl::ContextRef& context, BodyDone done);
void parallel_body(const CallPtr& call, const json& effective_input, const asl::ContextRef& context, BodyDone done);

/// The StepResult of a state that ends normally with `output`, applying `assigned` (the values
/// of its Assign, when `has_assign`; moved into the variables) to the call's variables.
StepResult step_result(const CallPtr& call, json&& output, std::string_view next, bool has_assign,
                       json&& assigned);
/// The same, going to the state's own Next (or ending, with End).
StepResult step_result(const CallPtr& call, json&& output, bool has_assign, json&& assigned);

/// Whether `value` serialises to more than the payload limit (a size bound first, so small
/// values are not serialised).
bool over_payload_limit(const json& value);
/// Whether `value` serialised inside a document that adds `extra` bytes to it exceeds the limit.
bool over_payload_limit(const json& value, std::size_t extra);
/// The cause of States.DataLimitExceeded for a result of `state_name` (a state, or the integration).
std::string payload_limit_cause(const std::string& state_name);
/// Throw States.DataLimitExceeded if `value` serialises to more than the payload limit.
void check_payload_size(const json& value, const std::string& state_name);

}  // namespace cosmicai::engine
