// Retry delay arithmetic, measured through the clock, and $$.State.RetryCount.
#include <atomic>
#include <mutex>
#include <vector>

#include "asl/policy/retrier.hpp"
#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using namespace std::chrono_literals;
using testing::run;

asl::Retrier parse_retrier(const json& j) {
  std::vector<asl::ValidationError> errors;
  asl::ParseContext ctx(errors);
  auto r = asl::Retrier::from_json(j, "/r", true, ctx);
  EXPECT_TRUE(errors.empty()) << errors.front().to_string();
  return *r;
}

TEST(Retrier, DelayIsIntervalTimesBackoffToTheAttempt) {
  auto r = parse_retrier({{"ErrorEquals", {"X"}}, {"IntervalSeconds", 2}, {"BackoffRate", 3}});
  EXPECT_EQ(r.delay(0), std::chrono::nanoseconds(2s));
  EXPECT_EQ(r.delay(1), std::chrono::nanoseconds(6s));
  EXPECT_EQ(r.delay(2), std::chrono::nanoseconds(18s));
}

TEST(Retrier, DefaultsAreOneSecondThreeAttemptsBackoffTwo) {
  auto r = parse_retrier({{"ErrorEquals", {"X"}}});
  EXPECT_EQ(r.interval_seconds(), 1);
  EXPECT_EQ(r.max_attempts(), 3);
  EXPECT_DOUBLE_EQ(r.backoff_rate(), 2.0);
  EXPECT_EQ(r.delay(2), std::chrono::nanoseconds(4s));
}

TEST(Retrier, MaxDelaySecondsCapsTheDelay) {
  auto r = parse_retrier({{"ErrorEquals", {"X"}}, {"IntervalSeconds", 3}, {"BackoffRate", 2}, {"MaxDelaySeconds", 10}});
  EXPECT_EQ(r.delay(1), std::chrono::nanoseconds(6s));
  EXPECT_EQ(r.delay(2), std::chrono::nanoseconds(10s));
  EXPECT_EQ(r.delay(9), std::chrono::nanoseconds(10s));
}

TEST(Retrier, FullJitterScalesTheDelayIntoZeroToDelay) {
  auto r = parse_retrier({{"ErrorEquals", {"X"}}, {"IntervalSeconds", 4}, {"JitterStrategy", "FULL"}});
  EXPECT_EQ(r.delay(1, 0.0), std::chrono::nanoseconds(0));
  EXPECT_EQ(r.delay(1, 0.5), std::chrono::nanoseconds(4s));
  EXPECT_LE(r.delay(1, 0.999), std::chrono::nanoseconds(8s));
  auto none = parse_retrier({{"ErrorEquals", {"X"}}, {"IntervalSeconds", 4}, {"JitterStrategy", "NONE"}});
  EXPECT_EQ(none.delay(1, 0.25), std::chrono::nanoseconds(8s));
}

TEST(RetryExecution, BackOffAdvancesLogicalTimeBySumOfDelays) {
  auto registry = testing::stub_registry();
  std::vector<Clock::time_point> calls;  // the engine's logical time at each call
  Engine* engine_ptr = nullptr;
  std::mutex mu;
  registry->add("flaky", [&](const json&, const functions::InvokeContext&) -> json {
    std::lock_guard lock(mu);
    calls.push_back(engine_ptr->clock().now());
    throw functions::FunctionError("Flaky", "call " + std::to_string(calls.size()));
  });
  const std::string def = R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:flaky","End":true,
      "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3,"MaxDelaySeconds":10}]}}})";
  auto m = testing::parse_machine(def);
  Engine engine(registry, {.workers = 2, .time_scale = 0.0});
  engine_ptr = &engine;
  const auto before = engine.clock().skipped();
  auto r = engine.run(m, json::object());
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "Flaky");
  std::lock_guard lock(mu);
  ASSERT_EQ(calls.size(), 4u);  // first call + 3 retries
  // Each retry comes at least its back-off after the previous call in logical time (2, 2×3, then
  // 18 capped at 10 s). Logical time is real time plus what the clock skipped, so the gap can
  // only exceed the back-off by the real time spent between the calls (well under 4 s; a wrong
  // rate or cap moves a gap by 4 s or more).
  const std::chrono::seconds backoff[] = {2s, 6s, 10s};
  for (std::size_t i = 1; i < calls.size(); ++i) {
    const auto gap = calls[i] - calls[i - 1];
    EXPECT_GE(gap, backoff[i - 1]) << "retry " << i;
    EXPECT_LT(gap, backoff[i - 1] + 4s) << "retry " << i;
  }
  // At time scale 0 the clock skipped the back-off instead of sleeping (never more than 2 + 6 + 10 s).
  const auto skipped = engine.clock().skipped() - before;
  EXPECT_LE(skipped, std::chrono::nanoseconds(18s));
  EXPECT_GT(skipped, std::chrono::nanoseconds(0));
}

TEST(RetryExecution, RetryCountIsVisibleInTheContextObject) {
  auto registry = testing::stub_registry();
  registry->add("third-time-lucky", [](const json& event, const functions::InvokeContext&) -> json {
    if (event["retry"].get<int>() < 2) throw functions::FunctionError("NotYet", "retry " + event["retry"].dump());
    return event;
  });
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:third-time-lucky",
      "Parameters":{"retry.$":"$$.State.RetryCount"},"End":true,
      "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":5}]}}})",
               json::object(), registry);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, (json{{"retry", 2}}));
}

TEST(RetryExecution, MaxAttemptsZeroNeverRetriesAndFirstMatchingRetrierDecides) {
  auto registry = testing::stub_registry();
  std::atomic<int> calls{0};
  registry->add("f", [&](const json&, const functions::InvokeContext&) -> json {
    ++calls;
    throw functions::FunctionError("E", "x");
  });
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true,
      "Retry":[{"ErrorEquals":["E"],"MaxAttempts":0},{"ErrorEquals":["States.ALL"],"MaxAttempts":4}]}}})",
               json::object(), registry);
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(calls.load(), 1);
}

TEST(RetryExecution, RuntimeErrorsAreNeverRetried) {
  auto r = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:sfn_stub_identity","InputPath":"$.missing","End":true,
      "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":4}],
      "Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]},"C":{"Type":"Pass","End":true}}})",
               json::object());
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.Runtime");
  ASSERT_TRUE(r.cause);
  EXPECT_NE(r.cause->find("state 'T'"), std::string::npos) << *r.cause;
}

}  // namespace
}  // namespace cosmicai::engine
