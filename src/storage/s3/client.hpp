#pragma once
/// A small S3 REST client on libcurl: signs every request (sigv4.hpp), reuses connections,
/// applies the one retry policy (settings.hpp) and streams bodies into caller buffers.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "storage/s3/settings.hpp"

namespace cosmicai::storage::s3 {

/// Called with each piece of a streamed body, right after it was written to the caller's buffer.
using ChunkFn = std::function<void(const char* data, std::size_t size)>;

/// One S3 REST call.
struct Call {
  std::string op;      ///< operation name for messages: "GetObject", "PutObject", ...
  std::string method;  ///< GET, PUT, POST, DELETE, HEAD
  std::string bucket;  ///< S3 bucket (empty = service-level call)
  std::string key;     ///< object key, not encoded (empty = bucket-level call)
  std::vector<QueryParam> query;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra signed headers
  std::string_view body;                                     ///< request body (PUT/POST)
  /// Streamed ranged read: a 2xx body goes to dst (exactly `length` bytes of the object from
  /// `offset`) instead of Response::body; an interrupted transfer resumes where it stopped.
  char* dst = nullptr;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  const ChunkFn* on_chunk = nullptr;
};

/// A completed HTTP exchange (any status that is not retried, or the last retried one).
struct Response {
  long status = 0;
  std::string body;  ///< the body unless streamed into Call::dst
  std::string etag;
  std::string last_modified;  ///< the Last-Modified header (RFC 1123)
  std::string content_range;
  std::uint64_t content_length = 0;
  std::uint64_t streamed = 0;  ///< bytes written to Call::dst
  int attempts = 0;
  /// S3's <Code> and <Message> from an error body (empty for a body-less error such as HEAD's).
  std::string error_code;
  std::string error_message;
};

/// Counters for tests and benchmarks.
struct ClientStats {
  std::uint64_t requests = 0;  ///< HTTP attempts made
  std::uint64_t retries = 0;   ///< attempts after a retryable failure
  std::chrono::nanoseconds backoff{0};  ///< back-off waited (logical time)
};

class Client {
 public:
  explicit Client(S3Settings settings);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Perform `call` with retries. Returns the response of the first attempt that is not
  /// retryable (2xx, 3xx, 4xx other than 429/RequestTimeout); an Error when retryable
  /// failures used up every attempt (naming the operation, bucket, key, HTTP status or
  /// transport error, S3 error code and attempts).
  Result<Response> perform(const Call& call) const;

  const S3Settings& settings() const { return settings_; }
  ClientStats stats() const;
  /// The URL a call goes to (for messages and tests).
  std::string url_for(const Call& call) const;

 private:
  struct Handle;
  std::unique_ptr<Handle> take_handle() const;
  void return_handle(std::unique_ptr<Handle> h) const;
  struct AttemptInfo {
    int curl_code = 0;
    bool stalled = false;
    std::uint64_t streamed = 0;  ///< bytes this attempt wrote to Call::dst
    std::string etag;
  };
  Result<Response> attempt(Handle& h, const Call& call, std::uint64_t resume_at, const std::string& if_match,
                           AttemptInfo& info) const;
  bool virtual_hosted(const std::string& bucket) const;

  S3Settings settings_;
  std::string scheme_, host_;  ///< endpoint parts ("http", "127.0.0.1:9000")
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Handle>> idle_;
  mutable ClientStats stats_;
};

/// Extract the text of the first <tag>…</tag> in `xml`, entities decoded; nullopt if absent.
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag);
/// Every <tag>…</tag> element's inner XML, in order.
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);
/// Unix seconds of an ISO 8601 UTC time as S3 lists it ("2026-12-07T03:00:00.000Z") or of an
/// HTTP date ("Mon, 07 Dec 2026 03:00:00 GMT"); 0 when it does not parse.
std::int64_t parse_s3_time(std::string_view text);
/// Escape text for an XML body.
std::string xml_escape(std::string_view text);

}  // namespace cosmicai::storage::s3
