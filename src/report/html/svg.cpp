#include "report/html/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace cosmicai::report::html {

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v, int digits) {
  if (!std::isfinite(v)) return "0";
  std::string s = fmt::format("{:.{}f}", v, digits);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
  std::vector<double> out;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return out;
  if (hi <= lo) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    out.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  }
  return out;
}

std::string tick_label(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6) return num(v / 1e6, 1) + "M";
  if (a >= 1e4) return num(v / 1e3, 1) + "k";
  if (a >= 100) return num(v, 0);
  if (a >= 1) return num(v, 2);
  if (a == 0) return "0";
  return num(v, 4);
}

double Axis::operator()(double v) const {
  double t;
  if (log) {
    const double l0 = std::log10(std::max(lo, 1e-300)), l1 = std::log10(std::max(hi, 1e-300));
    t = l1 == l0 ? 0.5 : (std::log10(std::max(v, 1e-300)) - l0) / (l1 - l0);
  } else {
    t = hi == lo ? 0.5 : (v - lo) / (hi - lo);
  }
  return p0 + t * (p1 - p0);
}

std::string chart_axes(const Axis& x, const Axis& y, std::string_view x_label, std::string_view y_label, bool y_ticks) {
  std::string out = "<g class=\"axes\">";
  const double xl = std::min(x.p0, x.p1), xr = std::max(x.p0, x.p1);
  const double yb = std::max(y.p0, y.p1), yt = std::min(y.p0, y.p1);
  auto ticks_for = [](const Axis& a) {
    if (!a.log) return nice_ticks(a.lo, a.hi, 5);
    std::vector<double> t;
    for (double d = std::pow(10.0, std::floor(std::log10(a.lo))); d <= a.hi * 1.0001; d *= 10) {
      for (double m : {1.0, 2.0, 5.0}) {
        if (m * d >= a.lo * 0.9999 && m * d <= a.hi * 1.0001) t.push_back(m * d);
      }
    }
    return t;
  };
  for (double t : ticks_for(x)) {
    const double px = x(t);
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", num(px), num(yt), num(yb));
    out +=
        fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num(px), num(yb + 14), tick_label(t));
  }
  for (double t : y_ticks ? ticks_for(y) : std::vector<double>{}) {
    const double py = y(t);
    out += fmt::format("<line class=\"grid\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>", num(xl), num(xr), num(py));
    out +=
        fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(xl - 4), num(py + 4), tick_label(t));
  }
  out += fmt::format("<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", num(xl), num(yt),
                     num(xr - xl), num(yb - yt));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num((xl + xr) / 2), num(yb + 30),
                     escape(x_label));
  out += fmt::format("<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\">{}</text>", num(xl - 42),
                     num((yt + yb) / 2), escape(y_label));
  out += "</g>";
  return out;
}

bool parse_iso8601(std::string_view s, double& seconds) {
  int Y, M, D, h, m;
  double sec;
  std::string buf(s);
  if (std::sscanf(buf.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf", &Y, &M, &D, &h, &m, &sec) != 6) return false;
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = 0;
  seconds = static_cast<double>(timegm(&tm)) + sec;
  return true;
}

std::string human_seconds(double s) {
  if (!std::isfinite(s) || s < 0) return "–";
  if (s < 1) return num(s * 1000, 0) + " ms";
  if (s < 120) return num(s, s < 10 ? 2 : 1) + " s";
  const auto total = static_cast<long long>(std::llround(s));
  return fmt::format("{} min {:02} s", total / 60, total % 60);
}

}  // namespace cosmicai::report::html
