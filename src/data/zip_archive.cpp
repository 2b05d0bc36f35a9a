#include "data/zip_archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "data/crc32.hpp"

namespace cosmicai::data {

// === Byte sources ===

Result<std::string> ByteSource::read_string(std::uint64_t offset, std::size_t length) const {
  std::string out(length, '\0');
  auto st = read(offset, length, out.data());
  if (!st.ok()) return st.error();
  return out;
}

Status ByteSource::read_chunks(std::uint64_t offset, std::uint64_t length, char* dst,
                               const std::function<void(const char*, std::size_t)>& on_chunk) const {
  // Chunks small enough that the checksum reads them from cache right after the copy.
  constexpr std::size_t kChunk = 256 * 1024;
  for (std::uint64_t done = 0; done < length;) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, length - done));
    if (auto st = read(offset + done, n, dst + done); !st.ok()) return st;
    if (on_chunk) on_chunk(dst + done, n);
    done += n;
  }
  return {};
}

static Error range_error(std::uint64_t offset, std::size_t length, std::uint64_t size) {
  return make_error(ErrorCode::kCorrupt, "unexpected end of file: wanted " + std::to_string(length) +
                                             " bytes at offset " + std::to_string(offset) + ", file has " +
                                             std::to_string(size) + " bytes");
}

Status MemorySource::read(std::uint64_t offset, std::size_t length, void* dst) const {
  if (offset > bytes_.size() || length > bytes_.size() - offset) return range_error(offset, length, bytes_.size());
  if (length) std::memcpy(dst, bytes_.data() + offset, length);
  return {};
}

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? ErrorCode::kNotFound : (err == EACCES ? ErrorCode::kPermission : ErrorCode::kIo),
                      "cannot open: " + std::string(std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kInvalidArgument, "not a regular file");
  }
  return std::unique_ptr<FileSource>(new FileSource(fd, static_cast<std::uint64_t>(st.st_size)));
}

FileSource::~FileSource() { ::close(fd_); }

Status FileSource::read(std::uint64_t offset, std::size_t length, void* dst) const {
  if (offset > size_ || length > size_ - offset) return range_error(offset, length, size_);
  auto* p = static_cast<char*>(dst);
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd_, p + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorCode::kIo,
                        "read failed at offset " + std::to_string(offset + done) + ": " + std::strerror(errno));
    }
    if (n == 0) return range_error(offset, length, offset + done);  // shrank under us
    done += static_cast<std::size_t>(n);
  }
  return {};
}

// === Zip directory ===

namespace {

std::uint16_t u16(const char* p) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) | (static_cast<unsigned char>(p[1]) << 8));
}
std::uint32_t u32(const char* p) { return u16(p) | (static_cast<std::uint32_t>(u16(p + 2)) << 16); }
std::uint64_t u64(const char* p) { return u32(p) | (static_cast<std::uint64_t>(u32(p + 4)) << 32); }

Error corrupt(const std::string& what) { return make_error(ErrorCode::kCorrupt, what); }

constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kCdEntrySize = 46;
constexpr std::size_t kLocalHeaderSize = 30;

}  // namespace

