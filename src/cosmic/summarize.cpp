#include "cosmic/summarize.hpp"

#include <fmt/format.h>

#include <charconv>
#include <set>
#include <utility>

#include "cosmic/payload.hpp"
#include "report/accuracy.hpp"
#include "report/performance.hpp"
#include "report/text_table.hpp"

namespace cosmicai::cosmic {

namespace {

Error invalid(std::string m) { return make_error(ErrorCode::kInvalidArgument, std::move(m)); }

std::string unquote_csv(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    out += s[i];
    if (s[i] == '"' && s[i + 1] == '"') ++i;
  }
  return out;
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// What Summarize needs to know about the run.
struct RunInfo {
  std::string data_bucket;
  std::string result_path;
  std::string data_prefix;
  std::string run_id;
  std::int64_t world_size = -1;  // -1: unknown (take it from the results found)
};

std::string get_string(const json& o, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    if (o.contains(k) && o.at(k).is_string()) return o.at(k).get<std::string>();
  }
  return {};
}

Result<RunInfo> run_info(const json& event) {
  const json* body = nullptr;
  if (event.is_array()) body = &event;
  if (event.is_object() && event.contains("body") && event.at("body").is_array()) body = &event.at("body");
  RunInfo info;
  if (body) {
    if (body->empty()) return invalid("summarize /body: no rank dictionaries (Initialize planned no ranks)");
    const json& first = (*body)[0];
    if (!first.is_object()) return invalid("summarize /body/0: must be a rank dictionary object");
    info.data_bucket = get_string(first, {"DATA_BUCKET"});
    info.result_path = get_string(first, {"RESULT_PATH"});
    info.data_prefix = get_string(first, {"DATA_PREFIX"});
    info.run_id = get_string(first, {"RUN_ID"});
    info.world_size = static_cast<std::int64_t>(body->size());
    for (std::size_t i = 1; i < body->size(); ++i) {
      const std::string rid = (*body)[i].is_object() ? get_string((*body)[i], {"RUN_ID"}) : std::string();
      if (rid != info.run_id) info.run_id.clear();  // mixed runs: do not filter by run id
    }
    if (info.data_bucket.empty()) return invalid("summarize /body/0/DATA_BUCKET: missing or not a string");
    if (info.result_path.empty()) return invalid("summarize /body/0/RESULT_PATH: missing or not a string");
  } else if (event.is_object()) {
    info.data_bucket = get_string(event, {"data_bucket", "DATA_BUCKET"});
    info.result_path = get_string(event, {"result_path", "RESULT_PATH"});
    info.data_prefix = get_string(event, {"data_prefix", "DATA_PREFIX"});
    info.run_id = get_string(event, {"run_id", "RUN_ID"});
    for (const char* k : {"world_size", "WORLD_SIZE"}) {
      if (event.contains(k)) {
        auto ws = parse_positive_integer(event.at(k), fmt::format("summarize /{}", k));
        if (!ws) return ws.error();
        info.world_size = *ws;
      }
    }
    if (info.data_bucket.empty()) return invalid("summarize /data_bucket: missing or not a string");
    if (info.result_path.empty()) return invalid("summarize /result_path: missing or not a string");
  } else {
    return invalid("summarize: event must be Initialize's output ({\"body\":[…]}), a list of rank dictionaries "
                   "or {\"data_bucket\",\"result_path\"}");
  }
  if (trim_result_path(info.result_path).empty()) return invalid("summarize: RESULT_PATH is empty");
  return info;
}

double number_or(const json& o, const char* key, double fallback) {
  if (o.contains(key) && o.at(key).is_number()) return o.at(key).get<double>();
  return fallback;
}

}  // namespace

