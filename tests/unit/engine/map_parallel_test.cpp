// Map (inline and distributed) and Parallel: item order, concurrency limits, tolerated failures.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using testing::run;

/// A function that records how many calls overlap, returning its event times 10. The first
/// `together` calls wait for each other (a barrier), so a Map that runs fewer than `together`
/// iterations at once never fills it: `met` stays false (the wait gives up after 30 s, a bound
/// only a broken engine reaches) and `peak` shows how many got in.
struct ConcurrencyProbe {
  explicit ConcurrencyProbe(int together = 1) : together(together) {}
  const int together;
  std::atomic<int> active{0};
  std::atomic<int> peak{0};
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  bool met = false;
  bool gave_up = false;

  functions::Handler handler() {
    return [this](const json& event, const functions::InvokeContext&) -> json {
      const int now = ++active;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      {
        std::unique_lock lock(mu);
        if (++arrived <= together) {
          if (arrived == together) {
            met = true;
            cv.notify_all();
          } else if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return met; })) {
            gave_up = true;
          }
        }
      }
      // Vary the work so that completion order differs from item order.
      std::this_thread::sleep_for(std::chrono::microseconds(200 * (7 - event.get<int>() % 7)));
      --active;
      return event.get<int>() * 10;
    };
  }
  /// Expect exactly `n` overlapping calls at the peak, all of them having met at the barrier.
  void expect_peak(int n, const std::string& what) {
    std::lock_guard lock(mu);
    EXPECT_TRUE(met && !gave_up) << what << ": " << together << " calls never ran at once (peak " << peak.load() << ")";
    EXPECT_EQ(peak.load(), n) << what;
  }
};

std::string map_def(const std::string& mode, int max_concurrency) {
  return R"({"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":)" + std::to_string(max_concurrency) +
         R"(,"ItemProcessor":{"ProcessorConfig":{"Mode":")" + mode +
         R"(","ExecutionType":"STANDARD"},"StartAt":"T","States":{"T":{"Type":"Task",
         "Resource":"arn:aws:lambda:us-east-1:123456789012:function:probe","End":true}}},"End":true}}})";
}

class MapWorkers : public ::testing::TestWithParam<std::size_t> {};

TEST_P(MapWorkers, ResultsComeBackInItemOrder) {
  const int workers = static_cast<int>(GetParam());
  for (const std::string mode : {"INLINE", "DISTRIBUTED"}) {
    ConcurrencyProbe probe(workers);  // without MaxConcurrency, one iteration per worker
    auto registry = testing::stub_registry();
    registry->add("probe", probe.handler());
    json items = json::array();
    json expected = json::array();
    for (int i = 0; i < 40; ++i) {
      items.push_back(i);
      expected.push_back(i * 10);
    }
    auto r = run(map_def(mode, 0), items, registry, GetParam());
    ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
    EXPECT_EQ(r.output, expected) << mode;
    probe.expect_peak(workers, mode);
  }
}

TEST_P(MapWorkers, MaxConcurrencyBoundsOverlappingIterations) {
  const int workers = static_cast<int>(GetParam());
  for (const std::string mode : {"INLINE", "DISTRIBUTED"}) {
    for (int max_concurrency : {1, 2, 3}) {
      const int expected = std::min(workers, max_concurrency);
      ConcurrencyProbe probe(expected);
      auto registry = testing::stub_registry();
      registry->add("probe", probe.handler());
      json items = json::array(), out = json::array();
      for (int i = 0; i < 24; ++i) {
        items.push_back(i);
        out.push_back(i * 10);
      }
      auto r = run(map_def(mode, max_concurrency), items, registry, GetParam());
      ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
      EXPECT_EQ(r.output, out);
      probe.expect_peak(expected, mode + " MaxConcurrency " + std::to_string(max_concurrency));
    }
  }
}

TEST_P(MapWorkers, ParallelBranchesComeBackInBranchOrder) {
  std::string branches;
  for (int i = 0; i < 8; ++i) {
    if (i) branches += ",";
    branches += R"({"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":)" + std::to_string(8 - i) +
                R"(,"Next":"P"},"P":{"Type":"Pass","Result":)" + std::to_string(i) + R"(,"End":true}}})";
  }
  auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[)" + branches + R"(],"End":true}}})",
               json::object(), testing::stub_registry(), GetParam());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse("[0,1,2,3,4,5,6,7]"));
}

INSTANTIATE_TEST_SUITE_P(Workers, MapWorkers, ::testing::Values(1, 2, 4, 8));

TEST(Map, ItemSelectorSeesIndexValueAndTheMapInput) {
  auto r = run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs",
      "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","tag.$":"$.tag"},
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
               json{{"xs", {"a", "b"}}, {"tag", "t"}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"i":0,"v":"a","tag":"t"},{"i":1,"v":"b","tag":"t"}])"));
}

TEST(Map, OverANonArrayFailsWithANamedError) {
  auto r = run(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs",
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
               json{{"xs", {{"not", "an array"}}}});
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.Runtime");
  ASSERT_TRUE(r.cause);
  EXPECT_NE(r.cause->find("must be an array"), std::string::npos) << *r.cause;
  EXPECT_NE(r.cause->find("state 'M'"), std::string::npos) << *r.cause;
}

