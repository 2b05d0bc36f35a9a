#pragma once
/// Deterministic synthetic Cosmic AI data sets in the original partition layout.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "data/partition.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::data {

/// Samples per file of the original partitions: 1,278 at 25 MB, 2,556 at 50,
/// 3,834 at 75, 5,113 at 100; other sizes round(mb × 5113 / 100).
std::int64_t samples_per_partition(int partition_mb);

/// The files of a synthetic data set: ceil(total / partition) files; all but the
/// last hold samples_per_partition(partition_mb), the last holds the remainder
/// in proportion (round(per_file × remainder_mb / partition_mb), at least 1).
struct DatasetPlan {
  int partition_mb = 0;
  std::vector<std::int64_t> samples;  ///< per file, file k+1 is samples[k]
  /// Return the global index of file `k`'s first sample.
  std::int64_t first_sample(std::size_t k) const;
  std::int64_t total_samples() const;
};
/// Plan a data set; errors if a size is not positive.
Result<DatasetPlan> plan_dataset(int partition_mb, int total_mb);

/// Generate samples [first_sample, first_sample + samples) of the data set with
/// `seed`. Every sample depends only on (seed, its global index), so files can be
/// made in any order or in parallel and always come out the same. Values look
/// like SDSS galaxies: redshift in [0.01, 0.6], ugriz magnitudes about 15–22
/// (float64, 3 decimals), 5×32×32 images of an elliptical Gaussian blob whose
/// flux follows the magnitude, on a sky of 0.05 with noise. Thread-safe.
Partition synthesize_partition(std::int64_t samples, std::uint64_t seed, std::int64_t first_sample = 0);

/// Same, into `out` (its buffers' capacity reused).
void synthesize_partition_into(Partition& out, std::int64_t samples, std::uint64_t seed, std::int64_t first_sample = 0);

/// Settings of write_synthetic_dataset.
struct SynthOptions {
  std::string bucket = "cosmicai-data";
  std::string prefix;  ///< key prefix; empty means "<partition_mb>MB/"
  int partition_mb = 25;
  int total_mb = 1024;
  std::uint64_t seed = 2025;
  int threads = 0;  ///< 0: min(hardware threads, 4)
  /// Called after each file is stored (from worker threads, serialised): key, bytes.
  std::function<void(const std::string& key, std::uint64_t bytes)> on_file;
};

/// What write_synthetic_dataset wrote.
struct SynthResult {
  std::size_t files = 0;
  std::int64_t samples = 0;
  std::uint64_t bytes = 0;
};

/// Write `<prefix>1.pt … N.pt` into `store`/`bucket` (torch.save zip format,
/// root folder named after each file). Stops at the first failed put.
Result<SynthResult> write_synthetic_dataset(storage::ObjectStore& store, const SynthOptions& options);

}  // namespace cosmicai::data
