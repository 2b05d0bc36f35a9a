// Fuzz target: the object stores' bucket and key checks. Input: one byte giving the bucket's
// length, then the bucket name, then the key. The checks never crash; a key they accept
// stays inside its bucket's folder in a file store (no path escapes), and both the file
// and the memory store accept exactly what the checks accept.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_util.hpp"
#include "storage/file_store.hpp"
#include "storage/key_check.hpp"
#include "storage/memory_store.hpp"

using namespace cosmicai;
namespace fs = std::filesystem;

namespace {
const fs::path& root() {
  static const fs::path dir = [] {
    std::string templ = (fs::temp_directory_path() / "cosmicai-fuzz-store-XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    return fs::path(templ);
  }();
  return dir;
}

[[noreturn]] void fail(const char* what, std::string_view bucket, std::string_view key) {
  std::fprintf(stderr, "%s (bucket %zu bytes, key %zu bytes)\n", what, bucket.size(), key.size());
  std::abort();
}

bool inside(const fs::path& base, const fs::path& p) {
  const auto b = base.lexically_normal().string();
  const auto q = p.lexically_normal().string();
  return q.size() > b.size() && q.compare(0, b.size(), b) == 0 && q[b.size()] == '/';
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto text = fuzz::as_view(data + 1, size - 1);
  const std::size_t bucket_len = std::min<std::size_t>(data[0], text.size());
  const auto bucket = text.substr(0, bucket_len);
  const auto key = text.substr(bucket_len);

  const bool bucket_ok = storage::check_bucket("fuzz://", bucket).ok();
  const bool key_ok = storage::check_key("fuzz://", bucket, key).ok();
  (void)storage::object_where("fuzz://", bucket, key);

  static storage::MemoryObjectStore memory;
  const auto mem_put = memory.put(bucket, key, "x");
  if (mem_put.ok() != (bucket_ok && key_ok)) fail("memory store and key checks disagree", bucket, key);
  if (mem_put.ok()) {
    auto got = memory.get(bucket, key);
    if (!got || *got != "x") fail("memory store lost an object", bucket, key);
    if (!memory.remove(bucket, key).ok()) fail("memory store cannot remove", bucket, key);
  }

  if (!bucket_ok || !key_ok) return 0;
  // Only checked names reach the file system (long names fail with ENAMETOOLONG, which is fine).
  static storage::FileObjectStore files(root());
  const auto local = files.local_path(bucket, key);
  if (local && !inside(root() / std::string(bucket), *local)) fail("key escapes its bucket", bucket, key);
  if (files.put(bucket, key, "x").ok()) {
    auto got = files.get(bucket, key);
    if (!got || *got != "x") fail("file store lost an object", bucket, key);
    (void)files.remove(bucket, key);
  }
  std::error_code ec;
  fs::remove_all(root() / std::string(bucket), ec);
  return 0;
}
