#include "common/json.hpp"
#include "common/json_limits.hpp"

#include <fmt/format.h>

#include <charconv>
#include <clocale>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace cosmicai {

namespace {

/// Appends to whichever string `target` names: lets one serializer serve many dumps.
struct StringSink final : nlohmann::detail::output_adapter_protocol<char> {
  std::string* target = nullptr;
  void write_character(char c) override { target->push_back(c); }
  void write_characters(const char* s, std::size_t length) override { target->append(s, length); }
};

/// One serializer per thread, as `json::dump(-1, ' ', false, replace)` builds for every call
/// (with a 512-byte indent string and a shared output adapter): the same bytes, without the set-up.
struct CompactDumper {
  std::shared_ptr<StringSink> sink = std::make_shared<StringSink>();
  char decimal_point;
  char thousands_sep;
  nlohmann::detail::serializer<json> serializer;

  static char locale_char(const char* c) { return c == nullptr ? '\0' : *c; }
  CompactDumper()
      : decimal_point(locale_char(std::localeconv()->decimal_point)),
        thousands_sep(locale_char(std::localeconv()->thousands_sep)),
        serializer(sink, ' ', json::error_handler_t::replace) {}
};

}  // namespace

namespace {

/// Whether nlohmann writes `c` unchanged inside a string (printable ASCII, no quote or backslash).
bool plain_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u <= 0x7e && c != '"' && c != '\\';
}

/// Whether nlohmann writes `s` between quotes unchanged.
bool plain_string(std::string_view s) {
  for (const char c : s) {
    if (!plain_char(c)) return false;
  }
  return true;
}

/// Appends to a string through a small buffer (fewer capacity checks than one push_back a character).
class BufferedOut {
 public:
  explicit BufferedOut(std::string& out) : out_(out) {}
  ~BufferedOut() { flush(); }
  void put(char c) {
    if (n_ == sizeof buf_) flush();
    buf_[n_++] = c;
  }
  void put(std::string_view s) {
    if (s.size() > sizeof buf_ - n_) {
      flush();
      if (s.size() > sizeof buf_) {
        out_.append(s);
        return;
      }
    }
    std::memcpy(buf_ + n_, s.data(), s.size());
    n_ += s.size();
  }
  /// Write `s` between quotes if nlohmann writes it unchanged (see plain_string), checking and
  /// copying in one pass; false, with nothing written, if it needs escaping.
  bool put_plain_quoted(std::string_view s) {
    if (s.size() + 2 > sizeof buf_ - n_) {
      flush();
      if (s.size() + 2 > sizeof buf_) {
        if (!plain_string(s)) return false;
        out_.push_back('"');
        out_.append(s);
        out_.push_back('"');
        return true;
      }
    }
    char* p = buf_ + n_;
    *p++ = '"';
    for (const char c : s) {
      if (!plain_char(c)) return false;
      *p++ = c;
    }
    *p++ = '"';
    n_ = static_cast<std::size_t>(p - buf_);
    return true;
  }
  /// Write an integer.
  template <class Int>
  void put_integer(Int v) {
    if (sizeof buf_ - n_ < 24) flush();
    n_ = static_cast<std::size_t>(std::to_chars(buf_ + n_, buf_ + sizeof buf_, v).ptr - buf_);
  }
  /// Write what is buffered to the string (before anything else appends to it).
  void flush() {
    out_.append(buf_, n_);
    n_ = 0;
  }

 private:
  std::string& out_;
  char buf_[256];
  std::size_t n_ = 0;
};

/// Append `v` as nlohmann's compact dump writes it: containers, null, booleans, integers and plain
/// strings directly; floating-point numbers, strings that need escaping and binary values through
/// `dumper`'s serializer, which appends to the same string (so their bytes are exactly nlohmann's;
/// the decimal point of floating-point numbers follows the current C locale, as json::dump's does).
/// The thread's serializer, set up (and checked against the current locale) on first use by one
/// dump_compact call, writing to that call's string.
class LazyDumper {
 public:
  explicit LazyDumper(std::string& out) : out_(out) {}
  ~LazyDumper() {
    if (dumper_) dumper_->sink->target = nullptr;
  }
  nlohmann::detail::serializer<json>& serializer() {
    if (!dumper_) {
      thread_local std::unique_ptr<CompactDumper> dumper;
      const std::lconv* loc = std::localeconv();
      if (!dumper || dumper->decimal_point != CompactDumper::locale_char(loc->decimal_point) ||
          dumper->thousands_sep != CompactDumper::locale_char(loc->thousands_sep)) {
        dumper = std::make_unique<CompactDumper>();  // first use on this thread, or the locale changed
      }
      dumper_ = dumper.get();
      dumper_->sink->target = &out_;
    }
    return dumper_->serializer;
  }

