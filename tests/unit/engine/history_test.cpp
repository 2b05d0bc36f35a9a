// Execution history in GetExecutionHistory shape.
#include <mutex>

#include "engine/history.hpp"
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
  EXPECT_EQ(types(r.history.to_json()),
            (std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
                                      "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
                                      "ExecutionSucceeded"}));
  const json history = r.history.to_json();
  const auto& events = history["events"];
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
  const json history = r.history.to_json();
  for (const auto& e : history["events"]) {
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
  const json history = r.history.to_json();
  EXPECT_EQ(types(history),
            (std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "EvaluationFailed", "MapStateExited",
                                      "PassStateEntered", "EvaluationFailed", "ExecutionFailed"}));
  const auto& events = history["events"];
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
  EXPECT_EQ(types(r.history.to_json()),
            (std::vector<std::string>{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                                      "LambdaFunctionStarted", "LambdaFunctionFailed", "ExecutionFailed"}));
  EXPECT_EQ(r.history.to_json()["events"][4]["lambdaFunctionFailedEventDetails"]["error"], "Exception");
  EXPECT_EQ(r.history.to_json()["events"][5]["executionFailedEventDetails"]["error"], "Exception");
}

TEST(History, MapAndWaitEvents) {
  auto r = testing::run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"M"},
      "M":{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}})",
                        json::parse("[1,2]"), testing::stub_registry(), 2, true);
  ASSERT_EQ(r.status, "SUCCEEDED");
  auto t = types(r.history.to_json());
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
  EXPECT_EQ(types(r.history.to_json()),
            (std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
                                      "MapRunSucceeded", "MapStateSucceeded", "MapStateExited",
                                      "ExecutionSucceeded"}));
}

TEST(History, DisabledHistoryKeepsNothing) {
  auto r = testing::run(R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})", json::object());
  EXPECT_FALSE(r.history.recorded());
  EXPECT_TRUE(r.history.to_json().is_null());
  EXPECT_EQ(r.transitions, 1);
}

/// Keeps every event an observer is given, as the service's store does.
class EventKeeper : public ExecutionObserver {
 public:
  void event(const HistoryEvent& e) override {
    json j = json::object();
    j["timestamp"] = format_iso8601(e.timestamp);
    j["type"] = e.type;
    j["id"] = e.id;
    j["previousEventId"] = e.previous_id;
    if (!e.details.is_null()) j[details_key(e.type)] = e.details;
    std::lock_guard lock(mu_);
    events_.push_back(std::move(j));
  }
  json events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  json events_ = json::array();
};

TEST(History, AnObserverSeesEachEventAsRecordedAsTheHistoryShowsItLater) {
  // A Pass with Assign, a Task (its StateExited recorded alone, before the hand-over) and a Map.
  const char* definition = R"({"StartAt":"P","States":{
      "P":{"Type":"Pass","Assign":{"x":1},"Result":{"r":[1,2]},"ResultPath":"$.p","Next":"T"},
      "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
           "Parameters":{"FunctionName":"sfn_stub_identity","Payload.$":"$"},"Next":"M"},
      "M":{"Type":"Map","ItemsPath":"$.Payload.items","MaxConcurrency":1,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},
           "End":true}}})";
  auto m = testing::parse_machine(definition);
  auto keeper = std::make_shared<EventKeeper>();
  ExecutionResult r;
  {
    Engine engine(testing::stub_registry(), {.workers = 2, .time_scale = 0.0});
    ExecutionOptions opts;
    opts.record_history = true;
    opts.observer = keeper;
    r = engine.run(m, json{{"items", {1, 2, 3}}}, opts);
  }
  m.reset();  // the history keeps what it needs of the machine (its state names)
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  const json history = r.history.to_json();
  ASSERT_EQ(history["events"].size(), r.history.size());
  EXPECT_EQ(history["events"].size(), 25u);  // 12 of them the three Map iterations'
  EXPECT_EQ(keeper->events(), history["events"]);
  // Without an observer a state's input shares the text its predecessor's StateExited recorded: the
  // same history, timestamps aside.
  auto without_times = [](json events) {
    for (auto& e : events) {
      e.erase("timestamp");
      for (auto& [key, d] : e.items()) {
        for (const char* field : {"input", "output"}) {
          if (key != "timestamp" && d.is_object() && d.contains(field)) {
            json v = json::parse(d[field].get<std::string>());
            if (v.is_object()) v.erase("SdkHttpMetadata"), v.erase("SdkResponseMetadata");
            d[field] = v;
          }
        }
      }
    }
    return events;
  };
  // (The Task's request ids differ between runs: compared apart from them.)
  auto m2 = testing::parse_machine(definition);
  Engine engine(testing::stub_registry(), {.workers = 1, .time_scale = 0.0});
  ExecutionOptions opts;
  opts.record_history = true;
  const auto plain = engine.run(m2, json{{"items", {1, 2, 3}}}, opts);
  m2.reset();
  const json plain_history = plain.history.to_json();
  EXPECT_EQ(without_times(plain_history["events"]), without_times(history["events"]));
  EXPECT_EQ(plain_history["events"][3]["stateEnteredEventDetails"]["input"],
            R"({"items":[1,2,3],"p":{"r":[1,2]}})");
  EXPECT_EQ(history["events"][1]["stateEnteredEventDetails"],
            (json{{"name", "P"}, {"input", R"({"items":[1,2,3]})"}, {"inputDetails", {{"truncated", false}}}}));
  EXPECT_EQ(history["events"][2]["stateExitedEventDetails"],
            (json{{"name", "P"},
                  {"output", R"({"items":[1,2,3],"p":{"r":[1,2]}})"},
                  {"outputDetails", {{"truncated", false}}},
                  {"assignedVariables", {{"x", "1"}}},
                  {"assignedVariablesDetails", {{"truncated", false}}}}));
}

TEST(History, ALongChainKeepsEveryEventInOrderWithItsOwnInput) {
  // 300 states: 602 events, over several of the history's storage chunks; each state's input is
  // the output of the one before (its text shared with that StateExited).
  json states = json::object();
  for (int i = 0; i < 300; ++i) {
    json st = {{"Type", "Pass"}, {"ResultPath", "$.last"}, {"Result", i}};
    if (i + 1 < 300) st["Next"] = "S" + std::to_string(i + 1);
    else st["End"] = true;
    states["S" + std::to_string(i)] = st;
  }
  auto r = testing::run(json{{"StartAt", "S0"}, {"States", states}}.dump(), json{{"n", 1}}, testing::stub_registry(), 1,
                        true);
  ASSERT_EQ(r.status, "SUCCEEDED");
  const json history = r.history.to_json();
  const auto& events = history["events"];
  ASSERT_EQ(events.size(), 602u);
  ASSERT_EQ(r.history.size(), 602u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i]["id"], static_cast<int>(i + 1));
    ASSERT_EQ(events[i]["previousEventId"], static_cast<int>(i));
  }
  for (int i = 0; i < 300; ++i) {
    const auto& entered = events[1 + 2 * i]["stateEnteredEventDetails"];
    const auto& exited = events[2 + 2 * i]["stateExitedEventDetails"];
    ASSERT_EQ(entered["name"], "S" + std::to_string(i));
    ASSERT_EQ(entered["input"], i == 0 ? R"({"n":1})" : R"({"n":1,"last":)" + std::to_string(i - 1) + "}");
    ASSERT_EQ(exited["output"], R"({"n":1,"last":)" + std::to_string(i) + "}");
  }
}

}  // namespace
}  // namespace cosmicai::engine
