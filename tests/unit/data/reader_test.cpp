#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <numeric>

#include "common/json.hpp"
#include "data/partition.hpp"
#include "test_util.hpp"

namespace cosmicai::data {
namespace {

using testing::partitions_dir;
using testing::read_bytes;

double sum_f64(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }
double sum_f64(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

void expect_matches(const Partition& p, const json& f) {
  const std::string file = f["file"];
  ASSERT_EQ(p.samples, f["samples"].get<std::int64_t>()) << file;
  ASSERT_EQ(p.images.size(), static_cast<std::size_t>(p.samples * kImageElements)) << file;
  EXPECT_NEAR(sum_f64(p.images), f["images_sum_f64"].get<double>(), 1e-9 * f["images_sum_f64"].get<double>()) << file;
  EXPECT_NEAR(sum_f64(p.magnitudes), f["magnitudes_sum_f64"].get<double>(), 1e-9) << file;
  EXPECT_NEAR(sum_f64(p.redshift), f["redshift_sum_f64"].get<double>(), 1e-12) << file;
  for (int k = 0; k < 4; ++k)
    EXPECT_EQ(static_cast<double>(p.images[k]), f["images_first4_flat"][k].get<double>()) << file;
  EXPECT_EQ(static_cast<double>(p.images.back()), f["images_last_flat"].get<double>()) << file;
  for (int k = 0; k < 5; ++k) EXPECT_EQ(p.magnitudes[k], f["magnitudes_first_row"][k].get<double>()) << file;
  EXPECT_EQ(static_cast<double>(p.redshift[0]), f["redshift_first"].get<double>()) << file;
}

json expected() { return read_json_file(partitions_dir() + "/tiny/expected.json"); }

TEST(PartitionReader, ReadsEveryTinyFileLikeTorch) {
  const json exp = expected();
  ASSERT_EQ(exp["files"].size(), 12u);
  std::int64_t total = 0;
  for (const auto& f : exp["files"]) {
    auto p = read_partition_file(partitions_dir() + "/tiny/" + f["file"].get<std::string>());
    ASSERT_TRUE(p.ok()) << p.error().message;
    expect_matches(*p, f);
    total += p->samples;
  }
  EXPECT_EQ(total, exp["total_samples"].get<std::int64_t>());
}

TEST(PartitionReader, BytesMmapAndReuseGiveTheSameTensors) {
  const json exp = expected();
  const std::string path = partitions_dir() + "/tiny/12.pt";  // the short one
  const auto& f = exp["files"][11];
  ASSERT_EQ(f["file"], "12.pt");
  auto from_bytes = parse_partition(read_bytes(path), "12.pt");
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.error().message;
  expect_matches(*from_bytes, f);
  ReadOptions mm;
  mm.use_mmap = true;
  auto mapped = read_partition_file(path, mm);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(mapped->images, from_bytes->images);
  EXPECT_EQ(mapped->magnitudes, from_bytes->magnitudes);
  EXPECT_EQ(mapped->redshift, from_bytes->redshift);
  // Reusing one Partition: a 32-sample file, then the 13-sample one, then back.
  Partition reused;
  ASSERT_TRUE(read_partition_file_into(partitions_dir() + "/tiny/1.pt", reused).ok());
  expect_matches(reused, exp["files"][0]);
  ASSERT_TRUE(read_partition_file_into(path, reused).ok());
  expect_matches(reused, f);
  ASSERT_TRUE(read_partition_file_into(partitions_dir() + "/tiny/2.pt", reused).ok());
  expect_matches(reused, exp["files"][1]);
}

TEST(PartitionReader, LegacyFormatHoldsTheSameTensorsAsTiny1) {
  auto legacy = read_partition_file(partitions_dir() + "/legacy/1.pt");
  ASSERT_TRUE(legacy.ok()) << legacy.error().message;
  auto zip = read_partition_file(partitions_dir() + "/tiny/1.pt");
  ASSERT_TRUE(zip.ok()) << zip.error().message;
  EXPECT_EQ(legacy->samples, 32);
  EXPECT_EQ(legacy->images, zip->images);
  EXPECT_EQ(legacy->magnitudes, zip->magnitudes);
  EXPECT_EQ(legacy->redshift, zip->redshift);
  auto info = describe_partition_file(partitions_dir() + "/legacy/1.pt");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->format, "legacy");
  EXPECT_EQ(info->layout, "TensorDataset");
}

TEST(PartitionReader, DescribeReportsShapesAndDtypes) {
  auto info = describe_partition_file(partitions_dir() + "/tiny/12.pt");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->format, "zip");
  EXPECT_EQ(info->bytes, 267978u);
  ASSERT_EQ(info->tensors.size(), 3u);
  EXPECT_EQ(info->tensors[0].name, "images");
  EXPECT_EQ(info->tensors[0].dtype, "float32");
  EXPECT_EQ(info->tensors[0].shape, (std::vector<std::int64_t>{13, 5, 32, 32}));
  EXPECT_EQ(info->tensors[1].dtype, "float64");
  EXPECT_EQ(info->tensors[2].shape, (std::vector<std::int64_t>{13}));
}

// Every broken file is rejected, and the message names the file and what is wrong.
TEST(PartitionReader, RejectsEveryCorruptCase) {
  const std::map<std::string, std::string> kWhy = {
      {"crc_mismatch.pt", "zip record archive/data/0: CRC-32 mismatch"},
      {"dict_not_dataset.pt", "top-level object is a dict {images, magnitudes, redshift}, not a TensorDataset"},
      {"empty.pt", "file is empty (0 bytes)"},
      {"length_mismatch.pt", "tensors disagree on the number of samples: images 8, magnitudes 7, redshift 8"},
      {"not_torch.pt", "not a torch.save file: starts with bytes"},
      {"truncated_zip.pt", "zip end-of-central-directory record not found"},
      {"two_tensors.pt", "TensorDataset holds 2 tensors, expected 3"},
      {"wrong_dtype_images.pt", "images tensor has dtype float64, expected float32"},
      {"wrong_shape_images.pt", "images tensor has shape [8,3,32,32], expected [N,5,32,32]"},
      {"wrong_shape_magnitudes.pt", "magnitudes tensor has shape [8,4], expected [N,5]"},
  };
  const std::string dir = partitions_dir() + "/corrupt";
  const json cases = read_json_file(dir + "/CASES.json");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".pt") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    ASSERT_TRUE(cases.contains(name)) << name << " is not described in CASES.json";
    ASSERT_TRUE(kWhy.count(name)) << "no expectation for " << name;
    auto p = read_partition_file(entry.path().string());
    ASSERT_FALSE(p.ok()) << name << " was accepted";
    EXPECT_EQ(p.error().code, ErrorCode::kCorrupt) << p.error().message;
    EXPECT_EQ(p.error().message.rfind("partition " + entry.path().string() + ": ", 0), 0u) << p.error().message;
    EXPECT_NE(p.error().message.find(kWhy.at(name)), std::string::npos) << p.error().message;
    // The in-memory parser agrees.
    auto q = parse_partition(read_bytes(entry.path().string()), name);
    ASSERT_FALSE(q.ok()) << name;
    EXPECT_NE(q.error().message.find(kWhy.at(name)), std::string::npos) << q.error().message;
  }
  EXPECT_EQ(files, cases.size());
}

