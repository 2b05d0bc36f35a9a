#pragma once
/// AWS Signature Version 4 for S3 requests, computed here rather than by libcurl
/// (curl 7.88 signs path and query as given, omits x-amz-content-sha256 and
/// duplicates X-Amz-Date; see tests/peers/README.md).
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cosmicai::storage::s3 {

/// RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - . _ ~ stay, every other
/// byte becomes %XX with uppercase hex; '/' stays only when `keep_slash` (object paths).
std::string uri_encode(std::string_view text, bool keep_slash);

/// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
/// Base64 of the MD5 of `data` (the Content-MD5 header).
std::string md5_base64(std::string_view data);
/// sha256("") in hex: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// One query parameter, not yet encoded. A valueless parameter ("?uploads") has an empty value.
struct QueryParam {
  std::string name;
  std::string value;
};

/// The canonical query string: every name and value encoded (uppercase hex, '/' encoded),
/// sorted by encoded name then value, joined with '&'; "name=" for valueless parameters.
/// The same string is sent on the wire, so what is signed is what is sent.
std::string canonical_query(const std::vector<QueryParam>& params);

/// Access key, secret and (for temporary credentials) session token.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< sent as x-amz-security-token when non-empty
};

/// What SigV4 covers. Header names may have any case; values are trimmed and inner runs of
/// spaces collapsed, as the canonical form requires. `headers` must include host,
/// x-amz-date and x-amz-content-sha256 (and x-amz-security-token when used).
struct SignInput {
  std::string method;           ///< GET, PUT, ...
  std::string canonical_uri;    ///< the encoded path, e.g. "/bucket/Anomaly%20Detection/model.pt"
  std::string canonical_query;  ///< from canonical_query()
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_hash;     ///< hex SHA-256 of the body, or UNSIGNED-PAYLOAD
  std::string amz_date;         ///< YYYYMMDD'T'HHMMSS'Z'
  std::string region;
  std::string service = "s3";
};

/// The canonical request (method, path, query, headers, signed header list, payload hash).
std::string canonical_request(const SignInput& in);
/// The string to sign: algorithm, date, credential scope, hash of the canonical request.
std::string string_to_sign(const SignInput& in);
/// The hex signature.
std::string signature(const SignInput& in, const Credentials& credentials);
/// The Authorization header's value: "AWS4-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…".
std::string authorization(const SignInput& in, const Credentials& credentials);

/// `t` as an x-amz-date value (UTC, basic ISO 8601).
std::string amz_date(std::chrono::system_clock::time_point t);

}  // namespace cosmicai::storage::s3
