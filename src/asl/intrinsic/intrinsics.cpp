#include "asl/intrinsic/intrinsics.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cmath>
#include <limits>
#include <mutex>
#include <random>
#include <stdexcept>

#include "asl/errors.hpp"
#include "asl/intrinsic/intrinsic_call.hpp"
#include "asl/path/json_path.hpp"
#include "common/json_limits.hpp"

namespace cosmicai::asl {

using detail::IntrinsicArg;
using detail::IntrinsicCall;

namespace {

// === Helpers ===

constexpr std::size_t kMaxStringChars = 10000;  // Base64Encode/Decode and Hash input limit
constexpr long long kMaxRangeItems = 1000;      // ArrayRange result limit

[[noreturn]] void fail(const IntrinsicCall& call, const std::string& message) {
  throw StatesError(errors::kIntrinsicFailure, fmt::format("{}: {} (in '{}')", call.name, message, call.text));
}

std::string describe(const json& v) {
  std::string text = dump_compact(v);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return fmt::format("{} {}", v.type_name(), text);
}

const std::string& need_string(const IntrinsicCall& call, const json& v, int index) {
  if (!v.is_string()) fail(call, fmt::format("argument {} must be a string, got {}", index + 1, describe(v)));
  return v.get_ref<const std::string&>();
}

const json& need_array(const IntrinsicCall& call, const json& v, int index) {
  if (!v.is_array()) fail(call, fmt::format("argument {} must be an array, got {}", index + 1, describe(v)));
  return v;
}

long long need_integer(const IntrinsicCall& call, const json& v, int index) {
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) return static_cast<long long>(d);
  }
  fail(call, fmt::format("argument {} must be an integer, got {}", index + 1, describe(v)));
}

// MathAdd and MathRandom accept any number and round it as Java's Math.round does
// (floor(x + 0.5)): recorded on AWS, MathAdd(-1.5, -1.51) is -3 and MathAdd(2.5, 0) is 3.
long long need_rounded_integer(const IntrinsicCall& call, const json& v, int index) {
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::fabs(d) < 9.0e15) return static_cast<long long>(std::floor(d + 0.5));
  }
  fail(call, fmt::format("argument {} must be a number, got {}", index + 1, describe(v)));
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Java's toString of the maps and lists the service formats with ("{a=1, b=[]}").
void append_java_text(std::string& out, const json& v) {
  if (v.is_string()) {
    out += v.get_ref<const std::string&>();
  } else if (v.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [k, e] : v.items()) {
      if (!first) out += ", ";
      first = false;
      out += k;
      out += '=';
      append_java_text(out, e);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ", ";
      append_java_text(out, v[i]);
    }
    out += ']';
  } else {
    out += dump_compact(v);
  }
}

// === The functions ===

json fn_format(const IntrinsicCall& call, const std::vector<json>& args) {
  const std::string& tmpl = need_string(call, args[0], 0);
  // A literal template keeps its escapes (\{ \} \' \\) so that escaped braces are text.
  const bool escapes = call.args[0].kind == IntrinsicArg::Kind::kString;
  const std::string& text = escapes ? call.args[0].raw : tmpl;
  std::string out;
  std::size_t next_arg = 1;
  std::size_t placeholders = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (escapes && c == '\\' && i + 1 < text.size()) {
      const char n = text[i + 1];
      if (n == '\'' || n == '{' || n == '}' || n == '\\') {
        out += n;
      } else {
        out += c;
        out += n;
      }
      ++i;
      continue;
    }
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '}') {
      ++placeholders;
      if (next_arg < args.size()) append_java_text(out, args[next_arg]);
      ++next_arg;
      ++i;
      continue;
    }
    out += c;
  }
  if (placeholders != args.size() - 1)
    fail(call, fmt::format("the format string has {} placeholder{} '{{}}' but {} value{} given", placeholders,
                           placeholders == 1 ? "" : "s", args.size() - 1, args.size() == 2 ? " was" : "s were"));
  return out;
}

