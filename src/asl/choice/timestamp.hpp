#pragma once
/// ASL timestamps: "RFC3339 profile ISO 8601, with further restrictions that an
/// uppercase T must separate the date and time portions, and an uppercase Z must
/// denote that a numeric time zone offset is not present" (2016-03-14T01:59:00Z,
/// 2016-03-14T01:59:00.123456789+01:00). Used by Choice Timestamp* rules and by the
/// Wait state's Timestamp/TimestampPath.
#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cosmicai::asl {

/// An instant: seconds since 1970-01-01T00:00:00Z plus nanoseconds (0..999999999).
struct Timestamp {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  auto operator<=>(const Timestamp&) const = default;
};

/// Parse a timestamp; nullopt if `text` is not one (bad shape, lowercase t/z, month 13,
/// February 30, ...). Fractions beyond nanoseconds are truncated.
std::optional<Timestamp> parse_timestamp(std::string_view text);

}  // namespace cosmicai::asl
