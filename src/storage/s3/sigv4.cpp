#include "storage/s3/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace cosmicai::storage::s3 {

namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Trim, and collapse inner runs of spaces to one (SigV4's canonical header value).
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> sorted_headers(const SignInput& in) {
  std::vector<std::pair<std::string, std::string>> h;
  h.reserve(in.headers.size());
  for (const auto& [name, value] : in.headers) h.emplace_back(lower(name), canonical_value(value));
  std::stable_sort(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return h;
}

std::string signed_header_list(const std::vector<std::pair<std::string, std::string>>& h) {
  std::string out;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (i && h[i].first == h[i - 1].first) continue;
    if (!out.empty()) out += ';';
    out += h[i].first;
  }
  return out;
}

std::string scope(const SignInput& in) {
  return in.amz_date.substr(0, 8) + "/" + in.region + "/" + in.service + "/aws4_request";
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d);
  return to_hex(d, sizeof d);
}

std::string md5_base64(std::string_view data) {
  unsigned char d[16];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), d, &len, EVP_md5(), nullptr);
  unsigned char out[32] = {};
  const int n = EVP_EncodeBlock(out, d, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

std::string canonical_query(const std::vector<QueryParam>& params) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(params.size());
  for (const auto& p : params) enc.emplace_back(uri_encode(p.name, false), uri_encode(p.value, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [n, v] : enc) {
    if (!out.empty()) out += '&';
    out += n;
    out += '=';
    out += v;
  }
  return out;
}

std::string canonical_request(const SignInput& in) {
  const auto headers = sorted_headers(in);
  std::string out = in.method + "\n" + in.canonical_uri + "\n" + in.canonical_query + "\n";
  for (std::size_t i = 0; i < headers.size(); ++i) {
    // Repeated names join their values with ',' (as the specification says).
    if (i && headers[i].first == headers[i - 1].first) {
      out.back() = ',';
      out += headers[i].second + "\n";
      continue;
    }
    out += headers[i].first + ":" + headers[i].second + "\n";
  }
  out.append(1, '\n').append(signed_header_list(headers)).append(1, '\n').append(in.payload_hash);
  return out;
}

std::string string_to_sign(const SignInput& in) {
  return "AWS4-HMAC-SHA256\n" + in.amz_date + "\n" + scope(in) + "\n" + sha256_hex(canonical_request(in));
}

std::string signature(const SignInput& in, const Credentials& credentials) {
  std::string key = hmac("AWS4" + credentials.secret_access_key, in.amz_date.substr(0, 8));
  key = hmac(key, in.region);
  key = hmac(key, in.service);
  key = hmac(key, "aws4_request");
  const std::string sig = hmac(key, string_to_sign(in));
  return to_hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

std::string authorization(const SignInput& in, const Credentials& credentials) {
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope(in) +
         ",SignedHeaders=" + signed_header_list(sorted_headers(in)) + ",Signature=" + signature(in, credentials);
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace cosmicai::storage::s3
