// Differences from AWS found while hardening the engine against recorded behaviour.
#include "asl/states/wait.hpp"
#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using testing::contains;
using testing::messages;

TEST(Hardening, ResultPathCannotWriteToTheContextObject) {
  auto m = messages(R"({"StartAt":"A","States":{
    "A":{"Type":"Pass","ResultPath":"$$.Execution.Input","Next":"B"},
    "B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","End":true,
         "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$$.State","Next":"C"}]},
    "C":{"Type":"Succeed"}}})");
  EXPECT_TRUE(contains(m, "/States/A/ResultPath: invalid reference path '$$.Execution.Input'")) << m.size();
  EXPECT_TRUE(contains(m, "/States/B/Catch/0/ResultPath: invalid reference path '$$.State'"));
  // Reading the context object stays legal.
  EXPECT_TRUE(messages(R"({"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$$.Execution.Input",
    "ResultPath":"$.x","End":true}}})").empty());
}

TEST(Hardening, WaitTimestampUsesTheChoiceTimestampGrammar) {
  // A day that does not exist and a lowercase zone letter are not timestamps, as in Choice rules.
  EXPECT_TRUE(contains(messages(R"({"StartAt":"W","States":{
    "W":{"Type":"Wait","Timestamp":"2016-02-30T00:00:00Z","End":true}}})"), "/States/W/Timestamp"));
  EXPECT_TRUE(contains(messages(R"({"StartAt":"W","States":{
    "W":{"Type":"Wait","Timestamp":"2016-03-14T01:59:00z","End":true}}})"), "/States/W/Timestamp"));
  EXPECT_EQ(asl::parse_timestamp_ns("1970-01-01T00:00:01.5+00:00"), 1500000000);
  EXPECT_EQ(asl::parse_timestamp_ns("1970-01-01T01:00:00+01:00"), 0);
  // A timestamp in the past ends the wait at once; a bad TimestampPath value fails the run.
  auto ok = testing::run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}})",
                         json{{"t", "2012-10-09T19:00:55.123456789Z"}});
  EXPECT_EQ(ok.status, "SUCCEEDED");
  auto bad = testing::run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}})",
                          json{{"t", "2012-10-09 19:00:55Z"}});
  EXPECT_EQ(bad.status, "FAILED");
  EXPECT_EQ(bad.error, "States.Runtime");
}

}  // namespace
}  // namespace cosmicai::engine

namespace cosmicai::engine {
namespace {

/// A Lambda handler returning a string of `n` bytes (the recorded AWS test used a Lambda with a large reply).
std::shared_ptr<functions::Registry> registry_with_big_reply(std::size_t n) {
  auto r = testing::stub_registry();
  r->add("big_reply", [n](const json&, const functions::InvokeContext&) { return json(std::string(n, 'x')); });
  return r;
}

TEST(Hardening, StatesAllCatchesATaskResultOverThePayloadLimit) {
  // As recorded on AWS (LocalStack test_states_errors, *_catch_state_all_data_limit_exceeded_*): the task
  // fails with States.DataLimitExceeded, the States.ALL catcher takes it, the error output is the new input.
  const auto def = [](const std::string& resource, const std::string& params) {
    return R"({"StartAt":"InvokeLambda","States":{"InvokeLambda":{"Type":"Task","Resource":")" + resource +
           R"(",)" + params + R"("Next":"ProcessResult","Catch":[{"ErrorEquals":["States.ALL"],"Next":"HandleGeneralError"}]},
      "ProcessResult":{"Type":"Pass","End":true},"HandleGeneralError":{"Type":"Pass","End":true}}})";
  };
  auto service = testing::run(def("arn:aws:states:::lambda:invoke",
                                  R"("Parameters":{"FunctionName.$":"$.FunctionName","Payload.$":"$.Payload"},)"),
                              json{{"FunctionName", "big_reply"}, {"Payload", nullptr}}, registry_with_big_reply(300000));
  ASSERT_EQ(service.status, "SUCCEEDED");
  EXPECT_EQ(service.output["Error"], "States.DataLimitExceeded");
  EXPECT_EQ(service.output["Cause"],
            "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.");
  const std::string arn = "arn:aws:lambda:us-east-1:000000000000:function:big_reply";
  auto legacy = testing::run(def(arn, ""), json::object(), registry_with_big_reply(300000));
  ASSERT_EQ(legacy.status, "SUCCEEDED");
  EXPECT_EQ(legacy.output["Cause"], "The state/task '" + arn +
                                        "' returned a result with a size exceeding the maximum number of bytes service "
                                        "limit.");
  // Without a catcher the execution fails with that error.
  auto uncaught = testing::run(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" + arn + R"(","End":true}}})",
                               json::object(), registry_with_big_reply(300000));
  EXPECT_EQ(uncaught.status, "FAILED");
  EXPECT_EQ(uncaught.error, "States.DataLimitExceeded");
}

