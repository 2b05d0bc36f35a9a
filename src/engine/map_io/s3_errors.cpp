#include "engine/map_io/s3_errors.hpp"

namespace cosmicai::engine::map_io {

S3Failure classify_s3_error(const Error& error, const storage::ObjectStore& store, std::string_view bucket,
                            bool key_operation) {
  S3Failure f;
  f.detail = error.message;
  const bool says_no_bucket = error.message.find("NoSuchBucket") != std::string::npos;
  switch (error.code) {
    case ErrorCode::kNotFound: {
      bool bucket_missing = says_no_bucket || !key_operation;
      if (!bucket_missing && error.message.find("NoSuchKey") == std::string::npos) {
        storage::ListRequest probe;
        probe.max_keys = 1;
        auto listed = store.list_page(bucket, probe);
        bucket_missing = !listed && listed.error().code == ErrorCode::kNotFound;
      }
      if (bucket_missing) {
        f.code = "NoSuchBucket", f.status = 404, f.message = "The specified bucket does not exist";
      } else {
        f.code = "NoSuchKey", f.status = 404, f.message = "The specified key does not exist.";
      }
      break;
    }
    case ErrorCode::kPermission:
      f.code = "AccessDenied", f.status = 403, f.message = "Access Denied";
      break;
    case ErrorCode::kInvalidArgument:
      f.code = "InvalidArgument", f.status = 400, f.message = "Invalid Argument";
      break;
    case ErrorCode::kUnavailable:
      f.code = "ServiceUnavailable", f.status = 503, f.message = "Service is unable to handle request.";
      break;
    default:
      f.code = "InternalError", f.status = 500, f.message = "We encountered an internal error. Please try again.";
      break;
  }
  return f;
}

std::string where(std::string_view bucket, std::string_view key) {
  std::string out = "Bucket: " + std::string(bucket);
  if (!key.empty()) out += ", Key: " + std::string(key);
  return out;
}

}  // namespace cosmicai::engine::map_io