json fn_string_to_json(const IntrinsicCall& call, const std::vector<json>& args) {
  const std::string& text = need_string(call, args[0], 0);
  // Recorded on AWS: an empty or blank string gives null.
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nullptr;
  try {
    return parse_json(text);
  } catch (const json::parse_error& e) {
    std::string msg = e.what();
    if (auto p = msg.find("syntax error"); p != std::string::npos) msg = msg.substr(p);
    fail(call, fmt::format("the argument is not valid JSON text: {}", msg));
  }
}

json fn_array_partition(const IntrinsicCall& call, const std::vector<json>& args) {
  const json& array = need_array(call, args[0], 0);
  const long long size = need_integer(call, args[1], 1);
  if (size <= 0) fail(call, fmt::format("the chunk size must be a positive integer, got {}", size));
  json out = json::array();
  for (std::size_t i = 0; i < array.size(); i += static_cast<std::size_t>(size)) {
    json chunk = json::array();
    for (std::size_t k = i; k < array.size() && k < i + static_cast<std::size_t>(size); ++k) chunk.push_back(array[k]);
    out.push_back(std::move(chunk));
  }
  return out;
}

json fn_array_range(const IntrinsicCall& call, const std::vector<json>& args) {
  const long long first = need_integer(call, args[0], 0);
  const long long last = need_integer(call, args[1], 1);
  const long long step = need_integer(call, args[2], 2);
  if (step == 0) fail(call, "the step must not be 0");
  json out = json::array();
  const long long count =
      (step > 0 ? (last >= first ? (last - first) / step + 1 : 0) : (first >= last ? (first - last) / (-step) + 1 : 0));
  if (count > kMaxRangeItems)
    fail(call, fmt::format("the range would hold {} items; at most {} are allowed", count, kMaxRangeItems));
  for (long long k = 0; k < count; ++k) out.push_back(first + k * step);
  return out;
}

json fn_array_get_item(const IntrinsicCall& call, const std::vector<json>& args) {
  const json& array = need_array(call, args[0], 0);
  const long long index = need_integer(call, args[1], 1);
  if (index < 0 || index >= static_cast<long long>(array.size()))
    fail(call, fmt::format("index {} is out of range for an array of {} item{}", index, array.size(),
                           array.size() == 1 ? "" : "s"));
  return array[static_cast<std::size_t>(index)];
}

json fn_array_unique(const IntrinsicCall& call, const std::vector<json>& args) {
  const json& array = need_array(call, args[0], 0);
  json out = json::array();
  for (const auto& v : array) {
    bool seen = false;
    for (const auto& u : out) {
      if (u == v) {
        seen = true;
        break;
      }
    }
    if (!seen) out.push_back(v);
  }
  return out;
}

