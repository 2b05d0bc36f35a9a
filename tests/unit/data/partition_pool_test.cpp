#include <gtest/gtest.h>
#include <malloc.h>

#include <thread>
#include <vector>

#include "data/partition_pool.hpp"
#include "test_util.hpp"

namespace cosmicai::data {
namespace {

TEST(PartitionPool, ReleasedPartitionsComeBackWithTheirMemory) {
  PartitionPool pool(2);
  const std::string path = testing::partitions_dir() + "/tiny/1.pt";
  const float* buffer = nullptr;
  {
    auto part = pool.acquire();
    ASSERT_TRUE(read_partition_file_into(path, *part).ok());
    buffer = part->images.data();
    EXPECT_EQ(pool.idle(), 0u);
  }
  EXPECT_EQ(pool.idle(), 1u);
  auto again = pool.acquire();
  EXPECT_EQ(again->images.data(), buffer);  // the same allocation, not a fresh one
  ASSERT_TRUE(read_partition_file_into(testing::partitions_dir() + "/tiny/2.pt", *again).ok());
  EXPECT_EQ(again->images.data(), buffer);
  EXPECT_EQ(again->samples, 32);
}

/// Bytes glibc holds in mmap'd blocks: a 64 MiB vector is always one (above the largest mmap
/// threshold), so freeing it shows here. Not meaningful under AddressSanitizer (whose leak check
/// covers the same ground there) or ThreadSanitizer: their allocators bypass glibc's.
std::size_t mmapped_bytes() { return ::mallinfo2().hblkhd; }
constexpr std::size_t kBigFloats = (64u << 20) / sizeof(float);

TEST(PartitionPool, KeepsAtMostMaxIdleAndFreesWhatOutlivesIt) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "mallinfo2 does not see a sanitizer's allocations";
#endif
  std::vector<std::shared_ptr<Partition>> held;
  std::size_t with_idle = 0;
  {
    PartitionPool pool(2);
    for (int i = 0; i < 5; ++i) held.push_back(pool.acquire());
    held[1]->images.resize(kBigFloats);
    held[0]->images.resize(kBigFloats);
    for (int i = 1; i < 5; ++i) held[i].reset();  // in this order: 1 (big) and 2 kept idle, 3 and 4 freed
    held.resize(1);
    EXPECT_EQ(pool.idle(), 2u);
    with_idle = mmapped_bytes();
  }
  // The pool is gone: its idle Partitions are freed with it...
  EXPECT_GE(with_idle - mmapped_bytes(), kBigFloats * sizeof(float)) << "the pool's idle Partitions were not freed";
  // ...and a Partition that outlived it still works and is freed when released, not leaked.
  held[0]->images.back() = 1.0f;
  const std::size_t before = mmapped_bytes();
  held.clear();
  EXPECT_GE(before - mmapped_bytes(), kBigFloats * sizeof(float)) << "a Partition released after its pool leaked";
}

TEST(PartitionPool, ConcurrentAcquireAndRelease) {
  PartitionPool pool(4);
  for (int threads : {1, 2, 4, 8}) {
    std::vector<std::thread> pool_users;
    for (int t = 0; t < threads; ++t) {
      pool_users.emplace_back([&] {
        for (int i = 0; i < 200; ++i) {
          auto p = pool.acquire();
          p->samples = i;
        }
      });
    }
    for (auto& t : pool_users) t.join();
    EXPECT_LE(pool.idle(), 4u);
    EXPECT_GE(pool.idle(), 1u);
  }
}

}  // namespace
}  // namespace cosmicai::data
