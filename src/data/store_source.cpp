#include "data/store_source.hpp"

#include <algorithm>
#include <cstring>

namespace cosmicai::data {

namespace {
// Blocks of 256 KiB: the pickle and the first local header share block 0; the magnitudes
// record (40 B a sample) and the redshift header and record after it mostly share one block;
// the central directory and end records share the last. A 100 MB partition then takes about six
// requests (block 0 with the size, two or three more blocks, the images record) instead of one per record.
constexpr std::uint64_t kBlock = 256 * 1024;
constexpr std::uint64_t kSmall = 256 * 1024;  // reads up to this size go through the block cache
}  // namespace

Result<std::unique_ptr<StoreSource>> StoreSource::open(const storage::ObjectStore& store, std::string bucket,
                                                       std::string key) {
  // One request: block 0 (magic, pickle, first local header) and the object's size.
  std::string block(kBlock, '\0');
  auto size = store.read_head(bucket, key, kBlock, block.data());
  if (!size) return size.error();
  block.resize(std::min<std::uint64_t>(kBlock, *size));
  std::unique_ptr<StoreSource> src(new StoreSource(store, std::move(bucket), std::move(key), *size));
  src->requests_ = 1;
  if (*size > 0) src->blocks_[0] = std::move(block);
  return src;
}

std::size_t StoreSource::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

Status StoreSource::check_range(std::uint64_t offset, std::uint64_t length) const {
  if (offset > size_ || length > size_ - offset) {
    return make_error(ErrorCode::kCorrupt, "unexpected end of file: wanted " + std::to_string(length) +
                                               " bytes at offset " + std::to_string(offset) + ", file has " +
                                               std::to_string(size_) + " bytes");
  }
  return {};
}

Status StoreSource::read(std::uint64_t offset, std::size_t length, void* dst) const {
  if (auto st = check_range(offset, length); !st) return st;
  if (length == 0) return {};
  if (length > kSmall) return read_chunks(offset, length, static_cast<char*>(dst), {});
  const std::uint64_t first = offset / kBlock, last = (offset + length - 1) / kBlock;
  std::lock_guard lock(mutex_);
  // Fetch the missing blocks of [first, last] in one request.
  std::uint64_t miss_begin = last + 1, miss_end = first;
  for (auto b = first; b <= last; ++b) {
    if (!blocks_.count(b)) {
      miss_begin = std::min(miss_begin, b);
      miss_end = std::max(miss_end, b);
    }
  }
  if (miss_begin <= miss_end) {
    const std::uint64_t from = miss_begin * kBlock;
    const std::uint64_t to = std::min(size_, (miss_end + 1) * kBlock);
    std::string bytes(to - from, '\0');
    ++requests_;
    if (auto st = store_.read_range_into(bucket_, key_, from, to - from, bytes.data()); !st) return st;
    for (auto b = miss_begin; b <= miss_end; ++b) {
      const std::uint64_t s = (b - miss_begin) * kBlock;
      blocks_[b] = bytes.substr(s, std::min<std::uint64_t>(kBlock, bytes.size() - s));
    }
  }
  auto* out = static_cast<char*>(dst);
  for (std::uint64_t pos = offset; pos < offset + length;) {
    const auto& block = blocks_.at(pos / kBlock);
    const std::uint64_t in = pos % kBlock;
    const std::uint64_t n = std::min<std::uint64_t>(block.size() - in, offset + length - pos);
    std::memcpy(out + (pos - offset), block.data() + in, n);
    pos += n;
  }
  return {};
}

Status StoreSource::read_chunks(std::uint64_t offset, std::uint64_t length, char* dst,
                                const std::function<void(const char*, std::size_t)>& on_chunk) const {
  if (auto st = check_range(offset, length); !st) return st;
  if (length <= kSmall) {  // small records (version, byteorder, data.pkl) come from the cache
    if (auto st = read(offset, static_cast<std::size_t>(length), dst); !st) return st;
    if (on_chunk && length) on_chunk(dst, static_cast<std::size_t>(length));
    return {};
  }
  {
    std::lock_guard lock(mutex_);
    ++requests_;
  }
  return store_.read_range_into(bucket_, key_, offset, length, dst, on_chunk);
}

Status read_partition_from_store_into(const storage::ObjectStore& store, const std::string& bucket,
                                      const std::string& key, Partition& out, const ReadOptions& options) {
  const std::string name = options.display_name.empty() ? bucket + "/" + key : options.display_name;
  auto src = StoreSource::open(store, bucket, key);
  if (!src) return make_error(src.error().code, "partition " + name + ": " + src.error().message);
  return read_partition_source_into(**src, name, out, options);
}

}  // namespace cosmicai::data
