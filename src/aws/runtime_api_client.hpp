#pragma once
/// Client of the AWS Lambda Runtime API (2018-06-01) over libcurl: the calls a custom runtime makes.
#include <cstdint>
#include <memory>
#include <string>

#include "common/json.hpp"
#include "common/result.hpp"

namespace cosmicai::aws {

/// One event handed out by `GET /runtime/invocation/next`.
struct Invocation {
  std::string request_id;        ///< Lambda-Runtime-Aws-Request-Id
  std::int64_t deadline_ms = 0;  ///< Lambda-Runtime-Deadline-Ms (Unix epoch ms; 0 if absent)
  std::string function_arn;      ///< Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;          ///< Lambda-Runtime-Trace-Id
  std::string body;              ///< the event, raw bytes
};

/// An error as the Runtime API takes it: the body {errorMessage, errorType, stackTrace} and the
/// Lambda-Runtime-Function-Error-Type header (= error_type).
struct ErrorReport {
  std::string error_type;
  std::string error_message;
  json stack_trace = json::array();
  /// Return the JSON body.
  json to_json() const;
};

/// What a POST got back.
struct PostReply {
  long status = 0;  ///< HTTP status (202 accepted, 400, 403, 413, 500)
  std::string body;
};

/// A Runtime API client bound to `host:port` (AWS_LAMBDA_RUNTIME_API). Owns one keep-alive curl
/// handle; not thread-safe (one per runtime loop).
class RuntimeApiClient {
 public:
  /// `endpoint` is "host:port" without a scheme, as Lambda sets AWS_LAMBDA_RUNTIME_API.
  explicit RuntimeApiClient(std::string endpoint);
  ~RuntimeApiClient();
  RuntimeApiClient(const RuntimeApiClient&) = delete;
  RuntimeApiClient& operator=(const RuntimeApiClient&) = delete;

  /// Block until the next event (no timeout, as the API requires). Errors (kUnavailable) name
  /// the endpoint and the transport failure or HTTP status.
  Result<Invocation> next();
  /// POST /runtime/invocation/{id}/response with `body` (JSON text).
  Result<PostReply> post_response(const std::string& request_id, const std::string& body);
  /// POST /runtime/invocation/{id}/error.
  Result<PostReply> post_error(const std::string& request_id, const ErrorReport& error);
  /// POST /runtime/init/error.
  Result<PostReply> post_init_error(const ErrorReport& error);

  const std::string& endpoint() const { return endpoint_; }

 private:
  Result<PostReply> post(const std::string& path, const std::string& body, const std::string& error_type);

  std::string endpoint_;
  std::string base_;  // http://host:port/2018-06-01
  void* curl_ = nullptr;
};

}  // namespace cosmicai::aws
