// Catch: AWS's matching rules and where the error output goes.
#include "asl/policy/error_matcher.hpp"
#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using testing::run;

TEST(ErrorMatching, StatesAllMatchesEverythingButRuntimeErrors) {
  const std::vector<std::string> all = {"States.ALL"};
  EXPECT_TRUE(asl::error_matches(all, std::string("Exception")));
  EXPECT_TRUE(asl::error_matches(all, std::string("States.Timeout")));
  EXPECT_TRUE(asl::error_matches(all, std::nullopt));
  EXPECT_FALSE(asl::error_matches(all, std::string("States.Runtime")));
  // Recorded on AWS: a Catch on States.ALL catches a task result over the payload limit.
  EXPECT_TRUE(asl::error_matches(all, std::string("States.DataLimitExceeded")));
  EXPECT_FALSE(asl::error_matches({"States.TaskFailed"}, std::string("States.DataLimitExceeded")));
  EXPECT_TRUE(asl::error_matches({"States.DataLimitExceeded"}, std::string("States.DataLimitExceeded")));
  EXPECT_FALSE(asl::error_matches({"States.Runtime"}, std::string("States.Runtime")));
}

TEST(ErrorMatching, TaskFailedMatchesAllButTimeout) {
  const std::vector<std::string> tf = {"States.TaskFailed"};
  EXPECT_TRUE(asl::error_matches(tf, std::string("Lambda.Unknown")));
  EXPECT_FALSE(asl::error_matches(tf, std::string("States.Timeout")));
  EXPECT_TRUE(asl::error_matches({"States.Timeout"}, std::string("States.Timeout")));
}

TEST(ErrorMatching, NamesAreExactAndCaseSensitive) {
  EXPECT_FALSE(asl::error_matches({"State.ALL"}, std::string("Exception")));
  EXPECT_FALSE(asl::error_matches({"exception"}, std::string("Exception")));
  EXPECT_TRUE(asl::error_matches({"A", "Exception"}, std::string("Exception")));
}

const char* kCatchDef = R"({"StartAt":"T","States":{
  "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:sfn_stub_raise",
       "Catch":[{"ErrorEquals":["Other"],"Next":"Wrong"},
                {"ErrorEquals":["Exception"],"ResultPath":"$.error","Next":"Handled"}],"Next":"Wrong"},
  "Wrong":{"Type":"Fail","Error":"Wrong"},
  "Handled":{"Type":"Pass","End":true}}})";

TEST(CatchExecution, FirstMatchingCatcherWinsAndResultPathKeepsInput) {
  auto r = run(kCatchDef, json{{"keep", 1}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output["keep"], 1);
  EXPECT_EQ(r.output["error"]["Error"], "Exception");
  auto cause = json::parse(r.output["error"]["Cause"].get<std::string>());
  EXPECT_EQ(cause["errorMessage"], "Some exception was raised.");
}

TEST(CatchExecution, DefaultResultPathReplacesInputAndNullDiscardsError) {
  auto r = run(R"({"StartAt":"F","States":{
    "F":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"Boom","Cause":"why"}}}],
         "Catch":[{"ErrorEquals":["Boom"],"Next":"P"}],"End":true},
    "P":{"Type":"Pass","End":true}}})",
               json{{"in", 1}});
  ASSERT_EQ(r.status, "SUCCEEDED");
  EXPECT_EQ(r.output, (json{{"Error", "Boom"}, {"Cause", "why"}}));
  auto r2 = run(R"({"StartAt":"F","States":{
    "F":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Fail","Error":"Boom"}}}],
         "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"P"}],"End":true},
    "P":{"Type":"Pass","End":true}}})",
                json{{"in", 1}});
  ASSERT_EQ(r2.status, "SUCCEEDED");
  EXPECT_EQ(r2.output, (json{{"in", 1}}));
}

TEST(CatchExecution, UncaughtErrorFailsTheExecutionWithErrorAndCause) {
  auto r = run(R"({"StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
         "Parameters":{"FunctionName":"sfn_stub_raise","Payload.$":"$"},
         "Catch":[{"ErrorEquals":["Lambda.Unknown"],"Next":"P"}],"End":true},
    "P":{"Type":"Pass","End":true}}})",
               json::object());
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "Exception");
  EXPECT_EQ(r.cause, R"({"errorMessage":"Some exception was raised.","errorType":"Exception"})");
}

}  // namespace
}  // namespace cosmicai::engine
