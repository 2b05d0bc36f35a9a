// $now, $millis-based date functions and the picture-string formatters.
#include <algorithm>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <regex>

#include "asl/jsonata/internal.hpp"

namespace cosmicai::jsonata::detail {

std::string js_number(double d);

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
  if (*p == '-') {
    ++p;
    if (!num(2, mo)) return false;
    if (*p == '-') {
      ++p;
      if (!num(2, d)) return false;
    }
  }
  long tz = 0;
  if (*p == 'T') {
    ++p;
    if (!num(2, h) || *p++ != ':' || !num(2, mi)) return false;
    if (*p == ':') {
      ++p;
      if (!num(2, sec)) return false;
      if (*p == '.') {
        ++p;
        double scale = 0.1;
        while (isdigit((unsigned char)*p)) {
          frac += (*p++ - '0') * scale;
          scale /= 10;
        }
      }
    }
    if (*p == 'Z')
      ++p;
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

// ---- integer pictures (XPath F&O 4.6.1, as jsonata-js implements them) ----
namespace {

std::u32string to_u32(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    char32_t cp;
    int len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0F;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out += cp;
    i += len;
  }
  return out;
}
std::string to_u8(const std::u32string& s) {
  std::string out;
  for (char32_t cp : s) append_utf8(out, static_cast<std::uint32_t>(cp));
  return out;
}

const char32_t kDecimalGroups[] = {0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
                                   0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
                                   0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
                                   0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

enum class Prim { Decimal, Letters, Roman, Words, Sequence };
enum class Case { Upper, Lower, Title };
struct Sep {
  int position;
  char32_t ch;
};
struct IntFormat {
  Prim primary = Prim::Decimal;
  Case tcase = Case::Lower;
  bool ordinal = false;
  char32_t zero = 0x30;
  int mandatory = 0, optional = 0;
  bool regular = false;
  int reg_pos = 0;
  char32_t reg_ch = 0;
  std::vector<Sep> seps;
  std::string token;
};

IntFormat analyse_integer(const std::string& picture) {
  IntFormat f;
  std::string primary = picture;
  auto semi = picture.rfind(';');
  if (semi != std::string::npos) {
    primary = picture.substr(0, semi);
    if (semi + 1 < picture.size() && picture[semi + 1] == 'o') f.ordinal = true;
  }
  if (primary == "A") {
    f.tcase = Case::Upper;
    f.primary = Prim::Letters;
  } else if (primary == "a")
    f.primary = Prim::Letters;
  else if (primary == "I") {
    f.tcase = Case::Upper;
    f.primary = Prim::Roman;
  } else if (primary == "i")
    f.primary = Prim::Roman;
  else if (primary == "W") {
    f.tcase = Case::Upper;
    f.primary = Prim::Words;
  } else if (primary == "Ww") {
    f.tcase = Case::Title;
    f.primary = Prim::Words;
  } else if (primary == "w")
    f.primary = Prim::Words;
  else {
    std::u32string cps = to_u32(primary);
    std::reverse(cps.begin(), cps.end());
    bool have_zero = false;
    char32_t zero = 0;
    int sep_pos = 0;
    std::vector<Sep> seps;
    for (char32_t cp : cps) {
      bool digit = false;
      for (char32_t g : kDecimalGroups) {
        if (cp >= g && cp <= g + 9) {
          digit = true;
          f.mandatory++;
          sep_pos++;
          if (!have_zero) {
            zero = g;
            have_zero = true;
          } else if (g != zero)
            fail("D3131", -1, {}, "In a decimal digit pattern, all digits must be from the same decimal group");
          break;
        }
      }
      if (!digit) {
        if (cp == U'#') {
          sep_pos++;
          f.optional++;
        } else
          seps.push_back({sep_pos, cp});
      }
    }
    if (f.mandatory > 0) {
      f.primary = Prim::Decimal;
      f.zero = zero;
      int regular = 0;
      if (!seps.empty()) {
        bool same = true;
        for (auto& sp : seps)
          if (sp.ch != seps[0].ch) same = false;
        if (same) {
          int g = 0;
          for (auto& sp : seps) g = std::gcd(g, sp.position);
          regular = g;
          for (std::size_t k = 1; k <= seps.size(); ++k) {
            bool found = false;
            for (auto& sp : seps)
              if (sp.position == int(k) * g) found = true;
            if (!found) {
              regular = 0;
              break;
            }
          }
        }
      }
      if (regular > 0) {
        f.regular = true;
        f.reg_pos = regular;
        f.reg_ch = seps[0].ch;
      } else
        f.seps = seps;
    } else {
      f.primary = Prim::Sequence;
      f.token = primary;
    }
  }
  return f;
}

const char* kFew[] = {"Zero",     "One",     "Two",     "Three",     "Four",     "Five",    "Six",
                      "Seven",    "Eight",   "Nine",    "Ten",       "Eleven",   "Twelve",  "Thirteen",
                      "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
const char* kOrdinals[] = {"Zeroth",    "First",     "Second",      "Third",      "Fourth",
                           "Fifth",     "Sixth",     "Seventh",     "Eighth",     "Ninth",
                           "Tenth",     "Eleventh",  "Twelfth",     "Thirteenth", "Fourteenth",
                           "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"};
const char* kDecades[] = {"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"};
const char* kMagnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};

std::string words_lookup(double num, bool prev, bool ordinal) {
  std::string w;
  if (num <= 19) {
    w = std::string(prev ? " and " : "") + (ordinal ? kOrdinals[int(num)] : kFew[int(num)]);
  } else if (num < 100) {
    int tens = int(num / 10), rem = int(std::fmod(num, 10));
    w = std::string(prev ? " and " : "") + kDecades[tens - 2];
    if (rem > 0)
      w += "-" + words_lookup(rem, false, ordinal);
    else if (ordinal)
      w = w.substr(0, w.size() - 1) + "ieth";
  } else if (num < 1000) {
    int hundreds = int(num / 100), rem = int(std::fmod(num, 100));
    w = std::string(prev ? ", " : "") + kFew[hundreds] + " Hundred";
    if (rem > 0)
      w += words_lookup(rem, true, ordinal);
    else if (ordinal)
      w += "th";
  } else {
    int mag = int(std::floor(std::log10(num) / 3));
    if (mag > 4) mag = 4;
    double factor = std::pow(10, mag * 3);
    double mant = std::floor(num / factor);
    double rem = num - mant * factor;
    w = std::string(prev ? ", " : "") + words_lookup(mant, false, false) + " " + kMagnitudes[mag - 1];
    if (rem > 0)
      w += words_lookup(rem, true, ordinal);
    else if (ordinal)
      w += "th";
  }
  return w;
}

std::string roman(long v) {
  static const std::pair<int, const char*> rn[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"},
                                                   {90, "xc"},  {50, "l"},   {40, "xl"}, {10, "x"},   {9, "ix"},
                                                   {5, "v"},    {4, "iv"},   {1, "i"}};
  std::string out;
  for (auto& [n, s] : rn)
    while (v >= n) {
      out += s;
      v -= n;
    }
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = char(std::toupper((unsigned char)c));
  return s;
}
std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower((unsigned char)c));
  return s;
}

std::string format_integer(double value, const IntFormat& f) {
  bool negative = value < 0;
  value = std::fabs(value);
  std::string out;
  switch (f.primary) {
    case Prim::Letters: {
      std::string letters;
      long v = long(value);
      char a = f.tcase == Case::Upper ? 'A' : 'a';
      while (v > 0) {
        letters.insert(letters.begin(), char((v - 1) % 26 + a));
        v = (v - 1) / 26;
      }
      out = letters;
      break;
    }
    case Prim::Roman:
      out = roman(long(value));
      if (f.tcase == Case::Upper) out = upper(out);
      break;
    case Prim::Words:
      out = words_lookup(value, false, f.ordinal);
      if (f.tcase == Case::Upper)
        out = upper(out);
      else if (f.tcase == Case::Lower)
        out = lower(out);
      break;
    case Prim::Decimal: {
      std::string digits = js_number(value);
      std::u32string s = to_u32(digits);
      if (int(s.size()) < f.mandatory) s = std::u32string(f.mandatory - s.size(), U'0') + s;
      if (f.zero != 0x30)
        for (auto& c : s) c = c + f.zero - 0x30;
      if (f.regular) {
        int n = (int(s.size()) - 1) / f.reg_pos;
        for (int k = n; k > 0; --k) {
          int pos = int(s.size()) - k * f.reg_pos;
          s.insert(s.begin() + pos, f.reg_ch);
        }
      } else {
        for (auto it = f.seps.rbegin(); it != f.seps.rend(); ++it) {
          int pos = int(s.size()) - it->position;
          if (pos >= 0) s.insert(s.begin() + pos, it->ch);
        }
      }
      if (f.ordinal) {
        char32_t last = s.back();
        std::u32string suffix = last == U'1' ? U"st" : last == U'2' ? U"nd" : last == U'3' ? U"rd" : U"th";
        if (s.size() > 1 && s[s.size() - 2] == U'1') suffix = U"th";
        s += suffix;
      }
      out = to_u8(s);
      break;
    }
    case Prim::Sequence:
      fail("D3130", -1, f.token,
           "Formatting or parsing an integer as a sequence starting with " + f.token +
               " is not supported by this implementation");
  }
  return negative ? "-" + out : out;
}

// ---- date/time pictures ----
struct Marker {
  bool literal = false;
  std::string value;  // literal text
  char component = 0;
  std::string pres1, pres2;
  bool has_width = false;
  int wmin = -1, wmax = -1;
  Case names = Case::Lower;
  bool has_names = false;
  IntFormat fmt;
  int n = -1;
};

const char* default_pres(char c) {
  switch (c) {
    case 'Y':
    case 'M':
    case 'D':
    case 'd':
    case 'W':
    case 'w':
    case 'X':
    case 'x':
    case 'H':
    case 'h':
    case 'f':
      return "1";
    case 'F':
    case 'P':
    case 'C':
    case 'E':
      return "n";
    case 'm':
    case 's':
      return "01";
    case 'Z':
    case 'z':
      return "01:01";
    default:
      return nullptr;
  }
}

std::vector<Marker> analyse_datetime(const std::string& picture) {
  std::vector<Marker> spec;
  auto add_literal = [&](std::size_t start, std::size_t end) {
    if (end > start) {
      std::string lit = picture.substr(start, end - start);
      std::string out;
      for (std::size_t i = 0; i < lit.size(); ++i) {
        out += lit[i];
        if (lit[i] == ']' && i + 1 < lit.size() && lit[i + 1] == ']') ++i;
      }
      Marker m;
      m.literal = true;
      m.value = out;
      spec.push_back(m);
    }
  };
  std::size_t start = 0, pos = 0;
  while (pos < picture.size()) {
    if (picture[pos] == '[') {
      if (pos + 1 < picture.size() && picture[pos + 1] == '[') {
        add_literal(start, pos);
        Marker m;
        m.literal = true;
        m.value = "[";
        spec.push_back(m);
        pos += 2;
        start = pos;
        continue;
      }
      add_literal(start, pos);
      start = pos;
      pos = picture.find(']', start);
      if (pos == std::string::npos)
        fail("D3135", -1, {}, "No matching closing bracket ']' in date/time picture string");
      std::string raw = picture.substr(start + 1, pos - start - 1), marker;
      for (char c : raw)
        if (!isspace((unsigned char)c)) marker += c;
      Marker d;
      d.component = marker.empty() ? 0 : marker[0];
      auto comma = marker.rfind(',');
      std::string pres;
      if (comma != std::string::npos) {
        std::string wm = marker.substr(comma + 1);
        auto dash = wm.find('-');
        std::string mn = dash == std::string::npos ? wm : wm.substr(0, dash);
        std::string mx = dash == std::string::npos ? "" : wm.substr(dash + 1);
        d.has_width = true;
        auto pw = [](const std::string& x) { return (x.empty() || x == "*") ? -1 : std::atoi(x.c_str()); };
        d.wmin = pw(mn);
        d.wmax = dash == std::string::npos ? -1 : pw(mx);
        pres = marker.substr(1, comma - 1);
      } else {
        pres = marker.size() > 1 ? marker.substr(1) : "";
      }
      if (pres.size() == 1)
        d.pres1 = pres;
      else if (pres.size() > 1) {
        char last = pres.back();
        if (std::strchr("atco", last)) {
          d.pres2 = std::string(1, last);
          d.pres1 = pres.substr(0, pres.size() - 1);
        } else
          d.pres1 = pres;
      } else {
        const char* dp = default_pres(d.component);
        if (!dp)
          fail("D3132", -1, std::string(1, d.component),
               std::string("Unknown component specifier ") + d.component + " in date/time picture string");
        d.pres1 = dp;
      }
      if (d.pres1[0] == 'n') {
        d.has_names = true;
        d.names = Case::Lower;
      } else if (d.pres1[0] == 'N') {
        d.has_names = true;
        d.names = d.pres1.size() > 1 && d.pres1[1] == 'n' ? Case::Title : Case::Upper;
      } else if (std::strchr("YMDdFWwXxHhmsf", d.component) && d.component) {
        std::string ip = d.pres1;
        if (!d.pres2.empty()) ip += ";" + d.pres2;
        d.fmt = analyse_integer(ip);
        if (d.has_width && d.wmin >= 0 && d.fmt.mandatory < d.wmin) d.fmt.mandatory = d.wmin;
        if (d.component == 'Y') {
          d.n = -1;
          if (d.has_width && d.wmax >= 0) {
            d.n = d.wmax;
            d.fmt.mandatory = d.n;
          } else {
            int w = d.fmt.mandatory + d.fmt.optional;
            if (w >= 2) d.n = w;
          }
        }
      }
      if (d.component == 'Z' || d.component == 'z') d.fmt = analyse_integer(d.pres1);
      spec.push_back(d);
      start = pos + 1;
    }
    ++pos;
  }
  add_literal(start, pos);
  return spec;
}

struct Civil {
  long long y, m, d, h, mi, s, ms, dow /*1..7 Mon..Sun*/, doy;
};

Civil civil(double millis) {
  // A JavaScript Date holds ±8.64e15 ms (±100,000,000 days); beyond it jsonata-js's Date is
  // invalid and its formatting throws. Here: D1001, never an out-of-range integer conversion.
  if (!(std::fabs(millis) <= 8.64e15 + 86400000.0 * 2)) fail("D1001", -1, {}, "Number out of range");
  long long total = static_cast<long long>(std::floor(millis));
  long long days = total >= 0 ? total / 86400000 : -((-total + 86400000 - 1) / 86400000);
  long long rem = total - days * 86400000;
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
  Civil c{y, m, d, rem / 3600000, (rem / 60000) % 60, (rem / 1000) % 60, rem % 1000, 0, 0};
  long long wd = (days % 7 + 7 + 3) % 7;  // 1970-01-01 was a Thursday: 0=Mon
  c.dow = wd + 1;
  c.doy = days - days_from_civil(y, 1, 1) + 1;
  return c;
}

// ISO week: returns {week-year, week}
std::pair<long long, long long> iso_week(double millis) {
  Civil c = civil(millis);
  long long days = days_from_civil(c.y, c.m, c.d);
  long long thursday = days - (c.dow - 1) + 3;
  Civil t = civil(double(thursday) * 86400000.0);
  long long jan1 = days_from_civil(t.y, 1, 1);
  return {t.y, (thursday - jan1) / 7 + 1};
}

const char* kDays[] = {"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                         "July",    "August",   "September", "October", "November", "December"};

std::string format_datetime(double millis, const std::string* picture, const std::string* timezone) {
  int off_h = 0, off_m = 0;
  if (timezone) {
    int offset = std::atoi(timezone->c_str());
    off_h = int(std::floor(offset / 100.0));
    off_m = offset % 100;
    if (offset < 0 && off_m != 0) off_h = offset / 100;  // JS: Math.floor(-530/100) = -6, %: -30
    off_h = int(std::floor(offset / 100.0));
  }
  static const std::vector<Marker> iso = analyse_datetime("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]");
  std::vector<Marker> spec = picture ? analyse_datetime(*picture) : iso;
  double offset_ms = (60.0 * off_h + off_m) * 60 * 1000;
  double t = millis + offset_ms;
  Civil c = civil(t);
  std::string out;
  for (auto& mk : spec) {
    if (mk.literal) {
      out += mk.value;
      continue;
    }
    char comp = mk.component;
    if (std::strchr("YMDdFWwXxHhmsf", comp) && comp) {
      double v = 0;
      switch (comp) {
        case 'Y':
          v = double(c.y);
          break;
        case 'M':
          v = double(c.m);
          break;
        case 'D':
          v = double(c.d);
          break;
        case 'd':
          v = double(c.doy);
          break;
        case 'F':
          v = double(c.dow);
          break;
        case 'W':
          v = double(iso_week(t).second);
          break;
        case 'X':
          v = double(iso_week(t).first);
          break;
        case 'w': {
          // week of month: weeks start on Monday; week 1 contains the month's first Thursday
          long long days = days_from_civil(c.y, c.m, c.d);
          long long first = days_from_civil(c.y, c.m, 1);
          Civil fc = civil(double(first) * 86400000.0);
          long long week1_monday = first - (fc.dow - 1) + (fc.dow > 4 ? 7 : 0);
          if (days < week1_monday) {
            // belongs to last week of previous month
            long long pm_first = days_from_civil(c.m == 1 ? c.y - 1 : c.y, c.m == 1 ? 12 : c.m - 1, 1);
            Civil pc = civil(double(pm_first) * 86400000.0);
            long long pm_w1 = pm_first - (pc.dow - 1) + (pc.dow > 4 ? 7 : 0);
            v = double((days - pm_w1) / 7 + 1);
          } else {
            long long next_first = days_from_civil(c.m == 12 ? c.y + 1 : c.y, c.m == 12 ? 1 : c.m + 1, 1);
            Civil nc = civil(double(next_first) * 86400000.0);
            long long nm_w1 = next_first - (nc.dow - 1) + (nc.dow > 4 ? 7 : 0);
            v = days >= nm_w1 ? 1 : double((days - week1_monday) / 7 + 1);
          }
          break;
        }
        case 'x': {
          long long days = days_from_civil(c.y, c.m, c.d);
          long long first = days_from_civil(c.y, c.m, 1);
          Civil fc = civil(double(first) * 86400000.0);
          long long week1_monday = first - (fc.dow - 1) + (fc.dow > 4 ? 7 : 0);
          long long next_first = days_from_civil(c.m == 12 ? c.y + 1 : c.y, c.m == 12 ? 1 : c.m + 1, 1);
          Civil nc = civil(double(next_first) * 86400000.0);
          long long nm_w1 = next_first - (nc.dow - 1) + (nc.dow > 4 ? 7 : 0);
          long long m = c.m;
          if (days < week1_monday)
            m = c.m == 1 ? 12 : c.m - 1;
          else if (days >= nm_w1)
            m = c.m == 12 ? 1 : c.m + 1;
          v = double(m);
          break;
        }
        case 'H':
          v = double(c.h);
          break;
        case 'h':
          v = double(c.h % 12 == 0 ? 12 : c.h % 12);
          break;
        case 'm':
          v = double(c.mi);
          break;
        case 's':
          v = double(c.s);
          break;
        case 'f':
          v = double(c.ms);
          break;
      }
      if (comp == 'Y' && mk.n != -1) v = std::fmod(v, std::pow(10, mk.n));
      if (mk.has_names) {
        std::string name;
        if (comp == 'M' || comp == 'x')
          name = kMonths[int(v) - 1];
        else if (comp == 'F')
          name = kDays[int(v)];
        else
          fail("D3133", -1, std::string(1, comp),
               std::string("The component ") + comp + " cannot be represented as a name");
        if (mk.names == Case::Upper)
          name = upper(name);
        else if (mk.names == Case::Lower)
          name = lower(name);
        if (mk.has_width && mk.wmax >= 0 && int(name.size()) > mk.wmax) name = name.substr(0, mk.wmax);
        out += name;
      } else {
        if (comp == 'f') {
          // fractional seconds: digits are the leading digits of the fraction
          std::string ms = std::to_string(1000 + c.ms).substr(1);
          int want = mk.fmt.mandatory;
          if (want <= 3) {
            // round to `want` digits
            double scaled = std::round(double(c.ms) / std::pow(10, 3 - want));
            std::string d = std::to_string(long(scaled));
            if (int(d.size()) < want) d = std::string(want - d.size(), '0') + d;
            out += d.substr(0, want);
          } else {
            out += ms + std::string(want - 3, '0');
          }
        } else {
          out += format_integer(v, mk.fmt);
        }
      }
    } else if (comp == 'Z' || comp == 'z') {
      int offset = off_h * 100 + off_m;
      std::string v;
      if (mk.fmt.regular)
        v = format_integer(offset, mk.fmt);
      else {
        int nd = mk.fmt.mandatory;
        if (nd == 1 || nd == 2) {
          v = format_integer(off_h, mk.fmt);
          if (off_m != 0) {
            IntFormat two;
            two.mandatory = 2;
            v += ":" + format_integer(off_m, two);
          }
        } else if (nd == 3 || nd == 4) {
          v = format_integer(offset, mk.fmt);
        } else {
          fail("D3134", -1, {}, "The timezone integer format specifier cannot have more than four digits");
        }
      }
      if (offset >= 0) v = "+" + v;
      if (comp == 'z') v = "GMT" + v;
      if (offset == 0 && mk.pres2 == "t") v = "Z";
      out += v;
    } else if (comp == 'P') {
      std::string v = c.h >= 12 ? "pm" : "am";
      if (mk.has_names && mk.names == Case::Upper) v = upper(v);
      out += v;
    } else if (comp == 'C' || comp == 'E') {
      out += "ISO";
    } else {
      fail("D3132", -1, std::string(1, comp),
           std::string("Unknown component specifier ") + comp + " in date/time picture string");
    }
  }
  return out;
}

}  // namespace

// The picture argument (required, a string). An undefined one passes the signature check (as in
// jsonata-js, where the function then fails with a TypeError): fail with T0410 instead of reading it.
static const std::string& picture_arg(const std::vector<Value>& a, const char* function) {
  if (a.size() < 2 || !a[1].is_str()) {
    fail("T0410", -1, {}, std::string("Argument 2 of function $") + function + " does not match function signature");
  }
  return a[1].str();
}

Value f_from_millis(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  const std::string* pic = a.size() > 1 && a[1].is_str() ? &a[1].str() : nullptr;
  const std::string* tz = a.size() > 2 && a[2].is_str() ? &a[2].str() : nullptr;
  return Value::string(format_datetime(a[0].n, pic, tz));
}

Value f_format_integer(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  return Value::string(format_integer(std::floor(a[0].n), analyse_integer(picture_arg(a, "formatInteger"))));
}

Value f_parse_integer(Ctx&, std::vector<Value>& a, const Value&);
namespace {
// $toMillis with a picture: build a regex per marker, as jsonata-js does (case-insensitive match).
struct ParsePart {
  std::string regex;
  char component = 0;
  bool literal = false;
  std::function<double(const std::string&)> parse;
};

std::string regex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::strchr(".*+?^${}()|[]\\", c) && c) out += '\\';
    out += c;
  }
  return out;
}