TEST(Map, EmptyItemsGiveAnEmptyArray) {
  auto r = run(R"({"StartAt":"M","States":{"M":{"Type":"Map",
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
               json::array());
  ASSERT_EQ(r.status, "SUCCEEDED");
  EXPECT_EQ(r.output, json::array());
}

std::string failing_map(const std::string& tolerance) {
  return R"({"StartAt":"M","States":{"M":{"Type":"Map",)" + tolerance +
         R"("ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
         "StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericGreaterThanEquals":7,"Next":"Bad"}],
         "Default":"Ok"},"Bad":{"Type":"Fail","Error":"Bad"},"Ok":{"Type":"Pass","End":true}}},"End":true}}})";
}

TEST(Map, ToleratedFailureCountAbsorbsFailuresUpToTheCount) {
  json items = json::parse("[0,1,2,3,4,5,6,7,8,9]");  // 7, 8, 9 fail
  auto ok = run(failing_map(R"("ToleratedFailureCount":3,)"), items);
  ASSERT_EQ(ok.status, "SUCCEEDED") << ok.to_json();
  EXPECT_EQ(ok.output, json::parse("[0,1,2,3,4,5,6]"));
  auto bad = run(failing_map(R"("ToleratedFailureCount":2,)"), items);
  EXPECT_EQ(bad.status, "FAILED");
  EXPECT_EQ(bad.error, "States.ExceedToleratedFailureThreshold");
}

TEST(Map, DistributedChildFailuresAreNotedApartFromTheMapError) {
  json items = json::parse("[0,1,2,3,4,5,6,7,8,9]");  // 7, 8, 9 fail
  auto tolerated = run(failing_map(R"("ToleratedFailureCount":3,)"), items);
  ASSERT_EQ(tolerated.status, "SUCCEEDED");
  ASSERT_EQ(tolerated.child_failures.size(), 3U);
  for (const auto& note : tolerated.child_failures) {
    EXPECT_NE(note.find("Map state 'M' item "), std::string::npos) << note;
    EXPECT_NE(note.find(": Bad: "), std::string::npos) << note;
  }
  // Over the threshold the execution's Error/Cause stay AWS's; the note says which item and why.
  auto failed = run(failing_map(""), json::parse("[0,8]"));
  ASSERT_EQ(failed.error, "States.ExceedToleratedFailureThreshold");
  ASSERT_EQ(failed.child_failures.size(), 1U);
  EXPECT_EQ(failed.child_failures[0], "Map state 'M' item 1: Bad: (no cause)");
  EXPECT_FALSE(failed.to_json().contains("child_failures"));
}

TEST(Map, ToleratedFailurePercentageIsOverTheItemCount) {
  json items = json::parse("[0,1,2,3,4,5,6,7,8,9]");  // 30% fail
  EXPECT_EQ(run(failing_map(R"("ToleratedFailurePercentage":30,)"), items).status, "SUCCEEDED");
  EXPECT_EQ(run(failing_map(R"("ToleratedFailurePercentage":29.5,)"), items).error,
            "States.ExceedToleratedFailureThreshold");
  EXPECT_EQ(run(failing_map(R"("ToleratedFailureCountPath":"$$.Execution.Input.nope",)"), items).error,
            "States.Runtime");
}

TEST(Map, InlineIterationFailurePropagatesItsError) {
  auto r = run(R"({"StartAt":"M","States":{"M":{"Type":"Map",
      "ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"ItemError","Cause":"item cause"}}},"End":true}}})",
               json::parse("[1,2,3]"));
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "ItemError");
  EXPECT_EQ(r.cause, "item cause");
}

TEST(Map, ItemBatcherGroupsItemsWithBatchInput) {
  auto r = run(R"({"StartAt":"M","States":{"M":{"Type":"Map",
      "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"job.$":"$.job"}},"ItemsPath":"$.xs",
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})",
               json{{"xs", {1, 2, 3, 4, 5}}, {"job", "j"}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"BatchInput":{"job":"j"},"Items":[1,2]},
      {"BatchInput":{"job":"j"},"Items":[3,4]},{"BatchInput":{"job":"j"},"Items":[5]}])"));
}

TEST(Parallel, BranchFailurePropagatesTheBranchError) {
  auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
      {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
      {"StartAt":"B","States":{"B":{"Type":"Fail","Error":"BranchBoom","Cause":"c"}}}],"End":true}}})",
               json::object());
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "BranchBoom");
  EXPECT_EQ(r.cause, "c");
}

TEST(Parallel, ResultSelectorAndResultPathApplyToTheBranchArray) {
  auto r = run(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
      {"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
      {"StartAt":"B","States":{"B":{"Type":"Pass","Result":2,"End":true}}}],
      "ResultSelector":{"first.$":"$[0]","all.$":"$"},"ResultPath":"$.out","End":true}}})",
               json{{"in", true}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"({"in":true,"out":{"first":1,"all":[1,2]}})"));
}

}  // namespace
}  // namespace cosmicai::engine
