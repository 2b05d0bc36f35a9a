#include "report/html/report_html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "report/html/svg.hpp"
#include "report/performance.hpp"
#include "report/text_table.hpp"

namespace cosmicai::report::html {

namespace {

constexpr const char* kCss = R"CSS(
:root{--fg:#263238;--muted:#607d8b;--line:#cfd8dc;--bg:#fafbfc}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px;background:#263238;color:#fff}
header h1{margin:0;font-size:20px;font-weight:600}
header .sub{color:#b0bec5;font-size:12px}
nav{padding:6px 28px;background:#eceff1;border-bottom:1px solid var(--line);font-size:13px}
nav a{margin-right:14px;color:#1565c0;text-decoration:none}
main{padding:8px 28px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;margin:16px 0;padding:12px 18px;overflow-x:auto}
h2{font-size:16px;margin:4px 0 10px}
h3{font-size:13px;margin:10px 0 4px;color:var(--muted)}
.badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;font-size:12px;margin-left:8px}
.SUCCEEDED,.ok{background:#e3f4e4;color:#2e7d32}.FAILED,.bad,.TIMED_OUT,.ABORTED{background:#fde2e1;color:#c62828}
.RUNNING,.PARTIAL{background:#fff1d6;color:#8a5a00}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:120px}
.card b{display:block;font-size:18px}.card span{color:var(--muted);font-size:12px}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{border-bottom:1px solid #eceff1;padding:3px 9px;text-align:right;white-space:nowrap}
th{background:#f5f7f8;font-weight:600}
td.l,th.l{text-align:left}td.wrap{white-space:normal;max-width:720px;word-break:break-word}
.note{color:#8a5a00;background:#fff8e6;border-left:3px solid #e0a800;padding:4px 10px;margin:6px 0}
.muted{color:var(--muted);font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
svg text{fill:#37474f;font-size:10px}
svg .grid{stroke:#eceff1}svg .frame{fill:none;stroke:#b0bec5}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px;border-radius:2px}
.graphbox svg{max-width:100%;height:auto}
)CSS";

const char* kSeries[] = {"#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab"};

struct Seg {
  const char* name;
  const char* color;
};
constexpr Seg kSegs[] = {
    {"queue", "#b0bec5"}, {"model", "#ce93d8"}, {"load", "#ffb74d"}, {"compute", "#42a5f5"}, {"write", "#66bb6a"}};

std::string card(const std::string& value, const std::string& label) {
  return fmt::format("<div class=\"card\"><b>{}</b><span>{}</span></div>", escape(value), escape(label));
}

double partition_mb(const std::string& partition) {
  try {
    std::size_t used = 0;
    const double v = std::stod(partition, &used);
    return v;
  } catch (const std::exception&) {
    return NAN;
  }
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "<div class=\"legend\">";
  for (const auto& [name, color] : items) {
    out += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", color, escape(name));
  }
  return out + "</div>";
}

// ---------- header -----------------------------------------------------------------------------

std::string overview(const ReportInput& in) {
  const RunReport& r = in.runs.front();
  const json& s = r.summary;
  const auto perf = performance_from_json(s.at("performance"));
  std::string status = in.graph && !in.graph->execution_status.empty() ? in.graph->execution_status : "";
  const bool complete = s.value("complete", false);
  if (status.empty()) status = complete ? "SUCCEEDED" : "PARTIAL";
  std::string out = fmt::format("<section id=\"overview\"><h2>Run <code>{}</code><span class=\"badge {}\">{}</span>",
                                escape(s.value("result_path", r.label)), status, status);
  out += fmt::format("<span class=\"badge {}\">{} of {} ranks reported</span></h2>", complete ? "ok" : "bad",
                     s.value("received_ranks", 0LL), s.value("expected_ranks", 0LL));
  out += "<div class=\"cards\">";
  out += card(format_count(perf.samples), "samples");
  out += card(format_fixed(perf.samples_per_s, 1), "samples/s (makespan)");
  out += card(human_seconds(perf.makespan_s), "makespan, first rank start → last rank end");
  if (in.graph && in.graph->execution_duration_s >= 0)
    out += card(human_seconds(in.graph->execution_duration_s), "execution");
  out += card(format_usd(perf.cost.total_usd), "Lambda cost (model)");
  out += card(format_fixed(perf.peak_memory_mb / 1024.0, 2) + " GB", "peak memory");
  const json acc = s.value("accuracy", json());
  if (acc.is_object() && acc.contains("mae") && acc.at("mae").is_number()) {
    out += card(format_fixed(acc.at("mae").get<double>(), 5), "MAE");
  }
  out += "</div>";
  if (in.graph && !in.graph->execution_error.empty()) {
    out += fmt::format("<div class=\"note\">execution failed: {}</div>", escape(in.graph->execution_error));
  }
  return out + "</section>";
}

// ---------- graph ------------------------------------------------------------------------------

std::string graph_section(const ReportInput& in) {
  std::string out = "<section id=\"graph\"><h2>State machine</h2>";
  if (!in.graph) {
    out += fmt::format(
        "<p class=\"muted\">No graph: {}</p>",
        escape(in.graph_note.empty() ? "give the definition (--definition) or the execution history (--history)"
                                     : in.graph_note));
    return out + "</section>";
  }
  std::vector<std::pair<std::string, std::string>> items;
  for (const char* st : {"Succeeded", "Failed", "Caught error", "Canceled", "In progress", "Not run"}) {
    items.emplace_back(st, status_colors(st).stroke);
  }
  out += legend(items);
  out += "<div class=\"graphbox\">";
  out += in.graph_svg.empty() ? to_svg_fallback(*in.graph) : in.graph_svg;
  out += "</div>";
  if (!in.graph_note.empty()) out += fmt::format("<p class=\"muted\">{}</p>", escape(in.graph_note));
  // The same facts as a table (durations, retries, errors), for reading and for search.
  out +=
      "<table><tr><th class=\"l\">State</th><th class=\"l\">Type</th><th class=\"l\">Status</th><th>Entered</th>"
      "<th>Duration</th><th>Retries</th><th class=\"l\">Note / error</th></tr>";
  for (const auto& s : in.graph->states) {
    if (s.type == "Start" || s.type == "End") continue;
    const double shown = s.duration_s < 0 ? -1
                         : s.entries > 1  ? s.duration_s / static_cast<double>(s.entries)
                                          : s.duration_s;
    out += fmt::format(
        "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}{}</td>"
        "<td>{}</td><td class=\"l wrap\">{}</td></tr>",
        escape(s.id), escape(s.type + (s.mode.empty() ? "" : " (" + s.mode + ")")),
        escape(s.status.empty() ? "–" : s.status), s.entries, human_seconds(shown), s.entries > 1 ? " mean" : "",
        s.retries, escape(s.error.empty() ? s.note : s.error));
  }
  return out + "</table></section>";
}

// ---------- timeline ---------------------------------------------------------------------------

std::string timeline_section(const RunReport& r) {
  std::string out = "<section id=\"timeline\"><h2>Ranks over time</h2>";
  std::vector<RankTiming> ranks = r.ranks;
  std::sort(ranks.begin(), ranks.end(), [](const auto& a, const auto& b) { return a.rank < b.rank; });
  double t0 = INFINITY, t1 = -INFINITY;
  for (const auto& k : ranks) {
    if (k.start >= 0 && k.end >= k.start) {
      t0 = std::min(t0, k.start);
      t1 = std::max(t1, k.end);
    }
  }
  if (ranks.empty() || !std::isfinite(t0)) {
    out += "<p class=\"muted\">No rank timings in the results (rank files lack start_time/end_time).</p>";
    return out + "</section>";
  }
  if (t1 <= t0) t1 = t0 + 1e-3;
  const std::size_t n = ranks.size();
  const bool big = n > 120;
  const double row = big ? std::max(1.0, 600.0 / static_cast<double>(n)) : 14;
  const double left = big ? 56 : 70, width = 900, top = 8, plot_w = width - left - 16;
  const double height = top + row * static_cast<double>(n) + 40;
  Axis x{0, t1 - t0, left, left + plot_w};
  Axis y{0, 1, top + row * static_cast<double>(n), top};
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& s : kSegs) items.emplace_back(s.name, s.color);
  items.emplace_back("failed", "#e53935");
  out += legend(items);
  std::string body;
  std::int64_t failed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& k = ranks[i];
    const double yy = top + row * static_cast<double>(i);
    const double h = big ? row : row - 3;
    std::string g;
    if (k.failed) {
      ++failed;
      const double a = k.start >= 0 ? k.start - t0 : 0, b = k.end >= k.start && k.end >= 0 ? k.end - t0 : t1 - t0;
      g += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e53935\" opacity=\"0.8\"><title>rank {} "
          "failed: {}</title></rect>",
          num(x(a)), num(yy, 2), num(std::max(2.0, x(b) - x(a))), num(h, 2), k.rank, escape(k.error));
    } else if (k.start >= 0) {
      const double wall = std::max(1e-9, k.end - k.start);
      const double parts[] = {k.queue_s, k.model_s, k.load_s, k.compute_s, k.write_s};
      double sum = 0;
      for (double p : parts) sum += std::max(0.0, p);
      const double scale = sum > wall ? wall / sum : 1.0;  // overlapping phases laid end to end
      double at = k.start - t0;
      g += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#eceff1\"/>", num(x(at)), num(yy, 2),
                       num(std::max(0.5, x(k.end - t0) - x(at))), num(h, 2));
      for (int s = 0; s < 5; ++s) {
        const double d = std::max(0.0, parts[s]) * scale;
        const double w = x(at + d) - x(at);
        if (w >= 0.3) {
          g += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", num(x(at)), num(yy, 2),
                           num(w), num(h, 2), kSegs[s].color);
        }
        at += d;
      }
    }
    if (!big) {
      body += fmt::format(
          "<g><title>rank {}{}: {} samples, {} (queue {:.2f} s, model {:.2f} s, load {:.2f} s, compute "
          "{:.2f} s, write {:.2f} s){}</title>{}<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></g>",
          k.rank, k.data.empty() ? "" : " (" + escape(k.data) + ")", k.samples,
          human_seconds(k.end >= k.start ? k.end - k.start : -1), k.queue_s, k.model_s, k.load_s, k.compute_s,
          k.write_s, k.failed ? " FAILED: " + escape(k.error) : "", g, num(left - 6), num(yy + h - 2, 1),
          k.failed ? "✕ " + std::to_string(k.rank) : std::to_string(k.rank));
    } else {
      body += g;
    }
  }
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">{2}{3}",
      num(width), num(height), chart_axes(x, y, "seconds since the first rank started", "", false), body);
  if (big) {
    for (std::size_t i = 0; i < n; i += std::max<std::size_t>(1, n / 10)) {
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(left - 6),
                         num(top + row * (static_cast<double>(i) + 0.5) + 3), ranks[i].rank);
    }
  }
  out += "</svg>";
  out += fmt::format(
      "<p class=\"muted\">{} ranks{}; each bar is one rank's invocation from its start to its end, "
      "split into its measured phases laid end to end (reading overlaps compute, so the phases are "
      "scaled to the wall time when they add up to more). Hover a bar for its figures.</p>",
      n, failed ? fmt::format(", {} failed", failed) : std::string());
  if (failed) {
    out += "<h3>Failed ranks</h3><table><tr><th>Rank</th><th class=\"l\">Error</th></tr>";
    std::int64_t shown = 0;
    for (const auto& k : ranks) {
      if (!k.failed) continue;
      if (++shown > 50) break;
      out += fmt::format("<tr><td>{}</td><td class=\"l wrap\">{}</td></tr>", k.rank, escape(k.error));
    }
    out += "</table>";
    if (failed > 50) out += fmt::format("<p class=\"muted\">and {} more</p>", failed - 50);
  }
  return out + "</section>";
}

// ---------- scaling ----------------------------------------------------------------------------

struct Point {
  double x, y;
  std::string tip;
};

std::string line_chart(const std::string& title, const std::string& xl, const std::string& yl,
                       const std::map<std::string, std::vector<Point>>& series, bool usd) {
  double x0 = INFINITY, x1 = -INFINITY, y1 = 0;
  for (const auto& [k, pts] : series) {
    for (const auto& p : pts) {
      x0 = std::min(x0, p.x);
      x1 = std::max(x1, p.x);
      y1 = std::max(y1, p.y);
    }
  }
  if (!std::isfinite(x0)) return {};
  const bool logx = x0 > 0 && x1 / x0 >= 8;
  if (x1 <= x0) {
    x0 = logx ? x0 / 2 : std::max(0.0, x0 - 1);
    x1 = x1 + 1;
  } else if (!logx) {
    const double pad = (x1 - x0) * 0.06;
    x0 = std::max(0.0, x0 - pad);
    x1 += pad;
  } else {
    x0 /= 1.2;
    x1 *= 1.2;
  }
  if (y1 <= 0) y1 = 1;
  const double w = 430, h = 250;
  Axis x{x0, x1, 60, w - 12, logx};
  Axis y{0, y1 * 1.1, h - 40, 24};
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\"><text x=\"60\" y=\"14\" font-weight=\"600\" font-size=\"12\">{2}</text>{3}",
      num(w), num(h), escape(title), chart_axes(x, y, xl, yl));
  int ci = 0;
  std::string leg;
  for (const auto& [name, pts0] : series) {
    auto pts = pts0;
    std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    const char* color = kSeries[ci++ % 8];
    std::string d;
    for (const auto& p : pts) d += fmt::format("{}{},{}", d.empty() ? "M" : " L", num(x(p.x)), num(y(p.y)));
    if (pts.size() > 1)
      out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>", d, color);
    for (const auto& p : pts) {
      out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"><title>{}: {} → {}</title></circle>",
                         num(x(p.x)), num(y(p.y)), color, escape(name + " " + p.tip), tick_label(p.x),
                         usd ? format_usd(p.y) : format_fixed(p.y, 1));
    }
    leg += fmt::format("<span><i style=\"background:{}\"></i>{}</span>", color, escape(name));
  }
  return "<div>" + out + "</svg><div class=\"legend\">" + leg + "</div></div>";
}

std::string scaling_section(const ReportInput& in) {
  std::string out = "<section id=\"scaling\"><h2>Throughput and cost against world size and partition size</h2>";
  std::map<std::string, std::vector<Point>> tput_ws, cost_ws, tput_part, cost_part;
  out +=
      "<table><tr><th class=\"l\">Result path</th><th class=\"l\">Partition</th><th>World</th><th>Samples</th>"
      "<th>Makespan (s)</th><th>Samples/s</th><th>Gbps</th><th>Cost</th><th>$ per 1M samples</th></tr>";
  for (const auto& r : in.runs) {
    const auto p = performance_from_json(r.summary.at("performance"));
    const double mb = partition_mb(p.partition);
    const std::string part = p.partition.empty() ? "(no prefix)" : p.partition;
    const std::string size = format_count(p.samples) + " samples";
    const double ws = static_cast<double>(p.world_size);
    tput_ws[part].push_back({ws, p.samples_per_s, size});
    cost_ws[part].push_back({ws, p.cost.total_usd, size});
    if (std::isfinite(mb)) {
      tput_part[size].push_back({mb, p.samples_per_s, fmt::format("world {}", p.world_size)});
      cost_part[size].push_back({mb, p.cost.total_usd, fmt::format("world {}", p.world_size)});
    }
    out += fmt::format(
        "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(r.label), escape(part), p.world_size, format_count(p.samples), format_fixed(p.makespan_s, 2),
        format_fixed(p.samples_per_s, 1), format_fixed(p.gbps, 3), format_usd(p.cost.total_usd),
        p.samples ? format_usd(p.cost.total_usd / static_cast<double>(p.samples) * 1e6) : "n/a");
  }
  out += "</table><div class=\"charts\">";
  out += line_chart("Throughput vs world size (one line per partition size)", "world size (ranks)", "samples/s",
                    tput_ws, false);
  out += line_chart("Cost vs world size", "world size (ranks)", "USD", cost_ws, true);
  if (!tput_part.empty()) {
    out += line_chart("Throughput vs partition size (one line per data size)", "partition size (MB)", "samples/s",
                      tput_part, false);
    out += line_chart("Cost vs partition size", "partition size (MB)", "USD", cost_part, true);
  }
  out += "</div>";
  if (in.runs.size() == 1) {
    out +=
        "<p class=\"muted\">One run given: pass several result paths (e.g. 25/50/75/100 MB partitions at several "
        "world sizes) to compare them here.</p>";
  }
  return out + "</section>";
}

// ---------- accuracy ---------------------------------------------------------------------------

std::string accuracy_section(const RunReport& r) {
  std::string out = "<section id=\"accuracy\"><h2>Accuracy: predicted against true redshift</h2>";
  const json acc = r.summary.value("accuracy", json());
  if (r.summary.contains("accuracy_note") && r.summary.at("accuracy_note").is_string()) {
    out += fmt::format("<div class=\"note\">Note: {}</div>", escape(r.summary.at("accuracy_note").get<std::string>()));
  }
  if (acc.is_object()) {
    auto f = [&](const char* k, int d) {
      return acc.contains(k) && acc.at(k).is_number() ? format_fixed(acc.at(k).get<double>(), d) : std::string("n/a");
    };
    out += "<table><tr><th>Samples</th><th>MAE</th><th>MSE</th><th>Bias</th><th>NMAD</th><th>R²</th></tr>";
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
                       format_count(acc.value("samples", 0LL)), f("mae", 5), f("mse", 6), f("bias", 5), f("nmad", 5),
                       f("r2", 4));
    out +=
        "<p class=\"muted\">Δz = (ẑ − z)/(1 + z); bias = mean Δz; NMAD = 1.48 · median |Δz − median Δz|; "
        "R² = 1 − SS<sub>res</sub>/SS<sub>tot</sub>. The original's trained model: MAE 0.0125, NMAD 0.0114, R² 0.975 "
        "on its 1,253-sample set.</p>";
  } else {
    out += "<p class=\"muted\">No accuracy in the summary (no predictions were read).</p>";
  }
  const std::size_t n = std::min(r.truth.size(), r.predicted.size());
  if (n == 0) {
    out += "<p class=\"muted\">No predictions loaded (predictions/&lt;rank&gt;.csv), so no plots.</p>";
    return out + "</section>";
  }
  double zx0 = INFINITY, zx1 = -INFINITY, zy0 = INFINITY, zy1 = -INFINITY;
  std::vector<float> resid(n);
  for (std::size_t i = 0; i < n; ++i) {
    zx0 = std::min<double>(zx0, r.truth[i]);
    zx1 = std::max<double>(zx1, r.truth[i]);
    zy0 = std::min<double>(zy0, r.predicted[i]);
    zy1 = std::max<double>(zy1, r.predicted[i]);
    resid[i] = r.predicted[i] - r.truth[i];
  }
  // A shared square range when the predictions are on the truth's scale.
  const double lo = std::min(zx0, zy0), hi = std::max(zx1, zy1);
  if (hi - lo < (zx1 - zx0) * 4) zx0 = zy0 = lo, zx1 = zy1 = hi;
  auto widen = [](double& a, double& b) {
    if (b - a < 1e-9) {
      a -= 0.05;
      b += 0.05;
    }
  };
  widen(zx0, zx1);
  widen(zy0, zy1);
  const double S = 330;
  Axis x{zx0, zx1, 56, 56 + S};
  Axis y{zy0, zy1, 20 + S, 20};
  std::string plot = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\"><text x=\"56\" y=\"13\" font-weight=\"600\" font-size=\"12\">{2}</text>{3}",
      num(S + 80), num(S + 64),
      n > 4000 ? fmt::format("Density of {} predictions (log colour)", format_count(static_cast<long long>(n)))
               : fmt::format("{} predictions", format_count(static_cast<long long>(n))),
      chart_axes(x, y, "true redshift z", "predicted ẑ"));
  if (n > 4000) {
    constexpr int B = 64;
    std::vector<std::int64_t> bins(B * B, 0);
    for (std::size_t i = 0; i < n; ++i) {
      int bx = static_cast<int>((r.truth[i] - zx0) / (zx1 - zx0) * B);
      int by = static_cast<int>((r.predicted[i] - zy0) / (zy1 - zy0) * B);
      bx = std::clamp(bx, 0, B - 1);
      by = std::clamp(by, 0, B - 1);
      ++bins[by * B + bx];
    }
    const double mx = std::log1p(static_cast<double>(*std::max_element(bins.begin(), bins.end())));
    const double cw = S / B;
    static const char* ramp[] = {"#e3f2fd", "#bbdefb", "#90caf9", "#64b5f6",
                                 "#42a5f5", "#1e88e5", "#1565c0", "#0d47a1"};
    for (int by = 0; by < B; ++by) {
      for (int bx = 0; bx < B; ++bx) {
        const auto c = bins[by * B + bx];
        if (!c) continue;
        const int level = std::clamp(static_cast<int>(std::log1p(static_cast<double>(c)) / mx * 7.999), 0, 7);
        plot += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>", num(56 + bx * cw, 1),
                            num(20 + S - (by + 1) * cw, 1), num(cw + 0.3, 1), num(cw + 0.3, 1), ramp[level]);
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      plot += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"1.8\"/>", num(x(r.truth[i])), num(y(r.predicted[i])));
    }
    plot = std::string(plot).insert(plot.find("</g>") + 4, "<g fill=\"#1e88e5\" fill-opacity=\"0.45\">") + "</g>";
  }
  const double a = std::max(zx0, zy0), b = std::min(zx1, zy1);
  if (b > a) {
    plot += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#e53935\" stroke-dasharray=\"4 3\"/>",
                        num(x(a)), num(y(a)), num(x(b)), num(y(b)));
  }
  plot += "</svg>";

  // Residual histogram over the 0.5–99.5 percentile range.
  std::vector<float> sorted = resid;
  std::sort(sorted.begin(), sorted.end());
  double r0 = sorted[static_cast<std::size_t>(0.005 * static_cast<double>(n - 1))];
  double r1 = sorted[static_cast<std::size_t>(0.995 * static_cast<double>(n - 1))];
  if (r1 - r0 < 1e-9) {
    r0 -= 0.01;
    r1 += 0.01;
  }
  constexpr int H = 40;
  std::vector<std::int64_t> hist(H, 0);
  std::int64_t outside = 0;
  for (float v : resid) {
    if (v < r0 || v > r1) {
      ++outside;
      continue;
    }
    ++hist[std::clamp(static_cast<int>((v - r0) / (r1 - r0) * H), 0, H - 1)];
  }
  const double hmax = static_cast<double>(*std::max_element(hist.begin(), hist.end()));
  Axis hx{r0, r1, 56, 56 + S};
  Axis hy{0, std::max(1.0, hmax * 1.08), 20 + S, 20};
  std::string histo = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\"><text x=\"56\" y=\"13\" font-weight=\"600\" font-size=\"12\">Residuals ẑ − z</text>{2}",
      num(S + 80), num(S + 64), chart_axes(hx, hy, "ẑ − z", "predictions"));
  for (int i = 0; i < H; ++i) {
    if (!hist[i]) continue;
    const double bx0 = hx(r0 + (r1 - r0) * i / H), bx1 = hx(r0 + (r1 - r0) * (i + 1) / H);
    histo += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#43a047\"><title>{}</title></rect>",
                         num(bx0), num(hy(static_cast<double>(hist[i]))), num(std::max(0.5, bx1 - bx0 - 0.6)),
                         num(hy(0) - hy(static_cast<double>(hist[i]))), hist[i]);
  }
  histo += "</svg>";
  out += "<div class=\"charts\"><div>" + plot + "</div><div>" + histo + "</div></div>";
  if (outside) {
    out += fmt::format("<p class=\"muted\">{} residuals outside the 0.5–99.5 percentile range are not drawn.</p>",
                       outside);
  }
  return out + "</section>";
}