json fn_base64_encode(const IntrinsicCall& call, const std::vector<json>& args) {
  const std::string& s = need_string(call, args[0], 0);
  if (utf8_length(s) > kMaxStringChars)
    fail(call, fmt::format("the input has {} characters; at most {} are allowed", utf8_length(s), kMaxStringChars));
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                       static_cast<unsigned char>(s[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const std::size_t rest = s.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

json fn_base64_decode(const IntrinsicCall& call, const std::vector<json>& args) {
  const std::string& s = need_string(call, args[0], 0);
  if (utf8_length(s) > kMaxStringChars)
    fail(call, fmt::format("the input has {} characters; at most {} are allowed", utf8_length(s), kMaxStringChars));
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (s.size() % 4 != 0) fail(call, fmt::format("'{}' is not valid base64: its length is not a multiple of 4", s));
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s[i + static_cast<std::size_t>(k)];
      if (c == '=' && i + 4 == s.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = value_of(c)) < 0)
        fail(call,
             fmt::format("'{}' is not valid base64: bad character at offset {}", s, i + static_cast<std::size_t>(k)));
    }
    const unsigned bits = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                          (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
    out += static_cast<char>((bits >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((bits >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(bits & 0xFF);
  }
  return out;
}

json fn_hash(const IntrinsicCall& call, const std::vector<json>& args) {
  const std::string& data = need_string(call, args[0], 0);
  const std::string& algorithm = need_string(call, args[1], 1);
  if (utf8_length(data) > kMaxStringChars)
    fail(call, fmt::format("the input has {} characters; at most {} are allowed", utf8_length(data), kMaxStringChars));
  auto hex = hash_hex(algorithm, data);
  if (!hex)
    fail(call, fmt::format("unsupported algorithm '{}'; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512", algorithm));
  return *hex;
}

json fn_json_merge(const IntrinsicCall& call, const std::vector<json>& args) {
  for (int i = 0; i < 2; ++i)
    if (!args[static_cast<std::size_t>(i)].is_object())
      fail(call, fmt::format("argument {} must be a JSON object, got {}", i + 1,
                             describe(args[static_cast<std::size_t>(i)])));
  if (!args[2].is_boolean())
    fail(call, fmt::format("argument 3 (deep merge) must be a boolean, got {}", describe(args[2])));
  if (args[2].get<bool>()) fail(call, "only shallow merging is supported: the third argument must be false");
  json out = args[0];
  for (const auto& [k, v] : args[1].items()) out[k] = v;
  return out;
}

// java.util.Random, so a seeded call gives the same sequence on every machine.
class JavaRandom {
 public:
  explicit JavaRandom(long long seed) : seed_((static_cast<std::uint64_t>(seed) ^ 0x5DEECE66DULL) & kMask) {}
  int next_int(int bound) {
    if ((bound & -bound) == bound) return static_cast<int>((static_cast<long long>(bound) * next(31)) >> 31);
    int bits = 0, val = 0;
    do {
      bits = next(31);
      val = bits % bound;
    } while (static_cast<long long>(bits) - val + (bound - 1) >
             std::numeric_limits<int>::max());  // Java's int overflow test
    return val;
  }

 private:
  static constexpr std::uint64_t kMask = (1ULL << 48) - 1;
  int next(int bits) {
    seed_ = (seed_ * 0x5DEECE66DULL + 0xBULL) & kMask;
    return static_cast<int>(static_cast<std::int64_t>(seed_) >> (48 - bits));
  }
  std::uint64_t seed_;
};

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

json fn_math_random(const IntrinsicCall& call, const std::vector<json>& args) {
  const long long start = need_rounded_integer(call, args[0], 0);
  const long long end = need_rounded_integer(call, args[1], 1);
  constexpr long long kMin = std::numeric_limits<int>::min(), kMax = std::numeric_limits<int>::max();
  if (start < kMin || start > kMax || end < kMin || end > kMax)
    fail(call, "start and end must be between -2147483648 and 2147483647");
  if (end <= start) fail(call, fmt::format("the end ({}) must be greater than the start ({})", end, start));
  // Start inclusive, end exclusive.
  if (args.size() == 3) {
    JavaRandom rng(need_rounded_integer(call, args[2], 2));
    const long long span = end - start;
    if (span > kMax) fail(call, "the range between start and end is too large for a seeded call");
    return start + rng.next_int(static_cast<int>(span));
  }
  std::uniform_int_distribution<long long> dist(start, end - 1);
  return dist(thread_rng());
}

json fn_math_add(const IntrinsicCall& call, const std::vector<json>& args) {
  constexpr long long kMin = std::numeric_limits<int>::min(), kMax = std::numeric_limits<int>::max();
  long long sum = 0;
  for (int i = 0; i < 2; ++i) {
    const long long v = need_rounded_integer(call, args[static_cast<std::size_t>(i)], i);
    if (v < kMin || v > kMax) fail(call, fmt::format("argument {} ({}) is outside -2147483648..2147483647", i + 1, v));
    sum += v;
  }
  return sum;
}

// Like java.util.StringTokenizer: every character of the delimiter separates, and
// empty pieces are dropped.
json fn_string_split(const IntrinsicCall& call, const std::vector<json>& args) {
  const std::string& s = need_string(call, args[0], 0);
  const std::string& delimiters = need_string(call, args[1], 1);
  json out = json::array();
  std::string piece;
  for (char c : s) {
    if (delimiters.find(c) != std::string::npos) {
      if (!piece.empty()) out.push_back(std::move(piece));
      piece.clear();
    } else {
      piece += c;
    }
  }
  if (!piece.empty()) out.push_back(std::move(piece));
  return out;
}

json fn_uuid() {
  std::uniform_int_distribution<unsigned> byte(0, 255);
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(byte(thread_rng()));
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", b[i]);
  }
  return out;
}

// === Dispatch ===

json evaluate_call(const IntrinsicCall& call, const json& input, const ContextRef& context, const Variables* vars);

json evaluate_arg(const IntrinsicArg& arg, const json& input, const ContextRef& context, const Variables* vars) {
  switch (arg.kind) {
    case IntrinsicArg::Kind::kLiteral:
    case IntrinsicArg::Kind::kString:
      return arg.literal;
    case IntrinsicArg::Kind::kPath:
      return arg.path->query(input, context, vars);
    case IntrinsicArg::Kind::kCall:
      return evaluate_call(*arg.call, input, context, vars);
  }
  return nullptr;
}

json evaluate_call(const IntrinsicCall& call, const json& input, const ContextRef& context, const Variables* vars) {
  std::vector<json> args;
  args.reserve(call.args.size());
  for (const auto& a : call.args) args.push_back(evaluate_arg(a, input, context, vars));
  const std::string& n = call.name;
  if (n == "States.Format") return fn_format(call, args);
  if (n == "States.StringToJson") return fn_string_to_json(call, args);
  if (n == "States.JsonToString") return dump_compact(args[0]);
  if (n == "States.Array") return json(args);
  if (n == "States.ArrayPartition") return fn_array_partition(call, args);
  if (n == "States.ArrayContains") {
    const json& array = need_array(call, args[0], 0);
    return std::any_of(array.begin(), array.end(), [&](const json& e) { return e == args[1]; });
  }
  if (n == "States.ArrayRange") return fn_array_range(call, args);
  if (n == "States.ArrayGetItem") return fn_array_get_item(call, args);
  if (n == "States.ArrayLength") return need_array(call, args[0], 0).size();
  if (n == "States.ArrayUnique") return fn_array_unique(call, args);
  if (n == "States.Base64Encode") return fn_base64_encode(call, args);
  if (n == "States.Base64Decode") return fn_base64_decode(call, args);
  if (n == "States.Hash") return fn_hash(call, args);
  if (n == "States.JsonMerge") return fn_json_merge(call, args);
  if (n == "States.MathRandom") return fn_math_random(call, args);
  if (n == "States.MathAdd") return fn_math_add(call, args);
  if (n == "States.StringSplit") return fn_string_split(call, args);
  if (n == "States.UUID") return fn_uuid();
  fail(call, "unknown intrinsic function");
}

}  // namespace

bool is_intrinsic_call(std::string_view text) {
  if (text.substr(0, 7) != "States.") return false;
  std::size_t i = 7;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
  while (i < text.size() && text[i] == ' ') ++i;
  return i < text.size() && text[i] == '(';
}

std::optional<std::string> hash_hex(std::string_view algorithm, std::string_view data) {
  const EVP_MD* md = nullptr;
  if (algorithm == "MD5")
    md = EVP_md5();
  else if (algorithm == "SHA-1")
    md = EVP_sha1();
  else if (algorithm == "SHA-256")
    md = EVP_sha256();
  else if (algorithm == "SHA-384")
    md = EVP_sha384();
  else if (algorithm == "SHA-512")
    md = EVP_sha512();
  else
    return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1) {
    throw std::runtime_error(fmt::format("the {} digest computation failed", algorithm));
  }
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::optional<std::string> check_intrinsic(std::string_view text) {
  std::string error;
  if (!detail::parse_intrinsic(text, error)) return error;
  return std::nullopt;
}

std::optional<IntrinsicExpr> IntrinsicExpr::compile(std::string_view text, std::string& error) {
  auto call = detail::parse_intrinsic(text, error);
  if (!call) return std::nullopt;
  IntrinsicExpr e;
  e.call_ = std::move(call);
  return e;
}

const std::string& IntrinsicExpr::text() const { return call_->text; }

json IntrinsicExpr::evaluate(const json& input, const ContextRef& context, const Variables* vars) const {
  return evaluate_call(*call_, input, context, vars);
}

json evaluate_intrinsic(std::string_view text, const json& input, const ContextRef& context, const Variables* vars) {
  std::string error;
  auto e = IntrinsicExpr::compile(text, error);
  if (!e)
    throw StatesError(errors::kIntrinsicFailure, fmt::format("Invalid intrinsic function call '{}': {}", text, error));
  return e->evaluate(input, context, vars);
}

}  // namespace cosmicai::asl
