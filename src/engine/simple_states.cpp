// Pass, Choice, Wait, Succeed and Fail: the states without Retry/Catch.
#include <algorithm>

#include "asl/intrinsic/intrinsics.hpp"
#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
#include "engine/runtime.hpp"

namespace cosmicai::engine {

using asl::StatesError;

namespace {

/// SecondsPath of a Wait state: a non-negative integer. AWS reports a bad value without the state
/// preamble (LocalStack's reproduction, checked against test_base_wait_seconds_path recordings).
/// The longest a Wait waits: the most its Seconds field may ask. A larger SecondsPath value or a
/// far-future Timestamp waits this long (an execution ends long before) instead of overflowing
/// the clock's nanoseconds.
constexpr std::int64_t kMaxWaitSeconds = 99999999;

std::int64_t wait_seconds_path(const std::string& path, const json& input, const json& context, const json* vars) {
  auto v = asl::try_query_path(path, input, context, vars);
  if (!v) {
    throw StatesError::bare(asl::errors::kRuntime,
                            "The SecondsPath parameter does not reference an input value: " + path);
  }
  const std::string assignment = path + " == " + (v->is_string() ? v->get<std::string>() : dump_compact(*v));
  if (!v->is_number_integer()) {
    throw StatesError::bare(asl::errors::kRuntime,
                            "The SecondsPath parameter cannot be parsed as a long value: " + assignment);
  }
  if (v->get<std::int64_t>() < 0) {
    throw StatesError::bare(asl::errors::kRuntime,
                            "The SecondsPath parameter references a negative value: " + assignment);
  }
  return v->get<std::int64_t>();
}

}  // namespace

// "The Pass State by default passes its input to its output, performing no work."
void run_pass(const CallPtr& call) {
  const auto& s = static_cast<const asl::PassState&>(*call->state);
  const json context = call->context();
  const json* vars = call->vars.get();
  json result;
  if (s.jsonata) {
    result = call->input;
  } else {
    json effective = s.flow.effective_input(call->input, context, vars);
    result = s.result ? *s.result : std::move(effective);
  }
  json assigned;
  const bool has_assign = s.flow.has_assign();
  json out = s.flow.output_of(call->input, std::move(result), context, vars, false, false,
                              has_assign ? &assigned : nullptr);
  call->done(step_result(call, std::move(out), s.next, has_assign, assigned));
}

// "A Choice state ... evaluates the Choice Rules in order and transitions to the
// state named in the first match's Next; otherwise Default; otherwise States.NoChoiceMatched."
void run_choice(const CallPtr& call) {
  const auto& s = static_cast<const asl::ChoiceState&>(*call->state);
  const json context = call->context();
  const json* vars = call->vars.get();
  const json effective = s.flow.input_of(call->input, context, vars);
  const asl::EvalEnv env{effective, context, vars};
  const asl::ChoiceBranch* chosen = nullptr;
  for (const auto& branch : s.choices) {
    if (branch.matches(env)) {
      chosen = &branch;
      break;
    }
  }
  if (!chosen && s.default_next.empty()) {
    call->done(StepResult::fail(Failure{std::string(asl::errors::kNoChoiceMatched), "No Matches!"}));
    return;
  }
  // The matched rule's Assign and Output apply; the state's own when the Default is taken.
  json assigned;
  bool has_assign = false;
  json out;
  if (chosen) {
    if (chosen->assign) {
      has_assign = true;
      if (chosen->assign->jsonata) assigned = chosen->assign->jsonata->evaluate(env);
      else assigned = asl::evaluate_payload_template(*chosen->assign->paths, effective, context, vars);
    }
    if (s.jsonata) out = chosen->output ? chosen->output->evaluate(env) : call->input;
    else out = s.flow.output_of(call->input, effective, context, vars, false, false, nullptr);
  } else {
    has_assign = s.flow.has_assign();
    out = s.flow.output_of(call->input, effective, context, vars, false, false, has_assign ? &assigned : nullptr);
  }
  call->done(step_result(call, std::move(out), chosen ? chosen->next : s.default_next, has_assign, assigned));
}

// "A Wait state causes the interpreter to delay the machine from continuing for a specified time."
void run_wait(const CallPtr& call) {
  const auto& s = static_cast<const asl::WaitState&>(*call->state);
  const json context = call->context();
  const json* vars = call->vars.get();
  json effective = s.flow.input_of(call->input, context, vars);
  const asl::EvalEnv env{call->input, context, vars};
  auto& clock = call->exec().scheduler.clock();
  Clock::duration delay{0};
  if (s.seconds) {
    delay = std::chrono::seconds(*s.seconds);
  } else if (s.seconds_expr) {
    delay = std::chrono::seconds(std::min(s.seconds_expr->evaluate_integer(env, 0), kMaxWaitSeconds));
  } else if (s.seconds_path) {
    delay = std::chrono::seconds(std::min(wait_seconds_path(*s.seconds_path, effective, context, vars), kMaxWaitSeconds));
  } else {
    std::optional<std::int64_t> ns;
    if (s.timestamp) {
      ns = asl::parse_timestamp_ns(*s.timestamp);
    } else if (s.timestamp_expr) {
      const std::string text = s.timestamp_expr->evaluate_string(env);
      ns = asl::parse_timestamp_ns(text);
      if (!ns) {
        throw StatesError(asl::errors::kQueryEvaluationError,
                          "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format "
                          "string: " + text);
      }
    } else {
      auto v = asl::try_query_path(*s.timestamp_path, effective, context, vars);
      if (!v) {
        throw StatesError(asl::errors::kRuntime, "The JSONPath '" + *s.timestamp_path +
                                                     "' specified for the field 'TimestampPath' could not be found "
                                                     "in the input '" + dump_compact(effective) + "'");
      }
      if (v->is_string()) ns = asl::parse_timestamp_ns(v->get<std::string>());
      if (!ns) {
        // AWS's text (recorded: LocalStack test_wait_timestamppath with a timestamp lacking its zone).
        throw StatesError(asl::errors::kRuntime,
                          "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time "
                          "format string: " + *s.timestamp_path + " == " +
                              (v->is_string() ? v->get<std::string>() : dump_compact(*v)));
      }
    }
    const auto now = clock.now().time_since_epoch();
    const auto target = std::chrono::nanoseconds(*ns);
    if (target > now) delay = std::min<Clock::duration>(target - now, std::chrono::seconds(kMaxWaitSeconds));
  }
  json assigned;
  const bool has_assign = s.flow.has_assign();
  json out = s.flow.output_of(call->input, s.jsonata ? call->input : std::move(effective), context, vars, false, false,
                              has_assign ? &assigned : nullptr);
  auto result = std::make_shared<StepResult>(step_result(call, std::move(out), s.next, has_assign, assigned));
  if (delay <= Clock::duration::zero()) {
    call->done(std::move(*result));
    return;
  }
  call->exec().post_after(delay, [call, result]() mutable { call->done(std::move(*result)); });
}

// "The Succeed State either terminates a state machine successfully, ends a branch
// of a Parallel State, or ends an iteration of a Map State."
void run_succeed(const CallPtr& call) {
  const auto& s = *call->state;
  const json context = call->context();
  const json* vars = call->vars.get();
  json effective = s.flow.input_of(call->input, context, vars);
  json out = s.flow.output_of(call->input, std::move(effective), context, vars, false, false, nullptr);
  call->done(StepResult{StepResult::Kind::kEnd, std::move(out), {}, {}, {}});
}

namespace {

std::optional<std::string> resolve_fail_field(const CallPtr& call, const std::optional<std::string>& literal,
                                              const std::optional<std::string>& path, const char* field,
                                              const json& context) {
  if (literal) return literal;
  if (!path) return std::nullopt;
  json value;
  const json* vars = call->vars.get();
  if (asl::is_intrinsic_call(*path)) {
    value = asl::evaluate_intrinsic(*path, call->input, context, vars);
  } else {
    auto v = asl::try_query_path(*path, call->input, context, vars);
    if (!v) {
      throw StatesError(asl::errors::kRuntime, "The JSONPath '" + *path + "' specified for the field '" + field +
                                                   "' could not be found in the input '" +
                                                   dump_compact(call->input) + "'");
    }
    value = std::move(*v);
  }
  if (!value.is_string()) {
    throw StatesError(asl::errors::kRuntime, std::string("The field '") + field + "' must resolve to a string, got " +
                                                 asl::describe(value) + " from '" + *path + "'");
  }
  return value.get<std::string>();
}

}  // namespace

// "The Fail State terminates the machine and marks it as a failure."
void run_fail(const CallPtr& call) {
  const auto& s = static_cast<const asl::FailState&>(*call->state);
  const json context = call->context();
  Failure f;
  const asl::EvalEnv env{call->input, context, call->vars.get()};
  f.error = s.error_expr ? s.error_expr->evaluate_string(env)
                         : resolve_fail_field(call, s.error, s.error_path, "ErrorPath", context);
  f.cause = s.cause_expr ? s.cause_expr->evaluate_string(env)
                         : resolve_fail_field(call, s.cause, s.cause_path, "CausePath", context);
  call->done(StepResult::fail(std::move(f)));
}

}  // namespace cosmicai::engine
