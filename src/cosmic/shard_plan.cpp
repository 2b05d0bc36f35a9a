#include "cosmic/shard_plan.hpp"

#include <fmt/format.h>

#include <random>

namespace cosmicai::cosmic {

std::vector<std::vector<std::string>> plan_shards(const std::vector<std::string>& files, std::int64_t world_size) {
  std::vector<std::vector<std::string>> shards(static_cast<std::size_t>(world_size));
  const auto n = static_cast<std::int64_t>(files.size());
  if (n == 0) return shards;
  if (world_size > n) {
    for (std::int64_t r = 0; r < world_size; ++r) shards[r].push_back(files[r % n]);
    return shards;
  }
  std::int64_t next = 0;
  for (std::int64_t r = 0; r < world_size; ++r) {
    const std::int64_t files_left = n - next, ranks_left = world_size - r;
    const std::int64_t step = (files_left + ranks_left - 1) / ranks_left;
    for (std::int64_t i = 0; i < step; ++i) shards[r].push_back(files[next++]);
  }
  return shards;
}

Result<std::vector<std::string>> list_partitions(const storage::ObjectStore& store, std::string_view bucket,
                                                 std::string_view prefix) {
  std::string folder(prefix);
  if (!folder.empty() && folder.back() != '/') folder += '/';
  auto listed = store.list_all(bucket, folder, storage::KeyOrder::kNumeric);
  if (!listed) {
    return make_error(listed.error().code,
                      fmt::format("initialize: cannot list {}/{}: {}", bucket, folder, listed.error().message));
  }
  std::vector<std::string> keys;
  for (const auto& o : *listed) {
    if (o.key.size() > 3 && o.key.ends_with(".pt")) keys.push_back(o.key);
  }
  if (keys.empty()) {
    return make_error(ErrorCode::kNotFound, fmt::format("initialize: no .pt files under {}/{} in store {}", bucket,
                                                        folder, store.uri()));
  }
  return keys;
}

json make_rank_dicts(const InitPayload& p, const std::vector<std::vector<std::string>>& shards,
                     std::string_view run_id) {
  json body = json::array();
  const std::string world = std::to_string(shards.size());
  for (std::size_t r = 0; r < shards.size(); ++r) {
    json d;
    d["S3_BUCKET"] = p.bucket;
    d["S3_OBJECT_NAME"] = p.object_name;
    d["SCRIPT"] = p.script;
    d["S3_OBJECT_TYPE"] = p.object_type;
    d["WORLD_SIZE"] = world;
    d["RANK"] = std::to_string(r);
    d["DATA_BUCKET"] = p.data_bucket;
    d["DATA_PREFIX"] = p.data_prefix;
    d["DATA_PATH"] = shards[r].size() == 1 ? json(shards[r][0]) : json(shards[r]);
    d["RESULT_PATH"] = p.result_path;
    d["BATCH_SIZE"] = p.batch_size;
    d["RUN_ID"] = run_id;
    if (p.model) d["MODEL"] = *p.model;
    for (auto it = p.extra.begin(); it != p.extra.end(); ++it) {
      if (!d.contains(it.key())) d[it.key()] = it.value();
    }
    body.push_back(std::move(d));
  }
  return body;
}

Result<json> initialize(storage::ObjectStore& store, const json& event) {
  auto parsed = parse_init_payload(event);
  if (!parsed) return parsed.error();
  const InitPayload& p = *parsed;
  auto files = list_partitions(store, p.data_bucket, p.data_prefix);
  if (!files) return files.error();
  const auto available = static_cast<std::int64_t>(files->size());
  if (p.file_limit) {
    if (*p.file_limit > available) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("payload /file_limit: {} exceeds the {} .pt files under {}/{}/", *p.file_limit,
                                    available, p.data_bucket, trim_result_path(p.data_prefix)));
    }
    files->resize(static_cast<std::size_t>(*p.file_limit));
  }
  const std::int64_t world = p.world_size.value_or(static_cast<std::int64_t>(files->size()));
  const auto shards = plan_shards(*files, world);
  const std::string run_id = new_run_id();
  json body = make_rank_dicts(p, shards, run_id);
  if (!p.items_key) return json{{"statusCode", 200}, {"body", std::move(body)}};
  // Rank items in the store, for a Map that reads them with an ItemReader (arn:aws:states:::s3:getObject, JSON).
  if (auto st = store.put(p.data_bucket, *p.items_key, body.dump()); !st) {
    return make_error(st.error().code, fmt::format("initialize: cannot write the rank items to {}/{}: {}",
                                                   p.data_bucket, *p.items_key, st.error().message));
  }
  json out = json::object();
  out["items_bucket"] = p.data_bucket;
  out["items_key"] = *p.items_key;
  out["world_size"] = world;
  out["run_id"] = run_id;
  out["data_bucket"] = p.data_bucket;
  out["data_prefix"] = p.data_prefix;
  out["result_path"] = p.result_path;
  return json{{"statusCode", 200}, {"body", std::move(out)}};
}

std::string new_run_id() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  return fmt::format("{:016x}", gen());
}

}  // namespace cosmicai::cosmic
