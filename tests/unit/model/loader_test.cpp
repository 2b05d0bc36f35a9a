// The model library is loaded on first use: commands that run no model never load
// LibTorch, and a missing library is a clear error, not a crash.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/model_runner.hpp"
#include "support/fixtures.hpp"

namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe) != nullptr) out += buf.data();
  pclose(pipe);
  return out;
}

TEST(ModelLoader, LibraryIsFoundAndOpensTheBuiltinModel) {
  auto path = cosmicai::model::model_library_path();
  ASSERT_TRUE(path.ok()) << path.error().message;
  EXPECT_NE(path->find("libcosmicai_model.so"), std::string::npos);
  cosmicai::model::ModelOptions options;
  options.threads = 1;
  auto runner = cosmicai::model::ModelRunner::open(options);
  ASSERT_TRUE(runner.ok()) << runner.error().message;
  EXPECT_EQ((*runner)->parameter_count(), 15902889);
}

TEST(ModelLoader, CommandsWithoutAModelDoNotLoadLibTorch) {
  // The CLI binary itself does not link LibTorch; only the model library does.
  const std::string ldd = run(std::string("ldd ") + COSMICAI_BINARY);
  EXPECT_EQ(ldd.find("libtorch"), std::string::npos) << ldd;
}

TEST(ModelLoader, MissingLibraryIsANamedError) {
  const auto dir = std::filesystem::temp_directory_path() / "cosmicai_loader_test";
  std::filesystem::create_directories(dir / "store" / "cosmicai-data" / "tiny");
  std::filesystem::copy_file(cosmicai::fixtures::partitions_dir() + "/tiny/1.pt",
                             dir / "store" / "cosmicai-data" / "tiny" / "1.pt",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir / "payload.json")
      << R"({"bucket":"cosmicai-data","file_limit":"1","batch_size":16,"object_type":"folder",)"
      << R"("S3_object_name":"Anomaly Detection","script":"x","result_path":"res",)"
      << R"("data_bucket":"cosmicai-data","data_prefix":"tiny"})";
  const std::string out = run("COSMICAI_MODEL_LIBRARY=/nonexistent/libcosmicai_model.so " +
                              std::string(COSMICAI_BINARY) + " infer --rank 0 --input " +
                              (dir / "payload.json").string() + " --store file://" + (dir / "store").string());
  EXPECT_NE(out.find("cannot load the model library libcosmicai_model.so"), std::string::npos) << out;
  EXPECT_NE(out.find("/nonexistent/libcosmicai_model.so: not found"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
