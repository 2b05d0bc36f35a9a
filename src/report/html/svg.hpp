#pragma once
/// Small helpers for writing HTML and SVG by hand: escaping, compact numbers, axes.
#include <string>
#include <string_view>
#include <vector>

namespace cosmicai::report::html {

/// Escape &, <, >, " and ' for text and attribute values.
std::string escape(std::string_view s);

/// A number with at most `digits` decimals and no trailing zeros ("12.5", "3", "-0.25").
std::string num(double v, int digits = 1);

/// "Nice" tick values covering [lo, hi] (about `count` of them).
std::vector<double> nice_ticks(double lo, double hi, int count = 5);

/// A tick label: thousands as "12k", small values with enough digits.
std::string tick_label(double v);

/// A linear or log10 axis mapping data [lo, hi] to pixels [p0, p1].
struct Axis {
  double lo = 0, hi = 1, p0 = 0, p1 = 1;
  bool log = false;
  double operator()(double v) const;
};

/// A chart frame: axes with ticks, grid and labels, as SVG elements (no <svg> wrapper).
/// `x`/`y` give the data ranges and pixel ranges.
std::string chart_axes(const Axis& x, const Axis& y, std::string_view x_label, std::string_view y_label,
                       bool y_ticks = true);

/// Parse an ISO-8601 UTC timestamp ("2026-01-02T03:04:05.678Z", fraction optional) into seconds
/// since the epoch; returns false when it does not parse.
bool parse_iso8601(std::string_view s, double& seconds);

/// Human duration: "850 ms", "12.3 s", "4 min 05 s".
std::string human_seconds(double s);

}  // namespace cosmicai::report::html
