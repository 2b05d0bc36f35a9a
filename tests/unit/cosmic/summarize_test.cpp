#include "cosmic/summarize.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cosmic/payload.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cosmic {
namespace {

constexpr const char* kBucket = "cosmicai-data";
constexpr const char* kPath = "result-partition-100MB/1GB/1";

class SummarizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.store = storage::open_object_store("mem://").value();
  }
  // A rank result as infer_rank writes it, with given figures, and its predictions.
  void put_rank(std::int64_t rank, std::int64_t world, const std::string& run_id, double busy, double start,
                const std::vector<std::pair<double, double>>& z_pred, const std::string& file = "") {
    const std::string f = file.empty() ? fmt::format("100MB/{}.pt", rank + 1) : file;
    std::string csv = "sample,file,redshift,prediction\n";
    for (std::size_t i = 0; i < z_pred.size(); ++i) csv += fmt::format("{},{},{},{}\n", i, f, z_pred[i].first, z_pred[i].second);
    ASSERT_TRUE(config_.store->put(kBucket, rank_predictions_key(kPath, rank), csv).ok());
    const auto n = static_cast<double>(z_pred.size());
    json r = {{"total_cpu_time (seconds)", busy},
              {"total_cpu_memory (MB)", 1000.0 + rank},
              {"sample_persec", n / busy},
              {"rank", rank},
              {"world_size", world},
              {"samples", z_pred.size()},
              {"load_seconds", 0.5},
              {"compute_seconds", busy - 0.5},
              {"write_seconds", 0.0},
              {"peak_rss_mb", 1000.0 + rank},
              {"input_bits", n * 164160.0},
              {"start_time", start},
              {"end_time", start + busy},
              {"model", "test model (untrained weights)"},
              {"predictions", rank_predictions_key(kPath, rank)},
              {"run_id", run_id}};
    ASSERT_TRUE(config_.store->put(kBucket, rank_result_key(kPath, rank), r.dump()).ok());
  }
  json init_output(std::int64_t world, const std::string& run_id) const {
    json body = json::array();
    for (std::int64_t r = 0; r < world; ++r) {
      body.push_back({{"WORLD_SIZE", std::to_string(world)},
                      {"RANK", std::to_string(r)},
                      {"DATA_BUCKET", kBucket},
                      {"DATA_PREFIX", "100MB"},
                      {"DATA_PATH", fmt::format("100MB/{}.pt", r + 1)},
                      {"RESULT_PATH", kPath},
                      {"BATCH_SIZE", 512},
                      {"RUN_ID", run_id}});
    }
    return {{"statusCode", 200}, {"body", body}};
  }
  CosmicConfig config_;
};

