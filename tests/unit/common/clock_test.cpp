// Clock: logical time that can be scaled, and its ISO-8601 formatting.
#include "common/clock.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

namespace cosmicai {
namespace {

using namespace std::chrono_literals;

TEST(Clock, ScaleZeroSkipsWaitsButAdvancesLogicalTime) {
  Clock clock(0.0);
  EXPECT_EQ(clock.scale(), 0.0);
  EXPECT_EQ(clock.real_delay(10s), Clock::duration::zero());
  const auto before = clock.now();
  clock.advance(90s);
  clock.advance(10s);
  EXPECT_EQ(clock.skipped(), Clock::duration(100s));
  // Logical time moved by the skipped 100 s plus the (real) time the calls took.
  const auto moved = clock.now() - before;
  EXPECT_GE(moved, Clock::duration(100s));
  EXPECT_LT(moved, Clock::duration(160s));
}

TEST(Clock, RealTimeClockNeverSkipsAndFollowsTheSystemClock) {
  const auto system_before = std::chrono::system_clock::now();
  Clock clock(1.0);
  const auto now = clock.now();
  const auto system_after = std::chrono::system_clock::now();
  EXPECT_EQ(clock.real_delay(3s), Clock::duration(3s));
  clock.advance(50s);  // only a scale-0 clock skips
  EXPECT_EQ(clock.skipped(), Clock::duration::zero());
  EXPECT_GE(now, std::chrono::time_point_cast<Clock::duration>(system_before) - 1ms);
  EXPECT_LE(now, std::chrono::time_point_cast<Clock::duration>(system_after) + 1ms);
  EXPECT_LT(clock.now() - now, Clock::duration(50s));  // the advance above did not move it
}

TEST(Clock, ScaledClockShortensRealDelaysAndClampsNegativeScales) {
  Clock half(0.5);
  EXPECT_EQ(half.real_delay(10s), Clock::duration(5s));
  Clock negative(-3.0);
  EXPECT_EQ(negative.scale(), 0.0);
  EXPECT_EQ(negative.real_delay(10s), Clock::duration::zero());
}

TEST(Clock, NowNeverGoesBackwards) {
  Clock clock(0.0);
  auto last = clock.now();
  for (int i = 0; i < 1000; ++i) {
    if (i % 100 == 0) clock.advance(1ms);
    const auto now = clock.now();
    ASSERT_GE(now, last) << i;
    last = now;
  }
}

TEST(Clock, FormatsIso8601UtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601(Clock::time_point{}), "1970-01-01T00:00:00.000Z");
  // 2016-02-29T12:34:56.789Z (a leap day) = 1456749296789 ms after the epoch; sub-millisecond truncated.
  const Clock::time_point leap{std::chrono::milliseconds(1456749296789) + std::chrono::microseconds(999)};
  EXPECT_EQ(format_iso8601(leap), "2016-02-29T12:34:56.789Z");
  EXPECT_EQ(format_iso8601(Clock::time_point{std::chrono::seconds(4102444799)}), "2099-12-31T23:59:59.000Z");
}

TEST(Clock, Iso8601AgreesWithGmtimeAcrossCenturies) {
  // Every 7,777,777.777 s from 1970 to 2262 (month ends, leap days, 2000 and 2100 included).
  for (std::int64_t ms = 0; ms < 9'000'000'000'000; ms += 7'777'777'777) {
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char want[32];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    ASSERT_EQ(format_iso8601(Clock::time_point{std::chrono::milliseconds(ms)}), want) << ms;
  }
  EXPECT_EQ(format_iso8601(Clock::time_point{std::chrono::seconds(951782400)}), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(Clock::time_point{std::chrono::seconds(4107542400)}), "2100-03-01T00:00:00.000Z");
}

}  // namespace
}  // namespace cosmicai
