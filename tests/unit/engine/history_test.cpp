// Execution history in GetExecutionHistory shape.
#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

std::vector<std::string> types(const json& history) {
  std::vector<std::string> out;
  for (const auto& e : history["events"]) out.push_back(e["type"].get<std::string>());
  return out;
}

TEST(History, TaskWithLambdaInvokeRecordsAwsEventTypes) {
  auto r = testing::run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Next":"T"},
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Parameters":{"FunctionName":"sfn_stub_identity","Payload.$":"$"},"End":true}}})",
                        json{{"a", 1}}, testing::stub_registry(), 2, true);
  ASSERT_EQ(r.status, "SUCCEEDED");
  EXPECT_EQ(types(r.history),
            (std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
                                      "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
                                      "ExecutionSucceeded"}));
  const auto& events = r.history["events"];
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["id"], static_cast<int>(i + 1));
    EXPECT_EQ(events[i]["previousEventId"], static_cast<int>(i));
    EXPECT_TRUE(events[i].contains("timestamp"));
  }
  EXPECT_EQ(events[1]["stateEnteredEventDetails"]["name"], "P");
  EXPECT_EQ(events[1]["stateEnteredEventDetails"]["input"], R"({"a":1})");
  EXPECT_EQ(events[4]["taskScheduledEventDetails"]["resourceType"], "lambda");
  EXPECT_EQ(events[4]["taskScheduledEventDetails"]["resource"], "invoke");
  EXPECT_EQ(json::parse(events[8]["executionSucceededEventDetails"]["output"].get<std::string>())["Payload"],
            (json{{"a", 1}}));
}

TEST(History, StateExitedRecordsTheVariablesItsAssignSetAsJsonText) {
  auto r = testing::run(R"({"StartAt":"P","States":{
      "P":{"Type":"Pass","Assign":{"x":1,"obj":{"k":"v"},"copy.$":"$.a"},"Next":"T"},
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"sfn_stub_raise"},
           "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"caught":true},"Next":"Q"}],"End":true},
      "Q":{"Type":"Pass","End":true}}})",
                        json{{"a", "s"}}, testing::stub_registry(), 2, true);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  std::vector<json> exited;
  for (const auto& e : r.history["events"]) {
    if (e.contains("stateExitedEventDetails")) exited.push_back(e["stateExitedEventDetails"]);
  }
  ASSERT_EQ(exited.size(), 3u);
  EXPECT_EQ(exited[0]["assignedVariables"], (json{{"x", "1"}, {"obj", R"({"k":"v"})"}, {"copy", R"("s")"}}));
  EXPECT_EQ(exited[0]["assignedVariablesDetails"], (json{{"truncated", false}}));
  EXPECT_EQ(exited[1]["assignedVariables"], (json{{"caught", "true"}}));  // the Catcher's Assign
  EXPECT_FALSE(exited[2].contains("assignedVariables"));                  // no Assign, no field
}

TEST(History, AFailedJsonataEvaluationRecordsEvaluationFailedWithItsField) {
  auto r = testing::run(R"({"QueryLanguage":"JSONata","StartAt":"M","States":{
      "M":{"Type":"Map","Items":"{% $states.input.n %}","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
           "Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Next":"P"}],"End":true},
      "P":{"Type":"Pass","Output":{"result":"{% $states.input.missing %}"},"End":true}}})",
                        json{{"n", 1}}, testing::stub_registry(), 2, true);
  ASSERT_EQ(r.status, "FAILED");
  EXPECT_EQ(types(r.history),
            (std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "EvaluationFailed", "MapStateExited",
                                      "PassStateEntered", "EvaluationFailed", "ExecutionFailed"}));
  const auto& events = r.history["events"];
  const auto& items = events[2]["evaluationFailedEventDetails"];
  EXPECT_EQ(items["error"], "States.QueryEvaluationError");
  EXPECT_EQ(items["location"], "Items");
  EXPECT_EQ(items["state"], "M");
  EXPECT_NE(items["cause"].get<std::string>().find("Expected 'array', but was 'number'"), std::string::npos);
  const auto& output = events[5]["evaluationFailedEventDetails"];
  EXPECT_EQ(output["location"], "Output/result");
  EXPECT_EQ(output["state"], "P");
  // The execution fails with the cause the event recorded, which names the state's entry event.
  EXPECT_EQ(output["cause"], events[6]["executionFailedEventDetails"]["cause"]);
  EXPECT_NE(output["cause"].get<std::string>().find("(entered at the event id #5)"), std::string::npos);
}

TEST(History, PlainLambdaArnFailureRecordsLambdaFunctionEvents) {
  auto r = testing::run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:000000000000:function:sfn_stub_raise","End":true}}})",
                        json::object(), testing::stub_registry(), 2, true);
  ASSERT_EQ(r.status, "FAILED");
  EXPECT_EQ(types(r.history),
            (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                      "LambdaFunctionStarted", "LambdaFunctionFailed", "ExecutionFailed"}));
  EXPECT_EQ(r.history["events"][4]["lambdaFunctionFailedEventDetails"]["error"], "Exception");
  EXPECT_EQ(r.history["events"][5]["executionFailedEventDetails"]["error"], "Exception");
}

TEST(History, MapAndWaitEvents) {
  auto r = testing::run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"M"},
      "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})",
                        json::parse("[1,2]"), testing::stub_registry(), 2, true);
  ASSERT_EQ(r.status, "SUCCEEDED");
  auto t = types(r.history);
  auto count = [&](const std::string& s) { return std::count(t.begin(), t.end(), s); };
  EXPECT_EQ(count("WaitStateEntered"), 1);
  EXPECT_EQ(count("MapStateStarted"), 1);
  EXPECT_EQ(count("MapIterationStarted"), 2);
  EXPECT_EQ(count("MapIterationSucceeded"), 2);
  EXPECT_EQ(count("MapStateSucceeded"), 1);
  EXPECT_EQ(count("MapStateExited"), 1);
}

TEST(History, DistributedMapChildrenStayOutOfTheParentHistory) {
  auto r = testing::run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{
      "ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
      "StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})",
                        json::parse("[1,2,3]"), testing::stub_registry(), 2, true);
  ASSERT_EQ(r.status, "SUCCEEDED");
  EXPECT_EQ(types(r.history),
            (std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
                                      "MapRunSucceeded", "MapStateSucceeded", "MapStateExited",
                                      "ExecutionSucceeded"}));
}

TEST(History, DisabledHistoryKeepsNothing) {
  auto r = testing::run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})", json::object());
  EXPECT_TRUE(r.history.is_null());
  EXPECT_EQ(r.transitions, 1);
}

}  // namespace
}  // namespace cosmicai::engine