std::optional<double> parse_datetime(Ctx& ctx, const std::string& timestamp, const std::string& picture) {
  std::vector<Marker> spec = analyse_datetime(picture);
  std::vector<ParsePart> parts;
  for (auto& mk : spec) {
    ParsePart pp;
    if (mk.literal) {
      pp.literal = true;
      pp.regex = regex_escape(mk.value);
      parts.push_back(pp);
      continue;
    }
    pp.component = mk.component;
    if (mk.component == 'Z' || mk.component == 'z') {
      bool has_sep = mk.fmt.regular;
      char32_t sep = mk.fmt.reg_ch;
      std::string sep8 = has_sep ? to_u8(std::u32string(1, sep)) : "";
      pp.regex =
          std::string(mk.component == 'z' ? "GMT" : "") + "[-+][0-9]+" + (has_sep ? regex_escape(sep8) + "[0-9]+" : "");
      char comp = mk.component;
      pp.parse = [comp, has_sep, sep8](const std::string& v0) {
        std::string v = comp == 'z' ? v0.substr(3) : v0;
        double h = 0, m = 0;
        if (has_sep) {
          auto at = v.find(sep8);
          h = std::atoi(v.substr(0, at).c_str());
          m = std::atoi(v.substr(at + sep8.size()).c_str());
        } else if (v.size() - 1 <= 2) {
          h = std::atoi(v.c_str());
        } else {
          h = std::atoi(v.substr(0, 3).c_str());
          m = std::atoi(v.substr(3).c_str());
        }
        return h * 60 + m;
      };
    } else if (!mk.has_names && std::strchr("YMDdFWwXxHhmsf", mk.component) && mk.component) {
      IntFormat f = mk.fmt;
      int n = mk.component == 'Y' ? mk.n : -1;
      switch (f.primary) {
        case Prim::Letters:
          pp.regex = f.tcase == Case::Upper ? "[A-Z]+" : "[a-z]+";
          break;
        case Prim::Roman:
          pp.regex = f.tcase == Case::Upper ? "[MDCLXVI]+" : "[mdclxvi]+";
          break;
        case Prim::Words:
          pp.regex = "(?:[a-zA-Z]|[\\-, ])+";
          break;
        case Prim::Decimal: {
          std::string occ = "+";
          if (n > 0)
            occ = f.optional == 0 ? "{" + std::to_string(n) + "}"
                                  : "{" + std::to_string(n - f.optional) + "," + std::to_string(n) + "}";
          pp.regex = "[0-9]" + occ;
          if (f.ordinal) pp.regex += "(?:th|st|nd|rd)";
          break;
        }
        case Prim::Sequence:
          fail("D3130", -1, f.token);
      }
      std::string pic = mk.pres1 + (mk.pres2.empty() ? "" : ";" + mk.pres2);
      pp.parse = [pic, &ctx](const std::string& v) {
        std::vector<Value> args{Value::string(v), Value::string(pic)};
        return f_parse_integer(ctx, args, Value()).n;
      };
    } else {
      pp.regex = "[a-zA-Z]+";
      std::map<std::string, double> lookup;
      if (mk.component == 'M' || mk.component == 'x') {
        for (int i = 0; i < 12; ++i) {
          std::string nm = kMonths[i];
          lookup[lower(mk.has_width && mk.wmax > 0 ? nm.substr(0, mk.wmax) : nm)] = i + 1;
        }
      } else if (mk.component == 'F') {
        for (int i = 1; i < 8; ++i) {
          std::string nm = kDays[i];
          lookup[lower(mk.has_width && mk.wmax > 0 ? nm.substr(0, mk.wmax) : nm)] = i;
        }
      } else if (mk.component == 'P') {
        lookup = {{"am", 0}, {"pm", 1}};
      } else {
        fail("D3133", -1, std::string(1, mk.component));
      }
      pp.parse = [lookup](const std::string& v) {
        auto it = lookup.find(lower(v));
        return it == lookup.end() ? NAN : it->second;
      };
    }
    parts.push_back(pp);
  }
  std::string full = "^";
  for (auto& pp : parts) full += "(" + pp.regex + ")";
  full += "$";
  std::smatch m;
  // A picture's widths become repetition counts ([Y0000000000001] is [0-9]{1}... with huge
  // counts), which std::regex refuses past its NFA state limit, and matching may exceed its
  // complexity or stack limits: a named failure, never an escaping std::regex_error.
  try {
    std::regex re(full, std::regex::ECMAScript | std::regex::icase);
    if (!std::regex_match(timestamp, m, re)) return std::nullopt;
  } catch (const std::regex_error&) {
    fail("U1001", -1, {}, "The date/time picture string is too large to parse a timestamp with");
  }
  std::map<char, double> comps;
  for (std::size_t i = 1; i < m.size(); ++i) {
    auto& pp = parts[i - 1];
    if (pp.literal) continue;
    comps[pp.component] = pp.parse(m[i].str());
  }
  if (comps.empty()) return std::nullopt;
  auto has = [&](char c) { return comps.count(c) > 0; };
  int mask = 0;
  auto shift = [&](bool bit) { mask = (mask << 1) + (bit ? 1 : 0); };
  auto is_type = [&](int type) { return !(~type & mask) && (type & mask); };
  for (char c : std::string("YXMxWwdD")) shift(has(c));
  bool dateA = is_type(161), dateB = !dateA && is_type(130), dateC = is_type(84), dateD = !dateC && is_type(72);
  mask = 0;
  for (char c : std::string("PHhmsf")) shift(has(c));
  bool timeA = is_type(23), timeB = !timeA && is_type(47);
  std::string date_comps = dateB ? "YD" : dateC ? "XxwF" : dateD ? "XWF" : "YMD";
  std::string comps_order = date_comps + (timeB ? "Phmsf" : "Hmsf");
  double now_ms = double(std::chrono::duration_cast<std::chrono::milliseconds>(ctx.now.time_since_epoch()).count());
  Civil now = civil(now_ms);
  bool start = false, end = false;
  for (char c : comps_order) {
    if (!has(c)) {
      if (start) {
        comps[c] = std::strchr("MDd", c) ? 1 : 0;
        end = true;
      } else {
        double v = 0;
        switch (c) {
          case 'Y':
            v = double(now.y);
            break;
          case 'M':
            v = double(now.m);
            break;
          case 'D':
            v = double(now.d);
            break;
          case 'd':
            v = double(now.doy);
            break;
          case 'H':
            v = double(now.h);
            break;
          case 'h':
            v = double(now.h % 12 == 0 ? 12 : now.h % 12);
            break;
          case 'P':
            v = now.h >= 12 ? 1 : 0;
            break;
          case 'm':
            v = double(now.mi);
            break;
          case 's':
            v = double(now.s);
            break;
          case 'f':
            v = double(now.ms);
            break;
          default:
            v = 0;
        }
        comps[c] = v;
      }
    } else {
      start = true;
      if (end)
        fail("D3136", -1, {}, "The date/time picture string is missing specifiers required to parse the timestamp");
    }
  }
  double M = comps['M'] > 0 ? comps['M'] - 1 : 0;
  double D = comps['D'];
  if (dateB) {
    double first = double(days_from_civil((long long)comps['Y'], 1, 1)) * 86400000.0 + (comps['d'] - 1) * 86400000.0;
    Civil c = civil(first);
    M = double(c.m - 1);
    D = double(c.d);
  }
  if (dateC || dateD)
    fail("D3136", -1, {}, "The date/time picture string is missing specifiers required to parse the timestamp");
  double H = comps['H'];
  if (timeB) {
    H = comps['h'] == 12 ? 0 : comps['h'];
    if (comps['P'] == 1) H += 12;
  }
  for (auto& [k, v] : comps)
    if (std::isnan(v)) return std::nullopt;
  long long y = (long long)comps['Y'] + (long long)std::floor(M / 12);
  long long mo = ((long long)M % 12 + 12) % 12;
  double millis = double(days_from_civil(y, mo + 1, 1) + (long long)D - 1) * 86400000.0 + H * 3600000.0 +
                  comps['m'] * 60000.0 + comps['s'] * 1000.0 + comps['f'];
  if (has('Z'))
    millis -= comps['Z'] * 60000.0;
  else if (has('z'))
    millis -= comps['z'] * 60000.0;
  return millis;
}
}  // namespace