TEST(Hardening, TheWholeInvokeResponseCountsTowardsThePayloadLimitWhenOnlyItsPayloadIsKept) {
  // With OutputPath "$.Payload" only the Payload is kept, but the limit applies to the whole Invoke
  // response (as without OutputPath): at the boundary both succeed, one byte over both fail.
  const auto def = [](bool payload_only) {
    return std::string(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
        "Parameters":{"FunctionName":"big_reply"},)") +
           (payload_only ? R"("OutputPath":"$.Payload",)" : "") + R"("End":true}}})";
  };
  const auto whole = testing::run(def(false), json::object(), registry_with_big_reply(10));
  ASSERT_EQ(whole.status, "SUCCEEDED") << whole.to_json();
  const std::size_t overhead = dump_compact(whole.output).size() - dump_compact(whole.output["Payload"]).size();
  const std::size_t fits = kPayloadLimitBytes - overhead - 2;  // a string's quotes
  for (bool payload_only : {false, true}) {
    const auto at_limit = testing::run(def(payload_only), json::object(), registry_with_big_reply(fits));
    ASSERT_EQ(at_limit.status, "SUCCEEDED") << payload_only;
    EXPECT_EQ(payload_only ? at_limit.output : at_limit.output["Payload"], json(std::string(fits, 'x')));
    const auto over = testing::run(def(payload_only), json::object(), registry_with_big_reply(fits + 1));
    EXPECT_EQ(over.status, "FAILED") << payload_only;
    EXPECT_EQ(over.error, "States.DataLimitExceeded") << payload_only;
    EXPECT_EQ(testing::cause_of(over),
              "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service "
              "limit.");
  }
}

}  // namespace
}  // namespace cosmicai::engine

namespace cosmicai::engine {
namespace {

TEST(Hardening, LambdaInvokePayloadIsTheRawRequestBody) {
  // Recorded on AWS (LocalStack test_lambda_task_service): a string Payload is JSON text the function
  // receives parsed, and a null or missing Payload reaches the function as {}.
  const std::string def = R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName":"sfn_stub_identity","Payload.$":"$.p"},"ResultSelector":{"r.$":"$.Payload"},
      "End":true}}})";
  EXPECT_EQ(testing::run(def, json{{"p", nullptr}}).output, (json{{"r", json::object()}}));
  EXPECT_EQ(testing::run(def, json{{"p", "\"HelloWorld\""}}).output, (json{{"r", "HelloWorld"}}));
  EXPECT_EQ(testing::run(def, json{{"p", "null"}}).output, (json{{"r", nullptr}}));
  EXPECT_EQ(testing::run(def, json{{"p", "[1, {\"a\": 2}]"}}).output, (json{{"r", json::parse("[1,{\"a\":2}]")}}));
  EXPECT_EQ(testing::run(def, json{{"p", "not json"}}).output, (json{{"r", "not json"}}));
  EXPECT_EQ(testing::run(def, json{{"p", {{"k", 1}}}}).output, (json{{"r", {{"k", 1}}}}));
  const std::string no_payload = R"({"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"FunctionName":"sfn_stub_identity"},"ResultSelector":{"r.$":"$.Payload"},"End":true}}})";
  EXPECT_EQ(testing::run(no_payload, json{{"x", 1}}).output, (json{{"r", json::object()}}));
}

}  // namespace
}  // namespace cosmicai::engine

