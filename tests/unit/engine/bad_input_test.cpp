// Bad input gets a named error and no crash.
#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using testing::run;

TEST(BadInput, ExecutionInputOver256KiBIsDataLimitExceeded) {
  json input = {{"blob", std::string(kPayloadLimitBytes, 'x')}};
  auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})", input);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.DataLimitExceeded");
}

TEST(BadInput, StateResultOver256KiBIsDataLimitExceeded) {
  const json input = {{"s", std::string(150000, 'y')}};
  auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},
      "End":true}}})", input);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.DataLimitExceeded");
  EXPECT_NE(r.cause->find("'P'"), std::string::npos);
}

TEST(BadInput, ResultPathIntoANonObjectFailsWithResultPathMatchFailure) {
  auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}}})",
               json{{"a", "text"}});
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.ResultPathMatchFailure");
}

TEST(BadInput, LambdaInvokeWithoutFunctionNameIsRejected) {
  EXPECT_TRUE(testing::contains(testing::messages(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$"},"End":true}}})"),
                                "/States/T/Parameters: missing required field 'FunctionName'"));
  // A FunctionName that resolves to something other than a string fails at run time.
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName.$":"$.n"},"End":true}}})", json{{"n", 5}});
  EXPECT_EQ(r.error, "States.Runtime");
  EXPECT_NE(r.cause->find("FunctionName"), std::string::npos);
}

TEST(BadInput, UnknownFunctionIsResourceNotFound) {
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:nobody-home","End":true}}})", json::object());
  EXPECT_EQ(r.error, "Lambda.ResourceNotFoundException");
  EXPECT_NE(r.cause->find("nobody-home"), std::string::npos);
}

TEST(BadInput, HandlerThrowingAForeignExceptionDoesNotCrashTheEngine) {
  auto registry = testing::stub_registry();
  registry->add("throws", [](const json& e, const functions::InvokeContext&) -> json { return e.at("absent"); });
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:throws","End":true}}})", json{{"x", 1}}, registry);
  EXPECT_EQ(r.status, "FAILED");
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->find("nlohmann"), std::string::npos) << *r.error;
}

TEST(BadInput, ChoiceWithoutMatchOrDefaultIsNoChoiceMatched) {
  auto r = run(R"({"StartAt":"C","States":{"C":{"Type":"Choice",
      "Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"D"}]},"D":{"Type":"Succeed"}}})", json{{"x", 2}});
  EXPECT_EQ(r.error, "States.NoChoiceMatched");
}

TEST(BadInput, LambdaInvokeResultHasTheInvokeResponseShape) {
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName":"sfn_stub_identity","Payload":{"k":"v"}},"End":true}}})", json::object());
  ASSERT_EQ(r.status, "SUCCEEDED");
  EXPECT_EQ(r.output["ExecutedVersion"], "$LATEST");
  EXPECT_EQ(r.output["Payload"], (json{{"k", "v"}}));
  EXPECT_EQ(r.output["StatusCode"], 200);
  EXPECT_TRUE(r.output.contains("SdkHttpMetadata"));
  EXPECT_TRUE(r.output.contains("SdkResponseMetadata"));
}

}  // namespace
}  // namespace cosmicai::engine
