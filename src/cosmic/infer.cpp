#include "cosmic/infer.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <vector>

#include "data/partition.hpp"
#include "data/partition_pool.hpp"
#include "data/store_source.hpp"

namespace cosmicai::cosmic {

namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Process-wide pool of partition buffers shared by every rank. Fresh 100 MB buffers cost a page
// fault per 4 KiB page on first touch (~1 s each on a small VM); recycled ones are already
// mapped. Up to 4 stay idle: enough for the partitions the Map's concurrent ranks hold at once
// (one computing, one or two read ahead) without pinning more memory than that.
data::PartitionPool& partition_pool() {
  static data::PartitionPool pool(4);
  return pool;
}

using PartitionPtr = std::shared_ptr<data::Partition>;

// Read a partition into a pooled buffer: straight from the file (pread into the tensors) for a
// local store, else with ranged requests streamed into the tensors (data/store_source.hpp).
Result<PartitionPtr> load_partition(const storage::ObjectStore& store, const std::string& bucket,
                                    const std::string& key) {
  // Every error names the partition once, as "partition BUCKET/KEY: …".
  PartitionPtr part = partition_pool().acquire();
  const std::string name = fmt::format("{}/{}", bucket, key);
  if (auto path = store.local_path(bucket, key)) {
    if (std::filesystem::exists(*path)) {
      data::ReadOptions options;
      options.display_name = name;
      if (auto st = data::read_partition_file_into(*path, *part, options); !st) return st.error();
      return part;
    }
  }
  data::ReadOptions options;
  options.display_name = name;
  if (auto st = data::read_partition_from_store_into(store, bucket, key, *part, options); !st) return st.error();
  return part;
}

// Quote a CSV field if it holds a comma, quote or newline.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Fetch a non-local model object to a local file once per process (keyed by bucket/key/size).
Result<std::string> localize_model(const storage::ObjectStore& store, const std::string& bucket,
                                   const storage::ObjectInfo& obj) {
  if (auto path = store.local_path(bucket, obj.key); path && std::filesystem::exists(*path)) return *path;
  static std::mutex mu;
  std::lock_guard lock(mu);
  const auto dir = std::filesystem::temp_directory_path() / "cosmicai-models";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto name = fmt::format("{:016x}-{}.pt", std::hash<std::string>{}(bucket + "/" + obj.key), obj.size);
  const auto path = dir / name;
  if (std::filesystem::exists(path) && std::filesystem::file_size(path, ec) == obj.size) return path.string();
  auto bytes = store.get(bucket, obj.key);
  if (!bytes) return bytes.error();
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    if (!out) return make_error(ErrorCode::kIo, fmt::format("cannot write model cache file {}", tmp));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot rename {}: {}", tmp, ec.message()));
  return path.string();
}

}  // namespace

Result<std::string> resolve_model_source(const CosmicConfig& config, const RankTask& task) {
  if (task.model) return *task.model;
  if (!config.model.empty()) return config.model;
  if (!task.code_bucket.empty() && !task.object_name.empty()) {
    std::string folder = task.object_name;
    if (folder.back() != '/') folder += '/';
    auto listed = config.store->list_all(task.code_bucket, folder, storage::KeyOrder::kNumeric);
    if (listed) {
      for (const auto& o : *listed) {
        const bool is_model = o.key == folder + "model.pt" || o.key.ends_with(".ts.pt");
        if (is_model) return localize_model(*config.store, task.code_bucket, o);
      }
    } else if (listed.error().code != ErrorCode::kNotFound) {
      return make_error(listed.error().code, fmt::format("code folder {}/{}: {}", task.code_bucket, folder,
                                                         listed.error().message));
    }
  }
  return std::string("builtin");
}

Result<json> infer_rank(const CosmicConfig& config, ComputeGate& gate, const json& rank_dict,
                        const functions::CancelToken* cancel) {
  auto r = run_rank(config, gate, rank_dict, cancel);
  if (!r) return r.error();
  return std::move(r->response);
}

