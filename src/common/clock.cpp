#include "common/clock.hpp"

#include <fmt/format.h>

#include <ctime>

namespace cosmicai {

Clock::Clock(double scale)
    : scale_(scale < 0 ? 0 : scale),
      start_steady_(std::chrono::steady_clock::now()),
      start_system_(std::chrono::system_clock::now()) {}

Clock::time_point Clock::now() const {
  auto elapsed = std::chrono::steady_clock::now() - start_steady_;
  if (scale_ > 0 && scale_ != 1.0) {
    elapsed = std::chrono::duration_cast<std::chrono::steady_clock::duration>(elapsed / scale_);
  }
  return std::chrono::time_point_cast<duration>(start_system_) +
         std::chrono::duration_cast<duration>(elapsed) + duration(skipped_ns_.load());
}

Clock::duration Clock::real_delay(duration d) const {
  if (scale_ <= 0) return duration::zero();
  return std::chrono::duration_cast<duration>(d * scale_);
}

void Clock::advance(duration d) {
  if (scale_ <= 0) skipped_ns_.fetch_add(d.count());
}

Clock::duration Clock::skipped() const { return duration(skipped_ns_.load()); }

namespace {

/// Write `v` as `width` decimal digits.
char* put_digits(char* out, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

}  // namespace

std::string format_iso8601(Clock::time_point t) {
  const auto since = t.time_since_epoch().count();  // nanoseconds
  constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
  if (since >= 0) {  // int64 nanoseconds reach 2262
    // From 1970 (every history timestamp): days to a civil date (H. Hinnant's days_from_civil
    // inverse), without gmtime_r and fmt, which a history of thousands of events feels.
    const std::int64_t days = since / kNsPerDay;
    const std::int64_t in_day = since % kNsPerDay;
    const std::int64_t z = days + 719468;
    const std::int64_t era = z / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const auto y = static_cast<unsigned>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
    const auto ms_in_day = static_cast<unsigned>(in_day / 1'000'000);
    std::string out(24, ' ');
    char* p = out.data();
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, ms_in_day / 3'600'000, 2);
    *p++ = ':';
    p = put_digits(p, ms_in_day / 60'000 % 60, 2);
    *p++ = ':';
    p = put_digits(p, ms_in_day / 1000 % 60, 2);
    *p++ = '.';
    p = put_digits(p, ms_in_day % 1000, 3);
    *p = 'Z';
    return out;
  }
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  const std::time_t tt = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(secs));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace cosmicai