Value f_to_millis(Ctx& ctx, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  if (a.size() > 1 && a[1].is_str()) {
    auto r = parse_datetime(ctx, a[0].str(), a[1].str());
    return r ? Value::number(*r) : Value();
  }
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

double js_round(double arg, double precision);

// $formatNumber: XPath F&O 4.7 (fn:format-number), following jsonata-js.
Value f_format_number(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  double value = a[0].n;
  std::map<std::string, std::u32string> props = {{"decimal-separator", U"."},
                                                 {"grouping-separator", U","},
                                                 {"exponent-separator", U"e"},
                                                 {"infinity", U"Infinity"},
                                                 {"minus-sign", U"-"},
                                                 {"NaN", U"NaN"},
                                                 {"percent", U"%"},
                                                 {"per-mille", U"\u2030"},
                                                 {"zero-digit", U"0"},
                                                 {"digit", U"#"},
                                                 {"pattern-separator", U";"}};
  if (a.size() > 2 && a[2].is_obj())
    for (auto& [k, v] : a[2].o->items)
      if (v.is_str()) props[k] = to_u32(v.str());
  auto ch = [&](const char* k) { return props[k].empty() ? char32_t(0) : props[k][0]; };
  char32_t zero = ch("zero-digit"), dec = ch("decimal-separator"), grp = ch("grouping-separator"),
           expc = ch("exponent-separator"), digit = ch("digit"), patsep = ch("pattern-separator"), pct = ch("percent"),
           pml = ch("per-mille");
  auto is_family = [&](char32_t c) { return c >= zero && c < zero + 10; };
  auto is_active = [&](char32_t c) {
    return is_family(c) || c == dec || c == expc || c == grp || c == digit || c == patsep;
  };
  std::u32string picture = to_u32(picture_arg(a, "formatNumber"));
  std::vector<std::u32string> subs;
  {
    std::u32string cur;
    for (char32_t c : picture) {
      if (c == patsep) {
        subs.push_back(cur);
        cur.clear();
      } else
        cur += c;
    }
    subs.push_back(cur);
  }
  if (subs.size() > 2) fail("D3080", -1);
  struct Parts {
    std::u32string prefix, suffix, active, mantissa, exponent, integer, fraction, sub;
    bool has_exp = false;
  };
  struct Vars {
    std::vector<int> int_groups, frac_groups;
    int regular = 0, min_int = 0, scaling = 0, min_frac = 0, max_frac = 0, min_exp = 0;
    std::u32string prefix, suffix, picture;
  };
  auto count_if = [](const std::u32string& s, auto pred) {
    int n = 0;
    for (char32_t c : s)
      if (pred(c)) ++n;
    return n;
  };
  auto split_parts = [&](const std::u32string& sp) {
    Parts p;
    p.sub = sp;
    std::size_t i = 0;
    for (; i < sp.size(); ++i)
      if (is_active(sp[i]) && sp[i] != expc) break;
    p.prefix = sp.substr(0, i);
    long j = long(sp.size()) - 1;
    for (; j >= 0; --j)
      if (is_active(sp[j]) && sp[j] != expc) break;
    p.suffix = sp.substr(std::size_t(j + 1));
    p.active = sp.substr(p.prefix.size(), sp.size() - p.prefix.size() - p.suffix.size());
    auto ep = sp.find(expc, p.prefix.size());
    if (ep == std::u32string::npos || ep > sp.size() - p.suffix.size()) {
      p.mantissa = p.active;
    } else {
      p.mantissa = p.active.substr(0, ep - p.prefix.size() > p.active.size() ? p.active.size() : ep - p.prefix.size());
      p.mantissa = p.active.substr(0, ep);
      if (ep <= p.active.size()) p.mantissa = p.active.substr(0, ep);
      p.exponent = ep + 1 <= p.active.size() ? p.active.substr(ep + 1) : U"";
      p.has_exp = true;
    }
    auto dp = p.mantissa.find(dec);
    if (dp == std::u32string::npos) {
      p.integer = p.mantissa;
      p.fraction = p.suffix;
    } else {
      p.integer = p.mantissa.substr(0, dp);
      p.fraction = p.mantissa.substr(dp + 1);
    }
    return p;
  };
  auto validate = [&](const Parts& p) {
    const std::u32string& sp = p.sub;
    const char* err = nullptr;
    auto dpos = sp.find(dec);
    if (dpos != sp.rfind(dec)) err = "D3081";
    if (sp.find(pct) != sp.rfind(pct)) err = "D3082";
    if (sp.find(pml) != sp.rfind(pml)) err = "D3083";
    if (sp.find(pct) != std::u32string::npos && sp.find(pml) != std::u32string::npos) err = "D3084";
    bool valid = false;
    for (char32_t c : p.mantissa)
      if (is_family(c) || c == digit) {
        valid = true;
        break;
      }
    if (!valid) err = "D3085";
    for (char32_t c : p.active)
      if (!is_active(c)) err = "D3086";
    if (dpos != std::u32string::npos) {
      if ((dpos > 0 && sp[dpos - 1] == grp) || (dpos + 1 < sp.size() && sp[dpos + 1] == grp)) err = "D3087";
    } else if (!p.integer.empty() && p.integer.back() == grp) {
      err = "D3088";
    }
    std::u32string gg{grp, grp};
    if (sp.find(gg) != std::u32string::npos) err = "D3089";
    auto od = p.integer.find(digit);
    if (od != std::u32string::npos && count_if(p.integer.substr(0, od), is_family) > 0) err = "D3090";
    od = p.fraction.rfind(digit);
    if (od != std::u32string::npos && count_if(p.fraction.substr(od), is_family) > 0) err = "D3091";
    if (p.has_exp && !p.exponent.empty() &&
        (sp.find(pct) != std::u32string::npos || sp.find(pml) != std::u32string::npos))
      err = "D3092";
    if (p.has_exp && (p.exponent.empty() || count_if(p.exponent, [&](char32_t c) { return !is_family(c); }) > 0))
      err = "D3093";
    if (err) fail(err, -1);
  };
  auto analyse = [&](const Parts& p) {
    Vars v;
    auto grouping = [&](const std::u32string& part, bool to_left) {
      std::vector<int> pos;
      auto g = part.find(grp);
      while (g != std::u32string::npos) {
        std::u32string side = to_left ? part.substr(0, g) : part.substr(g);
        pos.push_back(count_if(side, [&](char32_t c) { return is_family(c) || c == digit; }));
        g = p.integer.find(grp, g + 1);
      }
      return pos;
    };
    v.int_groups = grouping(p.integer, false);
    if (!v.int_groups.empty()) {
      int f = 0;
      for (int x : v.int_groups) f = std::gcd(f, x);
      v.regular = f;
      for (std::size_t k = 1; k <= v.int_groups.size(); ++k)
        if (std::find(v.int_groups.begin(), v.int_groups.end(), int(k) * f) == v.int_groups.end()) {
          v.regular = 0;
          break;
        }
    }
    v.frac_groups = grouping(p.fraction, true);
    v.min_int = count_if(p.integer, is_family);
    v.scaling = v.min_int;
    v.min_frac = count_if(p.fraction, is_family);
    v.max_frac = count_if(p.fraction, [&](char32_t c) { return is_family(c) || c == digit; });
    if (v.min_int == 0 && v.max_frac == 0) {
      if (p.has_exp) {
        v.min_frac = 1;
        v.max_frac = 1;
      } else
        v.min_int = 1;
    }
    if (p.has_exp && v.min_int == 0 && p.integer.find(digit) != std::u32string::npos) v.min_int = 1;
    if (v.min_int == 0 && v.min_frac == 0) v.min_frac = 1;
    if (p.has_exp) v.min_exp = count_if(p.exponent, is_family);
    v.prefix = p.prefix;
    v.suffix = p.suffix;
    v.picture = p.sub;
    return v;
  };
  std::vector<Parts> parts;
  for (auto& sp : subs) parts.push_back(split_parts(sp));
  for (auto& p : parts) validate(p);
  std::vector<Vars> vars;
  for (auto& p : parts) vars.push_back(analyse(p));
  std::u32string minus = props["minus-sign"];
  if (vars.size() == 1) {
    vars.push_back(vars[0]);
    vars[1].prefix = minus + vars[1].prefix;
  }
  const Vars& pic = value >= 0 ? vars[0] : vars[1];
  double adjusted = value;
  if (pic.picture.find(pct) != std::u32string::npos)
    adjusted = value * 100;
  else if (pic.picture.find(pml) != std::u32string::npos)
    adjusted = value * 1000;
  double mantissa = adjusted;
  bool has_exponent = pic.min_exp != 0;
  int exponent = 0;
  if (has_exponent) {
    double maxm = std::pow(10, pic.scaling), minm = std::pow(10, pic.scaling - 1);
    if (mantissa != 0 && std::isfinite(mantissa)) {
      bool neg = mantissa < 0;
      mantissa = std::fabs(mantissa);
      while (mantissa < minm) {
        mantissa *= 10;
        exponent -= 1;
      }
      while (mantissa > maxm) {
        mantissa /= 10;
        exponent += 1;
      }
      if (neg) mantissa = -mantissa;
    }
  }
  double rounded = js_round(mantissa, pic.max_frac);
  auto make_string = [&](double v, int dp) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", dp, std::fabs(v));
    std::u32string s = to_u32(buf);
    if (zero != U'0')
      for (auto& c : s)
        if (c >= U'0' && c <= U'9') c = zero + (c - U'0');
    return s;
  };
  std::u32string sv = make_string(rounded, pic.max_frac);
  auto dp = sv.find(U'.');
  if (dp == std::u32string::npos)
    sv += dec;
  else
    sv[dp] = dec;
  while (!sv.empty() && sv[0] == zero) sv.erase(0, 1);
  while (!sv.empty() && sv.back() == zero) sv.pop_back();
  long dpos = long(sv.find(dec));
  long pad_left = pic.min_int - dpos;
  long pad_right = pic.min_frac - (long(sv.size()) - dpos - 1);
  if (pad_left > 0) sv = std::u32string(std::size_t(pad_left), zero) + sv;
  if (pad_right > 0) sv += std::u32string(std::size_t(pad_right), zero);
  dpos = long(sv.find(dec));
  if (pic.regular > 0) {
    long groups = (dpos - 1) / pic.regular;
    for (long g = 1; g <= groups; ++g) sv.insert(std::size_t(dpos - g * pic.regular), 1, grp);
  } else {
    for (int pos : pic.int_groups) {
      if (dpos - pos >= 0) sv.insert(std::size_t(dpos - pos), 1, grp);
      ++dpos;
    }
  }
  dpos = long(sv.find(dec));
  for (int pos : pic.frac_groups) {
    std::size_t at = std::size_t(pos + dpos + 1);
    if (at <= sv.size()) sv.insert(at, 1, grp);
  }
  dpos = long(sv.find(dec));
  if (pic.max_frac == 0 || dpos == long(sv.size()) - 1) {
    if (dpos == long(sv.size()) - 1) sv.pop_back();
  }
  if (has_exponent) {
    std::u32string se = make_string(exponent, 0);
    long pl = pic.min_exp - long(se.size());
    if (pl > 0) se = std::u32string(std::size_t(pl), zero) + se;
    sv += props["exponent-separator"];
    if (exponent < 0) sv += minus;
    sv += se;
  }
  return Value::string(to_u8(pic.prefix + sv + pic.suffix));
}

