// The workflow at scale: examples/cosmic-ai/cai-state-machine-itemreader.json with 10,000 ranks.
// Initialize (the real handler) writes the rank items to the store, the Distributed Map reads them
// with an ItemReader and exports its results with a ResultWriter, Summarize (the real handler)
// reads every rank. The executor is a cheap stub that writes a rank result and one prediction.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "asl/state_machine.hpp"
#include "common/json.hpp"
#include "cosmic/handlers.hpp"
#include "cosmic/payload.hpp"
#include "engine/engine.hpp"
#include "engine/map_io/store_resolver.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cosmic {
namespace {

constexpr const char* kBucket = "cosmicai-data";

std::shared_ptr<const asl::StateMachine> load_example(const std::string& name) {
  const json def = read_json_file(std::string(COSMICAI_SOURCE_DIR) + "/examples/cosmic-ai/" + name);
  std::vector<asl::ValidationError> errors;
  auto m = asl::StateMachine::parse(def, errors);
  for (const auto& e : errors) ADD_FAILURE() << name << ": " << e.to_string();
  if (m) EXPECT_TRUE(asl::check_supported(*m).empty()) << name;
  return m;
}

class ItemReaderWorkflow : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::open_object_store("mem://").value();
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store_->put(kBucket, fmt::format("tiny/{}.pt", i), "x").ok());
    registry_ = std::make_shared<functions::Registry>();
    CosmicConfig config;
    config.store = store_;
    register_cosmic_handlers(*registry_, std::make_shared<CosmicRuntime>(std::move(config)));
    // A cheap cosmic-executor: the rank result and one prediction, where the real one writes them.
    registry_->add(kInferFunction, [store = store_](const json& event, const functions::InvokeContext&) -> json {
      auto task = parse_rank_task(event);
      if (!task) throw std::runtime_error(task.error().message);
      const std::string base = trim_result_path(task->result_path);
      const json result = {{"rank", task->rank},
                           {"run_id", task->run_id},
                           {"samples", 1},
                           {"total_cpu_time (seconds)", 0.001},
                           {"predictions", rank_predictions_key(base, task->rank)}};
      const std::string csv = fmt::format("sample,file,redshift,prediction\n{},{},0.5,0.4\n", task->rank,
                                          task->data_paths.at(0));
      if (!store->put(task->data_bucket, rank_predictions_key(base, task->rank), csv).ok() ||
          !store->put(task->data_bucket, rank_result_key(base, task->rank), result.dump()).ok()) {
        throw std::runtime_error("stub executor: put failed");
      }
      return result;
    });
  }

  json payload(std::int64_t world) const {
    return json{{"bucket", kBucket},          {"batch_size", 512},
                {"object_type", "folder"},    {"S3_object_name", "Anomaly Detection"},
                {"script", "/tmp/Anomaly Detection/Inference/inference.py"},
                {"result_path", "result-itemreader/run1"},
                {"data_bucket", kBucket},     {"data_prefix", "tiny"},
                {"world_size", world}};
  }

  engine::ExecutionResult run(const std::string& example, const json& input) {
    auto machine = load_example(example);
    if (!machine) return {};
    engine::EngineOptions o{.workers = 2, .time_scale = 0.0};
    o.stores = engine::single_store_resolver(store_);
    engine::Engine engine(registry_, o);
    return engine.run(machine, input);
  }

  std::shared_ptr<storage::ObjectStore> store_;
  std::shared_ptr<functions::Registry> registry_;
};

TEST_F(ItemReaderWorkflow, TenThousandRanksWithoutAPayloadError) {
  const std::int64_t world = 10000;
  const auto r = run("cai-state-machine-itemreader.json", payload(world));
  ASSERT_EQ(r.status, "SUCCEEDED") << dump_compact(r.to_json()).substr(0, 2000);
  const json& summary = r.output.at("body");
  EXPECT_EQ(summary.at("expected_ranks"), world);
  EXPECT_EQ(summary.at("received_ranks"), world);
  EXPECT_EQ(summary.at("missing_ranks"), json::array());
  EXPECT_EQ(summary.at("complete"), true);

  // The rank items file Initialize wrote: one dict per rank, ranks 0..9999 in order.
  const json items = json::parse(store_->get(kBucket, "result-itemreader/run1/rank-items.json").value());
  ASSERT_EQ(items.size(), static_cast<std::size_t>(world));
  EXPECT_EQ(items[9999].at("RANK"), "9999");
  EXPECT_EQ(items[9999].at("DATA_PATH"), "tiny/1.pt");  // 9999 % 3 = 0: the first file, round robin

  // The Map Run's export: every rank in SUCCEEDED_0.json, none failed or pending.
  auto listed = store_->list_all(kBucket, "result-itemreader/run1/map-runs/");
  ASSERT_TRUE(listed.ok());
  std::string manifest_key;
  for (const auto& o : *listed) {
    if (o.key.ends_with("/manifest.json")) manifest_key = o.key;
  }
  ASSERT_FALSE(manifest_key.empty());
  const json manifest = json::parse(store_->get(kBucket, manifest_key).value());
  EXPECT_EQ(manifest.at("ResultFiles").at("FAILED"), json::array());
  EXPECT_EQ(manifest.at("ResultFiles").at("PENDING"), json::array());
  const json ok = json::parse(store_->get(kBucket, manifest.at("ResultFiles").at("SUCCEEDED")[0].at("Key").get<std::string>()).value());
  EXPECT_EQ(ok.size(), static_cast<std::size_t>(world));
}

TEST_F(ItemReaderWorkflow, TheSeedsMachineHitsThePayloadLimitAtTheSameScale) {
  // The contrast: the seeds' machine carries the rank list in the state payload.
  const auto r = run("cai-state-machine.json", payload(10000));
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.DataLimitExceeded");
}

TEST_F(ItemReaderWorkflow, FiveRanksEndToEnd) {
  json in = payload(5);
  in["result_path"] = "result-itemreader/run2";
  const auto ok = run("cai-state-machine-itemreader.json", in);
  ASSERT_EQ(ok.status, "SUCCEEDED") << dump_compact(ok.to_json());
  EXPECT_EQ(ok.output.at("body").at("received_ranks"), 5);
}

}  // namespace
}  // namespace cosmicai::cosmic
