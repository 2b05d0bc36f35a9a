#pragma once
/// Where an s3:// store finds its endpoint, region and credentials, as AWS tools do.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "storage/s3/sigv4.hpp"

namespace cosmicai::storage::s3 {

enum class Addressing {
  kAuto,     ///< virtual-hosted on AWS's own endpoints, path-style on a custom endpoint
  kPath,     ///< http://HOST/BUCKET/KEY
  kVirtual,  ///< http://BUCKET.HOST/KEY
};

/// The one retry policy of every S3 call: 500/502/503/504 (SlowDown included), 429,
/// RequestTimeout, connection resets, truncated bodies, stalls and connect timeouts are
/// retried with exponential back-off and full jitter, up to `max_attempts` attempts.
struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{10000};
};

/// Everything an S3 store needs, read once (by the CLI) and passed down.
struct S3Settings {
  std::string endpoint;  ///< "http(s)://host[:port]"; empty = https://s3.REGION.amazonaws.com
  std::string region = "us-east-1";
  Credentials credentials;
  std::string credentials_source;  ///< where they came from, for messages ("environment", "profile x in FILE")
  Addressing addressing = Addressing::kAuto;
  RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{10000};
  /// A transfer that moves no byte for this long is abandoned (and retried).
  std::chrono::milliseconds stall_timeout{30000};
  /// Objects larger than this are uploaded in parts of `part_size` bytes.
  std::uint64_t multipart_threshold = 64ull << 20;
  std::uint64_t part_size = 16ull << 20;
  /// Back-off waits go through this clock when set (scaled or skipped in tests).
  std::shared_ptr<Clock> clock;
};

/// Looks up an environment variable; returns nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment.
EnvLookup process_environment();

/// Settings as the AWS CLI and SDKs find them:
///  - credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else profile
///    AWS_PROFILE (or "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), else in
///    AWS_CONFIG_FILE (~/.aws/config, section "[profile NAME]");
///  - region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, else us-east-1;
///  - endpoint: `endpoint_override` (--s3-endpoint), AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
///    profile's `endpoint_url`, else AWS's;
///  - addressing: the profile's `s3 = addressing_style = path|virtual|auto`.
/// Missing credentials, a named profile that does not exist or a malformed endpoint are errors
/// naming where they were looked for.
Result<S3Settings> settings_from_environment(const EnvLookup& env, std::string_view endpoint_override = {});

/// Check and normalise an endpoint URL ("http://127.0.0.1:9000/" -> "http://127.0.0.1:9000").
Result<std::string> normalize_endpoint(std::string_view url);

}  // namespace cosmicai::storage::s3
