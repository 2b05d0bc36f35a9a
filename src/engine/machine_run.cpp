#include <array>
#include <charconv>

#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
#include "asl/query/jsonata_field.hpp"
#include "engine/runtime.hpp"

namespace cosmicai::engine {

using asl::State;
using asl::StatesError;
using asl::StateType;

namespace {
constexpr std::string_view kRuntimePrefix = "An error occurred while executing the state '";
}

// === StateCall ===

Execution& StateCall::exec() const { return run->exec(); }

asl::ContextRef StateCall::context() {
  if (!state->uses_context) return {};
  const auto& e = exec();
  state_context =
      json{{"EnteredTime", format_iso8601(entered_time)}, {"Name", state->name}, {"RetryCount", retry_count}};
  asl::ContextRef ctx;
  ctx.set("Execution", e.execution_context).set("State", state_context).set("StateMachine", e.state_machine_context);
  return ctx;
}

std::int64_t StateCall::record(std::string_view type, json details) const {
  const auto id = run->history().add(type, run->last_event_id(), std::move(details));
  run->set_last_event_id(id);
  return id;
}

Failure StateCall::failure_from(const StatesError& e) const {
  std::string cause = e.cause();
  const bool prefixed = e.name() == asl::errors::kRuntime || e.name() == asl::errors::kQueryEvaluationError ||
                        e.name() == asl::errors::kIntrinsicFailure;
  if (prefixed && !e.is_bare() && cause.rfind(kRuntimePrefix, 0) != 0) {
    cause = std::string(kRuntimePrefix) + state->name + "' (entered at the event id #" + std::to_string(entered_id) +
            "). " + cause;
  }
  if (e.name() == asl::errors::kQueryEvaluationError) {
    // AWS records the failed evaluation before the state's failure is handled (Retry, Catch or
    // the execution's end); its location is the field ("Output/result", "Items", "Timestamp").
    record("EvaluationFailed",
           json{{"error", e.name()}, {"cause", cause}, {"location", e.location()}, {"state", state->name}});
  }
  return Failure{e.name(), cause};
}

namespace {

/// A quick, loose upper bound of the compact serialisation's size of `v`, stopping once past
/// `limit`: each string byte counted as its longest escape (\u00XX: 6), each scalar as 25
/// characters. Nearly free for the small payloads of most states.
std::size_t quick_bound(const json& v, std::size_t limit) {
  switch (v.type()) {
    case json::value_t::string:
      return 2 + 6 * v.get_ref<const std::string&>().size();
    case json::value_t::object: {
      std::size_t n = 2;
      for (const auto& [k, e] : v.get_ref<const json::object_t&>()) {
        n += 6 * k.size() + 4 + quick_bound(e, limit);
        if (n > limit) return n;
      }
      return n;
    }
    case json::value_t::array: {
      std::size_t n = 2;
      for (const auto& e : v.get_ref<const json::array_t&>()) {
        n += 1 + quick_bound(e, limit);
        if (n > limit) return n;
      }
      return n;
    }
    default:
      return 25;
  }
}

/// Whether `v`'s compact serialisation is longer than `limit`: the quick bound first, the exact
/// count (compact_size, which stops past `limit`) only when that cannot tell.
bool exceeds(const json& v, std::size_t limit) {
  return quick_bound(v, limit) > limit && compact_size(v, limit) > limit;
}

// === Data flow (asl::DataFlow) ===

/// The variables after `assigned`, within AWS's limits for variables: each variable and the
/// variables of one Assign together at most 256 KiB of JSON text, all variables in scope at most
/// 10 MiB. Throws States.DataLimitExceeded naming the variable and the state. Costs what is assigned:
/// the variables in scope are shared, not copied, and their size is kept as they are assigned.
asl::Vars assign_within_limits(const CallPtr& call, json&& assigned) {
  constexpr std::size_t kAllVariablesLimit = 10 * 1024 * 1024;
  const std::string& state = call->state->name;
  std::vector<std::size_t> sizes;
  asl::Vars vars = asl::Variables::assign(call->vars, std::move(assigned), &sizes);  // names stay
  if (assigned.is_object() && !assigned.empty()) {
    std::size_t total = 0, i = 0;
    for (const auto& [name, value] : assigned.items()) {
      const std::size_t size = sizes[i++];
      if (size > kPayloadLimitBytes) {
        throw StatesError(asl::errors::kDataLimitExceeded,
                          "The variable '" + name + "' assigned by the state '" + state + "' is " +
                              std::to_string(size) + " bytes, over the limit of " + std::to_string(kPayloadLimitBytes) +
                              " bytes for one variable.");
      }
      total += size;
    }
    if (total > kPayloadLimitBytes) {
      throw StatesError(asl::errors::kDataLimitExceeded,
                        "The variables assigned by the state '" + state + "' are " + std::to_string(total) +
                            " bytes together, over the limit of " + std::to_string(kPayloadLimitBytes) +
                            " bytes for one Assign.");
    }
  }
  if (const std::size_t size = vars->json_size(); size > kAllVariablesLimit) {
    throw StatesError(asl::errors::kDataLimitExceeded, "The variables in scope after the state '" + state + "' are " +
                                                           std::to_string(size) + " bytes, over the limit of " +
                                                           std::to_string(kAllVariablesLimit) +
                                                           " bytes for an execution's variables.");
  }
  return vars;
}

}  // namespace

StepResult step_result(const CallPtr& call, json&& output, std::string_view next, bool has_assign, json&& assigned) {
  const auto& s = *call->state;
  const bool end = next.empty() && s.end;
  StepResult r{end ? StepResult::Kind::kEnd : StepResult::Kind::kNext, std::move(output), next, {}, {}, nullptr, {}};
  if (has_assign) {
    if (call->exec().history.enabled()) r.assigned = assigned;
    r.vars = assign_within_limits(call, std::move(assigned));
  }
  return r;
}

StepResult step_result(const CallPtr& call, json&& output, bool has_assign, json&& assigned) {
  const auto& s = *call->state;
  const bool end = s.next.empty() && s.end;
  StepResult r{end ? StepResult::Kind::kEnd : StepResult::Kind::kNext, std::move(output), s.next, {}, {}, nullptr, {}};
  if (has_assign) {
    if (call->exec().history.enabled()) r.assigned = assigned;
    r.vars = assign_within_limits(call, std::move(assigned));
  }
  r.next_state = s.next_state;
  return r;
}

bool over_payload_limit(const json& value) {
  if (value.is_primitive() && !value.is_string()) return false;
  return exceeds(value, kPayloadLimitBytes);
}

bool over_payload_limit(const json& value, std::size_t extra) {
  if (extra >= kPayloadLimitBytes) return true;
  const std::size_t room = kPayloadLimitBytes - extra;
  if (value.is_primitive() && !value.is_string() && room >= 25) return false;
  return exceeds(value, room);
}

std::string payload_limit_cause(const std::string& state_name) {
  return "The state/task '" + state_name +
         "' returned a result with a size exceeding the maximum number of bytes service limit.";
}

void check_payload_size(const json& value, const std::string& state_name) {
  if (over_payload_limit(value)) throw StatesError(asl::errors::kDataLimitExceeded, payload_limit_cause(state_name));
}

// === Retry / Catch ===

namespace {

void attempt(const CallPtr& call, const Body& body);

void handle_failure(const CallPtr& call, const Body& body, Failure failure) {
  const State& s = *call->state;
  if (call->run->cancelled()) return;
  for (std::size_t i = 0; i < s.retry.size(); ++i) {
    const auto& r = s.retry[i];
    if (!r.matches(failure.error)) continue;
    if (call->retrier_attempts[i] < r.max_attempts()) {
      const auto delay = r.delay(static_cast<int>(call->retrier_attempts[i]), call->exec().random_unit());
      call->retrier_attempts[i]++;
      call->retry_count++;
      call->exec().post_after(delay, [call, body] { attempt(call, body); });
      return;
    }
    break;  // "the first retrier whose ErrorEquals matches" decides; exhausted means no retry
  }
  for (const auto& c : s.catchers) {
    if (!c.matches(failure.error)) continue;
    json error_output = json::object();
    if (failure.error) error_output["Error"] = *failure.error;
    if (failure.cause) error_output["Cause"] = *failure.cause;
    try {
      const asl::ContextRef context = call->context();
      const asl::Variables* vars = call->vars.get();
      const bool has_assign = c.has_assign();
      json assigned;
      json out = c.output_of(call->input, std::move(error_output), context, vars, has_assign ? &assigned : nullptr);
      StepResult r{StepResult::Kind::kNext, std::move(out), c.next(), {}, {}, nullptr, {}};
      if (has_assign) {
        if (call->exec().history.enabled()) r.assigned = assigned;
        r.vars = assign_within_limits(call, std::move(assigned));
      }
      call->done(std::move(r));
    } catch (const StatesError& e) {
      call->done(StepResult::fail(call->failure_from(e)));
    }
    return;
  }
  call->done(StepResult::fail(std::move(failure)));
}

void attempt(const CallPtr& call, const Body& body) {
  const State& s = *call->state;
  if (call->run->cancelled()) return;
  asl::ContextRef context;
  json effective;
  const bool skip_parameters = s.type == StateType::kMap;
  // The body reads its effective input synchronously; when that is the state input itself it is
  // not copied (the state input stays unchanged until the state ends).
  const bool raw = s.flow.effective_is_raw(skip_parameters);
  try {
    context = call->context();
    if (!raw) effective = s.flow.effective_input(call->input, context, call->vars.get(), skip_parameters);
  } catch (const StatesError& e) {
    handle_failure(call, body, call->failure_from(e));
    return;
  }
  const json& effective_ref = raw ? call->input : effective;
  auto settled = std::make_shared<std::atomic<bool>>(false);
  BodyDone on_done = [call, body, context, settled](bool ok, json result, Failure failure) {
    if (settled->exchange(true)) return;
    if (!ok) {
      handle_failure(call, body, std::move(failure));
      return;
    }
    const State& st = *call->state;
    try {
      json assigned;
      const bool has_assign = st.flow.has_assign();
      // Without Retry or Catch nothing reads the state input after this (a failure here only
      // fails the state), so it is moved into the output instead of copied.
      json out = st.retry.empty() && st.catchers.empty()
                     ? st.flow.output_of(std::move(call->input), std::move(result), context, call->vars.get(),
                                         /*select=*/true, /*has_result=*/true, has_assign ? &assigned : nullptr)
                     : st.flow.output_of(call->input, std::move(result), context, call->vars.get(), /*select=*/true,
                                         /*has_result=*/true, has_assign ? &assigned : nullptr);
      call->done(step_result(call, std::move(out), has_assign, std::move(assigned)));
    } catch (const StatesError& e) {
      handle_failure(call, body, call->failure_from(e));
    }
  };
  try {
    body(call, effective_ref, context, on_done);
  } catch (const StatesError& e) {
    if (!settled->exchange(true)) handle_failure(call, body, call->failure_from(e));
  } catch (const std::exception& e) {
    if (!settled->exchange(true)) {
      handle_failure(call, body, Failure{std::string(asl::errors::kRuntime), e.what()});
    }
  } catch (...) {
    if (!settled->exchange(true)) {
      handle_failure(call, body,
                     Failure{std::string(asl::errors::kRuntime),
                             "internal error in state '" + s.name + "': an exception that is not a std::exception"});
    }
  }
}

}  // namespace

void run_with_policy(const CallPtr& call, Body body) {
  call->retrier_attempts.assign(call->state->retry.size(), 0);
  attempt(call, body);
}

// === MachineRun ===

MachineRun::MachineRun(std::shared_ptr<Execution> exec, const asl::StateMachine& machine, json input,
                       std::int64_t previous_event_id, std::vector<CancelFlag> cancel,
                       std::function<void(RunOutcome)> done, bool own_history, asl::Vars vars)
    : exec_(std::move(exec)),
      own_history_(own_history ? std::make_unique<History>(exec_->scheduler.clock(), false) : nullptr),
      machine_(machine),
      current_(machine.start()),
      input_(std::move(input)),
      vars_(vars ? std::move(vars) : asl::no_vars()),
      last_event_id_(previous_event_id),
      cancel_(std::move(cancel)),
      done_(std::move(done)) {}

bool MachineRun::cancelled() const {
  for (const auto& c : cancel_) {
    if (c->load(std::memory_order_relaxed)) return true;
  }
  return false;
}

bool MachineRun::timed_out() {
  if (!exec_->deadline || exec_->scheduler.clock().now() <= *exec_->deadline) return false;
  ExecutionResult r;
  r.status = "TIMED_OUT";
  r.error = std::string(asl::errors::kTimeout);
  r.cause = "The execution timed out (TimeoutSeconds)";
  exec_->finish(std::move(r));
  return true;
}

void MachineRun::start() {
  auto self = shared_from_this();
  exec_->post([self] { self->resume(); });
}

namespace {

/// The StateEntered/StateExited event types by asl::StateType ({exited, entered}); static strings.
constexpr std::array<std::array<std::string_view, 2>, 8> kStateEventTypes{{
    {"PassStateExited", "PassStateEntered"},
    {"TaskStateExited", "TaskStateEntered"},
    {"ChoiceStateExited", "ChoiceStateEntered"},
    {"WaitStateExited", "WaitStateEntered"},
    {"SucceedStateExited", "SucceedStateEntered"},
    {"FailStateExited", "FailStateEntered"},
    {"ParallelStateExited", "ParallelStateEntered"},
    {"MapStateExited", "MapStateEntered"},
}};
static_assert(static_cast<int>(StateType::kPass) == 0 && static_cast<int>(StateType::kTask) == 1 &&
              static_cast<int>(StateType::kChoice) == 2 && static_cast<int>(StateType::kWait) == 3 &&
              static_cast<int>(StateType::kSucceed) == 4 && static_cast<int>(StateType::kFail) == 5 &&
              static_cast<int>(StateType::kParallel) == 6 && static_cast<int>(StateType::kMap) == 7);

std::string_view event_type(asl::StateType type, bool entered) {
  return kStateEventTypes[static_cast<std::size_t>(type)][entered ? 1 : 0];
}

/// States whose runners return their result (no timer, no handler, no child run).
bool is_synchronous(asl::StateType t) {
  return t == StateType::kPass || t == StateType::kChoice || t == StateType::kSucceed || t == StateType::kFail;
}

/// States whose runners never call a function handler or start child runs, so they may run on a
/// thread that is not one of the workers.
bool runs_inline(asl::StateType t) {
  return t == StateType::kPass || t == StateType::kChoice || t == StateType::kWait || t == StateType::kSucceed ||
         t == StateType::kFail;
}

}  // namespace

void MachineRun::resume(bool inline_only) {
  // One StateCall serves consecutive states as long as none kept it (a state that waits does).
  CallPtr call;
  bool checked = false;  // advance() has just checked cancellation and the deadline
  while (true) {
    if (!checked && (cancelled() || timed_out())) return;
    checked = false;
    const asl::State* state = current_;
    if (inline_only && !runs_inline(state->type)) {
      record_exit();
      start();
      return;
    }
    if (call && call.use_count() == 1) {
      std::atomic_thread_fence(std::memory_order_acquire);  // whoever held it last is done with it
      call->retry_count = 0;
      call->retrier_attempts.clear();
    } else {
      call = std::make_shared<StateCall>();
      call->run = shared_from_this();
      call->done = [self = call->run](StepResult&& r) { self->complete(std::move(r)); };
    }
    call->state = state;
    call->input = std::move(input_);
    if (call->vars != vars_) call->vars = vars_;
    // Only $$.State.EnteredTime reads the time a state was entered.
    if (state->uses_context) call->entered_time = exec_->scheduler.clock().now();
    exec_->transitions.fetch_add(1, std::memory_order_relaxed);
    if (exit_pending_) {
      // Straight on from the previous state: its StateExited and this StateEntered are recorded
      // together (at the same time, the input's text shared with that output).
      exit_pending_ = false;
      call->entered_id =
          history().add_exit_and_enter(std::move(exit_), event_type(state->type, true), state->name).second;
    } else {
      // The input is the previous state's output as its StateExited recorded it: the text is shared.
      call->entered_id = history().add_state(event_type(state->type, true), last_event_id(), /*entered=*/true,
                                             state->name, call->input, nullptr, input_text_of_);
    }
    input_text_of_ = 0;
    set_last_event_id(call->entered_id);
    if (is_synchronous(state->type)) {
      // The result comes back here: no completion callback, no hand-over.
      StepResult result = step(call);
      if (!advance(result)) return;
      checked = true;
      continue;
    }
    step_.store(kStepping, std::memory_order_relaxed);
    dispatch(call);
    int expected = kStepping;
    if (step_.compare_exchange_strong(expected, kIdle, std::memory_order_acq_rel)) {
      return;  // the state waits; complete() goes on
    }
    // Completed during dispatch (here or on another thread): pending_ holds the result.
    step_.store(kIdle, std::memory_order_relaxed);
    const bool more = advance(*pending_);
    pending_.reset();
    if (!more) return;
    checked = true;
  }
}

void MachineRun::complete(StepResult&& result) {
  pending_.emplace(std::move(result));
  int expected = kStepping;
  if (step_.compare_exchange_strong(expected, kCompleted, std::memory_order_acq_rel)) {
    return;  // resume() is still dispatching this state: it takes the result
  }
  const bool more = advance(*pending_);
  pending_.reset();
  if (more) {
    record_exit();
    start();
  }
}

void MachineRun::record_exit() {
  if (!exit_pending_) return;
  exit_pending_ = false;
  const auto id = history().add_exit(std::move(exit_));
  set_last_event_id(id);
  input_text_of_ = id;
}

bool MachineRun::advance(StepResult& r) {
  if (cancelled()) return false;
  if (timed_out()) return false;
  const asl::State& s = *current_;
  if (r.kind != StepResult::Kind::kFail) {
    try {
      check_payload_size(r.output, s.name);
    } catch (const StatesError& e) {
      r = StepResult::fail(Failure{e.name(), e.cause()});
    }
  }
  if (r.kind == StepResult::Kind::kFail) {
    done_(RunOutcome{false, nullptr, std::move(r.failure)});
    // A failed branch or iteration may have stopped its siblings: stop their handlers too.
    exec_->cancel_stopped_handlers();
    return false;
  }
  // Disabled, the history only counts the id (keeps event ids as AWS numbers them).
  if (r.kind == StepResult::Kind::kEnd) {
    set_last_event_id(history().add_state(event_type(s.type, false), last_event_id(), /*entered=*/false, s.name,
                                          r.output, std::move(r.assigned)));
    done_(RunOutcome{true, std::move(r.output), {}});
    return false;
  }
  const asl::State* next = r.next_state ? r.next_state : machine_.find(r.next);
  if (!next) {  // unreachable for a validated machine
    done_(RunOutcome{false, nullptr,
                     Failure{std::string(asl::errors::kRuntime), "no state named '" + std::string(r.next) + "'"}});
    return false;
  }
  // Recorded with the next state's StateEntered, or alone by record_exit() before the run hands over.
  history().prepare_exit(exit_, event_type(s.type, false), last_event_id(), s.name, r.output, std::move(r.assigned));
  exit_pending_ = true;
  current_ = next;
  input_ = std::move(r.output);
  if (r.vars) vars_ = std::move(*r.vars);
  return true;
}

namespace {

/// The failure of a state whose runner threw (called in a catch block).
StepResult thrown_failure(const StateCall& call) {
  try {
    throw;
  } catch (const StatesError& e) {
    return StepResult::fail(call.failure_from(e));
  } catch (const std::exception& e) {
    return StepResult::fail(
        Failure{std::string(asl::errors::kRuntime), "internal error in state '" + call.state->name + "': " + e.what()});
  } catch (...) {
    return StepResult::fail(
        Failure{std::string(asl::errors::kRuntime),
                "internal error in state '" + call.state->name + "': an exception that is not a std::exception"});
  }
}

}  // namespace

StepResult MachineRun::step(const CallPtr& call) {
  try {
    switch (call->state->type) {
      case StateType::kPass:
        return pass_step(call);
      case StateType::kChoice:
        return choice_step(call);
      case StateType::kSucceed:
        return succeed_step(call);
      case StateType::kFail:
        return fail_step(call);
      default:
        break;
    }
  } catch (...) {
    return thrown_failure(*call);
  }
  return StepResult::fail(Failure{std::string(asl::errors::kRuntime),
                                  "internal error in state '" + call->state->name + "': not a synchronous state"});
}

void MachineRun::dispatch(const CallPtr& call) {
  try {
    switch (call->state->type) {
      case StateType::kPass:
      case StateType::kChoice:
      case StateType::kSucceed:
      case StateType::kFail:
        call->done(step(call));
        break;
      case StateType::kWait:
        run_wait(call);
        break;
      case StateType::kTask:
        run_with_policy(call, task_body);
        break;
      case StateType::kMap:
        run_with_policy(call, map_body);
        break;
      case StateType::kParallel:
        run_with_policy(call, parallel_body);
        break;
    }
  } catch (...) {
    call->done(thrown_failure(*call));
  }
}

}  // namespace cosmicai::engine
