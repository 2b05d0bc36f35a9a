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

TEST(BadInput, ThePayloadLimitCountsTheSerialisedBytesExactly) {
  // Escapes, non-ASCII text, integers, floats, booleans and nesting, padded to exactly 256 KiB of
  // compact JSON: that passes, one byte more fails (whatever shortcut the size check takes).
  const json mix = {{"esc", "a\"b\\c\nd\u0001e\u007f"}, {"utf8", "\u00e9t\u00e9 \u4e2d\u6587"},
                    {"ints", {0, -1, 42, 1234567890123LL, 18446744073709551615ULL}},
                    {"floats", {0.5, -1.25e-7, 3.141592653589793}},
                    {"flags", {true, false, nullptr}},
                    {"nested", {{"a", json::array()}, {"b", json::object()}, {"c", {{"d", {1, {2, {3}}}}}}}}};
  for (const std::size_t extra : {0, 1}) {
    json input = {{"mix", mix}, {"pad", ""}};
    const std::size_t base = input.dump().size();
    input["pad"] = std::string(kPayloadLimitBytes - base + extra, 'x');
    ASSERT_EQ(input.dump().size(), kPayloadLimitBytes + extra);
    auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"mix.$":"$.mix","pad.$":"$.pad"},
        "End":true}}})", input);
    EXPECT_EQ(r.status, extra == 0 ? "SUCCEEDED" : "FAILED") << "extra " << extra;
    if (extra == 1) EXPECT_EQ(r.error, "States.DataLimitExceeded");
  }
}

TEST(BadInput, StateResultOver256KiBIsDataLimitExceeded) {
  const json input = {{"s", std::string(150000, 'y')}};
  auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},
      "End":true}}})", input);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.DataLimitExceeded");
  ASSERT_TRUE(r.cause);
  EXPECT_NE(r.cause->find("'P'"), std::string::npos) << *r.cause;
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
  ASSERT_TRUE(r.cause);
  EXPECT_NE(r.cause->find("FunctionName"), std::string::npos) << *r.cause;
}

TEST(BadInput, UnknownFunctionIsResourceNotFound) {
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:nobody-home","End":true}}})", json::object());
  EXPECT_EQ(r.error, "Lambda.ResourceNotFoundException");
  ASSERT_TRUE(r.cause);
  EXPECT_NE(r.cause->find("nobody-home"), std::string::npos) << *r.cause;
}

TEST(BadInput, HandlerThrowingAForeignExceptionDoesNotCrashTheEngine) {
  auto registry = testing::stub_registry();
  registry->add("throws", [](const json& e, const functions::InvokeContext&) -> json { return e.at("absent"); });
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:throws","End":true}}})", json{{"x", 1}}, registry);
  EXPECT_EQ(r.status, "FAILED");
  // The function's error, as a Lambda reports one: errorType names the exception, errorMessage says
  // what the handler did wrong (the missing key), and the same engine goes on running.
  ASSERT_TRUE(r.error);
  ASSERT_TRUE(r.cause);
  const json cause = json::parse(*r.cause);
  EXPECT_EQ(cause.value("errorType", ""), *r.error);
  EXPECT_NE(cause.value("errorMessage", "").find("'absent'"), std::string::npos) << *r.cause;
  registry->add("throws-int", [](const json&, const functions::InvokeContext&) -> json { throw 42; });
  auto m = testing::parse_machine(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:throws-int","End":true}}})");
  Engine engine(registry, {.workers = 2, .time_scale = 0.0});
  auto second = engine.run(m, json::object());
  EXPECT_EQ(second.status, "FAILED");
  EXPECT_EQ(second.error, "UnknownError");
  auto pass = testing::parse_machine(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  EXPECT_EQ(engine.run(pass, json{{"still", "running"}}).output, (json{{"still", "running"}}));
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
