// `cosmicai dataset synth|inspect` through the built binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "common/json.hpp"
#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "test_util.hpp"

namespace cosmicai::data {
namespace {

using testing::read_bytes;
using testing::TempDir;

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run cosmicai(const std::string& dir, const std::string& args) {
  const std::string cmd = "'" COSMICAI_BINARY "' " + args + " > '" + dir + "/stdout' 2> '" + dir + "/stderr'";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_bytes(dir + "/stdout"), read_bytes(dir + "/stderr")};
}

class DatasetCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(COSMICAI_BINARY)) GTEST_SKIP() << "cosmicai binary not built: " COSMICAI_BINARY;
  }
  TempDir dir_;
};

TEST_F(DatasetCli, SynthWritesTheDataSetAndInspectReadsIt) {
  const std::string root = dir_.path() + "/store";
  auto r = cosmicai(dir_.path(), "dataset synth --root " + root +
                                     " --bucket cosmicai-data --partition-mb 2 "
                                     "--total-mb 5 --seed 9 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const json summary = parse_json_text(r.out, "synth output");
  EXPECT_EQ(summary["files"], 3);               // ceil(5 / 2)
  EXPECT_EQ(summary["samples_per_file"], 102);  // round(2 × 51.13)
  EXPECT_EQ(summary["last_file_samples"], 51);  // 1 MB left
  EXPECT_EQ(summary["samples"], 102 + 102 + 51);
  const std::string file = root + "/cosmicai-data/2MB/3.pt";
  ASSERT_TRUE(std::filesystem::exists(file));
  // Same bytes as the library makes for that window of samples.
  EXPECT_TRUE(read_bytes(file) == serialize_partition(synthesize_partition(51, 9, 204), "3"));

  r = cosmicai(dir_.path(), "dataset inspect " + file);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(file + ": zip TensorDataset"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CRC-32 ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("samples     51"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("float32 [51,5,32,32]"), std::string::npos) << r.out;
}

TEST_F(DatasetCli, InspectMatchesTheReferenceAndRejectsCorruptFiles) {
  const std::string parts = testing::partitions_dir();
  auto r =
      cosmicai(dir_.path(), "dataset inspect --json " + parts + "/tiny/1.pt " + parts + "/corrupt/crc_mismatch.pt");
  EXPECT_EQ(r.status, 1);
  const json out = parse_json_text(r.out, "inspect output");
  const json exp = read_json_file(parts + "/tiny/expected.json")["files"][0];
  EXPECT_EQ(out[0]["samples"], exp["samples"]);
  EXPECT_NEAR(out[0]["images_sum_f64"].get<double>(), exp["images_sum_f64"].get<double>(), 1e-6);
  EXPECT_EQ(out[0]["redshift_first"].get<double>(), exp["redshift_first"].get<double>());
  EXPECT_EQ(out[1]["valid"], false);
  EXPECT_NE(out[1]["error"].get<std::string>().find("crc_mismatch.pt: zip record archive/data/0: CRC-32 mismatch"),
            std::string::npos);
  // Text output: valid files print, invalid ones go to stderr; the exit status says one failed.
  r = cosmicai(dir_.path(), "dataset inspect " + parts + "/legacy/1.pt " + parts + "/corrupt/wrong_shape_images.pt");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("legacy/1.pt: legacy TensorDataset, 657372 bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("wrong_shape_images.pt: images tensor has shape [8,3,32,32], expected [N,5,32,32]"),
            std::string::npos)
      << r.err;
}

TEST_F(DatasetCli, HelpHasExamplesAndBadArgumentsExitTwo) {
  auto r = cosmicai(dir_.path(), "dataset synth --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Example:"), std::string::npos) << r.out;
  // An s3:// root with a malformed endpoint is refused before anything is written.
  ::setenv("AWS_ACCESS_KEY_ID", "test-key", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "test-secret", 1);
  r = cosmicai(dir_.path(), "dataset synth --root s3://bucket --s3-endpoint ftp://nowhere");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("S3 endpoint 'ftp://nowhere'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cosmicai::data