Result<std::vector<PredictionRow>> parse_predictions_csv(std::string_view text, std::string_view what) {
  std::vector<PredictionRow> rows;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line_no == 1) {
      if (!line.starts_with("sample,")) {
        return make_error(ErrorCode::kCorrupt, fmt::format("{}:1: expected the header sample,file,redshift,prediction", what));
      }
      continue;
    }
    const auto c1 = line.find(','), c3 = line.rfind(',');
    const auto c2 = c3 == std::string_view::npos || c3 == 0 ? std::string_view::npos : line.rfind(',', c3 - 1);
    PredictionRow r;
    if (c1 == std::string_view::npos || c2 == std::string_view::npos || c2 <= c1 ||
        !parse_number(line.substr(0, c1), r.sample) || !parse_number(line.substr(c2 + 1, c3 - c2 - 1), r.redshift) ||
        !parse_number(line.substr(c3 + 1), r.prediction)) {
      return make_error(ErrorCode::kCorrupt,
                        fmt::format("{}:{}: expected sample,file,redshift,prediction, got \"{}\"", what, line_no,
                                    line.substr(0, 80)));
    }
    r.file = unquote_csv(line.substr(c1 + 1, c2 - c1 - 1));
    rows.push_back(std::move(r));
  }
  return rows;
}

