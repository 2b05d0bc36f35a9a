#include <gtest/gtest.h>

#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "test_util.hpp"

namespace cosmicai::data {
namespace {

using testing::partitions_dir;
using testing::read_bytes;

// The writer reproduces torch.save byte for byte: parse each reference file and
// serialize it again under its own root name.
TEST(PartitionWriter, ReproducesTorchSaveBytesOfEveryTinyFile) {
  for (int k = 1; k <= 12; ++k) {
    const std::string path = partitions_dir() + "/tiny/" + std::to_string(k) + ".pt";
    const std::string original = read_bytes(path);
    auto p = parse_partition(original, path);
    ASSERT_TRUE(p.ok()) << p.error().message;
    const std::string again = serialize_partition(*p, std::to_string(k));
    ASSERT_EQ(again.size(), original.size()) << path;
    EXPECT_TRUE(again == original) << path << ": bytes differ";
    EXPECT_EQ(serialized_partition_size(p->samples, std::to_string(k)), original.size());
  }
}

TEST(PartitionWriter, RoundTripsSyntheticPartitionsOfManySizes) {
  for (std::int64_t n : {0, 1, 2, 13, 300}) {  // 300 samples: BININT2 sizes, BININT element counts
    const Partition p = synthesize_partition(n, 7, 1000);
    const std::string root = "part-" + std::to_string(n);
    const std::string bytes = serialize_partition(p, root);
    EXPECT_EQ(bytes.size(), serialized_partition_size(n, root));
    auto q = parse_partition(bytes, root);
    ASSERT_TRUE(q.ok()) << q.error().message;
    EXPECT_EQ(q->samples, n);
    EXPECT_EQ(q->images, p.images);
    EXPECT_EQ(q->magnitudes, p.magnitudes);
    EXPECT_EQ(q->redshift, p.redshift);
  }
}

TEST(PartitionWriter, PayloadsAreAlignedTo64Bytes) {
  const Partition p = synthesize_partition(3, 1);
  for (const std::string root : {"1", "22", "archive", "a-much-longer-root-name-for-padding"}) {
    const std::string bytes = serialize_partition(p, root);
    // Find each local header and check where its payload starts.
    int headers = 0;
    for (std::size_t pos = bytes.find("PK\x03\x04"); pos != std::string::npos && headers < 5;
         pos = bytes.find("PK\x03\x04", pos + 4)) {
      const auto u16 = [&](std::size_t at) {
        return static_cast<unsigned>(static_cast<unsigned char>(bytes[at])) |
               (static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 1])) << 8);
      };
      const std::size_t payload = pos + 30 + u16(pos + 26) + u16(pos + 28);
      EXPECT_EQ(payload % 64, 0u) << root << " header at " << pos;
      EXPECT_EQ(bytes.substr(pos + 30 + u16(pos + 26), 2), "FB");
      ++headers;
    }
    EXPECT_EQ(headers, 5) << root;
  }
}

TEST(PartitionWriter, RejectsInconsistentPartitions) {
  Partition p = synthesize_partition(2, 1);
  p.redshift.pop_back();
  EXPECT_THROW(serialize_partition(p, "x"), std::invalid_argument);
}

// Every truncation and every flipped payload byte of a valid file gives an error, never a crash.
TEST(PartitionReader, SurvivesTruncationAndBitFlips) {
  const std::string bytes = serialize_partition(synthesize_partition(2, 3), "f");
  for (std::size_t len = 0; len < bytes.size(); len += (len < 200 || len > bytes.size() - 200) ? 1 : 97) {
    auto p = parse_partition(std::string_view(bytes).substr(0, len), "cut");
    EXPECT_FALSE(p.ok()) << "accepted a file cut at " << len;
  }
  std::string flipped = bytes;
  int rejected = 0, total = 0;
  for (std::size_t pos = 0; pos < bytes.size(); pos += 7) {
    flipped[pos] = static_cast<char>(flipped[pos] ^ 0x5A);
    auto p = parse_partition(flipped, "flip");
    flipped[pos] = bytes[pos];
    ++total;
    if (!p.ok()) ++rejected;
  }
  // Only flips in padding, unused header fields or descriptor copies may go unnoticed.
  EXPECT_GT(rejected, total * 9 / 10) << rejected << " of " << total;
}

}  // namespace
}  // namespace cosmicai::data
