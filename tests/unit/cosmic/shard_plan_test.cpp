#include "cosmic/shard_plan.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cosmic/payload.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cosmic {
namespace {

std::vector<std::string> names(int n) {
  std::vector<std::string> v;
  for (int i = 1; i <= n; ++i) v.push_back(fmt::format("100MB/{}.pt", i));
  return v;
}

TEST(ShardPlan, CeilSplitLikeTheOriginal) {
  const auto shards = plan_shards(names(11), 4);  // 3, 3, 3, 2
  ASSERT_EQ(shards.size(), 4u);
  EXPECT_EQ(shards[0], (std::vector<std::string>{"100MB/1.pt", "100MB/2.pt", "100MB/3.pt"}));
  EXPECT_EQ(shards[1], (std::vector<std::string>{"100MB/4.pt", "100MB/5.pt", "100MB/6.pt"}));
  EXPECT_EQ(shards[2], (std::vector<std::string>{"100MB/7.pt", "100MB/8.pt", "100MB/9.pt"}));
  EXPECT_EQ(shards[3], (std::vector<std::string>{"100MB/10.pt", "100MB/11.pt"}));
  const auto uneven = plan_shards(names(10), 4);  // ceil(10/4)=3, ceil(7/3)=3, ceil(4/2)=2, 2
  EXPECT_EQ(uneven[0].size(), 3u);
  EXPECT_EQ(uneven[1].size(), 3u);
  EXPECT_EQ(uneven[2].size(), 2u);
  EXPECT_EQ(uneven[3].size(), 2u);
}

TEST(ShardPlan, OneFilePerRankByDefault) {
  const auto shards = plan_shards(names(5), 5);
  for (int r = 0; r < 5; ++r) EXPECT_EQ(shards[r], std::vector<std::string>{fmt::format("100MB/{}.pt", r + 1)});
}

TEST(ShardPlan, MoreRanksThanFilesReuseFilesRoundRobin) {
  const auto shards = plan_shards(names(3), 7);
  ASSERT_EQ(shards.size(), 7u);
  const char* expect[] = {"100MB/1.pt", "100MB/2.pt", "100MB/3.pt", "100MB/1.pt",
                          "100MB/2.pt", "100MB/3.pt", "100MB/1.pt"};
  for (int r = 0; r < 7; ++r) EXPECT_EQ(shards[r], std::vector<std::string>{expect[r]}) << "rank " << r;
}

class InitializeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = storage::open_object_store("mem://").value();
  }
  void add_files(const std::string& prefix, int n) {
    for (int i = 1; i <= n; ++i) ASSERT_TRUE(store_->put("cosmicai-data", fmt::format("{}/{}.pt", prefix, i), "x").ok());
  }
  json payload(json file_limit) const {
    json p = {{"bucket", "cosmicai-data"},
              {"file_limit", file_limit},
              {"batch_size", 512},
              {"object_type", "folder"},
              {"S3_object_name", "Anomaly Detection"},
              {"script", "/tmp/Anomaly Detection/Inference/inference.py"},
              {"result_path", "result-partition-100MB/1GB/1"},
              {"data_bucket", "cosmicai-data"},
              {"data_prefix", "100MB"}};
    return p;
  }
  std::string error_of(const json& event) const {
    auto r = initialize(*store_, event);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
  }
  std::shared_ptr<storage::ObjectStore> store_;
};

