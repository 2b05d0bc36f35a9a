#include "data/synthetic.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <optional>
#include <thread>

namespace cosmicai::data {

// === Plan ===

std::int64_t samples_per_partition(int partition_mb) {
  switch (partition_mb) {
    case 25:
      return 1278;
    case 50:
      return 2556;
    case 75:
      return 3834;
    case 100:
      return 5113;
    default:
      return std::max<std::int64_t>(1, std::llround(partition_mb * 5113.0 / 100.0));
  }
}

std::int64_t DatasetPlan::first_sample(std::size_t k) const {
  std::int64_t s = 0;
  for (std::size_t i = 0; i < k && i < samples.size(); ++i) s += samples[i];
  return s;
}

std::int64_t DatasetPlan::total_samples() const { return first_sample(samples.size()); }

Result<DatasetPlan> plan_dataset(int partition_mb, int total_mb) {
  if (partition_mb <= 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "partition size must be a positive number of MB, got " + std::to_string(partition_mb));
  }
  if (total_mb <= 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "total size must be a positive number of MB, got " + std::to_string(total_mb));
  }
  DatasetPlan plan;
  plan.partition_mb = partition_mb;
  const std::int64_t per_file = samples_per_partition(partition_mb);
  const int files = (total_mb + partition_mb - 1) / partition_mb;
  plan.samples.assign(static_cast<std::size_t>(files), per_file);
  const int remainder_mb = total_mb - (files - 1) * partition_mb;
  if (remainder_mb != partition_mb) {
    plan.samples.back() =
        std::max<std::int64_t>(1, std::llround(static_cast<double>(per_file) * remainder_mb / partition_mb));
  }
  return plan;
}

// === Generator ===

namespace {

/// SplitMix64: tiny, fast, and good enough for plausible-looking data.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Approximately standard normal: Irwin–Hall sum of four 16-bit uniforms, rescaled.
  float normal_fast() {
    const std::uint64_t r = next();
    const std::uint32_t s = static_cast<std::uint32_t>(r & 0xFFFF) + static_cast<std::uint32_t>((r >> 16) & 0xFFFF) +
                            static_cast<std::uint32_t>((r >> 32) & 0xFFFF) + static_cast<std::uint32_t>(r >> 48);
    return (static_cast<float>(s) * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;  // variance 4/12 -> 1
  }
  double normal() {  // Box–Muller, for the few per-sample parameters
    const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

double round_to(double v, double scale) { return std::round(v * scale) / scale; }

void make_sample(std::uint64_t seed, std::int64_t index, float* image, double* mags, float* z_out) {
  Rng rng{seed * 0x2545F4914F6CDD1Dull ^
          (static_cast<std::uint64_t>(index) * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull)};
  rng.next();
  const double z = 0.01 + 0.59 * std::pow(rng.uniform(), 1.7);
  const double r = std::clamp(16.0 + 7.0 * z + 0.8 * rng.normal(), 15.0, 21.0);
  const double g = r + 0.55 + 1.6 * z + 0.10 * rng.normal();
  const double u = g + 1.2 + 0.25 * rng.normal();
  const double i = r - (0.33 + 0.50 * z + 0.05 * rng.normal());
  const double zb = i - (0.24 + 0.08 * rng.normal());
  const double bands[kMagnitudes] = {u, g, r, i, zb};
  for (int b = 0; b < kMagnitudes; ++b) mags[b] = round_to(std::clamp(bands[b], 14.0, 24.0), 1000.0);
  *z_out = static_cast<float>(round_to(z, 100000.0));

  // One elliptical Gaussian profile shared by the bands, scaled by each band's flux.
  const double sigma = std::clamp(3.2 - 5.0 * z, 1.0, 4.0) * (0.8 + 0.4 * rng.uniform());
  const double q = 0.4 + 0.6 * rng.uniform();
  const double pa = 3.141592653589793 * rng.uniform();
  const double cx = 15.5 + 0.6 * rng.normal(), cy = 15.5 + 0.6 * rng.normal();
  const double c = std::cos(pa), s = std::sin(pa);
  const double norm = 1.0 / (2.0 * 3.141592653589793 * sigma * sigma * q);
  float profile[kImageSize * kImageSize];
  for (int y = 0; y < kImageSize; ++y) {
    for (int x = 0; x < kImageSize; ++x) {
      const double dx = x - cx, dy = y - cy;
      const double a = (c * dx + s * dy) / sigma, bb = (-s * dx + c * dy) / (sigma * q);
      profile[y * kImageSize + x] = static_cast<float>(norm * std::exp(-0.5 * (a * a + bb * bb)));
    }
  }
  for (int b = 0; b < kChannels; ++b) {
    const float flux = static_cast<float>(std::pow(10.0, -0.4 * (mags[b] - 22.5)) * (0.9 + 0.2 * rng.uniform()));
    float* band = image + b * kImageSize * kImageSize;
    for (int p = 0; p < kImageSize * kImageSize; ++p) {
      band[p] = std::max(0.0f, flux * profile[p] + 0.05f + 0.01f * rng.normal_fast());
    }
  }
}

}  // namespace

Partition synthesize_partition(std::int64_t samples, std::uint64_t seed, std::int64_t first_sample) {
  Partition p;
  synthesize_partition_into(p, samples, seed, first_sample);
  return p;
}

void synthesize_partition_into(Partition& p, std::int64_t samples, std::uint64_t seed, std::int64_t first_sample) {
  p.samples = samples;
  p.images.resize(static_cast<std::size_t>(samples * kImageElements));
  p.magnitudes.resize(static_cast<std::size_t>(samples * kMagnitudes));
  p.redshift.resize(static_cast<std::size_t>(samples));
  for (std::int64_t k = 0; k < samples; ++k) {
    make_sample(seed, first_sample + k, p.images.data() + k * kImageElements, p.magnitudes.data() + k * kMagnitudes,
                p.redshift.data() + k);
  }
}

// === Writing a data set ===

Result<SynthResult> write_synthetic_dataset(storage::ObjectStore& store, const SynthOptions& options) {
  auto plan = plan_dataset(options.partition_mb, options.total_mb);
  if (!plan.ok()) return plan.error();
  const std::string prefix = options.prefix.empty() ? std::to_string(options.partition_mb) + "MB/" : options.prefix;
  const std::size_t files = plan->samples.size();
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), files));
  std::vector<std::int64_t> firsts(files);
  for (std::size_t k = 1; k < files; ++k) firsts[k] = firsts[k - 1] + plan->samples[k - 1];

  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  SynthResult result;
  std::optional<Error> first_error;
  auto work = [&] {
    Partition part;  // reused across files: fresh memory costs a page fault per page
    std::string bytes;
    for (;;) {
      const std::size_t k = next.fetch_add(1);
      if (k >= files || failed.load()) return;
      const std::string stem = std::to_string(k + 1);
      synthesize_partition_into(part, plan->samples[k], options.seed, firsts[k]);
      serialize_partition_into(part, stem, bytes);
      const std::string key = prefix + stem + ".pt";
      auto st = store.put(options.bucket, key, bytes);
      std::lock_guard lock(mutex);
      if (!st.ok()) {
        failed = true;
        if (!first_error) first_error = st.error();
        return;
      }
      ++result.files;
      result.samples += plan->samples[k];
      result.bytes += bytes.size();
      if (options.on_file) options.on_file(key, bytes.size());
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (first_error) return *first_error;
  return result;
}

}  // namespace cosmicai::data