// ---------- performance and parameters ---------------------------------------------------------

std::string performance_section(const ReportInput& in) {
  std::string out =
      "<section id=\"performance\"><h2>Performance</h2><table><tr><th class=\"l\">Partition</th>"
      "<th>World</th><th>Requests</th><th>Samples</th><th>Duration (s)</th><th>Max (s)</th>"
      "<th>Makespan (s)</th><th>Load (s)</th><th>Compute (s)</th><th>Write (s)</th><th>Memory (GB)</th>"
      "<th>Billed (s)</th><th>Cost</th><th>Samples/s</th><th>Gbps</th><th>Σ rank samples/s</th></tr>";
  for (const auto& r : in.runs) {
    const auto p = performance_from_json(r.summary.at("performance"));
    out += fmt::format(
        "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(p.partition), format_count(p.world_size), format_count(p.requests), format_count(p.samples),
        format_fixed(p.mean_duration_s, 2), format_fixed(p.max_duration_s, 2), format_fixed(p.makespan_s, 2),
        format_fixed(p.mean_load_s, 3), format_fixed(p.mean_compute_s, 2), format_fixed(p.mean_write_s, 3),
        format_fixed(p.peak_memory_mb / 1024.0, 2), format_fixed(p.cost.billed_seconds, 1),
        format_usd(p.cost.total_usd), format_fixed(p.samples_per_s, 1), format_fixed(p.gbps, 3),
        format_fixed(p.sum_rank_samples_per_s, 1));
  }
  out +=
      "</table><p class=\"muted\">Duration: mean per-rank wall time (the seeds' \"Duration\"); makespan: first rank "
      "start to last rank end; cost: Σ billed duration (1 ms steps) × configured memory × price + requests.</p>";
  return out + "</section>";
}