TEST_F(InitializeTest, SeedsPayloadGivesTheOriginalRankDicts) {
  add_files("100MB", 12);
  auto r = initialize(*store_, payload("11"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["statusCode"], 200);
  const json& body = (*r)["body"];
  ASSERT_EQ(body.size(), 11u);
  const json& d = body[3];
  const std::vector<std::string> keys{"S3_BUCKET", "S3_OBJECT_NAME", "SCRIPT", "S3_OBJECT_TYPE", "WORLD_SIZE", "RANK",
                                      "DATA_BUCKET", "DATA_PREFIX", "DATA_PATH", "RESULT_PATH", "BATCH_SIZE"};
  std::size_t i = 0;
  for (auto it = d.begin(); it != d.end() && i < keys.size(); ++it, ++i) EXPECT_EQ(it.key(), keys[i]);
  EXPECT_EQ(d["S3_BUCKET"], "cosmicai-data");
  EXPECT_EQ(d["S3_OBJECT_NAME"], "Anomaly Detection");
  EXPECT_EQ(d["SCRIPT"], "/tmp/Anomaly Detection/Inference/inference.py");
  EXPECT_EQ(d["S3_OBJECT_TYPE"], "folder");
  EXPECT_EQ(d["WORLD_SIZE"], "11");
  EXPECT_EQ(d["RANK"], "3");
  EXPECT_EQ(d["DATA_BUCKET"], "cosmicai-data");
  EXPECT_EQ(d["DATA_PREFIX"], "100MB");
  EXPECT_EQ(d["DATA_PATH"], "100MB/4.pt");  // a string for one file
  EXPECT_EQ(d["RESULT_PATH"], "result-partition-100MB/1GB/1");
  EXPECT_EQ(d["BATCH_SIZE"], 512);
  EXPECT_EQ(body[10]["DATA_PATH"], "100MB/11.pt");  // numeric order, not 1, 10, 100…
  EXPECT_EQ(d["RUN_ID"], body[0]["RUN_ID"]);
  EXPECT_EQ(d["RUN_ID"].get<std::string>().size(), 16u);
  EXPECT_FALSE(d.contains("MODEL"));
  // Nothing written: no global payload.json.
  EXPECT_FALSE(store_->exists("cosmicai-data", "payload.json").value());
}

TEST_F(InitializeTest, FileLimitAsStringOrNumberPlansTheSame) {
  add_files("100MB", 20);
  auto a = initialize(*store_, payload("7"));
  auto b = initialize(*store_, payload(7));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ((*a)["body"].size(), 7u);
  for (std::size_t r = 0; r < 7; ++r) EXPECT_EQ((*a)["body"][r]["DATA_PATH"], (*b)["body"][r]["DATA_PATH"]);
}

TEST_F(InitializeTest, WorldSizeSplitsWithListsAndOverSubscribes) {
  add_files("100MB", 11);
  json p = payload("11");
  p["world_size"] = "4";
  auto r = initialize(*store_, p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& body = (*r)["body"];
  ASSERT_EQ(body.size(), 4u);
  EXPECT_EQ(body[0]["DATA_PATH"], json({"100MB/1.pt", "100MB/2.pt", "100MB/3.pt"}));
  EXPECT_EQ(body[3]["DATA_PATH"], json({"100MB/10.pt", "100MB/11.pt"}));
  EXPECT_EQ(body[0]["WORLD_SIZE"], "4");

  p["file_limit"] = 2;
  p["world_size"] = 5;
  auto over = initialize(*store_, p);
  ASSERT_TRUE(over.ok());
  ASSERT_EQ((*over)["body"].size(), 5u);
  EXPECT_EQ((*over)["body"][2]["DATA_PATH"], "100MB/1.pt");
  EXPECT_EQ((*over)["body"][3]["DATA_PATH"], "100MB/2.pt");
}

TEST_F(InitializeTest, MoreThanAThousandFilesInNumericOrder) {
  add_files("25MB", 1292);
  ASSERT_TRUE(store_->put("cosmicai-data", "25MB/readme.txt", "x").ok());
  ASSERT_TRUE(store_->put("cosmicai-data", "25MB_old/1.pt", "x").ok());  // another prefix
  json p = payload("1200");
  p["data_prefix"] = "25MB";
  auto r = initialize(*store_, p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& body = (*r)["body"];
  ASSERT_EQ(body.size(), 1200u);
  EXPECT_EQ(body[0]["DATA_PATH"], "25MB/1.pt");
  EXPECT_EQ(body[9]["DATA_PATH"], "25MB/10.pt");
  EXPECT_EQ(body[999]["DATA_PATH"], "25MB/1000.pt");
  EXPECT_EQ(body[1199]["DATA_PATH"], "25MB/1200.pt");
  EXPECT_EQ(body[1199]["RANK"], "1199");

  p.erase("file_limit");  // no limit: every file
  auto all = initialize(*store_, p);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)["body"].size(), 1292u);
  EXPECT_EQ((*all)["body"][1291]["DATA_PATH"], "25MB/1292.pt");
}

TEST_F(InitializeTest, SeedsLargestPayloadFitsTheStatePayloadLimit) {
  add_files("25MB", 516);
  json p = payload("516");
  p["data_prefix"] = "25MB";
  p["result_path"] = "scaling/result-partition-25MB/12.6GB/2";
  auto r = initialize(*store_, p);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(dump_compact(*r).size(), 256u * 1024u);
}

TEST_F(InitializeTest, ExtraFieldsAndModelArePassedOn) {
  add_files("100MB", 2);
  json p = payload("2");
  p["model"] = "builtin";
  p["team"] = "team4";
  auto r = initialize(*store_, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["body"][1]["MODEL"], "builtin");
  EXPECT_EQ((*r)["body"][1]["team"], "team4");
}

TEST_F(InitializeTest, ClearErrors) {
  add_files("100MB", 3);
  EXPECT_NE(error_of(payload("abc")).find("payload /file_limit: must be a positive integer"), std::string::npos);
  EXPECT_NE(error_of(payload("0")).find("/file_limit"), std::string::npos);
  EXPECT_NE(error_of(payload(-2)).find("/file_limit"), std::string::npos);
  EXPECT_NE(error_of(payload(2.5)).find("/file_limit"), std::string::npos);
  EXPECT_NE(error_of(payload("4")).find("file_limit: 4 exceeds the 3 .pt files under cosmicai-data/100MB/"),
            std::string::npos);
  json p = payload("1");
  p["data_prefix"] = "75MB";
  EXPECT_NE(error_of(p).find("no .pt files under cosmicai-data/75MB/"), std::string::npos);
  p = payload("1");
  p.erase("data_bucket");
  EXPECT_NE(error_of(p).find("payload /data_bucket: required field is missing"), std::string::npos);
  p = payload("1");
  p["world_size"] = "many";
  EXPECT_NE(error_of(p).find("payload /world_size"), std::string::npos);
  p = payload("1");
  p["batch_size"] = "big";
  EXPECT_NE(error_of(p).find("payload /batch_size"), std::string::npos);
  EXPECT_NE(error_of(json::array()).find("payload: must be a JSON object"), std::string::npos);
  p = payload("1");
  p["data_bucket"] = "no-such-bucket";
  EXPECT_NE(error_of(p).find("no-such-bucket"), std::string::npos);
}

TEST(RankTask, ParsesAndRejects) {
  json d = {{"WORLD_SIZE", "4"}, {"RANK", "0"},           {"DATA_BUCKET", "b"},
            {"DATA_PATH", "p/1.pt"}, {"RESULT_PATH", "r/"}, {"BATCH_SIZE", "256"}};
  auto t = parse_rank_task(d);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->rank, 0);
  EXPECT_EQ(t->world_size, 4);
  EXPECT_EQ(t->batch_size, 256);
  EXPECT_EQ(t->data_paths, std::vector<std::string>{"p/1.pt"});
  EXPECT_EQ(rank_result_key(t->result_path, 2), "r/2.json");
  EXPECT_EQ(rank_predictions_key("r", 2), "r/predictions/2.csv");
  json bad = d;
  bad["RANK"] = "4";
  EXPECT_NE(parse_rank_task(bad).error().message.find("rank dict /RANK: rank 4 is not below WORLD_SIZE 4"),
            std::string::npos);
  bad = d;
  bad["DATA_PATH"] = nullptr;
  EXPECT_NE(parse_rank_task(bad).error().message.find("/DATA_PATH"), std::string::npos);
  bad = d;
  bad["DATA_PATH"] = json::array({"a", 3});
  EXPECT_NE(parse_rank_task(bad).error().message.find("/DATA_PATH/1"), std::string::npos);
  bad = d;
  bad.erase("BATCH_SIZE");
  EXPECT_NE(parse_rank_task(bad).error().message.find("/BATCH_SIZE"), std::string::npos);
}

}  // namespace
}  // namespace cosmicai::cosmic

