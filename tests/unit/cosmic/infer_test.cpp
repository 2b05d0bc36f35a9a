#include "cosmic/infer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cosmic/handlers.hpp"
#include "cosmic/runtime.hpp"
#include "cosmic/summarize.hpp"
#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "storage/object_store.hpp"
#include "support/fixtures.hpp"

namespace cosmicai::cosmic {
namespace {

const std::filesystem::path kPartitions = fixtures::partitions_dir();

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class InferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.store = storage::open_object_store("mem://").value();  // not local: exercises get + parse
    config_.threads = 1;
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(config_.store->put("d", fmt::format("tiny/{}.pt", i), slurp(kPartitions / fmt::format("tiny/{}.pt", i))).ok());
    }
    ASSERT_TRUE(config_.store->put("d", "tiny/9.pt", slurp(kPartitions / "corrupt/truncated_zip.pt")).ok());
  }
  json dict(std::int64_t rank, json paths, std::int64_t batch = 10) const {
    return {{"S3_BUCKET", "code"},  {"S3_OBJECT_NAME", "Anomaly Detection"},
            {"WORLD_SIZE", "4"},    {"RANK", std::to_string(rank)},
            {"DATA_BUCKET", "d"},   {"DATA_PREFIX", "tiny"},
            {"DATA_PATH", paths},   {"RESULT_PATH", "res/"},
            {"BATCH_SIZE", batch},  {"RUN_ID", "r1"}};
  }
  CosmicConfig config_;
  double call_seconds_ = 0;
};

TEST_F(InferTest, RankWritesResultAndPredictionsAndReusesTheModel) {
  ComputeGate gate(1);
  const auto t0 = std::chrono::steady_clock::now();
  auto a = infer_rank(config_, gate, dict(0, json::array({"tiny/1.pt", "tiny/2.pt"})));
  call_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(a.ok()) << a.error().message;
  const auto loaded = models_loaded();
  auto b = infer_rank(config_, gate, dict(1, "tiny/3.pt"));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(models_loaded(), loaded) << "the second invocation must reuse the cached model";

  const json r = json::parse(config_.store->get("d", "res/0.json").value());
  EXPECT_EQ(r["rank"], 0);
  EXPECT_EQ(r["samples"], 64);
  EXPECT_EQ(r["num_batches"], 8);  // 32 samples in batches of 10 → 4 per file
  EXPECT_EQ(r["batch_size"], 10);
  EXPECT_EQ(r["device"], "cpu");
  EXPECT_EQ(r["data_path"], json::array({"tiny/1.pt", "tiny/2.pt"}));
  EXPECT_EQ(r["run_id"], "r1");
  EXPECT_EQ(r["model_source"], "builtin");  // no model in the code folder
  EXPECT_GT(r["total_cpu_memory (MB)"].get<double>(), 0);
  // The figures add up to what happened: the rank's phases ran one after the other inside its wall
  // time, which itself lies inside the call as the test measured it.
  const double wall = r["wall_seconds"].get<double>();
  EXPECT_LE(wall, call_seconds_);
  const double parts = r["model_seconds"].get<double>() + r["load_seconds"].get<double>() +
                       r["gate_wait_seconds"].get<double>() + r["compute_seconds"].get<double>() +
                       r["write_seconds"].get<double>();
  EXPECT_LE(parts, wall + 1e-6);
  EXPECT_GT(r["compute_seconds"].get<double>(), 0);
  EXPECT_NEAR(r["execution_time (seconds/batch)"].get<double>(), r["compute_seconds"].get<double>() / 8, 1e-9);
  EXPECT_LE(r["start_time"].get<double>(), r["end_time"].get<double>());

  auto rows = parse_predictions_csv(config_.store->get("d", "res/predictions/0.csv").value(), "0.csv");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 64u);
  EXPECT_EQ((*rows)[0].file, "tiny/1.pt");
  EXPECT_EQ((*rows)[32].file, "tiny/2.pt");
  EXPECT_EQ((*rows)[32].sample, 0);
  EXPECT_NEAR((*rows)[0].redshift, 0.11903, 1e-6);  // expected.json redshift_first of 1.pt
  for (const auto& row : *rows) EXPECT_TRUE(std::isfinite(row.prediction));
}

