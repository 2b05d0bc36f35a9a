#pragma once
/// A Cosmic AI partition: the tensors of one `torch.save(TensorDataset(...))` file.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cosmicai::data {

inline constexpr int kChannels = 5;
inline constexpr int kImageSize = 32;
inline constexpr std::int64_t kImageElements = kChannels * kImageSize * kImageSize;  // 5120 per sample
inline constexpr int kMagnitudes = 5;

/// The three tensors of a partition, C-contiguous, host byte order.
struct Partition {
  std::int64_t samples = 0;
  std::vector<float> images;       ///< samples × 5 × 32 × 32, float32
  std::vector<double> magnitudes;  ///< samples × 5, float64 as stored (the model casts to float32)
  std::vector<float> redshift;     ///< samples, float32
};

/// Parse partition bytes (zip or legacy torch.save format). `name` is used in
/// errors, e.g. "partition 100MB/7.pt: images tensor has shape [64,3,32,32], expected [N,5,32,32]".
/// Checks CRC-32 of every zip record, dtypes, shapes and equal sample counts.
Result<Partition> parse_partition(std::string_view bytes, std::string_view name);

/// Read and parse a partition file from the local filesystem (memory-mapped).
Result<Partition> read_partition_file(const std::string& path);

/// Serialise a partition exactly as PyTorch 1.13's `torch.save` writes a
/// TensorDataset in the zip format (readable by `torch.load`). `root` is the
/// archive's top folder name (torch uses the file name without ".pt").
std::string serialize_partition(const Partition& partition, std::string_view root);

}  // namespace cosmicai::data