std::string value_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  const std::string s = v.dump();
  return s.size() > 600 ? s.substr(0, 600) + "…" : s;
}

std::string parameters_section(const ReportInput& in) {
  std::string out = "<section id=\"parameters\"><h2>Parameters</h2>";
  for (const auto& r : in.runs) {
    if (in.runs.size() > 1) out += fmt::format("<h3>{}</h3>", escape(r.label));
    out += "<table>";
    json params = r.parameters;
    for (const char* k : {"result_path", "data_bucket", "data_prefix", "run_id", "expected_ranks"}) {
      if (!params.contains(k) && r.summary.contains(k)) params[k] = r.summary.at(k);
    }
    if (r.summary.contains("models")) params["models"] = r.summary.at("models");
    if (r.summary.contains("performance") && r.summary["performance"].contains("cost") &&
        r.summary["performance"]["cost"].contains("pricing")) {
      params["pricing"] = r.summary["performance"]["cost"]["pricing"];
    }
    for (const auto& [k, v] : params.items()) {
      out +=
          fmt::format("<tr><th class=\"l\">{}</th><td class=\"l wrap\">{}</td></tr>", escape(k), escape(value_text(v)));
    }
    out += "</table>";
  }
  return out + "</section>";
}

}  // namespace

const std::vector<std::string>& report_sections() {
  static const std::vector<std::string> s{"overview", "graph",       "timeline",  "scaling",
                                          "accuracy", "performance", "parameters"};
  return s;
}

