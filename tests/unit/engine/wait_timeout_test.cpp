// Wait states and timeouts, through the engine's logical clock (time scale 0).
#include <thread>

#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using namespace std::chrono_literals;
using testing::run;

ExecutionResult run_with_engine(Engine& engine, const std::string& def, const json& input) {
  return engine.run(testing::parse_machine(def), input);
}

TEST(Wait, SecondsAndSecondsPathAdvanceLogicalTime) {
  Engine engine(testing::stub_registry(), {.workers = 2, .time_scale = 0.0});
  auto r = run_with_engine(engine, R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"Next":"W2"},
      "W2":{"Type":"Wait","SecondsPath":"$.s","End":true}}})",
                           json{{"s", 12}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, (json{{"s", 12}}));
  EXPECT_LE(engine.clock().skipped(), std::chrono::nanoseconds(42s));
  EXPECT_GT(engine.clock().skipped(), std::chrono::nanoseconds(41s));
}

TEST(Wait, ParallelWaitsOverlapInLogicalTime) {
  Engine engine(testing::stub_registry(), {.workers = 4, .time_scale = 0.0});
  std::string branches;
  for (int i = 0; i < 4; ++i) {
    branches += std::string(i ? "," : "") + R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}})";
  }
  auto r = run_with_engine(engine, R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[)" + branches +
                                       R"(],"End":true}}})",
                           json::object());
  ASSERT_EQ(r.status, "SUCCEEDED");
  EXPECT_GT(engine.clock().skipped(), std::chrono::nanoseconds(99s));
  EXPECT_LE(engine.clock().skipped(), std::chrono::nanoseconds(100s));  // once, not 4 x 100 s
}

TEST(Wait, TimestampInThePastDoesNotWaitAndFutureWaitsUntilIt) {
  Engine engine(testing::stub_registry(), {.workers = 2, .time_scale = 0.0});
  auto past = run_with_engine(engine, R"({"StartAt":"W","States":{"W":{"Type":"Wait",
      "Timestamp":"2016-03-14T01:59:00Z","End":true}}})", json::object());
  ASSERT_EQ(past.status, "SUCCEEDED");
  EXPECT_EQ(engine.clock().skipped(), std::chrono::nanoseconds(0));
  const auto target = std::chrono::time_point_cast<std::chrono::seconds>(engine.clock().now()) + 3600s;
  auto future = run_with_engine(engine, R"({"StartAt":"W","States":{"W":{"Type":"Wait",
      "TimestampPath":"$.t","End":true}}})", json{{"t", format_iso8601(target)}});
  ASSERT_EQ(future.status, "SUCCEEDED") << future.to_json();
  EXPECT_GE(engine.clock().now(), target);
  EXPECT_GT(engine.clock().skipped(), std::chrono::nanoseconds(3590s));
}

TEST(Wait, BadSecondsPathAndTimestampPathFailAsRuntimeErrors) {
  auto r = run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}})", json{{"s", "ten"}});
  EXPECT_EQ(r.error, "States.Runtime");
  auto r2 = run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.t","End":true}}})",
                json{{"t", "yesterday"}});
  EXPECT_EQ(r2.error, "States.Runtime");
}

TEST(Timeout, ExecutionTimeoutSecondsEndsAsTimedOut) {
  auto r = run(R"({"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"P"},
      "P":{"Type":"Pass","End":true}}})",
               json::object());
  EXPECT_EQ(r.status, "TIMED_OUT");
  EXPECT_EQ(r.error, "States.Timeout");
}

TEST(Timeout, WaitPastTheDeadlineInTheLastStateTimesOutToo) {
  auto r = run(R"({"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})",
               json::object());
  EXPECT_EQ(r.status, "TIMED_OUT");
  auto ok = run(R"({"TimeoutSeconds":15,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}})",
                json::object());
  EXPECT_EQ(ok.status, "SUCCEEDED");
}

TEST(Timeout, TaskTimeoutSecondsFailsTheTaskWithStatesTimeoutAndCanBeCaught) {
  auto registry = testing::stub_registry();
  registry->add("slow", [](const json& e, const functions::InvokeContext&) -> json {
    std::this_thread::sleep_for(2500ms);
    return e;
  });
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","TimeoutSeconds":1,
      "Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Wrong"},{"ErrorEquals":["States.Timeout"],"Next":"Late"}],
      "End":true},"Wrong":{"Type":"Pass","End":true},"Late":{"Type":"Pass","Result":"late","End":true}}})",
               json::object(), registry);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, "late");
}

TEST(Timeout, TimeoutSecondsPathMustSelectAPositiveInteger) {
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:sfn_stub_identity","TimeoutSecondsPath":"$.t",
      "End":true}}})",
               json{{"t", -3}});
  EXPECT_EQ(r.error, "States.Runtime");
  auto ok = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:sfn_stub_identity","TimeoutSecondsPath":"$.t",
      "End":true}}})",
                json{{"t", 30}});
  EXPECT_EQ(ok.status, "SUCCEEDED");
}

}  // namespace
}  // namespace cosmicai::engine
