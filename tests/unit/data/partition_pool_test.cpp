#include <gtest/gtest.h>

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

TEST(PartitionPool, KeepsAtMostMaxIdleAndOutlivesNothing) {
  std::vector<std::shared_ptr<Partition>> held;
  {
    PartitionPool pool(2);
    for (int i = 0; i < 5; ++i) held.push_back(pool.acquire());
    held.resize(1);
    EXPECT_EQ(pool.idle(), 2u);
  }
  held.clear();  // the pool is gone: the last Partition is simply freed
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