std::string render_html(const ReportInput& in) {
  if (in.runs.empty()) throw std::runtime_error("HTML report: no runs to show");
  for (const auto& r : in.runs) {
    if (!r.summary.is_object() || !r.summary.contains("performance")) {
      throw std::runtime_error(fmt::format("HTML report: {}: the summary has no \"performance\"", r.label));
    }
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  out += fmt::format("<title>{}</title><style>{}</style></head><body>", escape(in.title), kCss);
  out += fmt::format("<header><h1>{}</h1><div class=\"sub\">{}</div></header>", escape(in.title), escape(in.generated));
  out +=
      "<nav><a href=\"#overview\">Overview</a><a href=\"#graph\">State machine</a><a href=\"#timeline\">Timeline</a>"
      "<a href=\"#scaling\">Scaling</a><a href=\"#accuracy\">Accuracy</a><a href=\"#performance\">Performance</a>"
      "<a href=\"#parameters\">Parameters</a></nav><main>";
  out += overview(in);
  out += graph_section(in);
  out += timeline_section(in.runs.front());
  out += scaling_section(in);
  out += accuracy_section(in.runs.front());
  out += performance_section(in);
  out += parameters_section(in);
  out += "</main></body></html>\n";
  return out;
}

}  // namespace cosmicai::report::html
