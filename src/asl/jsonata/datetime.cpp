// $now, $millis-based date functions and the picture-string formatters.
#include <cstring>
#include <ctime>

#include "asl/jsonata/internal.hpp"

namespace cosmicai::jsonata::detail {

std::string js_number(double d);

static std::string iso_from_millis(double ms) {
  long long total = static_cast<long long>(std::floor(ms));
  long long days = total >= 0 ? total / 86400000 : -((-total + 86400000 - 1) / 86400000);
  long long rem = total - days * 86400000;
  // civil from days (Howard Hinnant)
  long long z = days + 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long y = yoe + era * 400;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  long long d = doy - (153 * mp + 2) / 5 + 1;
  long long m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", y, m, d, rem / 3600000,
                (rem / 60000) % 60, (rem / 1000) % 60, rem % 1000);
  return buf;
}

static long long days_from_civil(long long y, long long m, long long d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// ISO 8601 as JavaScript's Date.parse accepts it for the forms JSONata uses.
static bool parse_iso(const std::string& s, double& out) {
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  double frac = 0;
  const char* p = s.c_str();
  auto num = [&](int digits, int& v) {
    v = 0;
    for (int i = 0; i < digits; ++i) {
      if (!isdigit((unsigned char)*p)) return false;
      v = v * 10 + (*p++ - '0');
    }
    return true;
  };
  if (!num(4, y)) return false;
  if (*p == '-') { ++p; if (!num(2, mo)) return false; if (*p == '-') { ++p; if (!num(2, d)) return false; } }
  long tz = 0;
  if (*p == 'T' || *p == ' ') {
    ++p;
    if (!num(2, h) || *p++ != ':' || !num(2, mi)) return false;
    if (*p == ':') {
      ++p;
      if (!num(2, sec)) return false;
      if (*p == '.') {
        ++p;
        double scale = 0.1;
        while (isdigit((unsigned char)*p)) { frac += (*p++ - '0') * scale; scale /= 10; }
      }
    }
    if (*p == 'Z') ++p;
    else if (*p == '+' || *p == '-') {
      int sign = *p++ == '-' ? -1 : 1;
      int th = 0, tm = 0;
      if (!num(2, th)) return false;
      if (*p == ':') ++p;
      num(2, tm);
      tz = sign * (th * 60 + tm);
    }
  }
  if (*p) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 59) return false;
  double days = double(days_from_civil(y, mo, d));
  out = days * 86400000.0 + h * 3600000.0 + mi * 60000.0 + sec * 1000.0 + std::round(frac * 1000) - tz * 60000.0;
  return true;
}

Value f_from_millis(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  if (a.size() > 1 && !a[1].undef())
    fail("D3133", -1, {}, "$fromMillis with a picture string is not supported by this implementation yet");
  return Value::string(iso_from_millis(a[0].n));
}

Value f_to_millis(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  if (a.size() > 1 && !a[1].undef())
    fail("D3136", -1, {}, "$toMillis with a picture string is not supported by this implementation yet");
  double ms;
  if (!parse_iso(a[0].str(), ms)) fail("D3110", -1, {}, "The timestamp " + a[0].str() + " is not ISO 8601");
  return Value::number(ms);
}

Value f_now(Ctx& ctx, std::vector<Value>& a, const Value& in) {
  double ms = double(std::chrono::duration_cast<std::chrono::milliseconds>(ctx.now.time_since_epoch()).count());
  std::vector<Value> args{Value::number(ms)};
  for (auto& x : a) args.push_back(x);
  return f_from_millis(ctx, args, in);
}

Value f_format_number(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  fail("D3080", -1, {}, "$formatNumber is not supported by this implementation yet");
}

Value f_format_integer(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  fail("D3130", -1, {}, "$formatInteger is not supported by this implementation yet");
}

Value f_parse_integer(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  fail("D3130", -1, {}, "$parseInteger is not supported by this implementation yet");
}

}  // namespace cosmicai::jsonata::detail