const ZipEntry* ZipDirectory::find(std::string_view name) const {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Result<ZipDirectory> read_zip_directory(const ByteSource& source) {
  const std::uint64_t size = source.size();
  if (size < kEocdSize) return corrupt("zip archive too short (" + std::to_string(size) + " bytes)");
  // 1. End of central directory: the last 22 bytes unless a comment follows it.
  const std::size_t tail_len = static_cast<std::size_t>(std::min<std::uint64_t>(size, kEocdSize + 0xFFFF));
  auto tail = source.read_string(size - tail_len, tail_len);
  if (!tail.ok()) return tail.error();
  std::size_t eocd = std::string::npos;
  for (std::size_t i = tail_len - kEocdSize + 1; i-- > 0;) {
    if (std::memcmp(tail->data() + i, "PK\x05\x06", 4) == 0 && u16(tail->data() + i + 20) == tail_len - i - kEocdSize) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) {
    return corrupt("zip end-of-central-directory record not found: the file is truncated or not a zip archive (" +
                   std::to_string(size) + " bytes)");
  }
  const char* e = tail->data() + eocd;
  const std::uint64_t eocd_pos = size - tail_len + eocd;
  std::uint64_t entries = u16(e + 10), cd_size = u32(e + 12), cd_offset = u32(e + 16);
  std::uint64_t cd_limit = eocd_pos;
  if (entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    // 2. zip64: the locator sits just before the EOCD and points at the zip64 record.
    if (eocd_pos < 20) return corrupt("zip64 end-of-central-directory locator missing");
    auto loc = source.read_string(eocd_pos - 20, 20);
    if (!loc.ok()) return loc.error();
    if (std::memcmp(loc->data(), "PK\x06\x07", 4) != 0)
      return corrupt("zip64 end-of-central-directory locator missing");
    const std::uint64_t rec_pos = u64(loc->data() + 8);
    auto rec = source.read_string(rec_pos, 56);
    if (!rec.ok() || std::memcmp(rec->data(), "PK\x06\x06", 4) != 0) {
      return corrupt("zip64 end-of-central-directory record not found at offset " + std::to_string(rec_pos));
    }
    entries = u64(rec->data() + 32);
    cd_size = u64(rec->data() + 40);
    cd_offset = u64(rec->data() + 48);
    cd_limit = rec_pos;
  } else if (eocd_pos >= 76) {
    // Zip64 records before a classic EOCD are tolerated; the CD must end before them.
    auto loc = source.read_string(eocd_pos - 20, 20);
    if (loc.ok() && std::memcmp(loc->data(), "PK\x06\x07", 4) == 0 && u64(loc->data() + 8) < eocd_pos) {
      cd_limit = u64(loc->data() + 8);
    }
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset) {
    return corrupt("zip central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
                   " bytes) lies outside the file");
  }
  // 3. Central directory entries.
  auto cd = source.read_string(cd_offset, static_cast<std::size_t>(cd_size));
  if (!cd.ok()) return cd.error();
  ZipDirectory dir;
  std::set<std::string, std::less<>> names;
  std::size_t p = 0;
  for (std::uint64_t k = 0; k < entries; ++k) {
    if (p + kCdEntrySize > cd->size() || std::memcmp(cd->data() + p, "PK\x01\x02", 4) != 0) {
      return corrupt("zip central directory entry " + std::to_string(k) + " of " + std::to_string(entries) +
                     " is missing or damaged");
    }
    const char* c = cd->data() + p;
    const std::uint16_t flags = u16(c + 8), method = u16(c + 10);
    const std::size_t name_len = u16(c + 28), extra_len = u16(c + 30), comment_len = u16(c + 32);
    if (p + kCdEntrySize + name_len + extra_len + comment_len > cd->size()) {
      return corrupt("zip central directory entry " + std::to_string(k) + " runs past the directory");
    }
    ZipEntry entry;
    entry.name.assign(c + kCdEntrySize, name_len);
    entry.crc32 = u32(c + 16);
    std::uint64_t csize = u32(c + 20), usize = u32(c + 24), local = u32(c + 42);
    // zip64 extended information extra field (id 0x0001).
    const char* x = c + kCdEntrySize + name_len;
    for (std::size_t q = 0; q + 4 <= extra_len;) {
      const std::uint16_t id = u16(x + q), len = u16(x + q + 2);
      if (q + 4 + len > extra_len) break;
      if (id == 0x0001) {
        std::size_t r = q + 4;
        auto take = [&](std::uint64_t& v) {
          if (v == 0xFFFFFFFF && r + 8 <= q + 4 + len) {
            v = u64(x + r);
            r += 8;
          }
        };
        take(usize);
        take(csize);
        take(local);
      }
      q += 4 + len;
    }
    if (flags & 0x1) return corrupt("zip record " + entry.name + " is encrypted");
    if (method != 0) {
      return corrupt("zip record " + entry.name + " uses compression method " + std::to_string(method) +
                     "; only STORED (0) is supported, as torch.save writes");
    }
    if (csize != usize) return corrupt("zip record " + entry.name + ": stored size differs from its size");
    entry.size = usize;
    entry.local_offset = local;
    if (!names.insert(entry.name).second) return corrupt("zip record " + entry.name + " appears twice");
    dir.entries.push_back(std::move(entry));
    p += kCdEntrySize + name_len + extra_len + comment_len;
  }
  // 4. Local headers: the payload follows the header, its name and its (alignment) extra field.
  for (auto& entry : dir.entries) {
    auto lh = source.read_string(entry.local_offset, kLocalHeaderSize);
    if (!lh.ok() || std::memcmp(lh->data(), "PK\x03\x04", 4) != 0) {
      return corrupt("zip record " + entry.name + ": no local file header at offset " +
                     std::to_string(entry.local_offset));
    }
    const std::size_t name_len = u16(lh->data() + 26), extra_len = u16(lh->data() + 28);
    if (name_len != entry.name.size()) {
      return corrupt("zip record " + entry.name + ": local header names a different record");
    }
    entry.data_offset = entry.local_offset + kLocalHeaderSize + name_len + extra_len;
    if (entry.data_offset > cd_offset || entry.size > cd_offset - entry.data_offset) {
      return corrupt("zip record " + entry.name + ": payload (offset " + std::to_string(entry.data_offset) + ", " +
                     std::to_string(entry.size) + " bytes) overlaps the central directory or runs past the file");
    }
  }
  return dir;
}

Status read_zip_entry(const ByteSource& source, const ZipEntry& entry, void* dst, bool verify) {
  std::uint32_t crc = 0;
  std::function<void(const char*, std::size_t)> on_chunk;
  if (verify) on_chunk = [&crc](const char* p, std::size_t n) { crc = crc32_update(crc, p, n); };
  auto st = source.read_chunks(entry.data_offset, entry.size, static_cast<char*>(dst), on_chunk);
  if (!st.ok()) return make_error(st.error().code, "zip record " + entry.name + ": " + st.error().message);
  if (verify && crc != entry.crc32) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "CRC-32 mismatch (stored 0x%08x, computed 0x%08x)", entry.crc32, crc);
    return corrupt("zip record " + entry.name + ": " + buf + ": the data is damaged");
  }
  return {};
}

}  // namespace cosmicai::data
