#pragma once
/// Reading the zip container of torch.save files (STORED entries only), from memory or a file.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cosmicai::data {

/// Random-access bytes: a memory buffer or an open file. Thread-safe for reads.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Return the total size in bytes.
  virtual std::uint64_t size() const = 0;
  /// Copy exactly `length` bytes at `offset` into `dst`; an error names the range.
  virtual Status read(std::uint64_t offset, std::size_t length, void* dst) const = 0;
  /// Read `length` bytes at `offset` into a string.
  Result<std::string> read_string(std::uint64_t offset, std::size_t length) const;
  /// Copy `length` bytes at `offset` into `dst`, calling `on_chunk` with each consecutive
  /// piece as soon as it is in `dst` (so a checksum reads it from cache). The default reads
  /// 256 KiB pieces with read(); a remote source streams the whole range in one request.
  virtual Status read_chunks(std::uint64_t offset, std::uint64_t length, char* dst,
                             const std::function<void(const char*, std::size_t)>& on_chunk) const;
};

/// A ByteSource over bytes the caller keeps alive.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  Status read(std::uint64_t offset, std::size_t length, void* dst) const override;

 private:
  std::string_view bytes_;
};

/// A ByteSource over a file read with pread(2). Owns the descriptor.
class FileSource final : public ByteSource {
 public:
  /// Open `path` for reading; errors name the path.
  static Result<std::unique_ptr<FileSource>> open(const std::string& path);
  ~FileSource() override;
  std::uint64_t size() const override { return size_; }
  Status read(std::uint64_t offset, std::size_t length, void* dst) const override;
  /// Return the file descriptor (valid while this object lives).
  int fd() const { return fd_; }

 private:
  FileSource(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::uint64_t size_;
};

/// One STORED entry of a zip archive.
struct ZipEntry {
  std::string name;
  std::uint64_t local_offset = 0;  ///< local file header
  std::uint64_t data_offset = 0;   ///< first payload byte (after the local header and its extra field)
  std::uint64_t size = 0;          ///< payload bytes
  std::uint32_t crc32 = 0;         ///< from the central directory
};

/// The central directory of an archive, local headers resolved.
struct ZipDirectory {
  std::vector<ZipEntry> entries;  ///< in central-directory order
  /// Return the entry called `name`, or nullptr.
  const ZipEntry* find(std::string_view name) const;
};

/// Read the end records (classic EOCD; zip64 records when the classic one holds
/// sentinels), the central directory and every local header. Rejects compressed
/// or encrypted entries and payloads outside the file. Error messages do not
/// name the file (the caller prefixes it); they are kCorrupt.
Result<ZipDirectory> read_zip_directory(const ByteSource& source);

/// Copy `entry`'s payload into `dst` (entry.size bytes) in chunks, checking its
/// CRC-32 on the way when `verify` is set.
Status read_zip_entry(const ByteSource& source, const ZipEntry& entry, void* dst, bool verify);

}  // namespace cosmicai::data