// total_cpu_time is the rank's wall time without the time it queued for a compute slot, and the
// rates are per busy second: hold the only slot while the rank waits for it, for at least `held`.
TEST_F(InferTest, RankTimeExcludesQueueingForAComputeSlot) {
  ComputeGate gate(1);
  ASSERT_TRUE(infer_rank(config_, gate, dict(0, "tiny/1.pt")).ok());  // the model is loaded and cached
  double held = 0;
  Result<json> r = make_error(ErrorCode::kInternal, "not run");
  {
    auto slot = gate.acquire();
    std::thread rank([&] { r = infer_rank(config_, gate, dict(1, "tiny/1.pt")); });
    for (int i = 0; i < 30000 && gate.waiting() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(gate.waiting(), 1) << "the rank never queued for the slot";
    const auto since = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    held = std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
    { auto release = std::move(slot); }
    rank.join();
  }
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json res = json::parse(config_.store->get("d", "res/1.json").value());
  const double wall = res["wall_seconds"].get<double>(), busy = res["total_cpu_time (seconds)"].get<double>();
  EXPECT_GE(res["gate_wait_seconds"].get<double>(), held);
  EXPECT_LE(busy, wall - held + 1e-9) << "the time queued for the slot must not count as the rank's time";
  EXPECT_GE(res["sample_persec"].get<double>(), 32 / (wall - held) - 1e-6);
  EXPECT_NEAR(res["sample_persec"].get<double>() * busy, 32, 1e-6);
  EXPECT_NEAR(res["throughput_bps"].get<double>() * busy, 32 * kInputBitsPerSample, 1e-3);
}

TEST_F(InferTest, BatchSizeDoesNotChangePredictions) {
  ComputeGate gate(1);
  ASSERT_TRUE(infer_rank(config_, gate, dict(0, "tiny/1.pt", 32)).ok());
  const auto whole = parse_predictions_csv(config_.store->get("d", "res/predictions/0.csv").value(), "a").value();
  ASSERT_TRUE(infer_rank(config_, gate, dict(0, "tiny/1.pt", 7)).ok());
  const auto split = parse_predictions_csv(config_.store->get("d", "res/predictions/0.csv").value(), "b").value();
  ASSERT_EQ(whole.size(), split.size());
  for (std::size_t i = 0; i < whole.size(); ++i) EXPECT_NEAR(whole[i].prediction, split[i].prediction, 1e-5);
}

TEST_F(InferTest, CorruptPartitionFailsTheRankWithANamedError) {
  ComputeGate gate(1);
  auto r = infer_rank(config_, gate, dict(2, json::array({"tiny/1.pt", "tiny/9.pt"})));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("rank 2: partition d/tiny/9.pt: "), std::string::npos) << r.error().message;
  // The partition is named once, by bucket/key (not again by its local path).
  EXPECT_EQ(r.error().message.find("partition", r.error().message.find("partition") + 1), std::string::npos)
      << r.error().message;
  EXPECT_EQ(error_type_for(r.error()), "CorruptPartition") << r.error().message;
  EXPECT_FALSE(config_.store->exists("d", "res/2.json").value());
  const json rec = json::parse(config_.store->get("d", "res/errors/2.json").value());
  EXPECT_EQ(rec["rank"], 2);
  EXPECT_NE(rec["error"].get<std::string>().find("tiny/9.pt"), std::string::npos);
  // A retried rank that succeeds removes its failure record.
  ASSERT_TRUE(infer_rank(config_, gate, dict(2, "tiny/1.pt")).ok());
  EXPECT_FALSE(config_.store->exists("d", "res/errors/2.json").value());
}

TEST_F(InferTest, MissingPartitionAndBadModelAreNamed) {
  ComputeGate gate(1);
  auto missing = infer_rank(config_, gate, dict(1, "tiny/77.pt"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("rank 1: partition d/tiny/77.pt"), std::string::npos);
  json d = dict(1, "tiny/1.pt");
  d["MODEL"] = "/no/such/model.pt";
  auto bad = infer_rank(config_, gate, d);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("rank 1: model /no/such/model.pt"), std::string::npos) << bad.error().message;
}