 private:
  std::string& out_;
  CompactDumper* dumper_ = nullptr;
};

void dump_fast(const json& v, BufferedOut& out, LazyDumper& dumper) {
  switch (v.type()) {
    case json::value_t::object: {
      const auto& o = v.get_ref<const json::object_t&>();
      out.put('{');
      bool first = true;
      for (const auto& [key, value] : o) {
        if (!first) out.put(',');
        first = false;
        if (!out.put_plain_quoted(key)) {
          out.flush();
          dumper.serializer().dump(json(key), false, false, 0);
        }
        out.put(':');
        dump_fast(value, out, dumper);
      }
      out.put('}');
      return;
    }
    case json::value_t::array: {
      out.put('[');
      bool first = true;
      for (const auto& e : v.get_ref<const json::array_t&>()) {
        if (!first) out.put(',');
        first = false;
        dump_fast(e, out, dumper);
      }
      out.put(']');
      return;
    }
    case json::value_t::string: {
      if (!out.put_plain_quoted(v.get_ref<const std::string&>())) break;
      return;
    }
    case json::value_t::null:
      out.put("null");
      return;
    case json::value_t::boolean:
      out.put(v.get<bool>() ? std::string_view("true") : std::string_view("false"));
      return;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      if (v.is_number_unsigned())
        out.put_integer(v.get<std::uint64_t>());
      else
        out.put_integer(v.get<std::int64_t>());
      return;
    default:
      break;
  }
  out.flush();
  dumper.serializer().dump(v, /*pretty_print=*/false, /*ensure_ascii=*/false, /*indent_step=*/0);
}

}  // namespace

std::string dump_compact(const json& value) {
  std::string out;
  LazyDumper dumper(out);  // only floating-point numbers, escaped strings and binary values need it
  BufferedOut buffered(out);
  dump_fast(value, buffered, dumper);
  buffered.flush();
  return out;
}

namespace {

/// The size of a string as dump_compact writes it: counted when it is plain, else serialised alone.
std::size_t string_size(const std::string& s, const json* as_json) {
  if (plain_string(s)) return s.size() + 2;
  return as_json ? dump_compact(*as_json).size() : dump_compact(json(s)).size();
}

}  // namespace

std::size_t compact_size(const json& value, std::size_t stop_past) {
  switch (value.type()) {
    case json::value_t::object: {
      const auto& o = value.get_ref<const json::object_t&>();
      if (o.empty()) return 2;
      std::size_t n = 1 + o.size();  // "{", then "," or "}" after each member
      for (const auto& [key, v] : o) {
        n += string_size(key, nullptr) + 1 + compact_size(v, stop_past);
        if (n > stop_past) return n;
      }
      return n;
    }
    case json::value_t::array: {
      const auto& a = value.get_ref<const json::array_t&>();
      if (a.empty()) return 2;
      std::size_t n = 1 + a.size();
      for (const auto& v : a) {
        n += compact_size(v, stop_past);
        if (n > stop_past) return n;
      }
      return n;
    }
    case json::value_t::string:
      return string_size(value.get_ref<const std::string&>(), &value);
    case json::value_t::null:
      return 4;
    case json::value_t::boolean:
      return value.get<bool>() ? 4 : 5;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      char buf[24];
      const auto r = value.is_number_unsigned() ? std::to_chars(buf, buf + sizeof buf, value.get<std::uint64_t>())
                                                : std::to_chars(buf, buf + sizeof buf, value.get<std::int64_t>());
      return static_cast<std::size_t>(r.ptr - buf);
    }
    default:
      return dump_compact(value).size();  // floating-point and binary values: nlohmann's exact bytes
  }
}

std::string pointer_escape(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::size_t json_depth_exceeded_at(std::string_view text) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}

json parse_json(std::string_view text) {
  if (const auto at = json_depth_exceeded_at(text); at != std::string_view::npos) {
    throw json::parse_error::create(
        101, at + 1, fmt::format("syntax error: JSON nested more than {} levels deep", kMaxJsonDepth), nullptr);
  }
  return json::parse(text.begin(), text.end());
}

json parse_json_text(std::string_view text, std::string_view what) {
  try {
    return parse_json(text);
  } catch (const json::parse_error& e) {
    // Turn the byte offset into line:column for people.
    std::size_t line = 1, col = 1;
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string msg = e.what();
    if (auto p = msg.find("syntax error"); p != std::string::npos) msg = msg.substr(p);
    throw std::runtime_error(fmt::format("{}:{}:{}: malformed JSON: {}", what, line, col, msg));
  }
}

json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_json_text(ss.str(), path);
}

}  // namespace cosmicai
