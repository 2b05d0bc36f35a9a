// Wait states and timeouts, through the engine's logical clock (time scale 0): timeouts fail the
// state at the deadline and cancel the handler, which never returns by itself in these tests.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include <limits>

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

// Found by fuzz/asl_definition.cpp (UBSan: signed overflow): a Timestamp past 2262 overflowed the
// nanoseconds since 1970, and so did a huge SecondsPath, so the Wait could end at once.
TEST(Wait, FarFutureTimestampsAndHugeSecondsPathWaitInsteadOfOverflowing) {
  for (const std::string wait : {R"("Timestamp":"4032-03-14T01:59:00Z")", R"("SecondsPath":"$.s")",
                                 R"("TimestampPath":"$.t")"}) {
    auto r = run(R"({"TimeoutSeconds":60,"StartAt":"W","States":{"W":{"Type":"Wait",)" + wait + R"(,"End":true}}})",
                 json{{"s", std::numeric_limits<std::int64_t>::max()}, {"t", "9999-12-31T23:59:59Z"}});
    EXPECT_EQ(r.status, "TIMED_OUT") << wait << " " << r.to_json();
  }
  // Long before 1970 is in the past: no wait.
  auto past = run(R"({"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"0001-01-01T00:00:00Z","End":true}}})",
                  json::object());
  EXPECT_EQ(past.status, "SUCCEEDED") << past.to_json();
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

// A built-in handler that never returns by itself: it waits on its cancellation token.
// `calls` counts invocations, `stopped` those that saw the token cancelled (with its error).
struct Hanging {
  std::atomic<int> calls{0};
  std::atomic<int> stopped{0};
  std::mutex mu;
  std::vector<std::string> errors;
  functions::Handler handler() {
    return [this](const json&, const functions::InvokeContext& ctx) -> json {
      ++calls;
      ctx.cancel->wait();
      {
        std::lock_guard lock(mu);
        errors.push_back(ctx.cancel->error());
      }
      ++stopped;
      ctx.cancel->throw_if_cancelled();
      return "unreachable";
    };
  }
};

constexpr const char* kSlowArn = "arn:aws:lambda:us-east-1:123456789012:function:slow";

/// Logical seconds since `t0` on the engine's clock (at time scale 0: skipped time plus the
/// little real time the test took).
double since(Engine& engine, Clock::time_point t0) {
  return std::chrono::duration<double>(engine.clock().now() - t0).count();
}

TEST(Timeout, TaskTimeoutSecondsFailsAtTheDeadlineCancelsTheHandlerAndCanBeCaught) {
  auto registry = testing::stub_registry();
  Hanging slow;
  registry->add("slow", slow.handler());
  {
    Engine engine(registry, {.workers = 2, .time_scale = 0.0});
    const auto t0 = engine.clock().now();
    auto r = run_with_engine(engine, std::string(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":")") + kSlowArn + R"(","TimeoutSeconds":2,
      "Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Wrong"},{"ErrorEquals":["States.Timeout"],"Next":"Late"}],
      "End":true},"Wrong":{"Type":"Pass","End":true},"Late":{"Type":"Pass","Result":"late","End":true}}})",
                             json::object());
    ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
    EXPECT_EQ(r.output, "late");
    // The handler never returns by itself: the clock skipped to the 2 s deadline at once.
    EXPECT_GE(since(engine, t0), 2.0);
    EXPECT_LT(since(engine, t0), 3.0);
  }
  EXPECT_EQ(slow.calls, 1);
  EXPECT_EQ(slow.stopped, 1);
  EXPECT_EQ(slow.errors, std::vector<std::string>{"States.Timeout"});
}

TEST(Timeout, TimedOutAttemptsAreRetriedAndEachHandlerIsCancelled) {
  auto registry = testing::stub_registry();
  Hanging slow;
  registry->add("slow", slow.handler());
  {
    Engine engine(registry, {.workers = 1, .time_scale = 0.0});
    const auto t0 = engine.clock().now();
    auto r = run_with_engine(engine, std::string(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":")") + kSlowArn + R"(","TimeoutSeconds":3,
      "Retry":[{"ErrorEquals":["States.Timeout"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":2}],
      "End":true}}})",
                             json::object());
    EXPECT_EQ(r.status, "FAILED");
    EXPECT_EQ(r.error, "States.Timeout");
    // 3 attempts × 3 s + back-off 1 s + 2 s.
    EXPECT_GE(since(engine, t0), 12.0);
    EXPECT_LT(since(engine, t0), 13.0);
  }
  EXPECT_EQ(slow.calls, 3);
  EXPECT_EQ(slow.stopped, 3);
}

TEST(Timeout, HeartbeatSecondsFailsWithHeartbeatTimeoutUnlessTheHandlerBeats) {
  auto registry = testing::stub_registry();
  Hanging silent;
  registry->add("slow", silent.handler());
  std::atomic<int> beats{0};
  registry->add("beating", [&beats](const json& e, const functions::InvokeContext& ctx) -> json {
    for (int i = 0; i < 5; ++i) {  // 5 s of work, a heartbeat every second
      if (ctx.cancel->wait_for(std::chrono::seconds(1))) ctx.cancel->throw_if_cancelled();
      ctx.cancel->heartbeat();
      ++beats;
    }
    return e;
  });
  const std::string def = R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:FN","TimeoutSeconds":60,"HeartbeatSeconds":2,
      "End":true}}})";
  {
    Engine engine(registry, {.workers = 2, .time_scale = 0.0});
    const auto t0 = engine.clock().now();
    auto r = run_with_engine(engine, std::regex_replace(def, std::regex("FN"), "slow"), json::object());
    EXPECT_EQ(r.status, "FAILED");
    EXPECT_EQ(r.error, "States.HeartbeatTimeout") << r.to_json();
    EXPECT_GE(since(engine, t0), 2.0);
    EXPECT_LT(since(engine, t0), 3.0);
  }
  EXPECT_EQ(silent.errors, std::vector<std::string>{"States.HeartbeatTimeout"});
  {
    Engine engine(registry, {.workers = 2, .time_scale = 0.0});
    const auto t0 = engine.clock().now();
    auto r = run_with_engine(engine, std::regex_replace(def, std::regex("FN"), "beating"), json{{"k", 1}});
    EXPECT_EQ(r.status, "SUCCEEDED") << r.to_json();
    EXPECT_EQ(beats, 5);
    EXPECT_GE(since(engine, t0), 5.0);  // longer than HeartbeatSeconds, kept alive by the beats
  }
}

