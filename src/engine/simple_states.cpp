// Pass, Choice, Wait, Succeed and Fail: the states without Retry/Catch.
#include "engine/runtime.hpp"

namespace cosmicai::engine {

using asl::StatesError;

// "The Pass State by default passes its input to its output, performing no work."
StepResult pass_step(const CallPtr& call) {
  const auto& s = static_cast<const asl::PassState&>(*call->state);
  const asl::ContextRef context = call->context();
  const asl::Variables* vars = call->vars.get();
  // JSONata Pass states have neither Parameters nor Result: the effective input is the state input.
  json result;
  const auto& f = s.flow;
  if (!s.result && !f.jsonata && !f.parameters && !f.input_path.path && !f.input_path.is_null && !f.result_path.path &&
      !f.result_path.is_null) {
    // InputPath and ResultPath "$", no Parameters: the result is the input itself, and output_of
    // does not read the input (ResultPath "$"), so it is moved, not copied.
    result = std::move(call->input);
    call->input = json();
  } else if (f.jsonata && f.output) {
    // A JSONata Pass's result is its input, which Output reads as $states.input: nothing to copy.
  } else if (!s.result) {
    result = s.flow.effective_input(call->input, context, vars);
  } else {
    // InputPath and Parameters still run for their errors, when present.
    if (s.flow.parameters || s.flow.input_path.path) (void)s.flow.effective_input(call->input, context, vars);
    result = json(*s.result);  // copied in place (no copy-and-swap)
  }
  json assigned;
  const bool has_assign = s.flow.has_assign();
  // The input becomes the output in place: nothing reads it after this (a Pass has no Retry/Catch).
  s.flow.output_in_place(call->input, std::move(result), context, vars, false, false, has_assign ? &assigned : nullptr);
  return step_result(call, std::move(call->input), has_assign, std::move(assigned));
}

// "A Choice state ... evaluates the Choice Rules in order and transitions to the
// state named in the first match's Next; otherwise Default; otherwise States.NoChoiceMatched."
StepResult choice_step(const CallPtr& call) {
  const auto& s = static_cast<const asl::ChoiceState&>(*call->state);
  const asl::ContextRef context = call->context();
  const asl::Variables* vars = call->vars.get();
  const json effective = s.flow.input_of(call->input, context, vars);
  const asl::EvalEnv env{effective, context, vars};
  const asl::ChoiceBranch* chosen = s.choose(env);
  if (!chosen && s.default_next.empty()) {
    return StepResult::fail(Failure{std::string(asl::errors::kNoChoiceMatched), "No Matches!"});
  }
  std::optional<json> assigned;
  json out = s.output_of(chosen, call->input, env, assigned);
  return step_result(call, std::move(out), chosen ? chosen->next : s.default_next, assigned.has_value(),
                     assigned ? std::move(*assigned) : json());
}

// "A Wait state causes the interpreter to delay the machine from continuing for a specified time."
void run_wait(const CallPtr& call) {
  const auto& s = static_cast<const asl::WaitState&>(*call->state);
  const asl::ContextRef context = call->context();
  const asl::Variables* vars = call->vars.get();
  json effective = s.flow.input_of(call->input, context, vars);
  const asl::EvalEnv env{call->input, context, vars};
  auto& clock = call->exec().scheduler.clock();
  const Clock::duration delay = std::chrono::duration_cast<Clock::duration>(
      s.delay(env, effective, std::chrono::duration_cast<std::chrono::nanoseconds>(clock.now().time_since_epoch())));
  json assigned;
  const bool has_assign = s.flow.has_assign();
  json out = s.flow.output_of(call->input, std::move(effective), context, vars, false, false,
                              has_assign ? &assigned : nullptr);
  auto result = std::make_shared<StepResult>(step_result(call, std::move(out), has_assign, std::move(assigned)));
  if (delay <= Clock::duration::zero()) {
    call->done(std::move(*result));
    return;
  }
  call->exec().post_after(delay, [call, result]() mutable { call->done(std::move(*result)); });
}

// "The Succeed State either terminates a state machine successfully, ends a branch
// of a Parallel State, or ends an iteration of a Map State."
StepResult succeed_step(const CallPtr& call) {
  const auto& s = *call->state;
  const asl::ContextRef context = call->context();
  const asl::Variables* vars = call->vars.get();
  json effective = s.flow.input_of(call->input, context, vars);
  json out = s.flow.output_of(call->input, std::move(effective), context, vars, false, false, nullptr);
  return StepResult{StepResult::Kind::kEnd, std::move(out), {}, {}, {}, nullptr, {}};
}

// "The Fail State terminates the machine and marks it as a failure."
StepResult fail_step(const CallPtr& call) {
  const auto& s = static_cast<const asl::FailState&>(*call->state);
  const asl::ContextRef context = call->context();
  Failure f;
  const asl::EvalEnv env{call->input, context, call->vars.get()};
  f.error = s.error_of(env);
  f.cause = s.cause_of(env);
  return StepResult::fail(std::move(f));
}

}  // namespace cosmicai::engine
