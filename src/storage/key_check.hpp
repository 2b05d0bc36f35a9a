#pragma once
/// Validation of bucket names and object keys shared by the backends.
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace cosmicai::storage {

/// Return an error unless `bucket` is a usable bucket name (non-empty, no '/', not "." or "..").
/// `store` is the store's URI, used in the message.
Status check_bucket(std::string_view store, std::string_view bucket);

/// Return an error unless `key` is a usable object key: non-empty, no NUL, no leading
/// or trailing '/', no empty, "." or ".." segment, and no segment starting with the
/// temporary-file prefix. Keys may contain '/'.
Status check_key(std::string_view store, std::string_view bucket, std::string_view key);

/// Prefix of the temporary files an atomic put writes next to the target (never listed).
inline constexpr std::string_view kTempPrefix = ".cosmicai-tmp-";

/// Return "STORE: bucket B: key K: " — the start of every per-object error message.
std::string object_where(std::string_view store, std::string_view bucket, std::string_view key);

}  // namespace cosmicai::storage