namespace cosmicai::engine {
namespace {

std::string tolerance_machine(const std::string& field) {
  return R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.Items","MaxConcurrency":1,
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"H",
      "States":{"H":{"Type":"Pass","End":true}}},")" + field + R"(":"$.v","End":true}}})";
}

TEST(Hardening, ToleratedFailurePathsAreValidatedAsOnAws) {
  // Values recorded on AWS (LocalStack test_map_state_tolerated_failure_{count,percentage}_path) and the
  // causes LocalStack reproduces; a string holding an integer counts as that integer.
  const auto count = tolerance_machine("ToleratedFailureCountPath");
  const auto pct = tolerance_machine("ToleratedFailurePercentagePath");
  auto with = [](const json& v) { return json{{"Items", {0}}, {"v", v}}; };
  for (const json& ok : {json(0), json(1), json("3")}) EXPECT_EQ(testing::run(count, with(ok)).status, "SUCCEEDED") << ok;
  for (const json& ok : {json(0), json(1.1), json(100), json("50")}) {
    EXPECT_EQ(testing::run(pct, with(ok)).status, "SUCCEEDED") << ok;
  }
  auto bad_count = testing::run(count, with(json::object()));
  EXPECT_EQ(bad_count.error, "States.Runtime");
  EXPECT_NE(testing::cause_of(bad_count).find(
                "The ToleratedFailureCountPath field refers to value \"{}\" which is not a valid "
                "integer: $.v"),
            std::string::npos);
  EXPECT_NE(testing::cause_of(testing::run(count, with(-1))).find("ToleratedFailureCount cannot be negative."),
            std::string::npos);
  EXPECT_EQ(testing::run(count, with(1.5)).error, "States.Runtime");
  auto bad_pct = testing::run(pct, with("NoNumber"));
  EXPECT_EQ(bad_pct.error, "States.Runtime");
  EXPECT_NE(testing::cause_of(bad_pct).find("value \"NoNumber\" which is not a valid float: $.v"), std::string::npos);
  // MaxConcurrencyPath follows the same rules (recorded: LocalStack test_max_concurrency_path).
  const std::string conc = R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.Items","MaxConcurrencyPath":"$.v",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"H","States":{"H":{"Type":"Pass","End":true}}},
    "End":true}}})";
  EXPECT_EQ(testing::run(conc, with("2")).status, "SUCCEEDED");
  EXPECT_NE(testing::cause_of(testing::run(conc, with("NoNumber")))
                .find("The MaxConcurrencyPath field refers to value \"NoNumber\""),
            std::string::npos);
  EXPECT_NE(testing::cause_of(testing::run(conc, with(-1)))
                .find("Expected non-negative integer for MaxConcurrency, got '-1'"),
            std::string::npos);
  for (const json& out : {json(-1.1), json(100.1)}) {
    EXPECT_NE(
        testing::cause_of(testing::run(pct, with(out))).find("ToleratedFailurePercentage must be between 0 and 100."),
        std::string::npos);
  }
}

}  // namespace
}  // namespace cosmicai::engine

namespace cosmicai::engine {
namespace {

TEST(Hardening, WaitSecondsPathRejectsNonIntegersAndNegativesWithAwsCauses) {
  const std::string def = R"({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}})";
  EXPECT_EQ(testing::run(def, json{{"s", 1.5}}).cause, "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5");
  EXPECT_EQ(testing::run(def, json{{"s", -1}}).cause, "The SecondsPath parameter references a negative value: $.s == -1");
  EXPECT_EQ(testing::run(def, json::object()).cause, "The SecondsPath parameter does not reference an input value: $.s");
  EXPECT_EQ(testing::run(def, json{{"s", 0}}).status, "SUCCEEDED");
}

}  // namespace
}  // namespace cosmicai::engine