Value f_parse_integer(Ctx&, std::vector<Value>& a, const Value&) {
  if (a.empty() || a[0].undef()) return Value();
  IntFormat f = analyse_integer(picture_arg(a, "parseInteger"));
  std::string value = a[0].str();
  switch (f.primary) {
    case Prim::Letters: {
      double d = 0;
      char base = f.tcase == Case::Upper ? 'A' : 'a';
      for (std::size_t i = 0; i < value.size(); ++i)
        d += (value[value.size() - i - 1] - base + 1) * std::pow(26, double(i));
      return Value::number(d);
    }
    case Prim::Roman: {
      std::string r = upper(value);
      auto val = [](char c) {
        switch (c) {
          case 'M':
            return 1000;
          case 'D':
            return 500;
          case 'C':
            return 100;
          case 'L':
            return 50;
          case 'X':
            return 10;
          case 'V':
            return 5;
          case 'I':
            return 1;
          default:
            return 0;
        }
      };
      double d = 0;
      int mx = 1;
      for (long i = long(r.size()) - 1; i >= 0; --i) {
        int v = val(r[i]);
        if (v < mx)
          d -= v;
        else {
          mx = v;
          d += v;
        }
      }
      return Value::number(d);
    }
    case Prim::Words: {
      static const std::map<std::string, double> words = [] {
        std::map<std::string, double> w;
        for (int i = 0; i < 20; ++i) {
          w[lower(kFew[i])] = i;
          w[lower(kOrdinals[i])] = i;
        }
        for (int i = 0; i < 9; ++i) {
          std::string l = lower(kDecades[i]);
          w[l] = (i + 2) * 10;
          w[l.substr(0, l.size() - 1) + "ieth"] = (i + 2) * 10;
        }
        w["hundredth"] = 100;
        for (int i = 0; i < 4; ++i) {
          std::string l = lower(kMagnitudes[i]);
          w[l] = std::pow(10, (i + 1) * 3);
          w[l + "th"] = std::pow(10, (i + 1) * 3);
        }
        return w;
      }();
      std::string text = lower(value);
      // split on ", ", " and ", whitespace or '-'
      std::vector<std::string> parts;
      std::string cur;
      for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 5, " and ") == 0) {
          parts.push_back(cur);
          cur.clear();
          i += 4;
          continue;
        }
        if (text[i] == ',' && i + 1 < text.size() && isspace((unsigned char)text[i + 1])) {
          parts.push_back(cur);
          cur.clear();
          ++i;
          continue;
        }
        if (isspace((unsigned char)text[i]) || text[i] == '-') {
          parts.push_back(cur);
          cur.clear();
          continue;
        }
        cur += text[i];
      }
      parts.push_back(cur);
      std::vector<double> segs{0};
      for (auto& p : parts) {
        auto it = words.find(p);
        double v = it == words.end() ? NAN : it->second;
        if (v < 100) {
          double top = segs.back();
          segs.pop_back();
          if (top >= 1000) {
            segs.push_back(top);
            top = 0;
          }
          segs.push_back(top + v);
        } else {
          double top = segs.back();
          segs.pop_back();
          segs.push_back(top * v);
        }
      }
      double r = 0;
      for (double x : segs) r += x;
      return Value::number(r);
    }
    case Prim::Decimal: {
      std::u32string digits = to_u32(value);
      if (f.ordinal && digits.size() >= 2) digits = digits.substr(0, digits.size() - 2);
      std::u32string out;
      for (char32_t c : digits) {
        bool sep = f.regular ? c == U','
                             : std::any_of(f.seps.begin(), f.seps.end(), [&](const Sep& sp) { return sp.ch == c; });
        if (sep) continue;
        if (f.zero != 0x30 && c >= f.zero && c <= f.zero + 9) c = c - f.zero + 0x30;
        out += c;
      }
      std::string d = to_u8(out);
      std::size_t k = 0;
      if (k < d.size() && (d[k] == '-' || d[k] == '+')) ++k;
      while (k < d.size() && isdigit((unsigned char)d[k])) ++k;
      if (k == 0) return Value::number(NAN);
      return Value::number(std::strtod(d.substr(0, k).c_str(), nullptr));
    }
    case Prim::Sequence:
      fail("D3130", -1, f.token,
           "Formatting or parsing an integer as a sequence starting with " + f.token +
               " is not supported by this implementation");
  }
  return Value();
}

}  // namespace cosmicai::jsonata::detail