TEST_F(SummarizeTest, MissingAndFailedRanksAreNamedAndTheRestSummarized) {
  put_rank(0, 4, "run1", 2.0, 100.0, {{0.1, 0.12}, {0.2, 0.18}});
  put_rank(1, 4, "run1", 1.0, 100.5, {{0.3, 0.33}});
  put_rank(3, 4, "run1", 3.0, 101.0, {{0.4, 0.40}});
  json err = {{"rank", 2}, {"error", "rank 2: partition cosmicai-data/100MB/3.pt: bad CRC"}, {"run_id", "run1"}};
  ASSERT_TRUE(config_.store->put(kBucket, rank_error_key(kPath, 2), err.dump()).ok());

  auto r = summarize_results(config_, init_output(4, "run1"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& s = (*r)["body"];
  EXPECT_EQ(s["expected_ranks"], 4);
  EXPECT_EQ(s["received_ranks"], 3);
  EXPECT_FALSE(s["complete"].get<bool>());
  EXPECT_EQ(s["missing_ranks"], json({2}));
  ASSERT_EQ(s["failed_ranks"].size(), 1u);
  EXPECT_EQ(s["failed_ranks"][0]["rank"], 2);
  EXPECT_NE(s["failed_ranks"][0]["error"].get<std::string>().find("100MB/3.pt"), std::string::npos);

  // Performance: samples 4; mean busy (2+1+3)/3 = 2; makespan 100.0 → 104.0; memory max 1003.
  const json& p = s["performance"];
  EXPECT_EQ(p["partition"], "100MB");
  EXPECT_EQ(p["world_size"], 4);
  EXPECT_EQ(p["requests"], 3);
  EXPECT_EQ(p["samples"], 4);
  EXPECT_DOUBLE_EQ(p["mean_duration_s"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(p["makespan_s"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(p["samples_per_s"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(p["peak_memory_mb"].get<double>(), 1003.0);
  // Cost: 6 billed seconds × 10 GB × $0.0000166667 + 3 × $0.2e-6.
  EXPECT_NEAR(p["cost"]["total_usd"].get<double>(), 60 * 0.0000166667 + 3 * 0.2e-6, 1e-12);

  // Accuracy of the 4 predictions: the hand-computed case of report/accuracy_test.cpp.
  const json& a = s["accuracy"];
  EXPECT_EQ(a["samples"], 4);
  EXPECT_NEAR(a["mae"].get<double>(), 0.0175, 1e-12);
  EXPECT_NEAR(a["mse"].get<double>(), 0.000425, 1e-12);
  EXPECT_NEAR(a["bias"].get<double>(), 0.0061480186480186, 1e-12);
  EXPECT_NEAR(a["nmad"].get<double>(), 0.0170769230769231, 1e-12);
  EXPECT_NEAR(a["r2"].get<double>(), 0.966, 1e-12);
  EXPECT_TRUE(s.contains("accuracy_note"));

  // combined_data.json: the flat array of received results, in rank order.
  const json combined = json::parse(config_.store->get(kBucket, std::string(kPath) + "/combined_data.json").value());
  ASSERT_TRUE(combined.is_array());
  ASSERT_EQ(combined.size(), 3u);
  EXPECT_EQ(combined[0]["rank"], 0);
  EXPECT_EQ(combined[2]["rank"], 3);
  const json stored = json::parse(config_.store->get(kBucket, std::string(kPath) + "/summary.json").value());
  EXPECT_EQ(stored["missing_ranks"], json({2}));

  const std::string text = render_summary(s);
  EXPECT_NE(text.find("3 of 4 reported; missing [2]"), std::string::npos) << text;
  EXPECT_NE(text.find("rank 2 failed: rank 2: partition cosmicai-data/100MB/3.pt"), std::string::npos) << text;
  EXPECT_NE(text.find("Partition"), std::string::npos);
  EXPECT_NE(text.find("MAE 0.01750"), std::string::npos) << text;
}

TEST_F(SummarizeTest, StaleResultsOfAnotherRunAreNotCounted) {
  put_rank(0, 2, "run2", 1.0, 10.0, {{0.1, 0.1}});
  put_rank(1, 2, "old-run", 1.0, 10.0, {{0.2, 0.2}});
  put_rank(5, 6, "old-run", 1.0, 10.0, {{0.2, 0.2}});  // left by an earlier, larger run
  auto r = summarize_results(config_, init_output(2, "run2"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& s = (*r)["body"];
  EXPECT_EQ(s["received_ranks"], 1);
  EXPECT_EQ(s["stale_ranks"], json({1}));
  EXPECT_EQ(s["missing_ranks"], json({1}));
  EXPECT_EQ(s["unexpected_results"], json({std::string(kPath) + "/5.json"}));
}

TEST_F(SummarizeTest, NoTruncationAboveAThousandRanks) {
  const std::int64_t world = 1100;
  for (std::int64_t r = 0; r < world; ++r) put_rank(r, world, "big", 1.0, 0.0, {{0.1, 0.1 + r * 1e-5}});
  auto r = summarize_results(config_, init_output(world, "big"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& s = (*r)["body"];
  EXPECT_EQ(s["received_ranks"], world);
  EXPECT_TRUE(s["complete"].get<bool>());
  EXPECT_EQ(s["accuracy"]["samples"], world);
  const json combined = json::parse(config_.store->get(kBucket, std::string(kPath) + "/combined_data.json").value());
  EXPECT_EQ(combined.size(), static_cast<std::size_t>(world));
}

TEST_F(SummarizeTest, DuplicateFilesCountOnceForAccuracy) {
  // More ranks than files: ranks 0 and 1 both predicted 100MB/1.pt.
  put_rank(0, 2, "dup", 1.0, 0.0, {{0.1, 0.2}}, "100MB/1.pt");
  put_rank(1, 2, "dup", 1.0, 0.0, {{0.1, 0.2}}, "100MB/1.pt");
  auto r = summarize_results(config_, init_output(2, "dup"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["body"]["accuracy"]["samples"], 1);
  EXPECT_EQ((*r)["body"]["duplicate_predictions"], 1);
  EXPECT_EQ((*r)["body"]["performance"]["samples"], 2);
}

TEST_F(SummarizeTest, MinimalEventWithoutRankDicts) {
  put_rank(0, 2, "", 1.0, 0.0, {{0.1, 0.1}});
  put_rank(1, 2, "", 1.0, 0.0, {{0.2, 0.2}});
  auto r = summarize_results(config_, json{{"data_bucket", kBucket}, {"result_path", std::string(kPath) + "/"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["body"]["expected_ranks"], 2);  // highest rank found + 1
  EXPECT_EQ((*r)["body"]["received_ranks"], 2);
}

TEST_F(SummarizeTest, BadEventsAreNamed) {
  auto r = summarize_results(config_, json{{"statusCode", 200}, {"body", json::array({json{{"RANK", "0"}}})}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/body/0/DATA_BUCKET"), std::string::npos);
  EXPECT_FALSE(summarize_results(config_, json("text")).ok());
  EXPECT_NE(summarize_results(config_, json{{"body", json::array()}}).error().message.find("no rank"),
            std::string::npos);
}

TEST_F(SummarizeTest, AllRanksMissingIsReportedNotAnError) {
  auto r = summarize_results(config_, init_output(3, "none"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["body"]["missing_ranks"], json({0, 1, 2}));
  EXPECT_TRUE((*r)["body"]["accuracy"].is_null());
}

TEST_F(SummarizeTest, RankWithMissingOrCorruptPredictionsIsNamedAndTheRestSummarized) {
  put_rank(0, 3, "p", 1.0, 0.0, {{0.1, 0.1}, {0.2, 0.3}});
  put_rank(1, 3, "p", 2.0, 0.0, {{0.3, 0.3}});
  put_rank(2, 3, "p", 4.0, 0.0, {{0.4, 0.4}});
  ASSERT_TRUE(config_.store->remove(kBucket, rank_predictions_key(kPath, 1)).ok());
  ASSERT_TRUE(
      config_.store->put(kBucket, rank_predictions_key(kPath, 2), "sample,file,redshift,prediction\n0,x.pt,??,1\n")
          .ok());

  auto r = summarize_results(config_, init_output(3, "p"));
  ASSERT_TRUE(r.ok()) << "one rank's predictions must not fail the whole summary: " << r.error().message;
  const json& s = (*r)["body"];
  EXPECT_EQ(s["received_ranks"], 1);
  EXPECT_FALSE(s["complete"].get<bool>());
  EXPECT_EQ(s["missing_ranks"], json({1, 2}));
  ASSERT_EQ(s["failed_ranks"].size(), 2u);
  const std::string missing = s["failed_ranks"][0]["error"].get<std::string>();
  EXPECT_EQ(s["failed_ranks"][0]["rank"], 1);
  EXPECT_NE(missing.find(fmt::format("rank 1: predictions {}/{}", kBucket, rank_predictions_key(kPath, 1))),
            std::string::npos)
      << missing;
  const std::string corrupt = s["failed_ranks"][1]["error"].get<std::string>();
  EXPECT_EQ(s["failed_ranks"][1]["rank"], 2);
  EXPECT_NE(corrupt.find(fmt::format("rank 2: predictions {}/{}:2:", kBucket, rank_predictions_key(kPath, 2))),
            std::string::npos)
      << corrupt;
  // Only rank 0 counts: its samples, its time, its accuracy.
  EXPECT_EQ(s["performance"]["samples"], 2);
  EXPECT_EQ(s["performance"]["requests"], 1);
  EXPECT_EQ(s["accuracy"]["samples"], 2);
  const json combined = json::parse(config_.store->get(kBucket, std::string(kPath) + "/combined_data.json").value());
  ASSERT_EQ(combined.size(), 1u);
  EXPECT_EQ(combined[0]["rank"], 0);
  const std::string text = render_summary(s);
  EXPECT_NE(text.find("rank 1 failed: rank 1: predictions"), std::string::npos) << text;
}

TEST(PredictionsCsv, ParsesQuotedFilesAndRejectsGarbage) {
  auto rows = parse_predictions_csv("sample,file,redshift,prediction\n0,\"a,b.pt\",0.5,0.25\n1,x.pt,1e-1,-2\n", "p.csv");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].file, "a,b.pt");
  EXPECT_EQ((*rows)[0].redshift, 0.5);
  EXPECT_EQ((*rows)[1].prediction, -2);
  auto bad = parse_predictions_csv("sample,file,redshift,prediction\n0,x.pt,zero,1\n", "p.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("p.csv:2"), std::string::npos);
  EXPECT_FALSE(parse_predictions_csv("a,b\n", "q.csv").ok());
}

}  // namespace
}  // namespace cosmicai::cosmic
