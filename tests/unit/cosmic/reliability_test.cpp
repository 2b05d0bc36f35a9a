// Cosmic AI handlers under faults: cancelled inference, failing stores. Synthetic data only.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "cosmic/handlers.hpp"
#include "cosmic/infer.hpp"
#include "cosmic/runtime.hpp"
#include "cosmic/summarize.hpp"
#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "functions/cancel.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cosmic {
namespace {

json rank_dict(std::int64_t rank, json paths, std::int64_t batch) {
  return {{"S3_BUCKET", "code"}, {"S3_OBJECT_NAME", "none"}, {"WORLD_SIZE", "2"},  {"RANK", std::to_string(rank)},
          {"DATA_BUCKET", "d"},  {"DATA_PREFIX", "p"},       {"DATA_PATH", paths}, {"RESULT_PATH", "res"},
          {"BATCH_SIZE", batch}, {"RUN_ID", "r1"}};
}

std::shared_ptr<storage::ObjectStore> store_with(int files, std::int64_t samples) {
  auto store = storage::open_object_store("mem://").value();
  for (int i = 1; i <= files; ++i) {
    const auto part = data::synthesize_partition(samples, static_cast<std::uint64_t>(i));
    EXPECT_TRUE(store->put("d", fmt::format("p/{}.pt", i), data::serialize_partition(part, std::to_string(i))).ok());
  }
  return store;
}

TEST(InferCancel, ACancelledRankStopsWithinOneMicroBatchAndRecordsWhy) {
  CosmicConfig config;
  config.store = store_with(1, 1024);
  ASSERT_TRUE(config.store->put("d", "p/warm.pt", data::serialize_partition(data::synthesize_partition(4, 9), "warm")).ok());
  config.threads = 1;
  config.progress = std::make_shared<Progress>(false);
  ComputeGate gate(1);
  // Load the model first, so that the cancellation lands in the middle of the computation.
  ASSERT_TRUE(infer_rank(config, gate, rank_dict(1, "p/warm.pt", 128)).ok());
  const std::int64_t before = config.progress->samples();

  functions::CancelToken token;
  std::atomic<std::int64_t> seen_at_cancel{-1};
  std::thread canceller([&] {
    // Cancel once the first batch of the second run is done.
    while (config.progress->samples() < before + 128) std::this_thread::yield();
    seen_at_cancel = config.progress->samples() - before;
    token.cancel("States.Timeout", "The task timed out (TimeoutSeconds)");
  });
  auto r = infer_rank(config, gate, rank_dict(0, "p/1.pt", 128), &token);
  canceller.join();
  ASSERT_FALSE(r.ok()) << "the rank finished all 1024 samples despite the cancellation";
  EXPECT_NE(r.error().message.find("rank 0: cancelled after"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("States.Timeout"), std::string::npos) << r.error().message;
  const std::int64_t done = config.progress->samples() - before;
  // The model checks the token before every micro-batch of 128 samples: at most one more ran.
  EXPECT_LE(done, seen_at_cancel + 128) << "samples done " << done << ", at cancellation " << seen_at_cancel;
  EXPECT_LT(done, 1024);
  std::printf("[ cancel ] cancelled at %lld samples, stopped at %lld (micro-batch 128)\n",
              static_cast<long long>(seen_at_cancel.load()), static_cast<long long>(done));
  EXPECT_FALSE(config.store->exists("d", "res/0.json").value());
  const json rec = json::parse(config.store->get("d", "res/errors/0.json").value());
  EXPECT_NE(rec["error"].get<std::string>().find("cancelled"), std::string::npos);
}

TEST(InferCancel, TheHandlerReportsTheCancellationsError) {
  CosmicConfig config;
  config.store = store_with(2, 16);
  config.threads = 1;
  functions::Registry registry;
  register_cosmic_handlers(registry, std::make_shared<CosmicRuntime>(config));
  functions::InvokeContext ctx;
  ctx.cancel->cancel("States.Timeout", "The task timed out (TimeoutSeconds)");
  auto handler = registry.find(kInferFunction);
  ASSERT_TRUE(handler);
  try {
    (*handler)(rank_dict(0, json::array({"p/1.pt", "p/2.pt"}), 8), ctx);
    ADD_FAILURE() << "a cancelled invocation returned a result";
  } catch (const functions::FunctionError& e) {
    EXPECT_EQ(e.error_type(), "States.Timeout");
    EXPECT_NE(e.error_message().find("cancelled after 0 samples"), std::string::npos) << e.error_message();
  }
}

/// A store whose puts fail for keys containing `fail_on` (a full disk, a denied write).
class FailingStore : public storage::ObjectStore {
 public:
  FailingStore(std::shared_ptr<storage::ObjectStore> inner, std::string fail_on)
      : inner_(std::move(inner)), fail_on_(std::move(fail_on)) {}
  Result<storage::ListPage> list_page(std::string_view b, const storage::ListRequest& r) const override {
    return inner_->list_page(b, r);
  }
  Result<std::string> get(std::string_view b, std::string_view k) const override { return inner_->get(b, k); }
  Result<std::string> get_range(std::string_view b, std::string_view k, std::uint64_t o,
                                std::uint64_t n) const override {
    return inner_->get_range(b, k, o, n);
  }
  Status put(std::string_view b, std::string_view k, std::string_view data) override {
    if (std::string_view(k).find(fail_on_) != std::string_view::npos) {
      return make_error(ErrorCode::kIo, fmt::format("{}/{}: write failed: No space left on device", b, k));
    }
    return inner_->put(b, k, data);
  }
  Result<bool> exists(std::string_view b, std::string_view k) const override { return inner_->exists(b, k); }
  Status remove(std::string_view b, std::string_view k) override { return inner_->remove(b, k); }
  std::string uri() const override { return "failing+" + inner_->uri(); }

 private:
  std::shared_ptr<storage::ObjectStore> inner_;
  std::string fail_on_;
};

TEST(InferStoreFaults, AFailedResultWriteFailsTheRankAndLeavesNoResult) {
  for (const char* failing : {"predictions/", "res/1.json"}) {
    CosmicConfig config;
    auto inner = store_with(2, 8);
    config.store = std::make_shared<FailingStore>(inner, failing);
    config.threads = 1;
    ComputeGate gate(1);
    auto r = infer_rank(config, gate, rank_dict(1, "p/2.pt", 8));
    ASSERT_FALSE(r.ok()) << failing;
    EXPECT_NE(r.error().message.find("rank 1: writing d/res/"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("No space left on device"), std::string::npos) << r.error().message;
    EXPECT_EQ(error_type_for(r.error()), "StorageError");
    // Nothing that looks like a finished rank 1; the failure is on record for Summarize.
    EXPECT_FALSE(inner->exists("d", "res/1.json").value()) << failing;
    EXPECT_TRUE(inner->exists("d", "res/errors/1.json").value()) << failing;
  }
}

}  // namespace
}  // namespace cosmicai::cosmic
