#include "storage/object_store.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "storage/file_store.hpp"
#include "storage/memory_store.hpp"
#include "storage/s3/s3_store.hpp"

namespace cosmicai::storage {

// === Listing ===

Result<std::vector<ObjectInfo>> ObjectStore::list_all(std::string_view bucket, std::string_view prefix,
                                                      KeyOrder order) const {
  std::vector<ObjectInfo> all;
  ListRequest request;
  request.prefix = std::string(prefix);
  for (;;) {
    auto page = list_page(bucket, request);
    if (!page.ok()) return page.error();
    for (auto& o : page->objects) all.push_back(std::move(o));
    if (page->next_token.empty()) break;
    if (page->next_token == request.continuation_token) {
      return make_error(ErrorCode::kInternal, uri() + ": bucket " + std::string(bucket) +
                                                  ": listing did not advance past token '" + page->next_token + "'");
    }
    request.continuation_token = page->next_token;
  }
  if (order == KeyOrder::kNumeric) {
    std::stable_sort(all.begin(), all.end(),
                     [](const ObjectInfo& a, const ObjectInfo& b) { return numeric_key_less(a.key, b.key); });
  }
  return all;
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::string md5_etag(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out + "\"";
}

bool numeric_key_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t i_end = i, j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      std::size_t i_sig = i, j_sig = j;  // skip leading zeros
      while (i_sig + 1 < i_end && a[i_sig] == '0') ++i_sig;
      while (j_sig + 1 < j_end && b[j_sig] == '0') ++j_sig;
      const std::size_t i_len = i_end - i_sig, j_len = j_end - j_sig;
      if (i_len != j_len) return i_len < j_len;
      const int c = a.substr(i_sig, i_len).compare(b.substr(j_sig, j_len));
      if (c != 0) return c < 0;
      i = i_end;
      j = j_end;
      continue;
    }
    const auto ca = static_cast<unsigned char>(a[i]), cb = static_cast<unsigned char>(b[j]);
    if (ca != cb) return ca < cb;
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  // Numerically equal ("a01" vs "a1"): fall back to byte order so the order stays strict.
  return a < b;
}

// === Defaults of the optional members ===

Result<ObjectInfo> ObjectStore::stat(std::string_view bucket, std::string_view key) const {
  auto bytes = get(bucket, key);
  if (!bytes) return bytes.error();
  return ObjectInfo{std::string(key), bytes->size(), {}, 0};
}

Status ObjectStore::read_range_into(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                    std::uint64_t length, char* dst,
                                    const std::function<void(const char*, std::size_t)>& on_chunk) const {
  auto bytes = get_range(bucket, key, offset, length);
  if (!bytes) return bytes.error();
  if (bytes->size() != length) {
    return make_error(ErrorCode::kCorrupt, uri() + ": bucket " + std::string(bucket) + ": key " + std::string(key) +
                                               ": " + std::to_string(length) + " bytes wanted at offset " +
                                               std::to_string(offset) + ", the object has only " +
                                               std::to_string(bytes->size()) + " there");
  }
  std::memcpy(dst, bytes->data(), bytes->size());
  if (on_chunk && length) on_chunk(dst, length);
  return {};
}

Result<std::uint64_t> ObjectStore::read_head(std::string_view bucket, std::string_view key, std::uint64_t length,
                                             char* dst) const {
  auto info = stat(bucket, key);
  if (!info) return info.error();
  const std::uint64_t n = std::min(length, info->size);
  if (auto st = read_range_into(bucket, key, 0, n, dst); !st) return st.error();
  return info->size;
}

Status ObjectStore::remove_many(std::string_view bucket, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (auto st = remove(bucket, k); !st) return st;
  }
  return {};
}

// === Opening ===

Result<std::shared_ptr<ObjectStore>> open_object_store(std::string_view uri) {
  return open_object_store(uri, StoreOptions{});
}

Result<std::shared_ptr<ObjectStore>> open_object_store(std::string_view uri, const StoreOptions& options) {
  if (uri.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "object store URI is empty (use file:///ROOT, a directory or mem://)");
  }
  const auto sep = uri.find("://");
  if (sep == std::string_view::npos) {
    return open_file_store(std::string(uri));  // a plain directory path
  }
  std::string scheme(uri.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::string_view rest = uri.substr(sep + 3);
  if (scheme == "file") {
    std::string_view path = rest;
    if (path.substr(0, 9) == "localhost") path.remove_prefix(9);
    if (path.empty() || path.front() != '/') {
      return make_error(ErrorCode::kInvalidArgument,
                        "object store URI '" + std::string(uri) +
                            "': a file URI needs an absolute path (file:///abs/root); pass a plain directory "
                            "path for a relative root");
    }
    return open_file_store(std::string(path));
  }
  if (scheme == "mem") return open_memory_store(std::string(rest));
  if (scheme == "s3") {
    auto settings = s3::settings_from_environment(options.env ? options.env : s3::process_environment(),
                                                  options.s3_endpoint);
    if (!settings) {
      return make_error(settings.error().code, "object store URI '" + std::string(uri) + "': " + settings.error().message);
    }
    return s3::open_s3_store(uri, std::move(*settings));
  }
  return make_error(ErrorCode::kInvalidArgument, "object store URI '" + std::string(uri) + "': unsupported scheme '" +
                                                     scheme +
                                                     "' (supported: file://, mem://, s3://, or a plain directory path)");
}

}  // namespace cosmicai::storage
