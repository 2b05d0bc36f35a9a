#include "asl/intrinsic/intrinsic_call.hpp"

#include <fmt/format.h>

#include <map>

#include "asl/path/compiled_path.hpp"

namespace cosmicai::asl::detail {

namespace {

const std::map<std::string, IntrinsicArity, std::less<>>& arities() {
  static const std::map<std::string, IntrinsicArity, std::less<>> kArities = {
      {"States.Format", {1, -1}},       {"States.StringToJson", {1, 1}},  {"States.JsonToString", {1, 1}},
      {"States.Array", {0, -1}},        {"States.ArrayPartition", {2, 2}}, {"States.ArrayContains", {2, 2}},
      {"States.ArrayRange", {3, 3}},    {"States.ArrayGetItem", {2, 2}},   {"States.ArrayLength", {1, 1}},
      {"States.ArrayUnique", {1, 1}},   {"States.Base64Encode", {1, 1}},   {"States.Base64Decode", {1, 1}},
      {"States.Hash", {2, 2}},          {"States.JsonMerge", {3, 3}},      {"States.MathRandom", {2, 3}},
      {"States.MathAdd", {2, 2}},       {"States.StringSplit", {2, 2}},    {"States.UUID", {0, 0}},
  };
  return kArities;
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

class CallParser {
 public:
  explicit CallParser(std::string_view text) : s_(text) {}

  std::shared_ptr<const IntrinsicCall> parse(std::string& error) {
    auto call = parse_call();
    if (call) {
      skip();
      if (pos_ != s_.size()) {
        fail(fmt::format("unexpected '{}' after the closing parenthesis at offset {}", s_.substr(pos_), pos_));
        call = nullptr;
      }
    }
    if (!call) error = error_;
    return call;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  std::nullptr_t fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return nullptr;
  }

  std::shared_ptr<IntrinsicCall> parse_call() {
    const std::size_t start = pos_;
    if (s_.substr(pos_, 7) != "States.") return fail(fmt::format("expected 'States.' at offset {}", pos_));
    pos_ += 7;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    auto call = std::make_shared<IntrinsicCall>();
    call->name = std::string(s_.substr(start, pos_ - start));
    const IntrinsicArity* arity = intrinsic_arity(call->name);
    if (!arity) return fail(fmt::format("'{}' is not an intrinsic function", call->name));
    skip();
    if (pos_ >= s_.size() || s_[pos_] != '(') return fail(fmt::format("expected '(' after {}", call->name));
    ++pos_;
    skip();
    if (pos_ < s_.size() && s_[pos_] == ')') {
      ++pos_;
    } else {
      while (true) {
        IntrinsicArg arg;
        if (!parse_arg(arg)) return nullptr;
        call->args.push_back(std::move(arg));
        skip();
        if (pos_ >= s_.size()) return fail(fmt::format("missing ')' to close {}", call->name));
        if (s_[pos_] == ',') {
          ++pos_;
          skip();
          continue;
        }
        if (s_[pos_] == ')') {
          ++pos_;
          break;
        }
        return fail(fmt::format("expected ',' or ')' at offset {}, found '{}'", pos_, s_[pos_]));
      }
    }
    const int n = static_cast<int>(call->args.size());
    if (n < arity->min || (arity->max >= 0 && n > arity->max)) {
      std::string expected = arity->max < 0 ? fmt::format("at least {}", arity->min)
                             : arity->min == arity->max ? fmt::format("{}", arity->min)
                                                        : fmt::format("{} to {}", arity->min, arity->max);
      return fail(fmt::format("{} takes {} argument{}, got {}", call->name, expected,
                              (arity->max == 1 || (arity->max < 0 && arity->min == 1)) ? "" : "s", n));
    }
    call->text = std::string(s_.substr(start, pos_ - start));
    return call;
  }

  bool parse_arg(IntrinsicArg& arg) {
    if (pos_ >= s_.size()) return fail("expected an argument at the end"), false;
    const char c = s_[pos_];
    if (c == '\'') {
      // Spec: the characters ' { } \ must be escaped with a backslash inside a literal.
      const std::size_t open = pos_++;
      std::string raw, value;
      while (pos_ < s_.size() && s_[pos_] != '\'') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) {
          const char next = s_[pos_ + 1];
          // Spec: "If an open escape backslash \ is found in the intrinsic invocation
          // string, the interpreter will throw a runtime error."
          if (next != '\'' && next != '{' && next != '}' && next != '\\')
            return fail(fmt::format("unescaped backslash at offset {}: only \\', \\{{, \\}} and \\\\ are escapes "
                                    "inside a string literal",
                                    pos_)),
                   false;
          raw += s_[pos_];
          raw += next;
          value += next;
          pos_ += 2;
          continue;
        }
        raw += s_[pos_];
        value += s_[pos_];
        ++pos_;
      }
      if (pos_ >= s_.size()) return fail(fmt::format("unterminated string literal starting at offset {}", open)), false;
      ++pos_;
      arg.kind = IntrinsicArg::Kind::kString;
      arg.raw = std::move(raw);
      arg.literal = std::move(value);
      return true;
    }
    if (c == '$') {
      const std::size_t len = scan_path_extent(s_.substr(pos_));
      const std::string path(s_.substr(pos_, len));
      std::string error;
      arg.path = JsonPath::compile(path, error);
      if (!arg.path) return fail(fmt::format("invalid JSONPath '{}': {}", path, error)), false;
      arg.kind = IntrinsicArg::Kind::kPath;
      arg.raw = path;
      pos_ += len;
      return true;
    }
    if (s_.substr(pos_, 7) == "States.") {
      auto nested = parse_call();
      if (!nested) return false;
      arg.kind = IntrinsicArg::Kind::kCall;
      arg.call = std::move(nested);
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t i = pos_ + 1;
      while (i < s_.size() && std::string_view("0123456789.eE+-").find(s_[i]) != std::string_view::npos) ++i;
      const std::string text(s_.substr(pos_, i - pos_));
      try {
        arg.literal = json::parse(text);
      } catch (...) {
        return fail(fmt::format("bad number '{}' at offset {}", text, pos_)), false;
      }
      arg.kind = IntrinsicArg::Kind::kLiteral;
      pos_ = i;
      return true;
    }
    for (const auto& [word, value] : {std::pair<const char*, json>{"true", true}, {"false", false}, {"null", nullptr}}) {
      const std::string_view w(word);
      if (s_.substr(pos_, w.size()) == w && (pos_ + w.size() >= s_.size() || !is_name_char(s_[pos_ + w.size()]))) {
        arg.kind = IntrinsicArg::Kind::kLiteral;
        arg.literal = value;
        pos_ += w.size();
        return true;
      }
    }
    return fail(fmt::format("unexpected '{}' at offset {}: an argument is a 'string', a number, true, false, "
                            "null, a path ($.x, $$.x) or an intrinsic function call",
                            s_.substr(pos_), pos_)),
           false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace

const IntrinsicArity* intrinsic_arity(std::string_view name) {
  const auto& table = arities();
  auto it = table.find(name);
  return it == table.end() ? nullptr : &it->second;
}

std::shared_ptr<const IntrinsicCall> parse_intrinsic(std::string_view text, std::string& error) {
  return CallParser(text).parse(error);
}

}  // namespace cosmicai::asl::detail