Result<RankOutput> run_rank(const CosmicConfig& config, ComputeGate& gate, const json& rank_dict,
                            const functions::CancelToken* cancel) {
  const auto t0 = SteadyClock::now();
  const double start_unix = unix_now();
  auto parsed = parse_rank_task(rank_dict);
  if (!parsed) return parsed.error();
  const RankTask& task = *parsed;
  auto& store = *config.store;

  // Record the failure for Summarize, then return it.
  auto fail = [&](const Error& e) -> Result<RankOutput> {
    json record{{"rank", task.rank}, {"world_size", task.world_size}, {"error", e.message}, {"run_id", task.run_id}};
    (void)store.put(task.data_bucket, rank_error_key(task.result_path, task.rank), record.dump(2));
    if (config.progress) config.progress->rank_done(false);
    return e;
  };

  // Cancellation (the Task's timeout, the execution ended): stop between units of work.
  const std::atomic<bool>* stop = cancel ? &cancel->flag() : nullptr;
  std::optional<functions::CancelCallback> wake_gate;
  if (cancel) wake_gate.emplace(*const_cast<functions::CancelToken*>(cancel), [&gate] { gate.wake(); });
  std::int64_t done_samples = 0;
  auto cancelled = [&]() -> Result<RankOutput> {
    return fail(make_error(ErrorCode::kUnavailable,
                           fmt::format("rank {}: cancelled after {} samples ({}: {})", task.rank, done_samples,
                                       cancel->error(), cancel->cause())));
  };
  auto is_cancelled = [&] { return cancel && cancel->cancelled(); };

  auto source = resolve_model_source(config, task);
  if (!source) return fail(make_error(source.error().code, fmt::format("rank {}: {}", task.rank, source.error().message)));
  model::ModelOptions mo;
  mo.source = *source;
  mo.seed = config.seed;
  mo.threads = config.threads;
  mo.precision = config.precision;
  mo.batch_size = 1 << 20;  // batching is done here, per BATCH_SIZE
  const auto tm = SteadyClock::now();
  auto runner = cached_model(mo);
  const double model_s = seconds_since(tm);
  if (!runner) {
    return fail(make_error(runner.error().code,
                           fmt::format("rank {}: model {}: {}", task.rank, *source, runner.error().message)));
  }
  model::ModelRunner& model = **runner;

  // === Load (next partition read while the current one computes) ===
  auto load = [&](std::size_t i) { return load_partition(store, task.data_bucket, task.data_paths[i]); };
  double load_s = 0, compute_s = 0, wait_s = 0;
  std::int64_t samples = 0, batches = 0;
  std::string csv = "sample,file,redshift,prediction\n";
  json files = json::array();
  std::future<Result<PartitionPtr>> next;
  std::optional<Result<PartitionPtr>> current;
  std::vector<float> mags;         // float32 magnitudes, reused across partitions
  std::vector<float> predictions;  // reused across partitions
  {
    const auto tl = SteadyClock::now();
    current.emplace(load(0));
    load_s += seconds_since(tl);
  }
  for (std::size_t i = 0; i < task.data_paths.size(); ++i) {
    const std::string& key = task.data_paths[i];
    if (is_cancelled()) {
      if (next.valid()) next.wait();
      return cancelled();
    }
    if (!current->ok()) {
      return fail(make_error(current->error().code,
                             fmt::format("rank {}: {}", task.rank, current->error().message)));
    }
    const PartitionPtr part_ptr = std::move(*current).value();
    const data::Partition& part = *part_ptr;
    current.reset();
    if (i + 1 < task.data_paths.size()) next = std::async(std::launch::async, load, i + 1);

    // === Compute === (images are read in place from the partition buffer; only the float64
    // magnitudes, 40 bytes a sample, are converted to float32 into a reused buffer)
    mags.assign(part.magnitudes.begin(), part.magnitudes.end());
    predictions.clear();
    predictions.reserve(static_cast<std::size_t>(part.samples));
    {
      const auto tw = SteadyClock::now();
      std::optional<ComputeGate::Slot> slot = stop ? gate.acquire_unless(*stop) : gate.acquire();
      wait_s += seconds_since(tw);
      if (!slot) {
        if (next.valid()) next.wait();
        return cancelled();
      }
      const auto tc = SteadyClock::now();
      try {
        for (std::int64_t b = 0; b < part.samples; b += task.batch_size) {
          const std::int64_t n = std::min(task.batch_size, part.samples - b);
          const std::span<const float> images(part.images.data() + b * data::kImageElements,
                                              static_cast<std::size_t>(n * data::kImageElements));
          const std::span<const float> m(mags.data() + b * data::kMagnitudes,
                                         static_cast<std::size_t>(n * data::kMagnitudes));
          auto out = model.predict(images, m, n, stop);
          if (static_cast<std::int64_t>(out.size()) != n) {
            throw std::runtime_error(fmt::format("model returned {} values for {} samples", out.size(), n));
          }
          predictions.insert(predictions.end(), out.begin(), out.end());
          done_samples += n;
          ++batches;
          if (config.progress) config.progress->add_samples(n);
        }
      } catch (const std::exception& e) {
        if (next.valid()) next.wait();
        if (is_cancelled()) return cancelled();
        return fail(make_error(ErrorCode::kInternal, fmt::format("rank {}: partition {}/{}: inference failed: {}",
                                                                 task.rank, task.data_bucket, key, e.what())));
      }
      compute_s += seconds_since(tc);
    }
    const std::string file = csv_field(key);
    for (std::int64_t s = 0; s < part.samples; ++s) {
      csv += fmt::format("{},{},{:.9g},{:.9g}\n", s, file, part.redshift[s], predictions[s]);
    }
    samples += part.samples;
    files.push_back({{"key", key}, {"samples", part.samples}});
    if (next.valid()) {
      const auto tl = SteadyClock::now();
      current.emplace(next.get());
      load_s += seconds_since(tl);
    }
  }

  // === Write ===
  const auto tw = SteadyClock::now();
  const std::string pred_key = rank_predictions_key(task.result_path, task.rank);
  if (auto s = store.put(task.data_bucket, pred_key, csv); !s) {
    return fail(make_error(s.error().code, fmt::format("rank {}: writing {}/{}: {}", task.rank, task.data_bucket,
                                                       pred_key, s.error().message)));
  }
  const double write_s = seconds_since(tw);
  const double wall_s = seconds_since(t0);
  const double busy_s = std::max(1e-9, wall_s - wait_s);
  const double bits = static_cast<double>(samples) * kInputBitsPerSample;
  const double rss = peak_rss_mb();

  json result;
  result["total_cpu_time (seconds)"] = busy_s;
  result["total_cpu_memory (MB)"] = rss;
  result["execution_time (seconds/batch)"] = batches ? compute_s / static_cast<double>(batches) : 0.0;
  result["num_batches"] = batches;
  result["batch_size"] = task.batch_size;
  result["device"] = "cpu";
  result["throughput_bps"] = bits / busy_s;
  result["sample_persec"] = static_cast<double>(samples) / busy_s;
  result["result_path"] = task.result_path;
  result["data_path"] = rank_dict.at("DATA_PATH");
  result["rank"] = task.rank;
  result["world_size"] = task.world_size;
  result["samples"] = samples;
  result["wall_seconds"] = wall_s;
  result["gate_wait_seconds"] = wait_s;
  result["model_seconds"] = model_s;
  result["load_seconds"] = load_s;
  result["compute_seconds"] = compute_s;
  result["write_seconds"] = write_s;
  result["peak_rss_mb"] = rss;
  result["input_bits"] = bits;
  result["start_time"] = start_unix;
  result["end_time"] = unix_now();
  result["model"] = model.description();
  result["model_source"] = *source;
  result["threads"] = config.threads;
  result["files"] = files;
  result["predictions"] = pred_key;
  result["run_id"] = task.run_id;
  const std::string result_key = rank_result_key(task.result_path, task.rank);
  if (auto s = store.put(task.data_bucket, result_key, result.dump(2)); !s) {
    return fail(make_error(s.error().code, fmt::format("rank {}: writing {}/{}: {}", task.rank, task.data_bucket,
                                                       result_key, s.error().message)));
  }
  // A success replaces an earlier failure record of the same rank (a retried rank).
  (void)store.remove(task.data_bucket, rank_error_key(task.result_path, task.rank));
  if (config.progress) config.progress->rank_done(true);
  RankOutput out;
  out.response = json{{"statusCode", 200},
                      {"body",
                       {{"rank", task.rank},
                        {"samples", samples},
                        {"result", result_key},
                        {"predictions", pred_key},
                        {"sample_persec", result["sample_persec"]}}}};
  out.result = std::move(result);
  out.predictions_csv = std::move(csv);
  return out;
}

}  // namespace cosmicai::cosmic
