// Payload templates (Parameters, ResultSelector, ItemSelector): ".$" keys take paths,
// context paths and intrinsic calls; validation names each bad field by JSON pointer.
#include <gtest/gtest.h>

#include "asl/errors.hpp"
#include "asl/path/payload_template.hpp"

namespace cosmicai::asl {
namespace {

const json kContext = json::parse(R"({"Execution": {"Id": "arn:exec", "Input": {"x": 1}},
                                      "Map": {"Item": {"Index": 2, "Value": "v"}}})");

TEST(PayloadTemplate, ResolvesDynamicKeysAndKeepsLiterals) {
  const json tmpl = json::parse(R"J({
    "flagged": true,
    "parts": {"first.$": "$.vals[0]", "last.$": "$.vals[-1]"},
    "input.$": "$",
    "exec.$": "$$.Execution.Id",
    "index.$": "$$.Map.Item.Index",
    "size.$": "States.ArrayLength($.vals)",
    "list": [{"v.$": "$.name"}, "$.not_a_path", 3],
    "Comment": "Comment text"
  })J");
  const json input = json::parse(R"({"vals": [10, 20, 30], "name": "n"})");
  const json out = evaluate_payload_template(tmpl, input, kContext);
  EXPECT_EQ(out.dump(), R"({"flagged":true,"parts":{"first":10,"last":30},"input":{"vals":[10,20,30],"name":"n"},)"
                        R"("exec":"arn:exec","index":2,"size":3,"list":[{"v":"n"},"$.not_a_path",3],)"
                        R"("Comment":"Comment text"})");
}

TEST(PayloadTemplate, RecordedArrayAccessAndEmptyMatches) {
  const json input = json::parse(R"({"items": [{"item_key": 0}, {"item_key": 1}]})");
  EXPECT_EQ(evaluate_payload_template(json{{"item.$", "$.items[1]"}}, input, kContext),
            json::parse(R"({"item": {"item_key": 1}})"));
  EXPECT_EQ(evaluate_payload_template(json{{"item.$", "$.items[*].itemValue"}}, json::object(), kContext),
            json::parse(R"({"item": []})"));
}

TEST(PayloadTemplate, NonObjectTemplatesPassThrough) {
  EXPECT_EQ(evaluate_payload_template("text", json::object(), kContext), "text");
  EXPECT_EQ(evaluate_payload_template(json::array({1, json{{"a.$", "$.b"}}}), json{{"b", 2}}, kContext),
            json::parse(R"([1, {"a": 2}])"));
}

TEST(PayloadTemplate, MissingPathUsesAwsWording) {
  try {
    evaluate_payload_template(json{{"value.$", "$$.Execution.Input.no_such_jsonpath"}}, json{{"int-literal", 0}},
                              kContext);
    FAIL() << "expected States.Runtime";
  } catch (const StatesError& e) {
    EXPECT_EQ(e.name(), "States.Runtime");
    EXPECT_EQ(e.cause(),
              "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be "
              "found in the input '{\"int-literal\":0}'");
  }
}

TEST(PayloadTemplate, IntrinsicFailuresPropagate) {
  try {
    evaluate_payload_template(json{{"x.$", "States.ArrayGetItem($.l, 3)"}}, json{{"l", {1}}}, kContext);
    FAIL() << "expected States.IntrinsicFailure";
  } catch (const StatesError& e) {
    EXPECT_EQ(e.name(), "States.IntrinsicFailure");
    EXPECT_NE(e.cause().find("out of range"), std::string::npos);
  }
}

TEST(PayloadTemplate, BadDynamicValuesAreRuntimeErrorsWhenNotValidatedFirst) {
  EXPECT_THROW(evaluate_payload_template(json{{"x.$", 5}}, json::object(), kContext), StatesError);
  EXPECT_THROW(evaluate_payload_template(json{{"x.$", "plain"}}, json::object(), kContext), StatesError);
}

TEST(ValidatePayloadTemplate, AcceptsGoodTemplates) {
  std::vector<ValidationError> errors;
  validate_payload_template(json::parse(R"J({"a.$": "$.x", "b": {"c.$": "$$.Execution.Id"},
                                            "d.$": "States.Format('{}', $.y)", "e": [{"f.$": "$[0]"}],
                                            "g": "$.literal", "Comment": "x"})J"),
                            "/States/S/Parameters", errors);
  EXPECT_TRUE(errors.empty()) << errors.front().to_string();
}

TEST(ValidatePayloadTemplate, NamesEveryBadFieldByPointer) {
  std::vector<ValidationError> errors;
  validate_payload_template(json::parse(R"J({"a.$": 5, "b": {"c.$": "no path"}, "d.$": "States.Nope(1)",
                                            "e": [{"f.$": "$.x["}], "g.$": "$var", "h/i.$": "States.Array("})J"),
                            "/States/S/Parameters", errors);
  ASSERT_EQ(errors.size(), 5u);  // "$var" reads a workflow variable
  EXPECT_EQ(errors[0].pointer, "/States/S/Parameters/a.$");
  EXPECT_NE(errors[0].message.find("got 5"), std::string::npos);
  EXPECT_EQ(errors[1].pointer, "/States/S/Parameters/b/c.$");
  EXPECT_NE(errors[1].message.find("'no path'"), std::string::npos);
  EXPECT_EQ(errors[2].pointer, "/States/S/Parameters/d.$");
  EXPECT_NE(errors[2].message.find("not an intrinsic function"), std::string::npos);
  EXPECT_EQ(errors[3].pointer, "/States/S/Parameters/e/0/f.$");
  EXPECT_NE(errors[3].message.find("invalid JSONPath '$.x['"), std::string::npos);
  EXPECT_EQ(errors[4].pointer, "/States/S/Parameters/h~1i.$");
}

}  // namespace
}  // namespace cosmicai::asl
