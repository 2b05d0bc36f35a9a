#include "cosmic/payload.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace cosmicai::cosmic {

namespace {

Error invalid(std::string message) { return make_error(ErrorCode::kInvalidArgument, std::move(message)); }

std::string show(const json& v) {
  std::string s = dump_compact(v);
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// A required (or optional, when `required` is false) string field.
Result<std::string> string_field(const json& obj, const char* key, std::string_view what, bool required) {
  if (!obj.contains(key) || obj.at(key).is_null()) {
    if (required) return invalid(fmt::format("{} /{}: required field is missing", what, key));
    return std::string();
  }
  const json& v = obj.at(key);
  if (!v.is_string()) return invalid(fmt::format("{} /{}: must be a string, got {}", what, key, show(v)));
  return v.get<std::string>();
}

}  // namespace

Result<std::int64_t> parse_positive_integer(const json& value, std::string_view pointer) {
  auto bad = [&] {
    return invalid(fmt::format("{}: must be a positive integer (string or number), got {}", pointer, show(value)));
  };
  if (value.is_number_unsigned() || value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v <= 0) return bad();
    return v;
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (d < 1 || d != std::floor(d) || d > 9e15) return bad();
    return static_cast<std::int64_t>(d);
  }
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    const auto first = s.find_first_not_of(" \t");
    const auto last = s.find_last_not_of(" \t");
    if (first == std::string::npos) return bad();
    s = s.substr(first, last - first + 1);
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return bad();
    return v;
  }
  return bad();
}

Result<InitPayload> parse_init_payload(const json& event) {
  constexpr std::string_view kWhat = "payload";
  if (!event.is_object()) return invalid(fmt::format("payload: must be a JSON object, got {}", show(event)));
  InitPayload p;
  auto str = [&](const char* key, std::string& out, bool required) -> Status {
    auto r = string_field(event, key, kWhat, required);
    if (!r) return r.error();
    out = std::move(r).value();
    return {};
  };
  for (auto s : {str("data_bucket", p.data_bucket, true), str("data_prefix", p.data_prefix, true),
                 str("result_path", p.result_path, true), str("bucket", p.bucket, false),
                 str("object_type", p.object_type, false), str("S3_object_name", p.object_name, false),
                 str("script", p.script, false)}) {
    if (!s) return s.error();
  }
  if (p.data_bucket.empty()) return invalid("payload /data_bucket: must not be empty");
  if (trim_result_path(p.result_path).empty()) return invalid("payload /result_path: must not be empty");
  if (!event.contains("batch_size")) return invalid("payload /batch_size: required field is missing");
  p.batch_size = event.at("batch_size");
  auto bs = parse_positive_integer(p.batch_size, "payload /batch_size");
  if (!bs) return bs.error();
  p.batch_size_value = *bs;
  if (event.contains("file_limit") && !event.at("file_limit").is_null()) {
    auto fl = parse_positive_integer(event.at("file_limit"), "payload /file_limit");
    if (!fl) return fl.error();
    p.file_limit = *fl;
  }
  if (event.contains("world_size") && !event.at("world_size").is_null()) {
    auto ws = parse_positive_integer(event.at("world_size"), "payload /world_size");
    if (!ws) return ws.error();
    p.world_size = *ws;
  }
  if (event.contains("model") && !event.at("model").is_null()) {
    std::string m;
    if (auto s = str("model", m, false); !s) return s.error();
    if (m.empty()) return invalid("payload /model: must not be empty");
    p.model = m;
  }
  if (event.contains("items_key") && !event.at("items_key").is_null()) {
    std::string k;
    if (auto s = str("items_key", k, false); !s) return s.error();
    if (k.empty() || k.front() == '/' || k.back() == '/') {
      return invalid(fmt::format("payload /items_key: must be an object key (not empty, no leading or trailing '/'), "
                                 "got \"{}\"", k));
    }
    p.items_key = k;
  }
  static const char* kKnown[] = {"bucket", "file_limit", "batch_size", "object_type", "S3_object_name", "script",
                                 "result_path", "data_bucket", "data_prefix", "world_size", "model", "items_key"};
  for (auto it = event.begin(); it != event.end(); ++it) {
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) p.extra[it.key()] = it.value();
  }
  return p;
}

