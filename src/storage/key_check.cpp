#include "storage/key_check.hpp"

namespace cosmicai::storage {

std::string object_where(std::string_view store, std::string_view bucket, std::string_view key) {
  return std::string(store) + ": bucket " + std::string(bucket) + ": key " + std::string(key) + ": ";
}

Status check_bucket(std::string_view store, std::string_view bucket) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(store) + ": bucket '" + std::string(bucket) + "': invalid bucket name: " + why);
  };
  if (bucket.empty()) return bad("empty");
  if (bucket == "." || bucket == "..") return bad("'.' and '..' are not allowed");
  if (bucket.find('/') != std::string_view::npos) return bad("contains '/'");
  if (bucket.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  return {};
}

Status check_key(std::string_view store, std::string_view bucket, std::string_view key) {
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, std::string(store) + ": bucket " + std::string(bucket) + ": key '" +
                                                       std::string(key) + "': invalid key: " + why);
  };
  if (key.empty()) return bad("empty");
  if (key.find('\0') != std::string_view::npos) return bad("contains a NUL byte");
  if (key.front() == '/') return bad("starts with '/'");
  if (key.back() == '/') return bad("ends with '/'");
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view seg = key.substr(start, end - start);
    if (seg.empty()) return bad("contains an empty path segment ('//')");
    if (seg == "." || seg == "..") return bad("contains a '.' or '..' segment");
    if (seg.substr(0, kTempPrefix.size()) == kTempPrefix) {
      return bad("segments may not start with '" + std::string(kTempPrefix) + "' (reserved for atomic puts)");
    }
    start = end + 1;
  }
  return {};
}

}  // namespace cosmicai::storage