TEST(Timeout, ExecutionTimeoutSecondsCancelsEveryRunningHandler) {
  std::string branches;
  for (int i = 0; i < 3; ++i) {
    branches += std::string(i ? "," : "") + R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")" +
                kSlowArn + R"(","End":true}}})";
  }
  // With fewer workers than hanging handlers the clock still reaches the deadline: the branches
  // that never got a worker are stopped before their handler starts.
  for (std::size_t workers : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    auto registry = testing::stub_registry();
    Hanging slow;
    registry->add("slow", slow.handler());
    {
      Engine engine(registry, {.workers = workers, .time_scale = 0.0});
      const auto t0 = engine.clock().now();
      auto r = run_with_engine(engine, R"({"TimeoutSeconds":7,"StartAt":"P","States":{"P":{"Type":"Parallel",
          "Branches":[)" + branches + R"(],"End":true}}})",
                               json::object());
      EXPECT_EQ(r.status, "TIMED_OUT") << workers;
      EXPECT_EQ(r.error, "States.Timeout");
      EXPECT_GE(since(engine, t0), 7.0);
      EXPECT_LT(since(engine, t0), 8.0) << workers << " workers";
    }  // the engine's workers are joined: every handler has returned
    EXPECT_EQ(slow.calls, static_cast<int>(std::min<std::size_t>(workers, 3))) << workers;
    EXPECT_EQ(slow.stopped, slow.calls.load());
    EXPECT_EQ(slow.errors, std::vector<std::string>(slow.calls.load(), "States.Timeout"));
  }
}

TEST(Timeout, AFailedBranchCancelsTheHandlersOfItsSiblings) {
  auto registry = testing::stub_registry();
  Hanging slow;
  registry->add("slow", slow.handler());
  {
    Engine engine(registry, {.workers = 4, .time_scale = 0.0});
    const auto t0 = engine.clock().now();
    auto r = run_with_engine(engine, std::string(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
        {"StartAt":"T","States":{"T":{"Type":"Task","Resource":")") + kSlowArn + R"(","End":true}}},
        {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"F"},"F":{"Type":"Fail","Error":"Boom"}}}],
        "Catch":[{"ErrorEquals":["Boom"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
        "Caught":{"Type":"Wait","Seconds":10,"End":true}}})",
                             json::object());
    // The execution goes on (the failure is caught); the sibling's handler was stopped anyway.
    EXPECT_EQ(r.status, "SUCCEEDED") << r.to_json();
    EXPECT_GE(since(engine, t0), 15.0);
    EXPECT_LT(since(engine, t0), 16.0);
  }
  EXPECT_EQ(slow.stopped, 1);
  EXPECT_EQ(slow.errors, std::vector<std::string>{"Cancelled"});
}

TEST(Timeout, ASleepProcessIsKilledWithinASecondOfTheTaskTimeout) {
  // A real process that would run for 30 s; it writes its pid so the test can check it is gone.
  const auto pid_file = std::filesystem::temp_directory_path() /
                        ("cosmicai_timeout_pid_" + std::to_string(::getpid()) + ".txt");
  auto registry = testing::stub_registry();
  registry->add("slow", functions::make_process_handler("echo $$ > " + pid_file.string() + "; exec sleep 30"));
  Clock wall(1.0);  // time_scale 1: the timeout is 1 s of real time
  const auto t0 = wall.now();
  ExecutionResult r;
  {
    Engine engine(registry, {.workers = 1, .time_scale = 1.0});
    r = run_with_engine(engine, std::string(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":")") +
                                    kSlowArn + R"(","TimeoutSeconds":1,"End":true}}})",
                        json::object());
  }  // workers joined: the handler has reaped its process
  const double elapsed = std::chrono::duration<double>(wall.now() - t0).count();
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.Timeout");
  EXPECT_LT(elapsed, 1.0 + 1.0) << "the process was not stopped within 1 s of the timeout";
  std::ifstream in(pid_file);
  pid_t pid = 0;
  in >> pid;
  std::filesystem::remove(pid_file);
  ASSERT_GT(pid, 0);
  EXPECT_NE(::kill(pid, 0), 0) << "process " << pid << " still exists";
}

TEST(Timeout, ExceptionsThatAreNotStdExceptionsFailTheStateInsteadOfHanging) {
  auto registry = testing::stub_registry();
  registry->add("thrower", [](const json&, const functions::InvokeContext&) -> json { throw 42; });
  for (const char* states :
       {R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:thrower","End":true}}})",
        R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:thrower","TimeoutSeconds":5,"End":true}}})",
        R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:thrower","End":true}}},"End":true}}})",
        R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:thrower","HeartbeatSeconds":5,"End":true}}}],"End":true}}})"}) {
    auto r = run(states, json::array({1, 2, 3}), registry, 1);
    EXPECT_EQ(r.status, "FAILED") << states;
    EXPECT_EQ(r.error, "UnknownError") << states;
  }
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
