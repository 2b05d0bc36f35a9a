#pragma once
/// Storage errors as S3 names them (NoSuchKey, NoSuchBucket, AccessDenied, …), for the S3
/// integrations' ASL errors.
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::engine::map_io {

/// A failed S3 call in S3's words.
struct S3Failure {
  std::string code;     ///< S3 error code: NoSuchKey, NoSuchBucket, AccessDenied, InvalidArgument, ServiceUnavailable,
                        ///< InternalError
  int status = 500;     ///< the HTTP status S3 answers with
  std::string message;  ///< S3's message ("The specified key does not exist.")
  std::string detail;   ///< the store's own message (names store, bucket and key)
};

/// Classify a storage error of an operation on `bucket` (and a key when `key_operation`). A missing
/// object whose bucket cannot be listed either is NoSuchBucket. Thread-safe.
S3Failure classify_s3_error(const Error& error, const storage::ObjectStore& store, std::string_view bucket,
                            bool key_operation);

/// Return "Bucket: B, Key: K" (key omitted when empty) for causes.
std::string where(std::string_view bucket, std::string_view key);

}  // namespace cosmicai::engine::map_io
