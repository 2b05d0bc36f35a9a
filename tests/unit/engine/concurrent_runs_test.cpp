// Engine::run from several threads at once on one engine: each execution gets its own input,
// output, context object and history, and executions really overlap.
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

TEST(ConcurrentRuns, ExecutionsOnOneEngineOverlapAndKeepTheirOwnData) {
  constexpr int kRuns = 4;
  // Every execution's task waits until all of them are inside it: they can only all get there if
  // the engine runs them at the same time (30 s is a bound only a serial engine reaches).
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  bool all_met = true;
  auto registry = testing::stub_registry();
  registry->add("meet", [&](const json& event, const functions::InvokeContext& ctx) -> json {
    std::unique_lock lock(mu);
    if (++inside == kRuns) cv.notify_all();
    if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return inside >= kRuns; })) all_met = false;
    return json{{"n", event.at("n")}, {"execution", ctx.execution_arn}};
  });
  auto machine = testing::parse_machine(R"({"StartAt":"W","States":{
    "W":{"Type":"Wait","Seconds":5,"Next":"T"},
    "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:meet",
         "Parameters":{"n.$":"$.n"},"ResultPath":"$.task","Next":"M"},
    "M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"v.$":"$$.Map.Item.Value","name.$":"$$.Execution.Name"},
         "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultPath":"$.mapped","End":true}}})");
  Engine engine(registry, {.workers = kRuns, .time_scale = 0.0});

  std::vector<ExecutionResult> results(kRuns);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      ExecutionOptions opts;
      opts.name = "run-" + std::to_string(i);
      opts.record_history = true;
      json items = json::array();
      for (int k = 0; k <= i; ++k) items.push_back(i * 100 + k);
      results[i] = engine.run(machine, json{{"n", i}, {"items", items}}, opts);
    });
  }
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(all_met) << "the " << kRuns << " executions' tasks never all ran at once (one gave up waiting)";
  }
  for (int i = 0; i < kRuns; ++i) {
    const auto& r = results[i];
    ASSERT_EQ(r.status, "SUCCEEDED") << i << ": " << r.to_json();
    EXPECT_EQ(r.output["n"], i);
    EXPECT_EQ(r.output["task"]["n"], i);
    const std::string arn = r.output["task"]["execution"].get<std::string>();
    EXPECT_TRUE(arn.ends_with(":run-" + std::to_string(i))) << arn;
    ASSERT_EQ(r.output["mapped"].size(), static_cast<std::size_t>(i + 1));
    for (int k = 0; k <= i; ++k) {
      EXPECT_EQ(r.output["mapped"][k], (json{{"v", i * 100 + k}, {"name", "run-" + std::to_string(i)}}));
    }
    // Each history is its own: ids from 1, one ExecutionStarted, ending in ExecutionSucceeded.
    const json history = r.history.to_json();
    const json& events = history["events"];
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front()["id"], 1);
    EXPECT_EQ(events.front()["type"], "ExecutionStarted");
    EXPECT_EQ(events.back()["type"], "ExecutionSucceeded");
    int started = 0;
    for (std::size_t e = 0; e < events.size(); ++e) {
      EXPECT_EQ(events[e]["id"], static_cast<int>(e) + 1) << "run " << i;
      if (events[e]["type"] == "ExecutionStarted") ++started;
    }
    EXPECT_EQ(started, 1);
  }
}

}  // namespace
}  // namespace cosmicai::engine