Result<json> summarize_results(const CosmicConfig& config, const json& event) {
  auto info_r = run_info(event);
  if (!info_r) return info_r.error();
  const RunInfo& info = *info_r;
  auto& store = *config.store;
  const std::string base = trim_result_path(info.result_path);
  const std::string& bucket = info.data_bucket;

  auto listed = store.list_all(bucket, base + "/", storage::KeyOrder::kNumeric);
  if (!listed && listed.error().code != ErrorCode::kNotFound) {
    return make_error(listed.error().code, fmt::format("summarize: cannot list {}/{}/: {}", bucket, base,
                                                       listed.error().message));
  }
  // Ranks with a result file and with an error record, from the listing.
  std::set<std::int64_t> result_ranks, error_ranks;
  if (listed) {
    for (const auto& o : *listed) {
      std::string_view rest = std::string_view(o.key).substr(base.size() + 1);
      std::set<std::int64_t>* into = &result_ranks;
      if (rest.starts_with("errors/")) {
        rest.remove_prefix(7);
        into = &error_ranks;
      }
      if (!rest.ends_with(".json")) continue;
      rest.remove_suffix(5);
      std::int64_t r = 0;
      if (!rest.empty() && rest.find_first_not_of("0123456789") == std::string_view::npos && parse_number(rest, r)) {
        into->insert(r);
      }
    }
  }
  const std::int64_t world =
      info.world_size >= 0 ? info.world_size : (result_ranks.empty() ? 0 : *result_ranks.rbegin() + 1);

  json combined = json::array(), missing = json::array(), failed = json::array(), stale = json::array(),
       unexpected = json::array();
  std::vector<report::RankMetrics> metrics;
  std::vector<double> truth, predicted;
  std::set<std::pair<std::string, std::int64_t>> seen_samples;
  std::set<std::string> models;
  std::int64_t duplicate_samples = 0;
  for (std::int64_t r = 0; r < world; ++r) {
    bool received = false;
    if (result_ranks.count(r)) {
      const std::string key = rank_result_key(base, r);
      auto text = store.get(bucket, key);
      if (!text) return make_error(text.error().code, fmt::format("summarize: {}/{}: {}", bucket, key, text.error().message));
      json res;
      try {
        res = parse_json_text(*text, fmt::format("{}/{}", bucket, key));
      } catch (const std::exception& e) {
        return make_error(ErrorCode::kCorrupt, fmt::format("summarize: {}", e.what()));
      }
      const std::string rid = res.is_object() ? get_string(res, {"run_id"}) : std::string();
      if (!info.run_id.empty() && rid != info.run_id) {
        stale.push_back(r);
      } else if (!res.is_object()) {
        return make_error(ErrorCode::kCorrupt, fmt::format("summarize: {}/{}: not a JSON object", bucket, key));
      } else {
        // The predictions first: a rank whose predictions cannot be read is named as failed (its
        // figures are not counted) rather than failing the whole summary.
        const std::string pred_key = res.contains("predictions") && res.at("predictions").is_string()
                                         ? res.at("predictions").get<std::string>()
                                         : rank_predictions_key(base, r);
        Result<std::vector<PredictionRow>> rows = make_error(ErrorCode::kInternal, "");
        if (auto csv = store.get(bucket, pred_key); !csv) {
          rows = make_error(csv.error().code,
                            fmt::format("rank {}: predictions {}/{}: {}", r, bucket, pred_key, csv.error().message));
        } else {
          rows = parse_predictions_csv(*csv, fmt::format("{}/{}", bucket, pred_key));
          if (!rows)
            rows = make_error(rows.error().code, fmt::format("rank {}: predictions {}", r, rows.error().message));
        }
        if (!rows) {
          missing.push_back(r);
          failed.push_back({{"rank", r}, {"error", rows.error().message}});
          continue;
        }
        received = true;
        report::RankMetrics m;
        m.rank = r;
        const double busy = number_or(res, "total_cpu_time (seconds)", 0);
        m.samples = static_cast<std::int64_t>(number_or(res, "samples", number_or(res, "sample_persec", 0) * busy));
        m.wall_seconds = busy;
        m.load_seconds = number_or(res, "load_seconds", 0);
        m.compute_seconds = number_or(res, "compute_seconds", 0);
        m.write_seconds = number_or(res, "write_seconds", 0);
        m.peak_rss_mb = number_or(res, "peak_rss_mb", number_or(res, "total_cpu_memory (MB)", 0));
        m.input_bits = number_or(res, "input_bits", number_or(res, "throughput_bps", 0) * busy);
        m.start_unix = number_or(res, "start_time", 0);
        m.end_unix = number_or(res, "end_time", m.start_unix + busy);
        metrics.push_back(m);
        if (res.contains("model") && res.at("model").is_string()) models.insert(res.at("model").get<std::string>());
        for (const auto& row : *rows) {
          if (!seen_samples.emplace(row.file, row.sample).second) {
            ++duplicate_samples;  // the same file on several ranks (more ranks than files)
            continue;
          }
          truth.push_back(row.redshift);
          predicted.push_back(row.prediction);
        }
        combined.push_back(std::move(res));
      }
    }
    if (received) continue;
    missing.push_back(r);
    if (error_ranks.count(r)) {
      const std::string key = rank_error_key(base, r);
      auto text = store.get(bucket, key);
      std::string message = "(error record unreadable)";
      if (text) {
        try {
          const json rec = parse_json_text(*text, key);
          const std::string rid = get_string(rec, {"run_id"});
          if (info.run_id.empty() || rid == info.run_id) message = get_string(rec, {"error"});
          else message.clear();
        } catch (const std::exception&) {
        }
      }
      if (!message.empty()) failed.push_back({{"rank", r}, {"error", message}});
    }
  }
  for (auto r : result_ranks) {
    if (r >= world) unexpected.push_back(rank_result_key(base, r));
  }

  std::string partition = info.data_prefix;
  while (!partition.empty() && partition.back() == '/') partition.pop_back();
  const auto row = report::summarize_performance(partition, world, metrics, config.pricing);

  json summary;
  summary["result_path"] = info.result_path;
  summary["data_bucket"] = bucket;
  summary["data_prefix"] = info.data_prefix;
  summary["run_id"] = info.run_id;
  summary["expected_ranks"] = world;
  summary["received_ranks"] = static_cast<std::int64_t>(metrics.size());
  summary["complete"] = missing.empty() && world > 0;
  summary["missing_ranks"] = missing;
  summary["failed_ranks"] = failed;
  summary["stale_ranks"] = stale;
  summary["unexpected_results"] = unexpected;
  summary["performance"] = report::performance_to_json(row, config.pricing);
  if (!truth.empty()) {
    auto acc = report::compute_accuracy(truth, predicted);
    summary["accuracy"] = acc ? report::accuracy_to_json(*acc) : json(nullptr);
    if (!acc) summary["accuracy_error"] = acc.error().message;
  } else {
    summary["accuracy"] = nullptr;
  }
  summary["duplicate_predictions"] = duplicate_samples;
  summary["models"] = json::array();
  bool untrained = false;
  for (const auto& m : models) {
    summary["models"].push_back(m);
    untrained = untrained || m.find("untrained") != std::string::npos;
  }
  if (untrained) summary["accuracy_note"] = "the model has untrained weights: these figures are not redshift accuracy";
  summary["combined_data"] = base + "/combined_data.json";
  summary["summary"] = base + "/summary.json";

  if (auto s = store.put(bucket, base + "/combined_data.json", combined.dump(2)); !s) {
    return make_error(s.error().code, fmt::format("summarize: writing {}/{}/combined_data.json: {}", bucket, base,
                                                  s.error().message));
  }
  if (auto s = store.put(bucket, base + "/summary.json", summary.dump(2)); !s) {
    return make_error(s.error().code,
                      fmt::format("summarize: writing {}/{}/summary.json: {}", bucket, base, s.error().message));
  }
  return json{{"statusCode", 200}, {"body", summary}};
}