TEST(PartitionReader, CrcCheckIsWhatCatchesTheFlippedByte) {
  ReadOptions no_crc;
  no_crc.verify_crc = false;
  auto p = read_partition_file(partitions_dir() + "/corrupt/crc_mismatch.pt", no_crc);
  ASSERT_TRUE(p.ok()) << p.error().message;  // as torch.load does
  EXPECT_EQ(p->samples, 8);
}

TEST(PartitionReader, PlainLayoutsOnlyWhenAllowed) {
  ReadOptions plain;
  plain.allow_plain_layouts = true;
  auto p = read_partition_file(partitions_dir() + "/corrupt/dict_not_dataset.pt", plain);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->samples, 8);
  auto info = describe_partition_file(partitions_dir() + "/corrupt/dict_not_dataset.pt", plain);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->layout, "dict");
  // Still validated: a malformed TensorDataset stays rejected.
  EXPECT_FALSE(read_partition_file(partitions_dir() + "/corrupt/two_tensors.pt", plain).ok());
}

TEST(PartitionReader, MissingFileNamesThePath) {
  auto p = read_partition_file("/nonexistent/dir/7.pt");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(p.error().message.rfind("partition /nonexistent/dir/7.pt: cannot open", 0), 0u) << p.error().message;
}

}  // namespace
}  // namespace cosmicai::data