Result<RankTask> parse_rank_task(const json& d) {
  constexpr std::string_view kWhat = "rank dict";
  if (!d.is_object()) return invalid(fmt::format("rank dict: must be a JSON object, got {}", show(d)));
  RankTask t;
  auto str = [&](const char* key, std::string& out, bool required) -> Status {
    auto r = string_field(d, key, kWhat, required);
    if (!r) return r.error();
    out = std::move(r).value();
    return {};
  };
  for (auto s : {str("DATA_BUCKET", t.data_bucket, true), str("RESULT_PATH", t.result_path, true),
                 str("DATA_PREFIX", t.data_prefix, false), str("S3_BUCKET", t.code_bucket, false),
                 str("S3_OBJECT_NAME", t.object_name, false), str("SCRIPT", t.script, false),
                 str("S3_OBJECT_TYPE", t.object_type, false), str("RUN_ID", t.run_id, false)}) {
    if (!s) return s.error();
  }
  if (trim_result_path(t.result_path).empty()) return invalid("rank dict /RESULT_PATH: must not be empty");
  for (const char* key : {"RANK", "WORLD_SIZE", "BATCH_SIZE"}) {
    if (!d.contains(key)) return invalid(fmt::format("rank dict /{}: required field is missing", key));
  }
  // RANK is 0-based, so 0 is valid: parse it as rank + 1.
  {
    const json& r = d.at("RANK");
    json shifted = r;
    if (r.is_string()) {
      std::int64_t v = 0;
      const std::string s = r.get<std::string>();
      const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || v < 0) {
        return invalid(fmt::format("rank dict /RANK: must be a non-negative integer, got {}", show(r)));
      }
      t.rank = v;
    } else if (r.is_number_integer() && r.get<std::int64_t>() >= 0) {
      t.rank = r.get<std::int64_t>();
    } else {
      return invalid(fmt::format("rank dict /RANK: must be a non-negative integer, got {}", show(r)));
    }
  }
  auto ws = parse_positive_integer(d.at("WORLD_SIZE"), "rank dict /WORLD_SIZE");
  if (!ws) return ws.error();
  t.world_size = *ws;
  if (t.rank >= t.world_size) {
    return invalid(fmt::format("rank dict /RANK: rank {} is not below WORLD_SIZE {}", t.rank, t.world_size));
  }
  auto bs = parse_positive_integer(d.at("BATCH_SIZE"), "rank dict /BATCH_SIZE");
  if (!bs) return bs.error();
  t.batch_size = *bs;
  if (!d.contains("DATA_PATH") || d.at("DATA_PATH").is_null()) {
    return invalid(fmt::format("rank dict /DATA_PATH: rank {} has no data (null or missing)", t.rank));
  }
  const json& dp = d.at("DATA_PATH");
  if (dp.is_string()) {
    t.data_paths.push_back(dp.get<std::string>());
  } else if (dp.is_array()) {
    for (std::size_t i = 0; i < dp.size(); ++i) {
      if (!dp[i].is_string()) {
        return invalid(fmt::format("rank dict /DATA_PATH/{}: must be a string key, got {}", i, show(dp[i])));
      }
      t.data_paths.push_back(dp[i].get<std::string>());
    }
  } else {
    return invalid(fmt::format("rank dict /DATA_PATH: must be a key or a list of keys, got {}", show(dp)));
  }
  if (t.data_paths.empty()) return invalid("rank dict /DATA_PATH: empty list of partition keys");
  for (std::size_t i = 0; i < t.data_paths.size(); ++i) {
    if (t.data_paths[i].empty()) return invalid(fmt::format("rank dict /DATA_PATH/{}: empty key", i));
  }
  if (d.contains("MODEL") && !d.at("MODEL").is_null()) {
    std::string m;
    if (auto s = str("MODEL", m, false); !s) return s.error();
    if (!m.empty()) t.model = m;
  }
  return t;
}

std::string trim_result_path(std::string_view p) {
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return std::string(p);
}

std::string rank_result_key(std::string_view result_path, std::int64_t rank) {
  return fmt::format("{}/{}.json", trim_result_path(result_path), rank);
}

std::string rank_predictions_key(std::string_view result_path, std::int64_t rank) {
  return fmt::format("{}/predictions/{}.csv", trim_result_path(result_path), rank);
}

std::string rank_error_key(std::string_view result_path, std::int64_t rank) {
  return fmt::format("{}/errors/{}.json", trim_result_path(result_path), rank);
}

}  // namespace cosmicai::cosmic
