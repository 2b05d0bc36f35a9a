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
  /// samples × 5, float64 (the model casts to float32). Files may store any floating type;
  /// other types are widened exactly, so the model sees what the original's `.float()` gives.
  std::vector<double> magnitudes;
  /// samples, float32. Files may store any numeric type, converted as `.float()` converts it.
  std::vector<float> redshift;
};

/// How to read a partition.
struct ReadOptions {
  /// Check the CRC-32 of every zip record (torch.load does not; this catches bit rot).
  bool verify_crc = true;
  /// Also accept a plain tuple `(images, magnitudes, redshift)` or a dict with
  /// exactly those keys instead of a TensorDataset. Off by default: a CAI
  /// partition is a TensorDataset (FORMAT.md's validity checks, and
  /// corrupt/CASES.json requires dict_not_dataset.pt to be rejected); turn it on
  /// for data sets saved by other tools (issue 4's "tuple/dict layouts").
  bool allow_plain_layouts = false;
  /// read_partition_file(_into) only: map the file and parse the mapping instead of
  /// reading it with pread(2) straight into the tensors. Reading is the default
  /// because it measured faster (bench_reader): mapped pages cost a fault on
  /// first touch, and pread copies once either way.
  bool use_mmap = false;
  /// read_partition_file(_into) only: the name errors give the partition
  /// (e.g. "cosmicai-data/100MB/7.pt"); empty = the file's path.
  std::string display_name;
};

/// Parse partition bytes (zip or legacy torch.save format). `name` is used in
/// errors, e.g. "partition 100MB/7.pt: images tensor has shape [64,3,32,32], expected [N,5,32,32]".
/// Checks CRC-32 of every zip record, dtypes, shapes and equal sample counts.
Result<Partition> parse_partition(std::string_view bytes, std::string_view name);

/// Same, with options.
Result<Partition> parse_partition(std::string_view bytes, std::string_view name, const ReadOptions& options);

/// Read and parse a partition file from the local filesystem. Tensor records are
/// read directly into the Partition's buffers (or copied from a mapping with
/// `use_mmap`), one copy, CRC checked on the way. Errors name the path.
Result<Partition> read_partition_file(const std::string& path);
/// Same, with options.
Result<Partition> read_partition_file(const std::string& path, const ReadOptions& options);

/// Read a partition file into `out`, reusing its vectors' capacity: the fast path
/// for a worker that reads many partitions (fresh buffers cost a page fault per
/// page on first touch). On error `out` holds unspecified data.
Status read_partition_file_into(const std::string& path, Partition& out, const ReadOptions& options = {});
/// Read a partition from any ByteSource into `out` (tensor records straight into its vectors).
/// `name` is used in errors.
class ByteSource;
Status read_partition_source_into(const ByteSource& source, std::string_view name, Partition& out,
                                  const ReadOptions& options = {});
/// Parse bytes into `out`, reusing its vectors' capacity.
Status parse_partition_into(std::string_view bytes, std::string_view name, Partition& out,
                            const ReadOptions& options = {});

/// Shape and dtype of one tensor as stored.
struct TensorInfo {
  std::string name;   ///< images, magnitudes or redshift
  std::string dtype;  ///< e.g. float32
  std::vector<std::int64_t> shape;
};
/// What a partition file holds, from its directory and pickle only (no tensor data read).
struct PartitionInfo {
  std::string format;       ///< "zip" or "legacy"
  std::string layout;       ///< "TensorDataset", "tuple" or "dict"
  std::uint64_t bytes = 0;  ///< file size
  std::vector<TensorInfo> tensors;
};
/// Describe a partition file without reading its tensor data (validated like a read,
/// CRCs of the tensor records not checked).
Result<PartitionInfo> describe_partition_file(const std::string& path, const ReadOptions& options = {});

/// Serialise a partition exactly as PyTorch 1.13's `torch.save` writes a
/// TensorDataset in the zip format (readable by `torch.load`). `root` is the
/// archive's top folder name (torch uses the file name without ".pt").
/// Partitions must be smaller than 4 GiB (no zip64 extra fields are written).
std::string serialize_partition(const Partition& partition, std::string_view root);

/// Same, into `out` (resized to fit, its capacity reused: cheaper when writing many files).
void serialize_partition_into(const Partition& partition, std::string_view root, std::string& out);

/// Return the exact size serialize_partition gives for `samples` samples and this root.
std::uint64_t serialized_partition_size(std::int64_t samples, std::string_view root);

}  // namespace cosmicai::data
