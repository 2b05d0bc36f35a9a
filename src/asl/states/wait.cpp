#include "asl/states/wait.hpp"

#include <cctype>
#include <ctime>

namespace cosmicai::asl {

std::unique_ptr<State> parse_wait(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<WaitState>();
  s->type = StateType::kWait;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Seconds",
                    "SecondsPath", "Timestamp", "TimestampPath"});
  parse_common_fields(obj, {}, *s, ctx);
  s->seconds = ctx.get_int(obj, pointer, "Seconds", false, 99999999);
  s->seconds_path = ctx.get_path(obj, pointer, "SecondsPath");
  s->timestamp = ctx.get_string(obj, pointer, "Timestamp");
  s->timestamp_path = ctx.get_path(obj, pointer, "TimestampPath");
  if (s->timestamp && !parse_timestamp_ns(*s->timestamp)) {
    ctx.error(pointer + "/Timestamp", "must be an RFC3339 timestamp such as 2016-03-14T01:59:00Z, got \"" +
                                          *s->timestamp + "\"");
  }
  int count = 0;
  for (const char* k : {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}) count += obj.contains(k) ? 1 : 0;
  if (count != 1) {
    ctx.error(pointer, "must have exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (found " +
                           std::to_string(count) + ")");
  }
  return s;
}

std::optional<std::int64_t> parse_timestamp_ns(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > t.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (t.size() < 20 || !digits(0, 4, y) || t[4] != '-' || !digits(5, 2, mo) || t[7] != '-' || !digits(8, 2, d) ||
      t[10] != 'T' || !digits(11, 2, h) || t[13] != ':' || !digits(14, 2, mi) || t[16] != ':' || !digits(17, 2, s)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t frac_ns = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    std::int64_t scale = 100000000;
    const std::size_t start = pos;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
      frac_ns += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (pos < t.size() && t[pos] == 'Z') {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' || !digits(pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000000000 + frac_ns;
}

}  // namespace cosmicai::asl