namespace cosmicai::cosmic {
namespace {

TEST(InitializeItemsKey, WritesTheRankItemsAndReturnsWhereTheyAre) {
  auto store = storage::open_object_store("mem://").value();
  for (int i = 1; i <= 1500; ++i) ASSERT_TRUE(store->put("cosmicai-data", fmt::format("25MB/{}.pt", i), "x").ok());
  const json p = {{"batch_size", 512},       {"result_path", "res/run"}, {"data_bucket", "cosmicai-data"},
                  {"data_prefix", "25MB"},   {"world_size", "3000"},     {"items_key", "res/run/items.json"}};
  auto r = initialize(*store, p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& body = (*r)["body"];
  EXPECT_EQ(body["items_bucket"], "cosmicai-data");
  EXPECT_EQ(body["items_key"], "res/run/items.json");
  EXPECT_EQ(body["world_size"], 3000);
  EXPECT_EQ(body["result_path"], "res/run");
  const json items = json::parse(store->get("cosmicai-data", "res/run/items.json").value());
  ASSERT_EQ(items.size(), 3000u);
  EXPECT_EQ(items[1500]["DATA_PATH"], "25MB/1.pt");  // 3000 ranks on 1500 files: rank r reads file r % 1500
  EXPECT_EQ(items[2999]["DATA_PATH"], "25MB/1500.pt");
  EXPECT_EQ(items[0]["RUN_ID"], body["run_id"]);
  EXPECT_FALSE(items[0].contains("items_key"));

  json bad = p;
  bad["items_key"] = "/abs";
  auto e = initialize(*store, bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("payload /items_key"), std::string::npos) << e.error().message;
}

}  // namespace
}  // namespace cosmicai::cosmic