// Partitions of a local store are read into recycled buffers; a smaller partition after a
// bigger one (and the same file read again) must give exactly its own samples and predictions.
TEST(InferLocalStore, RecycledBuffersGiveEachPartitionItsOwnData) {
  const auto root = std::filesystem::temp_directory_path() / fmt::format("cosmicai-infer-pool-{}", ::getpid());
  std::filesystem::remove_all(root);
  CosmicConfig config;
  config.store = storage::open_object_store("file://" + root.string()).value();
  config.threads = 1;
  const data::Partition big = data::synthesize_partition(40, 1);
  const data::Partition small = data::synthesize_partition(8, 2, 100);
  ASSERT_TRUE(config.store->put("d", "p/big.pt", data::serialize_partition(big, "big")).ok());
  ASSERT_TRUE(config.store->put("d", "p/small.pt", data::serialize_partition(small, "small")).ok());
  ASSERT_TRUE(config.store->local_path("d", "p/big.pt").has_value()) << "the file store must read files in place";

  ComputeGate gate(1);
  const json d = {{"S3_BUCKET", "code"}, {"S3_OBJECT_NAME", "none"}, {"WORLD_SIZE", "1"}, {"RANK", "0"},
                  {"DATA_BUCKET", "d"},  {"DATA_PREFIX", "p"},        {"RESULT_PATH", "res"}, {"BATCH_SIZE", 16},
                  {"DATA_PATH", json::array({"p/big.pt", "p/small.pt", "p/big.pt", "p/small.pt"})}};
  for (int run = 0; run < 2; ++run) {  // the second run finds every buffer recycled
    auto r = infer_rank(config, gate, d);
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto rows = parse_predictions_csv(config.store->get("d", "res/predictions/0.csv").value(), "0.csv").value();
    ASSERT_EQ(rows.size(), 96u);

    model::ModelOptions mo;
    mo.source = "builtin";
    mo.threads = 1;
    mo.batch_size = 1 << 20;
    auto model = cached_model(mo).value();
    std::size_t row = 0;
    for (const data::Partition* part : {&big, &small, &big, &small}) {
      const std::vector<float> mags(part->magnitudes.begin(), part->magnitudes.end());
      const auto expected = model->predict(part->images, mags, part->samples);
      for (std::int64_t s = 0; s < part->samples; ++s, ++row) {
        ASSERT_EQ(rows[row].sample, s);
        EXPECT_EQ(rows[row].file, part == &big ? "p/big.pt" : "p/small.pt");
        EXPECT_FLOAT_EQ(static_cast<float>(rows[row].redshift), part->redshift[s]) << "run " << run << " row " << row;
        EXPECT_NEAR(rows[row].prediction, expected[s], 1e-6) << "run " << run << " row " << row;
      }
    }
  }
  std::filesystem::remove_all(root);
}

TEST(ComputeGate, SlotsBoundConcurrency) {
  EXPECT_EQ(compute_slots(0, 2), 1);  // every core per model → one at a time
  EXPECT_EQ(compute_slots(1, 2), 2);
  EXPECT_EQ(compute_slots(2, 16), 8);
  EXPECT_EQ(compute_slots(32, 16), 1);
  for (int slots : {1, 2, 4}) {
    // Never more than `slots` inside at once...
    ComputeGate gate(slots);
    std::atomic<int> inside{0}, most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 50; ++i) {
          auto slot = gate.acquire();
          const int now = ++inside;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          std::this_thread::yield();
          --inside;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(most.load(), slots) << "slots " << slots;

    // ...and exactly `slots` at once when more want in: `slots` holders meet inside while one
    // more caller is left waiting (30 s is a bound only a broken gate reaches).
    std::mutex mu;
    std::condition_variable cv;
    int holding = 0;
    bool release = false;
    std::vector<std::thread> holders;
    for (int t = 0; t <= slots; ++t) {
      holders.emplace_back([&] {
        auto slot = gate.acquire();
        std::unique_lock lock(mu);
        ++holding;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
      });
    }
    {
      std::unique_lock lock(mu);
      const bool met = cv.wait_for(lock, std::chrono::seconds(30), [&] { return holding == slots; });
      EXPECT_TRUE(met) << "slots " << slots << ": only " << holding << " callers got a slot";
      lock.unlock();
      for (int i = 0; i < 30000 && gate.waiting() != 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      EXPECT_EQ(gate.waiting(), 1) << "slots " << slots;
      lock.lock();
      EXPECT_EQ(holding, slots) << "slots " << slots << ": the extra caller got in";
      release = true;
      cv.notify_all();
    }
    for (auto& t : holders) t.join();
    EXPECT_EQ(holding, slots + 1);
    EXPECT_EQ(gate.waiting(), 0);
  }
}

TEST(Handlers, BoundToTheSeedsFunctionNames) {
  CosmicConfig c;
  c.store = storage::open_object_store("mem://").value();
  functions::Registry registry;
  register_cosmic_handlers(registry, std::make_shared<CosmicRuntime>(c));
  for (const char* arn : {"arn:aws:lambda:us-east-1:123456789012:function:data-parallel-init:$LATEST",
                          "arn:aws:lambda:us-east-1:123456789012:function:cosmic-executor:$LATEST",
                          "arn:aws:lambda:us-east-1:123456789012:function:resultSummary:$LATEST"}) {
    EXPECT_NE(registry.find(arn), nullptr) << arn;
  }
  const auto init = registry.find("data-parallel-init");
  try {
    (*init)(json{{"data_bucket", "b"}, {"data_prefix", "x"}, {"result_path", "r"}, {"batch_size", 1}},
            functions::InvokeContext{});
    FAIL() << "expected a FunctionError";
  } catch (const functions::FunctionError& e) {
    EXPECT_EQ(e.error_type(), "NotFound");
    EXPECT_NE(e.error_message().find("b/x/"), std::string::npos) << e.error_message();
  }
}

}  // namespace
}  // namespace cosmicai::cosmic
