#include "storage/file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <system_error>

#include "storage/key_check.hpp"

namespace cosmicai::storage {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::strerror(err); }

/// Closes a file descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

/// Read exactly `length` bytes at `offset` (fewer only at end of file); returns bytes read or -errno.
long long pread_full(int fd, char* dst, std::uint64_t length, std::uint64_t offset) {
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, dst + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;
    done += static_cast<std::uint64_t>(n);
  }
  return static_cast<long long>(done);
}

std::string unique_suffix() {
  static std::atomic<std::uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
         std::to_string(rng() % 1000000007);
}

/// A quoted 32-hex-digit validator from size, modification time and inode (FNV-1a, twice), shaped like
/// S3's ETag; it changes whenever the file is rewritten (puts rename a new inode into place).
std::string weak_etag(std::uint64_t size, std::int64_t sec, std::int64_t nsec, std::uint64_t inode) {
  auto fnv = [](std::uint64_t h, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ULL;
    }
    return h;
  };
  std::uint64_t a = 14695981039346656037ULL, b = 1469598103934665603ULL;
  for (std::uint64_t v : {size, static_cast<std::uint64_t>(sec), static_cast<std::uint64_t>(nsec), inode}) {
    a = fnv(a, v);
    b = fnv(b, v ^ 0x9e3779b97f4a7c15ULL);
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "\"%016llx%016llx\"", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

}  // namespace

FileObjectStore::FileObjectStore(fs::path root) : root_(std::move(root)) {}

Result<fs::path> FileObjectStore::object_path(std::string_view bucket, std::string_view key) const {
  if (auto st = check_bucket(uri(), bucket); !st.ok()) return st.error();
  if (auto st = check_key(uri(), bucket, key); !st.ok()) return st.error();
  return root_ / fs::path(std::string(bucket)) / fs::path(std::string(key));
}

std::optional<std::string> FileObjectStore::local_path(std::string_view bucket, std::string_view key) const {
  auto p = object_path(bucket, key);
  if (!p.ok()) return std::nullopt;
  return p->string();
}

// === Listing ===

Result<ListPage> FileObjectStore::list_page(std::string_view bucket, const ListRequest& request) const {
  if (auto st = check_bucket(uri(), bucket); !st.ok()) return st.error();
  const std::size_t max_keys = std::min<std::size_t>(request.max_keys, 1000);
  ListPage page;
  const fs::path bucket_dir = root_ / fs::path(std::string(bucket));
  std::error_code ec;
  if (!fs::is_directory(bucket_dir, ec)) {
    return make_error(ErrorCode::kNotFound, uri() + ": bucket " + std::string(bucket) + ": not found (no directory " +
                                                bucket_dir.string() + ")");
  }
  if (max_keys == 0) return page;
  // Walk only the deepest directory the prefix names ("100MB/" -> bucket/100MB).
  fs::path start = bucket_dir;
  std::string dir_part;
  if (const auto slash = request.prefix.rfind('/'); slash != std::string::npos) {
    dir_part = request.prefix.substr(0, slash);
    start = bucket_dir / fs::path(dir_part);
    if (!fs::is_directory(start, ec)) return page;
  }
  std::vector<ObjectInfo> found;
  const std::string base = dir_part.empty() ? std::string() : dir_part + "/";
  // Symlinked folders are followed (a bucket may link to shared data); depth is capped against link cycles.
  constexpr int kMaxDepth = 32;
  fs::recursive_directory_iterator it(
      start, fs::directory_options::skip_permission_denied | fs::directory_options::follow_directory_symlink, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, uri() + ": bucket " + std::string(bucket) + ": cannot list " + start.string() +
                                          ": " + ec.message());
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return make_error(ErrorCode::kIo, uri() + ": bucket " + std::string(bucket) + ": listing failed under " +
                                            start.string() + ": " + ec.message());
    }
    const std::string name = it->path().filename().string();
    if (name.rfind(kTempPrefix, 0) == 0) {  // an atomic put in progress
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it.depth() >= kMaxDepth) it.disable_recursion_pending();
    if (!it->is_regular_file(ec)) continue;
    std::string key = base + it->path().lexically_relative(start).generic_string();
    if (key.compare(0, request.prefix.size(), request.prefix) != 0) continue;
    if (!request.continuation_token.empty() && key <= request.continuation_token) continue;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;  // removed while listing
    ObjectInfo info{std::move(key), static_cast<std::uint64_t>(st.st_size), {}, 0};
    info.last_modified = static_cast<std::int64_t>(st.st_mtim.tv_sec);
    info.etag = weak_etag(info.size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_ino);
    found.push_back(std::move(info));
  }
  std::sort(found.begin(), found.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  if (found.size() > max_keys) {
    found.resize(max_keys);
    page.next_token = found.back().key;
  }
  page.objects = std::move(found);
  return page;
}

