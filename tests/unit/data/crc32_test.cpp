#include <gtest/gtest.h>

#include <zlib.h>

#include <random>
#include <string>

#include "data/crc32.hpp"

namespace cosmicai::data {
namespace {

TEST(Crc32, MatchesZlibForEveryLengthAndAlignment) {
  std::mt19937_64 rng(42);
  std::string buf(5000, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (std::size_t offset = 0; offset < 16; offset += 5) {
    // Every length up to 600, then a sweep: the 128-bit path starts at 64 bytes, the 512-bit one at 512.
    for (std::size_t len = 0; len < 4900; len += (len < 600 ? 1 : 37)) {
      const auto* p = reinterpret_cast<const unsigned char*>(buf.data() + offset);
      const auto want = static_cast<std::uint32_t>(::crc32(0, p, static_cast<uInt>(len)));
      ASSERT_EQ(crc32_update(0, p, len), want) << "offset " << offset << " length " << len;
    }
  }
  const auto* p = reinterpret_cast<const unsigned char*>(buf.data());
  EXPECT_EQ(crc32_update(0, p, buf.size()), static_cast<std::uint32_t>(::crc32(0, p, static_cast<uInt>(buf.size()))));
}

TEST(Crc32, ChunkedUpdatesEqualOneShot) {
  std::string buf(1 << 20, '\0');
  std::mt19937 rng(7);
  for (auto& c : buf) c = static_cast<char>(rng());
  const std::uint32_t whole = crc32_update(0, buf.data(), buf.size());
  std::uint32_t crc = 0;
  for (std::size_t pos = 0, step = 1; pos < buf.size(); pos += step, step = step * 3 + 1) {
    const std::size_t n = std::min(step, buf.size() - pos);
    crc = crc32_update(crc, buf.data() + pos, n);
  }
  EXPECT_EQ(crc, whole);
  EXPECT_EQ(crc32_update(0, "123456789", 9), 0xCBF43926u);  // the standard check value
}

}  // namespace
}  // namespace cosmicai::data
