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

std::string format_iso8601(Clock::time_point t) {
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