std::string render_summary(const json& in) {
  const json& s = in.contains("body") && in.at("body").is_object() ? in.at("body") : in;
  std::string out;
  const auto row = report::performance_from_json(s.at("performance"));
  out += report::render_performance_table(std::vector<report::PerformanceRow>{row});
  out += fmt::format("\nranks: {} of {} reported", s.value("received_ranks", 0), s.value("expected_ranks", 0));
  if (!s.value("missing_ranks", json::array()).empty()) out += fmt::format("; missing {}", dump_compact(s["missing_ranks"]));
  if (!s.value("stale_ranks", json::array()).empty()) out += fmt::format("; stale {}", dump_compact(s["stale_ranks"]));
  out += "\n";
  for (const auto& f : s.value("failed_ranks", json::array())) {
    out += fmt::format("  rank {} failed: {}\n", f.value("rank", -1), f.value("error", std::string()));
  }
  for (const auto& k : s.value("unexpected_results", json::array())) {
    out += fmt::format("  unexpected result (not part of this run): {}\n", k.get<std::string>());
  }
  out += fmt::format("time per rank (mean): load {:.2f} s, compute {:.2f} s, write {:.2f} s; throughput {} samples/s "
                     "over {:.2f} s makespan (Σ per-rank {} samples/s)\n",
                     row.mean_load_s, row.mean_compute_s, row.mean_write_s,
                     report::format_fixed(row.samples_per_s, 1), row.makespan_s,
                     report::format_fixed(row.sum_rank_samples_per_s, 1));
  const json& pricing = s["performance"]["cost"]["pricing"];
  out += fmt::format("cost: {} requests × billed {:.3f} s total at {} MB = {:.3f} GB-s → {} (compute {}, requests {})\n",
                     row.cost.requests, row.cost.billed_seconds, pricing.value("memory_mb", 0.0), row.cost.gb_seconds,
                     report::format_usd(row.cost.total_usd), report::format_usd(row.cost.compute_usd),
                     report::format_usd(row.cost.request_usd));
  const json acc = s.value("accuracy", json());
  if (acc.is_object()) {
    auto num = [&](const char* k, int d) {
      return acc[k].is_number() ? report::format_fixed(acc[k].get<double>(), d) : std::string("n/a");
    };
    out += fmt::format("accuracy over {} samples: MAE {}  MSE {}  bias {}  NMAD {}  R² {}\n",
                       report::format_count(acc.value("samples", 0LL)), num("mae", 5), num("mse", 6),
                       num("bias", 5), num("nmad", 5), num("r2", 4));
  }
  if (s.contains("accuracy_note")) out += fmt::format("  note: {}\n", s["accuracy_note"].get<std::string>());
  for (const auto& m : s.value("models", json::array())) out += fmt::format("model: {}\n", m.get<std::string>());
  return out;
}

}  // namespace cosmicai::cosmic
