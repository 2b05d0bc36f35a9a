#pragma once
/// Partitions read straight from an object store (S3): ranged requests into the tensors.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "data/partition.hpp"
#include "data/zip_archive.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::data {

/// A ByteSource over one object of a store. Small reads (zip end records, the central
/// directory, local headers, the pickle, records up to 256 KiB) are served from 256 KiB blocks
/// fetched once; large reads (tensor records) are one ranged request each, streamed into the
/// destination.
class StoreSource final : public ByteSource {
 public:
  /// Look the object up (HeadObject); errors name the store, bucket and key.
  static Result<std::unique_ptr<StoreSource>> open(const storage::ObjectStore& store, std::string bucket,
                                                   std::string key);
  std::uint64_t size() const override { return size_; }
  Status read(std::uint64_t offset, std::size_t length, void* dst) const override;
  Status read_chunks(std::uint64_t offset, std::uint64_t length, char* dst,
                     const std::function<void(const char*, std::size_t)>& on_chunk) const override;
  /// Ranged requests made so far (for tests and benchmarks).
  std::size_t requests() const;

 private:
  StoreSource(const storage::ObjectStore& store, std::string bucket, std::string key, std::uint64_t size)
      : store_(store), bucket_(std::move(bucket)), key_(std::move(key)), size_(size) {}
  Status check_range(std::uint64_t offset, std::uint64_t length) const;

  const storage::ObjectStore& store_;
  std::string bucket_, key_;
  std::uint64_t size_;
  mutable std::mutex mutex_;
  mutable std::map<std::uint64_t, std::string> blocks_;  ///< block index -> bytes
  mutable std::size_t requests_ = 0;
};

/// Read a partition object into `out` (reusing its buffers): tensor bytes go from the
/// network straight into out's vectors, CRC-32 checked as they arrive. `name` as in errors.
Status read_partition_from_store_into(const storage::ObjectStore& store, const std::string& bucket,
                                      const std::string& key, Partition& out, const ReadOptions& options = {});

}  // namespace cosmicai::data
