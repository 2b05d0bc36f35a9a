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

std::int64_t wait_seconds_path(const std::string& path, const json& input, const json& context) {
  auto v = asl::try_query_path(path, input, context);
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

StepResult finish(const asl::State& s, json output) {
  return StepResult{s.end ? StepResult::Kind::kEnd : StepResult::Kind::kNext, std::move(output), s.next, {}};
}

}  // namespace

// "The Pass State by default passes its input to its output, performing no work."
void run_pass(const CallPtr& call) {
  const auto& s = static_cast<const asl::PassState&>(*call->state);
  const json context = call->context();
  json effective = apply_input_path(s, call->input, context);
  if (s.parameters) effective = asl::evaluate_payload_template(*s.parameters, effective, context);
  json result = s.result ? *s.result : std::move(effective);
  json out = apply_result(s.result_path, call->input, std::move(result));
  call->done(finish(s, apply_output_path(s, out, context)));
}

// "A Choice state ... evaluates the Choice Rules in order and transitions to the
// state named in the first match's Next; otherwise Default; otherwise States.NoChoiceMatched."
void run_choice(const CallPtr& call) {
  const auto& s = static_cast<const asl::ChoiceState&>(*call->state);
  const json context = call->context();
  json effective = apply_input_path(s, call->input, context);
  std::string next;
  for (const auto& rule : s.choices) {
    if (rule.evaluate(effective, context)) {
      next = rule.next();
      break;
    }
  }
  if (next.empty()) next = s.default_next;
  if (next.empty()) {
    call->done(StepResult::fail(Failure{std::string(asl::errors::kNoChoiceMatched), "No Matches!"}));
    return;
  }
  call->done(StepResult{StepResult::Kind::kNext, apply_output_path(s, effective, context), next, {}});
}

// "A Wait state causes the interpreter to delay the machine from continuing for a specified time."
void run_wait(const CallPtr& call) {
  const auto& s = static_cast<const asl::WaitState&>(*call->state);
  const json context = call->context();
  json effective = apply_input_path(s, call->input, context);
  auto& clock = call->exec().scheduler.clock();
  Clock::duration delay{0};
  if (s.seconds) {
    delay = std::chrono::seconds(*s.seconds);
  } else if (s.seconds_path) {
    delay = std::chrono::seconds(std::min(wait_seconds_path(*s.seconds_path, effective, context), kMaxWaitSeconds));
  } else {
    std::optional<std::int64_t> ns;
    if (s.timestamp) {
      ns = asl::parse_timestamp_ns(*s.timestamp);
    } else {
      auto v = asl::try_query_path(*s.timestamp_path, effective, context);
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
  json out = apply_output_path(s, effective, context);
  if (delay <= Clock::duration::zero()) {
    call->done(finish(s, std::move(out)));
    return;
  }
  call->exec().post_after(delay, [call, out = std::move(out)]() mutable {
    call->done(finish(*call->state, std::move(out)));
  });
}

// "The Succeed State either terminates a state machine successfully, ends a branch
// of a Parallel State, or ends an iteration of a Map State."
void run_succeed(const CallPtr& call) {
  const auto& s = *call->state;
  const json context = call->context();
  json effective = apply_input_path(s, call->input, context);
  call->done(StepResult{StepResult::Kind::kEnd, apply_output_path(s, effective, context), {}, {}});
}

namespace {

std::optional<std::string> resolve_fail_field(const CallPtr& call, const std::optional<std::string>& literal,
                                              const std::optional<std::string>& path, const char* field,
                                              const json& context) {
  if (literal) return literal;
  if (!path) return std::nullopt;
  json value;
  if (asl::is_intrinsic_call(*path)) {
    value = asl::evaluate_intrinsic(*path, call->input, context);
  } else {
    auto v = asl::try_query_path(*path, call->input, context);
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
  f.error = resolve_fail_field(call, s.error, s.error_path, "ErrorPath", context);
  f.cause = resolve_fail_field(call, s.cause, s.cause_path, "CausePath", context);
  call->done(StepResult::fail(std::move(f)));
}

}  // namespace cosmicai::engine