// === Reads ===

Result<std::string> FileObjectStore::get(std::string_view bucket, std::string_view key) const {
  return get_range(bucket, key, 0, UINT64_MAX);
}

Result<std::string> FileObjectStore::get_range(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                               std::uint64_t length) const {
  auto path = object_path(bucket, key);
  if (!path.ok()) return path.error();
  Fd f{::open(path->c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = f.fd < 0 ? errno : (S_ISREG(st.st_mode) ? errno : EISDIR);
    if (err == ENOENT || err == ENOTDIR || err == EISDIR) {
      return make_error(ErrorCode::kNotFound, object_where(uri(), bucket, key) + "not found");
    }
    return make_error(err == EACCES ? ErrorCode::kPermission : ErrorCode::kIo,
                      object_where(uri(), bucket, key) + "cannot open " + path->string() + ": " + errno_text(err));
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset > size) {
    return make_error(ErrorCode::kInvalidArgument, object_where(uri(), bucket, key) + "range start " +
                                                       std::to_string(offset) + " is beyond the object size " +
                                                       std::to_string(size));
  }
  const std::uint64_t want = std::min(length, size - offset);
  std::string out(want, '\0');
  const long long n = pread_full(f.fd, out.data(), want, offset);
  if (n < 0) {
    return make_error(ErrorCode::kIo,
                      object_where(uri(), bucket, key) + "read failed: " + errno_text(static_cast<int>(-n)));
  }
  out.resize(static_cast<std::size_t>(n));  // the file shrank meanwhile: return what is there
  return out;
}

Result<bool> FileObjectStore::exists(std::string_view bucket, std::string_view key) const {
  auto path = object_path(bucket, key);
  if (!path.ok()) return path.error();
  struct stat st {};
  if (::stat(path->c_str(), &st) == 0) return S_ISREG(st.st_mode);
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return make_error(ErrorCode::kIo, object_where(uri(), bucket, key) + "stat failed: " + errno_text(errno));
}

// === Writes ===

Status FileObjectStore::put(std::string_view bucket, std::string_view key, std::string_view data) {
  auto path = object_path(bucket, key);
  if (!path.ok()) return path.error();
  const fs::path dir = path->parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, object_where(uri(), bucket, key) + "cannot create directory " + dir.string() +
                                          ": " + ec.message());
  }
  const fs::path tmp = dir / (std::string(kTempPrefix) + path->filename().string() + "-" + unique_suffix());
  {
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (f.fd < 0) {
      return make_error(errno == EACCES ? ErrorCode::kPermission : ErrorCode::kIo,
                        object_where(uri(), bucket, key) + "cannot create " + tmp.string() + ": " + errno_text(errno));
    }
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(f.fd, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::unlink(tmp.c_str());
        return make_error(ErrorCode::kIo, object_where(uri(), bucket, key) + "write failed: " + errno_text(err));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::close(f.fd) != 0) {
      const int err = errno;
      f.fd = -1;
      ::unlink(tmp.c_str());
      return make_error(ErrorCode::kIo, object_where(uri(), bucket, key) + "close failed: " + errno_text(err));
    }
    f.fd = -1;
  }
  if (::rename(tmp.c_str(), path->c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kIo,
                      object_where(uri(), bucket, key) + "cannot rename into place: " + errno_text(err));
  }
  return {};
}

Status FileObjectStore::remove(std::string_view bucket, std::string_view key) {
  auto path = object_path(bucket, key);
  if (!path.ok()) return path.error();
  if (::unlink(path->c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    return make_error(ErrorCode::kIo, object_where(uri(), bucket, key) + "delete failed: " + errno_text(errno));
  }
  return {};
}

Result<std::shared_ptr<ObjectStore>> open_file_store(const std::string& path) {
  if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "file object store: root path is empty");
  std::error_code ec;
  fs::path root = fs::absolute(fs::path(path), ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "file object store '" + path + "': " + ec.message());
  root = root.lexically_normal();
  if (root.has_filename() == false && root != root.root_path()) root = root.parent_path();  // drop trailing '/'
  if (fs::exists(root, ec) && !fs::is_directory(root, ec)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "file object store '" + path + "': " + root.string() + " exists and is not a directory");
  }
  return std::shared_ptr<ObjectStore>(std::make_shared<FileObjectStore>(std::move(root)));
}

}  // namespace cosmicai::storage
