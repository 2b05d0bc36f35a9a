// Compile first: paths, payload templates, intrinsic calls and literal-or-path fields are parsed
// once when the definition is loaded; every syntax error is reported at its JSON pointer, and a
// compiled form evaluates without parsing again.
#include <gtest/gtest.h>

#include <algorithm>

#include "asl/errors.hpp"
#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
#include "asl/state_machine.hpp"
#include "asl/states/fail.hpp"
#include "asl/states/map.hpp"
#include "asl/states/wait.hpp"

namespace cosmicai::asl {
namespace {

bool has_error(const std::vector<ValidationError>& errors, const std::string& pointer, const std::string& part) {
  return std::any_of(errors.begin(), errors.end(), [&](const ValidationError& e) {
    return e.pointer == pointer && e.message.find(part) != std::string::npos;
  });
}

TEST(CompiledPayloadTemplate, EvaluatesManyTimesFromOneCompile) {
  std::vector<ValidationError> errors;
  const auto t = PayloadTemplate::compile(
      json::parse(R"J({"a.$": "$.x", "n": {"b.$": "States.Format('{}-{}', $.x, $$.Id)"}, "k": [1, {"c": 2}]})J"), "/P",
      errors);
  ASSERT_TRUE(errors.empty());
  EXPECT_FALSE(t.is_constant());
  const json context{{"Id", "e"}};
  for (int i = 0; i < 3; ++i) {
    const json out = t.evaluate(json{{"x", i}}, context);
    EXPECT_EQ(out, json::parse(R"({"a": )" + std::to_string(i) + R"(, "n": {"b": ")" + std::to_string(i) +
                               R"(-e"}, "k": [1, {"c": 2}]})"));
  }
  EXPECT_TRUE(PayloadTemplate::compile(json::parse(R"({"k": [1, {"c": 2}]})"), "/P", errors).is_constant());
}

TEST(CompiledPayloadTemplate, ReportsEveryBadFieldAtItsPointer) {
  std::vector<ValidationError> errors;
  (void)PayloadTemplate::compile(
      json::parse(R"J({"a.$": "$.x[", "n": [{"b.$": "States.Nope()"}], "c~/.$": 3, "d.$": "x"})J"), "/States/S/Parameters",
      errors);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_TRUE(has_error(errors, "/States/S/Parameters/a.$", "invalid JSONPath '$.x['"));
  EXPECT_TRUE(has_error(errors, "/States/S/Parameters/n/0/b.$", "invalid intrinsic function call 'States.Nope()'"));
  EXPECT_TRUE(has_error(errors, "/States/S/Parameters/c~0~1.$", "got 3"));
  EXPECT_TRUE(has_error(errors, "/States/S/Parameters/d.$", "got 'x'"));
}

TEST(CompiledJsonPath, ReferencePathsAndResultPaths) {
  std::string error;
  EXPECT_FALSE(JsonPath::compile("$.a[*]", error, true));
  EXPECT_NE(error.find("wildcards"), std::string::npos);
  auto p = JsonPath::compile("$.a.b", error, true);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->is_root());
  EXPECT_EQ(p->apply_result(json{{"a", {{"c", 1}}}}, 2), json::parse(R"({"a": {"c": 1, "b": 2}})"));
  EXPECT_EQ(p->try_query(json::object(), nullptr), std::nullopt);
  EXPECT_THROW(p->query_field("x.$", json::object(), nullptr), StatesError);
  EXPECT_TRUE(JsonPath::compile("$", error)->is_root());
}

