// The partition reader under mutated partitions (there is no fuzz corpus in the repository, so the
// inputs are seeded mutations of a synthesized zip partition and of the legacy-format fixture):
// every reading path (bytes, pread, mmap, into a reused Partition) must agree, never crash, and
// either reject the file with an error naming it or give tensors that make sense.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "test_util.hpp"

namespace cosmicai::data {
namespace {

using testing::TempDir;
using testing::write_bytes;

/// One mutation of `base`, chosen by `rng`: flipped bits, a truncation, a 32-bit field overwritten
/// with an extreme value (sizes and offsets), bytes inserted or removed.
std::string mutate(const std::string& base, std::mt19937_64& rng, std::string& what) {
  std::string s = base;
  auto pos = [&](std::size_t n) { return static_cast<std::size_t>(rng() % std::max<std::size_t>(n, 1)); };
  switch (rng() % 5) {
    case 0: {
      const int flips = 1 + static_cast<int>(rng() % 4);
      what = "flip";
      for (int i = 0; i < flips; ++i) {
        const auto at = pos(s.size());
        s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
        what += " @" + std::to_string(at);
      }
      break;
    }
    case 1: {
      const auto at = pos(s.size());
      s.resize(at);
      what = "truncate to " + std::to_string(at);
      break;
    }
    case 2: {
      static const std::uint32_t kValues[] = {0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 0xfffffffe};
      const std::uint32_t v = kValues[rng() % std::size(kValues)];
      const auto at = pos(s.size() - 4);
      for (int b = 0; b < 4; ++b) s[at + b] = static_cast<char>((v >> (8 * b)) & 0xff);
      what = "u32 " + std::to_string(v) + " @" + std::to_string(at);
      break;
    }
    case 3: {
      const auto at = pos(s.size());
      s.insert(at, std::string(1 + rng() % 16, static_cast<char>(rng())));
      what = "insert @" + std::to_string(at);
      break;
    }
    default: {
      const auto at = pos(s.size());
      s.erase(at, 1 + rng() % 16);
      what = "erase @" + std::to_string(at);
      break;
    }
  }
  return s;
}

/// Equal bit for bit (a mutated float may be a NaN, which == never matches).
template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}
bool same_tensors(const Partition& a, const Partition& b) {
  return a.samples == b.samples && same_bytes(a.images, b.images) && same_bytes(a.magnitudes, b.magnitudes) &&
         same_bytes(a.redshift, b.redshift);
}

/// Read `bytes` every way there is and check that the ways agree. With `crc_checked` (a zip
/// partition read with CRC checks), an accepted file must hold exactly `original`'s tensors.
void check_every_path(const std::string& bytes, const std::string& file, const Partition& original, bool crc_checked,
                      const std::string& what) {
  SCOPED_TRACE(what);
  write_bytes(file, bytes);
  ReadOptions mmap_opts;
  mmap_opts.use_mmap = true;
  const auto from_bytes = parse_partition(bytes, "mutant");
  const auto pread = read_partition_file(file);
  const auto mapped = read_partition_file(file, mmap_opts);
  Partition reused = original;  // a Partition holding other data must not leak it into the result
  const auto into = read_partition_file_into(file, reused);
  Partition reused_mapped = original;
  const auto into_mapped = read_partition_file_into(file, reused_mapped, mmap_opts);

  ASSERT_EQ(pread.ok(), from_bytes.ok()) << (pread.ok() ? from_bytes.error().message : pread.error().message);
  ASSERT_EQ(mapped.ok(), pread.ok()) << (mapped.ok() ? pread.error().message : mapped.error().message);
  ASSERT_EQ(into.ok(), pread.ok()) << (into.ok() ? pread.error().message : into.error().message);
  ASSERT_EQ(into_mapped.ok(), pread.ok()) << (into_mapped.ok() ? pread.error().message : into_mapped.error().message);
  if (!pread.ok()) {
    for (const Error* e : {&pread.error(), &mapped.error(), &into.error(), &into_mapped.error()}) {
      EXPECT_EQ(e->message.rfind("partition " + file + ": ", 0), 0u) << e->message;
      EXPECT_GT(e->message.size(), ("partition " + file + ": ").size()) << "the error must say what is wrong";
    }
    EXPECT_EQ(from_bytes.error().message.rfind("partition mutant: ", 0), 0u) << from_bytes.error().message;
    return;
  }
  const Partition& p = *pread;
  EXPECT_GE(p.samples, 0);
  EXPECT_EQ(p.images.size(), static_cast<std::size_t>(p.samples * kImageElements));
  EXPECT_EQ(p.magnitudes.size(), static_cast<std::size_t>(p.samples * kMagnitudes));
  EXPECT_EQ(p.redshift.size(), static_cast<std::size_t>(p.samples));
  EXPECT_TRUE(same_tensors(p, *from_bytes));
  EXPECT_TRUE(same_tensors(p, *mapped));
  EXPECT_TRUE(same_tensors(p, reused));
  EXPECT_TRUE(same_tensors(p, reused_mapped));
  if (crc_checked) EXPECT_TRUE(same_tensors(p, original)) << "an accepted zip partition passed its CRC checks";
}

TEST(PartitionReaderFuzz, MutatedZipPartitionsAreRejectedOrReadIdenticallyByEveryPath) {
  TempDir dir;
  const Partition original = synthesize_partition(3, 11);
  const std::string base = serialize_partition(original, "p");
  check_every_path(base, dir.path() + "/p.pt", original, true, "unmutated");
  std::mt19937_64 rng(20240601);
  int rejected = 0;
  for (int i = 0; i < 400; ++i) {
    std::string what;
    const std::string bytes = mutate(base, rng, what);
    check_every_path(bytes, dir.path() + "/p.pt", original, true, "mutant " + std::to_string(i) + ": " + what);
    if (!parse_partition(bytes, "m").ok()) ++rejected;
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(rejected, 300) << "most mutations break a CRC-checked zip partition";
}

TEST(PartitionReaderFuzz, MutatedLegacyPartitionsNeverCrashAndEveryPathAgrees) {
  TempDir dir;
  const std::string base = testing::read_bytes(testing::partitions_dir() + "/legacy/1.pt");
  ASSERT_FALSE(base.empty());
  const auto original = parse_partition(base, "legacy");
  ASSERT_TRUE(original.ok()) << original.error().message;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string what;
    const std::string bytes = mutate(base, rng, what);
    // The legacy format has no checksums: a flipped tensor byte reads as other data.
    check_every_path(bytes, dir.path() + "/1.pt", *original, false, "mutant " + std::to_string(i) + ": " + what);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace cosmicai::data
