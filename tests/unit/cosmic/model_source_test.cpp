#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cosmic/infer.hpp"
#include "cosmic/progress.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cosmic {
namespace {

RankTask task_with_code(std::string bucket, std::string folder) {
  RankTask t;
  t.code_bucket = std::move(bucket);
  t.object_name = std::move(folder);
  return t;
}

TEST(ModelSource, PayloadThenOptionThenCodeFolderThenBuiltin) {
  const auto root = std::filesystem::temp_directory_path() / ("cosmicai-model-source-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  CosmicConfig c;
  c.store = storage::open_object_store("file://" + root.string()).value();
  RankTask t = task_with_code("cosmicai-data", "Anomaly Detection");

  // No code bucket at all, and a code folder without a model: the built-in model.
  EXPECT_EQ(resolve_model_source(c, t).value(), "builtin");
  ASSERT_TRUE(c.store->put("cosmicai-data", "Anomaly Detection/Inference/inference.py", "print()").ok());
  EXPECT_EQ(resolve_model_source(c, t).value(), "builtin");

  // A model file in the code folder (read in place from a local store).
  ASSERT_TRUE(c.store->put("cosmicai-data", "Anomaly Detection/model.pt", "weights").ok());
  const auto found = resolve_model_source(c, t).value();
  EXPECT_EQ(found, (root / "cosmicai-data/Anomaly Detection/model.pt").string());

  // --model overrides the code folder; the payload's MODEL overrides both.
  c.model = "builtin:/w.pt";
  EXPECT_EQ(resolve_model_source(c, t).value(), "builtin:/w.pt");
  t.model = "/payload.ts.pt";
  EXPECT_EQ(resolve_model_source(c, t).value(), "/payload.ts.pt");
  std::filesystem::remove_all(root);
}

TEST(ModelSource, NonLocalStoreFetchesTheModelOnce) {
  CosmicConfig c;
  c.store = storage::open_object_store("mem://").value();
  ASSERT_TRUE(c.store->put("code", "folder/net.ts.pt", "torchscript bytes").ok());
  const RankTask t = task_with_code("code", "folder");
  const auto path = resolve_model_source(c, t).value();
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  std::ifstream in(path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "torchscript bytes");
  EXPECT_EQ(resolve_model_source(c, t).value(), path);  // cached by bucket, key and size
}

TEST(Progress, CountsAndFormats) {
  Progress p(false);  // not drawing: counts only
  p.expect_ranks(4);
  p.add_samples(100);
  p.rank_done(true);
  p.rank_done(false);
  EXPECT_EQ(p.ranks_done(), 2);
  EXPECT_EQ(p.ranks_failed(), 1);
  EXPECT_EQ(p.samples(), 100);
  const std::string line = p.line();
  EXPECT_EQ(line.rfind("ranks 2/4 (1 failed) · ", 0), 0u) << line;
  EXPECT_NE(line.find("samples/s"), std::string::npos);
  EXPECT_NE(line.find("elapsed"), std::string::npos);
  EXPECT_NE(line.find("ETA"), std::string::npos);
  EXPECT_EQ(format_duration(42), "42s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
}

}  // namespace
}  // namespace cosmicai::cosmic