TEST(CompiledJsonPath, QueryOnATemporaryGivesWhatQueryOnAConstantGives) {
  // query(json&&) moves a matched node out; every other case goes the general way.
  const json input = json::parse(R"({"Payload": {"a": [1, {"b": null}], "s": "x"}, "n": [[0, 1], 2]})");
  const json context = json{{"Execution", {{"Id", "e"}}}};
  for (const char* text : {"$", "$.Payload", "$.Payload.a[1]", "$.Payload.a[1].b", "$.n[0][1]", "$.n[-1]", "$.n[5]",
                           "$.missing", "$.Payload.s.t", "$.n.x", "$..b", "$.Payload.a[*]", "$.n.length()",
                           "$['Payload']['s']", "$$.Execution.Id"}) {
    std::string error;
    auto p = JsonPath::compile(text, error);
    ASSERT_TRUE(p) << text << ": " << error;
    std::optional<json> want;
    std::string want_error;
    try {
      want = p->query(input, context);
    } catch (const StatesError& e) {
      want_error = e.cause();
    }
    json copy = input;
    try {
      const json got = p->query(std::move(copy), context);
      ASSERT_TRUE(want) << text << " gave " << got.dump() << ", expected the error " << want_error;
      EXPECT_EQ(got, *want) << text;
    } catch (const StatesError& e) {
      EXPECT_FALSE(want) << text << ": " << e.cause();
      EXPECT_EQ(e.cause(), want_error) << text;
    }
  }
}

TEST(LiteralOrPath, EveryStateFieldIsCompiledAndCheckedAtItsPointer) {
  const json def = json::parse(R"J({"StartAt": "W", "States": {
    "W": {"Type": "Wait", "SecondsPath": "$.s[", "Next": "M"},
    "M": {"Type": "Map", "MaxConcurrency": 2, "MaxConcurrencyPath": "$.m", "ToleratedFailureCountPath": "$..",
          "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "T"},
    "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "TimeoutSecondsPath": "$.t[",
          "Next": "F"},
    "F": {"Type": "Fail", "ErrorPath": "States.Format(", "CausePath": "$.c"}}})J");
  std::vector<ValidationError> errors;
  auto machine = StateMachine::parse(def, errors);
  EXPECT_TRUE(has_error(errors, "/States/W/SecondsPath", "invalid JSONPath '$.s['"));
  EXPECT_TRUE(has_error(errors, "/States/M", "MaxConcurrency and MaxConcurrencyPath are mutually exclusive"));
  EXPECT_TRUE(has_error(errors, "/States/M/ToleratedFailureCountPath", "invalid JSONPath '$..'"));
  EXPECT_TRUE(has_error(errors, "/States/T/TimeoutSecondsPath", "invalid JSONPath '$.t['"));
  EXPECT_TRUE(has_error(errors, "/States/F/ErrorPath", "invalid intrinsic function call"));
  EXPECT_EQ(errors.size(), 5u);
}

TEST(LiteralOrPath, ResolvesLiteralPathAndIntrinsicThroughTheState) {
  const json def = json::parse(R"J({"StartAt": "W", "States": {
    "W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "F"},
    "F": {"Type": "Fail", "ErrorPath": "States.Format('E{}', $.n)", "Cause": "literal"}}})J");
  std::vector<ValidationError> errors;
  auto machine = StateMachine::parse(def, errors);
  ASSERT_TRUE(errors.empty()) << errors.front().to_string();
  const auto& wait = static_cast<const WaitState&>(*machine->find("W"));
  const auto& fail = static_cast<const FailState&>(*machine->find("F"));
  const json input = {{"s", 7}, {"n", 3}};
  const EvalEnv env{input, nullptr};
  EXPECT_EQ(wait.delay(env, input, std::chrono::nanoseconds(0)), std::chrono::seconds(7));
  EXPECT_EQ(fail.error_of(env), "E3");
  EXPECT_EQ(fail.cause_of(env), "literal");
  const json bad = {{"s", -1}};
  try {
    (void)wait.delay(EvalEnv{bad, nullptr}, bad, std::chrono::nanoseconds(0));
    FAIL() << "a negative SecondsPath value must fail";
  } catch (const StatesError& e) {
    EXPECT_EQ(e.name(), errors::kRuntime);
    EXPECT_NE(e.cause().find("references a negative value"), std::string::npos);
  }
  EXPECT_THROW((void)fail.error_of(EvalEnv{json::object(), nullptr}), StatesError);  // $.n matches nothing
}

}  // namespace
}  // namespace cosmicai::asl
