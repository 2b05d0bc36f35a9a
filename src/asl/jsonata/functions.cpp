// Function signatures and the JSONata function library (string, numeric, aggregation, boolean,
// array, object, higher-order, URL/base64). Picture-string formatting lives in format.cpp.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <random>
#include <regex>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "asl/jsonata/internal.hpp"

namespace cosmicai::jsonata::detail {

// ---------------- signatures ----------------

namespace {

/// A signature's pattern over the type letters of the arguments ("^(s)(n?)$"), compiled by PCRE2.
/// Matching is bounded: a fuzzed signature with hundreds of optional groups made std::regex
/// backtrack for minutes; past the limit the call fails with U1001.
struct SignaturePattern {
  pcre2_code* code = nullptr;
  std::string error;  ///< why the pattern does not compile
  explicit SignaturePattern(const std::string& rx) {
    int err = 0;
    PCRE2_SIZE off = 0;
    // ECMAScript semantics where they differ: "[]" is an empty class (jsonata-js builds these with JS).
    code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rx.data()), rx.size(), PCRE2_ALLOW_EMPTY_CLASS, &err, &off, nullptr);
    if (!code) {
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(err, buf, sizeof buf);
      error = reinterpret_cast<const char*>(buf);
    }
  }
  ~SignaturePattern() {
    if (code) pcre2_code_free(code);
  }
  SignaturePattern(const SignaturePattern&) = delete;
  SignaturePattern& operator=(const SignaturePattern&) = delete;

  /// Match `subject` from its start; the groups' [begin, end) offsets go to `groups` (unset: empty
  /// at 0). Returns the length matched, or -1 for no match.
  long match(const std::string& subject, std::vector<std::pair<std::size_t, std::size_t>>* groups) const {
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
    pcre2_match_context* mc = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(mc, 1000000);
    pcre2_set_depth_limit(mc, 10000);
    const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0, md, mc);
    pcre2_match_context_free(mc);
    if (rc < 0) {
      pcre2_match_data_free(md);
      if (rc == PCRE2_ERROR_NOMATCH) return -1;
      fail("U1001", -1, {}, "Matching the arguments against the function signature exceeded its backtracking limit");
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const long length = static_cast<long>(ov[1] - ov[0]);
    if (groups) {
      groups->clear();
      for (int i = 1; i < rc; ++i) {
        if (ov[2 * i] == PCRE2_UNSET)
          groups->emplace_back(0, 0);
        else
          groups->emplace_back(ov[2 * i], ov[2 * i + 1]);
      }
    }
    pcre2_match_data_free(md);
    return length;
  }
};

}  // namespace
std::shared_ptr<Signature> parse_signature(const std::string& sig, long position) {
  auto s = std::make_shared<Signature>();
  s->definition = sig;
  Signature::Param param;
  Signature::Param* prev = nullptr;
  auto next = [&] {
    s->params.push_back(param);
    param = Signature::Param();
  };
  auto closing = [&](std::size_t start, char open, char close) {
    int depth = 1;
    std::size_t p = start;
    while (p < sig.size()) {
      ++p;
      if (sig[p] == open)
        ++depth;
      else if (sig[p] == close && --depth == 0)
        break;
    }
    return p;
  };
  for (std::size_t p = 1; p < sig.size(); ++p) {
    char c = sig[p];
    if (c == ':') break;
    prev = s->params.empty() ? nullptr : &s->params.back();
    switch (c) {
      case 's':
      case 'n':
      case 'b':
      case 'l':
      case 'o':
        param.regex = std::string("[") + c + "m]";
        param.type = c;
        next();
        break;
      case 'a':
        param.regex = "[asnblfom]";
        param.type = c;
        param.array = true;
        next();
        break;
      case 'f':
        param.regex = "f";
        param.type = c;
        next();
        break;
      case 'j':
        param.regex = "[asnblom]";
        param.type = c;
        next();
        break;
      case 'x':
        param.regex = "[asnblfom]";
        param.type = c;
        next();
        break;
      case '-':
        if (prev) {
          prev->context = true;
          prev->context_regex = prev->regex;
          prev->regex += "?";
        }
        break;
      case '?':
      case '+':
        if (prev) prev->regex += c;
        break;
      case '(': {
        std::size_t e = closing(p, '(', ')');
        std::string choice = sig.substr(p + 1, e - p - 1);
        if (choice.find('<') != std::string::npos) fail("S0402", position + long(p), choice);
        param.regex = "[" + choice + "m]";
        param.type = '(';
        param.type_str = choice;
        p = e;
        next();
        break;
      }
      case '<': {
        if (prev && (prev->type == 'a' || prev->type == 'f')) {
          std::size_t e = closing(p, '<', '>');
          prev->subtype = sig.substr(p + 1, e - p - 1);
          p = e;
        } else {
          fail("S0401", position + long(p), std::string(1, c));
        }
        break;
      }
      default:
        break;
    }
  }
  std::string rx = "^";
  for (auto& pr : s->params) rx += "(" + pr.regex + ")";
  rx += "$";
  auto compiled = std::make_shared<SignaturePattern>(rx);
  if (!compiled->code) {
    // A choice group is pasted into a character class, as in jsonata-js, so "(ns=-:n)" is a
    // reversed range there too (a SyntaxError in JavaScript): an invalid signature.
    fail("S0401", position, sig, "Invalid function signature: " + sig + " (" + compiled->error + ")");
  }
  s->compiled = std::move(compiled);
  return s;
}

static char symbol_of(const Value& v) {
  switch (v.t) {
    case Value::T::Fn:
      return 'f';
    case Value::T::Str:
      return 's';
    case Value::T::Num:
      return 'n';
    case Value::T::Bool:
      return 'b';
    case Value::T::Null:
      return 'l';
    case Value::T::Arr:
      return 'a';
    case Value::T::Obj:
      return 'o';
    default:
      return 'm';
  }
}

std::vector<Value> Signature::validate(const std::vector<Value>& args, const Value& context) const {
  std::string supplied;
  for (auto& a : args) supplied += symbol_of(a);
  std::vector<std::pair<std::size_t, std::size_t>> m;
  if (static_cast<const SignaturePattern*>(compiled.get())->match(supplied, &m) < 0) {
    std::string partial = "^";
    std::size_t good = 0;
    for (auto& p : params) {
      partial += p.regex;
      // A prefix of the parameters may cut a choice group in two: no valid pattern, so no prefix
      // to measure (the error then names argument 1).
      const SignaturePattern prefix(partial);
      if (!prefix.code) break;
      const long length = prefix.match(supplied, nullptr);
      if (length < 0) break;
      good = static_cast<std::size_t>(length);
    }
    fail("T0410", -1, {}, "Argument " + std::to_string(good + 1) + " of function does not match function signature");
  }
  std::vector<Value> out;
  std::size_t ai = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    std::string match = i < m.size() ? supplied.substr(m[i].first, m[i].second - m[i].first) : std::string();
    if (match.empty()) {
      if (p.context && !p.context_regex.empty()) {
        // the context regex is one type letter or a character class such as "[sm]"
        char ct = symbol_of(context);
        const std::string& cr = p.context_regex;
        bool ok =
            cr.size() > 1 && cr[0] == '[' ? cr.find(ct, 1) != std::string::npos && ct != ']' : cr == std::string(1, ct);
        if (ok)
          out.push_back(context);
        else
          fail("T0411", -1, {}, "Context value is not a compatible type with argument " + std::to_string(ai + 1));
      } else {
        out.push_back(ai < args.size() ? args[ai] : Value());
        ++ai;
      }
      continue;
    }
    for (char single : match) {
      if (p.type == 'a') {
        Value arg;
        if (single != 'm') {
          arg = ai < args.size() ? args[ai] : Value();
          bool ok = true;
          if (!p.subtype.empty()) {
            if (single != 'a' && match != p.subtype)
              ok = false;
            else if (single == 'a' && arg.size() > 0) {
              char it = symbol_of(arg.arr()[0]);
              if (it != p.subtype[0])
                ok = false;
              else
                for (auto& x : arg.arr())
                  if (symbol_of(x) != it) {
                    ok = false;
                    break;
                  }
            }
          }
          if (!ok)
            fail("T0412", -1, {},
                 "Argument " + std::to_string(ai + 1) + " of function must be an array of " + p.subtype);
          if (single != 'a') {
            Value w = Value::array();
            w.push(arg);
            arg = w;
          }
        }
        out.push_back(arg);
        ++ai;
      } else {
        // An absent optional parameter above consumed an index (as in jsonata-js, where reading
        // past the arguments gives undefined): never read past the end.
        out.push_back(ai < args.size() ? args[ai] : Value());
        ++ai;
      }
    }
  }
  return out;
}

// ---------------- number / string formatting ----------------
// JavaScript Number.prototype.toString for finite doubles.
std::string js_number(double d) {
  if (d == 0) return "0";
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  auto epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::stoi(sci.substr(epos + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  int k = static_cast<int>(digits.size());
  int n = exp + 1;
  std::string out;
  if (k <= n && n <= 21)
    out = digits + std::string(n - k, '0');
  else if (0 < n && n <= 21)
    out = digits.substr(0, n) + "." + digits.substr(n);
  else if (-6 < n && n <= 0)
    out = "0." + std::string(-n, '0') + digits;
  else {
    out = digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += "e";
    out += (n - 1 >= 0 ? "+" : "-");
    out += std::to_string(std::abs(n - 1));
  }
  return neg ? "-" + out : out;
}

std::string number_to_string(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.14e", d);
  double r = std::strtod(buf, nullptr);
  return js_number(r);
}

static void json_escape(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else
          out += char(c);
    }
  }
  out += '"';
}

static bool stringify(std::string& out, const Value& v, int indent, int level) {
  auto nl = [&](int lv) {
    if (indent) {
      out += '\n';
      out += std::string(std::size_t(indent * lv), ' ');
    }
  };
  switch (v.t) {
    case Value::T::Undef:
      return false;
    case Value::T::Null:
      out += "null";
      return true;
    case Value::T::Bool:
      out += v.b ? "true" : "false";
      return true;
    case Value::T::Num:
      if (!std::isfinite(v.n)) fail("D1001", -1, {}, "Number out of range");
      out += number_to_string(v.n);
      return true;
    case Value::T::Str:
      json_escape(out, v.str());
      return true;
    case Value::T::Fn:
      out += "\"\"";
      return true;
    case Value::T::Arr: {
      out += '[';
      if (v.size() == 0) {
        out += ']';
        return true;
      }
      bool first = true;
      for (auto& x : v.arr()) {
        if (!first) out += ',';
        first = false;
        nl(level + 1);
        if (!stringify(out, x, indent, level + 1)) out += "null";
      }
      nl(level);
      out += ']';
      return true;
    }
    case Value::T::Obj: {
      out += '{';
      bool first = true;
      for (auto& [k, x] : v.o->items) {
        if (x.undef()) continue;
        if (!first) out += ',';
        first = false;
        nl(level + 1);
        json_escape(out, k);
        out += indent ? ": " : ":";
        stringify(out, x, indent, level + 1);
      }
      if (!first) nl(level);
      out += '}';
      return true;
    }
  }
  return false;
}

std::string string_fn(Ctx&, const Value& v0, bool pretty) {
  if (v0.is_str()) return v0.str();
  if (v0.is_fn()) return "";
  if (v0.is_num() && !std::isfinite(v0.n)) fail("D3001", -1);
  Value v = v0;
  if (v.is_arr() && v.a->outer_wrapper && v.size() > 0) {
    Value tmp = v.arr()[0];
    v = std::move(tmp);
  }
  std::string out;
  stringify(out, v, pretty ? 2 : 0, 0);
  return out;
}

// ---------------- UTF-8 helpers ----------------
static std::vector<std::string> code_points(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

static std::string join_cp(const std::vector<std::string>& v, long a, long b) {
  std::string r;
  long n = static_cast<long>(v.size());
  if (a < 0) a = std::max(0L, n + a);
  if (b < 0) b = std::max(0L, n + b);
  a = std::min(a, n);
  b = std::min(b, n);
  for (long i = a; i < b; ++i) r += v[i];
  return r;
}

static Value fnval(std::shared_ptr<Function> f) {
  Value v;
  v.t = Value::T::Fn;
  v.f = std::move(f);
  return v;
}

static std::vector<Value> hof_args(const Value& func, const Value& a, const Value& b, const Value& c) {
  std::vector<Value> r{a};
  int n = function_arity(func);
  if (n >= 2) r.push_back(b);
  if (n >= 3) r.push_back(c);
  return r;
}

double js_round(double arg, double precision);

// ---------------- regex iteration ----------------
struct MatchInfo {
  std::string match;
  std::size_t start, end;  // bytes
  std::vector<Value> groups;
};

static std::vector<MatchInfo> all_matches(Ctx& ctx, const Value& matcher, const std::string& s, long limit) {
  std::vector<MatchInfo> out;
  if (!(matcher.is_fn() && matcher.f->kind == Function::Kind::Regex)) {
    // a user-supplied matcher function: call it once per position
    Value r = apply(ctx, matcher, {Value::string(s)}, Value(), nullptr);
    while (!r.undef() && (limit < 0 || long(out.size()) < limit)) {
      if (!r.is_obj() || !r.o->find("match") || !r.o->find("start") || !r.o->find("end")) fail("T1010", -1);
      MatchInfo mi;
      mi.match = r.o->find("match")->is_str() ? r.o->find("match")->str() : "";
      auto cps = code_points(s);
      long st = static_cast<long>(r.o->find("start")->n), en = static_cast<long>(r.o->find("end")->n);
      mi.start = join_cp(cps, 0, st).size();
      mi.end = join_cp(cps, 0, en).size();
      if (auto* g = r.o->find("groups"); g && g->is_arr()) mi.groups = g->arr();
      out.push_back(mi);
      const Value* nx = r.o->find("next");
      if (!nx || !nx->is_fn()) break;
      r = apply(ctx, *nx, {}, Value(), nullptr);
    }
    return out;
  }
  const Node* rn = matcher.f->rnode;
  std::size_t pos = 0;
  bool first = true;
  while (limit < 0 || long(out.size()) < limit) {
    if (!first && pos >= s.size()) break;
    std::size_t ms, me;
    Value m = regex_match_fn(ctx, rn, s, pos, &ms, &me);
    if (m.undef()) break;
    if (!first && ms == me) fail("D1004", rn->position, rn->regex_pattern);
    first = false;
    MatchInfo mi{m.o->find("match")->str(), ms, me, m.o->find("groups")->arr()};
    out.push_back(mi);
    pos = me;
  }
  return out;
}

// ---------------- the library ----------------
#define NATIVE(name)                                                                   \
  static Value name([[maybe_unused]] Ctx& ctx, [[maybe_unused]] std::vector<Value>& a, \
                    [[maybe_unused]] const Value& input)
#define ARG(i) (a.size() > (i) ? a[i] : Value())

NATIVE(f_sum) {
  if (ARG(0).undef()) return Value();
  double t = 0;
  for (auto& x : a[0].arr()) t += x.n;
  return Value::number(t);
}
NATIVE(f_count) {
  if (ARG(0).undef()) return Value::number(0);
  return Value::number(double(a[0].size()));
}
NATIVE(f_max) {
  if (ARG(0).undef() || a[0].size() == 0) return Value();
  double m = -INFINITY;
  for (auto& x : a[0].arr()) m = std::max(m, x.n);
  return Value::number(m);
}
NATIVE(f_min) {
  if (ARG(0).undef() || a[0].size() == 0) return Value();
  double m = INFINITY;
  for (auto& x : a[0].arr()) m = std::min(m, x.n);
  return Value::number(m);
}
NATIVE(f_average) {
  if (ARG(0).undef() || a[0].size() == 0) return Value();
  double t = 0;
  for (auto& x : a[0].arr()) t += x.n;
  return Value::number(t / double(a[0].size()));
}
NATIVE(f_string) {
  if (ARG(0).undef()) return Value();
  return Value::string(string_fn(ctx, a[0], ARG(1).t == Value::T::Bool && a[1].b));
}
NATIVE(f_substring) {
  if (ARG(0).undef()) return Value();
  auto cps = code_points(a[0].str());
  long n = static_cast<long>(cps.size());
  double startd = ARG(1).n;
  long start = static_cast<long>(std::trunc(startd));
  if (n + start < 0) start = 0;
  if (!ARG(2).undef()) {
    double len = a[2].n;
    if (len <= 0) return Value::string("");
    long end = start >= 0 ? start + long(std::trunc(len)) : n + start + long(std::trunc(len));
    if (start < 0) start = n + start;
    return Value::string(join_cp(cps, start, std::max(start, end)));
  }
  return Value::string(join_cp(cps, start, n));
}
NATIVE(f_substring_before) {
  if (ARG(0).undef()) return Value();
  auto p = a[0].str().find(ARG(1).str());
  return Value::string(p == std::string::npos ? a[0].str() : a[0].str().substr(0, p));
}
NATIVE(f_substring_after) {
  if (ARG(0).undef()) return Value();
  auto p = a[0].str().find(ARG(1).str());
  return Value::string(p == std::string::npos ? a[0].str() : a[0].str().substr(p + a[1].str().size()));
}
NATIVE(f_lowercase) {
  if (ARG(0).undef()) return Value();
  std::string s = a[0].str();
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Value::string(s);
}
NATIVE(f_uppercase) {
  if (ARG(0).undef()) return Value();
  std::string s = a[0].str();
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return Value::string(s);
}
NATIVE(f_length) {
  if (ARG(0).undef()) return Value();
  return Value::number(double(utf8_length(a[0].str())));
}
NATIVE(f_trim) {
  if (ARG(0).undef()) return Value();
  std::string r;
  bool ws = false;
  for (char c : a[0].str()) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!ws) r += ' ';
      ws = true;
    } else {
      r += c;
      ws = false;
    }
  }
  if (!r.empty() && r.front() == ' ') r.erase(0, 1);
  if (!r.empty() && r.back() == ' ') r.pop_back();
  return Value::string(r);
}
NATIVE(f_pad) {
  if (ARG(0).undef()) return Value();
  std::string ch = ARG(2).undef() || a[2].str().empty() ? " " : a[2].str();
  double width = a[1].n;
  long padlen = static_cast<long>(std::fabs(width)) - static_cast<long>(utf8_length(a[0].str()));
  if (padlen <= 0) return a[0];
  auto cc = code_points(ch);
  std::string padding;
  for (long i = 0; i < padlen; ++i) padding += cc[i % cc.size()];
  return Value::string(width > 0 ? a[0].str() + padding : padding + a[0].str());
}
NATIVE(f_contains) {
  if (ARG(0).undef()) return Value();
  if (a[1].is_str()) return Value::boolean(a[0].str().find(a[1].str()) != std::string::npos);
  return Value::boolean(!all_matches(ctx, a[1], a[0].str(), 1).empty());
}
NATIVE(f_split) {
  if (ARG(0).undef()) return Value();
  if (!ARG(2).undef() && a[2].n < 0) fail("D3020", -1);
  long limit = ARG(2).undef() ? -1 : long(std::floor(a[2].n));
  const std::string& s = a[0].str();
  Value r = Value::array();
  if (a[1].is_str()) {
    const std::string& sep = a[1].str();
    std::vector<std::string> parts;
    if (sep.empty())
      parts = code_points(s);
    else {
      std::size_t p = 0;
      for (;;) {
        auto q = s.find(sep, p);
        if (q == std::string::npos) {
          parts.push_back(s.substr(p));
          break;
        }
        parts.push_back(s.substr(p, q - p));
        p = q + sep.size();
      }
    }
    for (auto& x : parts) {
      if (limit >= 0 && long(r.size()) >= limit) break;
      r.push(Value::string(x));
    }
    return r;
  }
  auto ms = all_matches(ctx, a[1], s, limit);
  std::size_t start = 0;
  for (auto& m : ms) {
    r.push(Value::string(s.substr(start, m.start - start)));
    start = m.end;
  }
  if (limit < 0 || long(ms.size()) < limit) r.push(Value::string(s.substr(start)));
  return r;
}
NATIVE(f_join) {
  if (ARG(0).undef()) return Value();
  std::string sep = ARG(1).undef() ? "" : a[1].str();
  std::string r;
  bool first = true;
  for (auto& x : a[0].arr()) {
    if (!first) r += sep;
    first = false;
    r += x.str();
  }
  return Value::string(r);
}
NATIVE(f_match) {
  if (ARG(0).undef()) return Value();
  if (!ARG(2).undef() && a[2].n < 0) fail("D3040", -1);
  long limit = ARG(2).undef() ? -1 : long(a[2].n);
  const std::string& s = a[0].str();
  Value r = Value::sequence();
  for (auto& m : all_matches(ctx, a[1], s, limit)) {
    Value o = Value::object();
    o.o->set("match", Value::string(m.match));
    o.o->set("index", Value::number(double(utf8_length(s.substr(0, m.start)))));
    Value g = Value::array();
    g.arr() = m.groups;
    o.o->set("groups", g);
    r.push(o);
  }
  return r;
}
NATIVE(f_replace) {
  if (ARG(0).undef()) return Value();
  if (a[1].is_str() && a[1].str().empty()) fail("D3010", -1);
  if (!ARG(3).undef() && a[3].n < 0) fail("D3011", -1);
  long limit = ARG(3).undef() ? -1 : long(a[3].n);
  const std::string& s = a[0].str();
  const Value& repl = a[2];
  std::string result;
  if (a[1].is_str()) {
    const std::string& pat = a[1].str();
    std::size_t pos = 0;
    long count = 0;
    for (;;) {
      if (limit >= 0 && count >= limit) break;
      auto q = s.find(pat, pos);
      if (q == std::string::npos) break;
      result += s.substr(pos, q - pos);
      result += repl.is_str() ? repl.str() : "";
      pos = q + pat.size();
      ++count;
    }
    result += s.substr(pos);
    return Value::string(result);
  }
  auto ms = all_matches(ctx, a[1], s, limit);
  std::size_t pos = 0;
  for (auto& m : ms) {
    result += s.substr(pos, m.start - pos);
    if (repl.is_str()) {
      const std::string& rp = repl.str();
      std::size_t p = 0;
      std::size_t ng = m.groups.size();
      while (p < rp.size()) {
        auto d = rp.find('$', p);
        if (d == std::string::npos) break;
        result += rp.substr(p, d - p);
        p = d + 1;
        char c = p < rp.size() ? rp[p] : 0;
        if (c == '$') {
          result += '$';
          ++p;
        } else if (c == '0') {
          result += m.match;
          ++p;
        } else {
          int maxd = ng == 0 ? 1 : int(std::floor(std::log10(double(ng)))) + 1;
          auto parse = [&](int nd) -> long {
            std::string t = rp.substr(p, nd);
            std::size_t k = 0;
            while (k < t.size() && isdigit((unsigned char)t[k])) ++k;
            if (k == 0) return -1;
            return std::stol(t.substr(0, k));
          };
          long idx = parse(maxd);
          if (maxd > 1 && idx > long(ng)) idx = parse(maxd - 1);
          if (idx >= 0) {
            if (ng > 0 && idx >= 1 && std::size_t(idx) <= ng && m.groups[idx - 1].is_str())
              result += m.groups[idx - 1].str();
            p += std::to_string(idx).size();
          } else {
            result += '$';
          }
        }
      }
      result += rp.substr(std::min(p, rp.size()));
    } else {
      Value mo = Value::object();
      mo.o->set("match", Value::string(m.match));
      mo.o->set("index", Value::number(double(utf8_length(s.substr(0, m.start)))));
      Value g = Value::array();
      g.arr() = m.groups;
      mo.o->set("groups", g);
      Value rv = apply(ctx, repl, {mo}, Value(), nullptr);
      if (!rv.is_str()) fail("D3012", -1);
      result += rv.str();
    }
    pos = m.end;
  }
  result += s.substr(pos);
  return Value::string(result);
}
NATIVE(f_number) {
  const Value& v = ARG(0);
  if (v.undef()) return Value();
  if (v.is_num()) return v;
  if (v.t == Value::T::Bool) return Value::number(v.b ? 1 : 0);
  if (v.is_str()) {
    static const std::regex dec("^-?[0-9]+(\\.[0-9]+)?([Ee][-+]?[0-9]+)?$");
    static const std::regex hex("^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$");
    const std::string& s = v.str();
    if (std::regex_match(s, dec)) {
      double d = std::strtod(s.c_str(), nullptr);
      if (std::isfinite(d)) return Value::number(d);
    } else if (std::regex_match(s, hex)) {
      int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
      return Value::number(double(std::stoull(s.substr(2), nullptr, base)));
    }
  }
  fail("D3030", -1, {}, "Unable to cast value to a number: " + string_fn(ctx, v));
}
NATIVE(f_floor) { return ARG(0).undef() ? Value() : Value::number(std::floor(a[0].n)); }
NATIVE(f_ceil) { return ARG(0).undef() ? Value() : Value::number(std::ceil(a[0].n)); }
NATIVE(f_abs) { return ARG(0).undef() ? Value() : Value::number(std::fabs(a[0].n)); }
NATIVE(f_sqrt) {
  if (ARG(0).undef()) return Value();
  if (a[0].n < 0) fail("D3060", -1);
  return Value::number(std::sqrt(a[0].n));
}
NATIVE(f_power) {
  if (ARG(0).undef()) return Value();
  double r = std::pow(a[0].n, a[1].n);
  if (!std::isfinite(r)) fail("D3061", -1);
  return Value::number(r);
}
double js_round(double arg, double precision) {
  auto shift = [](double x, double p) {
    std::string s = js_number(x);
    auto e = s.find('e');
    std::string mant = e == std::string::npos ? s : s.substr(0, e);
    double ex = e == std::string::npos ? 0 : std::stod(s.substr(e + 1));
    return std::strtod((mant + "e" + js_number(ex + p)).c_str(), nullptr);
  };
  if (precision != 0) arg = shift(arg, precision);
  double r = std::floor(arg + 0.5);
  double diff = r - arg;
  if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(r, 2)) == 1) r -= 1;
  if (precision != 0) r = shift(r, -precision);
  if (r == 0) r = 0;
  return r;
}
NATIVE(f_round) {
  if (ARG(0).undef()) return Value();
  return Value::number(js_round(a[0].n, ARG(1).undef() ? 0 : a[1].n));
}
NATIVE(f_random) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return Value::number(std::uniform_real_distribution<double>(0, 1)(rng));
}
NATIVE(f_boolean) { return boolean_fn(ARG(0)); }
NATIVE(f_not) { return ARG(0).undef() ? Value() : Value::boolean(!truthy(a[0])); }
NATIVE(f_exists) { return Value::boolean(!ARG(0).undef()); }
NATIVE(f_type) {
  switch (ARG(0).t) {
    case Value::T::Undef:
      return Value();
    case Value::T::Null:
      return Value::string("null");
    case Value::T::Num:
      return Value::string("number");
    case Value::T::Str:
      return Value::string("string");
    case Value::T::Bool:
      return Value::string("boolean");
    case Value::T::Arr:
      return Value::string("array");
    case Value::T::Fn:
      return Value::string("function");
    case Value::T::Obj:
      return Value::string("object");
  }
  return Value();
}
NATIVE(f_append) { return append(ARG(0), ARG(1)); }
NATIVE(f_reverse) {
  if (ARG(0).undef()) return Value();
  if (a[0].size() <= 1) return a[0];
  Value r = Value::array();
  r.arr().assign(a[0].arr().rbegin(), a[0].arr().rend());
  return r;
}
static void keys_of(const Value& v, std::vector<std::string>& out) {
  if (v.is_arr())
    for (auto& x : v.arr()) keys_of(x, out);
  else if (v.is_obj())
    for (auto& [k, x] : v.o->items)
      if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
}
NATIVE(f_keys) {
  std::vector<std::string> ks;
  keys_of(ARG(0), ks);
  Value r = Value::sequence();
  for (auto& k : ks) r.push(Value::string(k));
  return r;
}
NATIVE(f_lookup) {
  const Value& in = ARG(0);
  const std::string& key = a[1].str();
  if (in.is_arr()) {
    Value r = Value::sequence();
    for (auto& x : in.arr()) {
      if (!x.is_obj()) continue;
      if (auto* v = x.o->find(key)) {
        if (v->is_arr())
          for (auto& y : v->arr()) r.push(y);
        else
          r.push(*v);
      }
    }
    return r;
  }
  if (in.is_obj())
    if (auto* v = in.o->find(key)) return *v;
  return Value();
}
static Value spread(const Value& v) {
  if (v.is_arr()) {
    Value r = Value::sequence();
    for (auto& x : v.arr()) r = append(r, spread(x));
    return r;
  }
  if (v.is_obj()) {
    Value r = Value::sequence();
    for (auto& [k, x] : v.o->items) {
      Value o = Value::object();
      o.o->set(k, x);
      r.push(o);
    }
    return r;
  }
  return v;
}
NATIVE(f_spread) { return spread(ARG(0)); }
NATIVE(f_merge) {
  if (ARG(0).undef()) return Value();
  Value r = Value::object();
  for (auto& o : a[0].arr())
    for (auto& [k, v] : o.o->items) r.o->set(k, v);
  return r;
}
NATIVE(f_each) {
  if (ARG(0).undef()) return Value();
  Value r = Value::sequence();
  for (auto& [k, v] : a[0].o->items) {
    Value x = apply(ctx, a[1], hof_args(a[1], v, Value::string(k), a[0]), Value(), nullptr);
    if (!x.undef()) r.push(x);
  }
  return r;
}
NATIVE(f_error) { fail("D3137", -1, {}, ARG(0).undef() ? "$error() function evaluated" : a[0].str()); }
NATIVE(f_assert) {
  if (!a[0].b) fail("D3141", -1, {}, ARG(1).undef() ? "$assert() statement failed" : a[1].str());
  return Value();
}
NATIVE(f_map) {
  if (ARG(0).undef()) return Value();
  Value r = Value::sequence();
  for (std::size_t i = 0; i < a[0].size(); ++i) {
    Value x = apply(ctx, a[1], hof_args(a[1], a[0].arr()[i], Value::number(double(i)), a[0]), Value(), nullptr);
    if (!x.undef()) r.push(x);
  }
  return r;
}
NATIVE(f_filter) {
  if (ARG(0).undef()) return Value();
  Value r = Value::sequence();
  for (std::size_t i = 0; i < a[0].size(); ++i) {
    Value x = apply(ctx, a[1], hof_args(a[1], a[0].arr()[i], Value::number(double(i)), a[0]), Value(), nullptr);
    if (truthy(x)) r.push(a[0].arr()[i]);
  }
  return r;
}
NATIVE(f_single) {
  if (ARG(0).undef()) return Value();
  bool found = false;
  Value result;
  for (std::size_t i = 0; i < a[0].size(); ++i) {
    bool pos = true;
    if (!ARG(1).undef())
      pos = truthy(apply(ctx, a[1], hof_args(a[1], a[0].arr()[i], Value::number(double(i)), a[0]), Value(), nullptr));
    if (pos) {
      if (found) fail("D3138", -1);
      result = a[0].arr()[i];
      found = true;
    }
  }
  if (!found) fail("D3139", -1);
  return result;
}
NATIVE(f_zip) {
  Value r = Value::array();
  std::size_t len = a.empty() ? 0 : SIZE_MAX;
  for (auto& x : a) len = std::min(len, x.is_arr() ? x.size() : std::size_t(0));
  for (std::size_t i = 0; i < len; ++i) {
    Value t = Value::array();
    for (auto& x : a) t.push(x.arr()[i]);
    r.push(t);
  }
  return r;
}
NATIVE(f_reduce) {
  if (ARG(0).undef()) return Value();
  int arity = function_arity(a[1]);
  if (arity < 2) fail("D3050", -1);
  Value result;
  std::size_t i = 0;
  if (ARG(2).undef() && a[0].size() > 0) {
    result = a[0].arr()[0];
    i = 1;
  } else
    result = ARG(2);
  for (; i < a[0].size(); ++i) {
    std::vector<Value> args{result, a[0].arr()[i]};
    if (arity >= 3) args.push_back(Value::number(double(i)));
    if (arity >= 4) args.push_back(a[0]);
    result = apply(ctx, a[1], std::move(args), Value(), nullptr);
  }
  return result;
}
NATIVE(f_sift) {
  if (ARG(0).undef()) return Value();
  Value r = Value::object();
  for (auto& [k, v] : a[0].o->items) {
    Value x = apply(ctx, a[1], hof_args(a[1], v, Value::string(k), a[0]), Value(), nullptr);
    if (truthy(x)) r.o->set(k, v);
  }
  if (r.o->items.empty()) return Value();
  return r;
}
NATIVE(f_sort) {
  if (ARG(0).undef()) return Value();
  if (a[0].size() <= 1) return a[0];
  std::vector<Value> v = a[0].arr();
  if (ARG(1).undef()) {
    bool nums = true, strs = true;
    for (auto& x : v) {
      if (!x.is_num()) nums = false;
      if (!x.is_str()) strs = false;
    }
    if (!nums && !strs) fail("D3070", -1);
    std::stable_sort(v.begin(), v.end(),
                     [](const Value& x, const Value& y) { return x.is_num() ? x.n < y.n : x.str() < y.str(); });
  } else {
    Value f = a[1];
    std::stable_sort(v.begin(), v.end(), [&](const Value& x, const Value& y) {
      // y comes before x when comparator(x, y) is true
      return truthy(apply(ctx, f, {x, y}, Value(), nullptr)) ? false : truthy(apply(ctx, f, {y, x}, Value(), nullptr));
    });
  }
  Value r = Value::array();
  r.arr() = std::move(v);
  return r;
}
NATIVE(f_shuffle) {
  if (ARG(0).undef()) return Value();
  if (a[0].size() <= 1) return a[0];
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  Value r = Value::array();
  r.arr() = a[0].arr();
  std::shuffle(r.arr().begin(), r.arr().end(), rng);
  return r;
}
NATIVE(f_distinct) {
  if (ARG(0).undef()) return Value();
  if (!a[0].is_arr() || a[0].size() <= 1) return a[0];
  Value r = a[0].a->sequence ? Value::sequence() : Value::array();
  for (auto& x : a[0].arr()) {
    bool inc = false;
    for (auto& y : r.arr())
      if (deep_equal(x, y)) {
        inc = true;
        break;
      }
    if (!inc) r.push(x);
  }
  return r;
}
NATIVE(f_clone) { return ARG(0).undef() ? Value() : from_json(*to_json(a[0])); }
NATIVE(f_millis) {
  return Value::number(
      double(std::chrono::duration_cast<std::chrono::milliseconds>(ctx.now.time_since_epoch()).count()));
}

static const char* B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
NATIVE(f_b64enc) {
  if (ARG(0).undef()) return Value();
  const std::string& s = a[0].str();
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    out += B64[n >> 18];
    out += B64[(n >> 12) & 63];
    out += B64[(n >> 6) & 63];
    out += B64[n & 63];
  }
  if (i + 1 == s.size()) {
    uint32_t n = uint8_t(s[i]) << 16;
    out += B64[n >> 18];
    out += B64[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == s.size()) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8);
    out += B64[n >> 18];
    out += B64[(n >> 12) & 63];
    out += B64[(n >> 6) & 63];
    out += '=';
  }
  return Value::string(out);
}
NATIVE(f_b64dec) {
  if (ARG(0).undef()) return Value();
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : a[0].str()) {
    const char* p = std::strchr(B64, c);
    if (!p || c == 0) continue;
    buf = (buf << 6) | uint32_t(p - B64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buf >> bits) & 0xFF);
    }
  }
  return Value::string(out);
}
static bool lone_surrogate(const std::string& s) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i)
    if (uint8_t(s[i]) == 0xED && uint8_t(s[i + 1]) >= 0xA0) return true;
  return false;
}
static Value url_encode(const Value& v, const char* keep) {
  if (v.undef()) return Value();
  const std::string& s = v.str();
  if (lone_surrogate(s)) fail("D3140", -1, {}, "Malformed URL passed to encodeURI(): " + s);
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || std::strchr(keep, c))
      out += char(c);
    else {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      out += b;
    }
  }
  return Value::string(out);
}
NATIVE(f_enc_comp) { return url_encode(ARG(0), "-_.!~*'()"); }
NATIVE(f_enc) { return url_encode(ARG(0), "-_.!~*'();/?:@&=+$,#"); }
static Value url_decode(const Value& v, const char* reserved) {
  if (v.undef()) return Value();
  const std::string& s = v.str();
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2]))
      fail("D3140", -1, {}, "Malformed URL passed to decodeURI(): " + s);
    char c = char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
    if (reserved && std::strchr(reserved, c) && c)
      out += s.substr(i, 3);
    else
      out += c;
    i += 2;
  }
  // validate UTF-8
  for (std::size_t i = 0; i < out.size();) {
    unsigned char c = out[i];
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > out.size()) fail("D3140", -1, {}, "Malformed URL passed to decodeURI(): " + s);
    for (std::size_t k = 1; k < len; ++k)
      if ((uint8_t(out[i + k]) & 0xC0) != 0x80) fail("D3140", -1, {}, "Malformed URL passed to decodeURI(): " + s);
    i += len;
  }
  return Value::string(out);
}
NATIVE(f_dec_comp) { return url_decode(ARG(0), nullptr); }
NATIVE(f_dec) { return url_decode(ARG(0), ";/?:@&=+$,#"); }
NATIVE(f_format_base) {
  if (ARG(0).undef()) return Value();
  double v = js_round(a[0].n, 0);
  int radix = ARG(1).undef() ? 10 : int(a[1].n);
  if (radix < 2 || radix > 36) fail("D3100", -1, {}, "The radix of the formatBase function must be between 2 and 36");
  // Digits are computed on a 64-bit integer: infinities and magnitudes of 2^64 and more are out
  // of range (jsonata-js prints them through Number.toString; not supported here).
  if (!std::isfinite(v) || std::fabs(v) >= 18446744073709551616.0) fail("D1001", -1, {}, "Number out of range");
  bool neg = v < 0;
  unsigned long long n = static_cast<unsigned long long>(std::fabs(v));
  std::string out;
  do {
    out += "0123456789abcdefghijklmnopqrstuvwxyz"[n % radix];
    n /= radix;
  } while (n);
  if (neg) out += '-';
  std::reverse(out.begin(), out.end());
  return Value::string(out);
}

Value f_format_number(Ctx&, std::vector<Value>&, const Value&);
Value f_format_integer(Ctx&, std::vector<Value>&, const Value&);
Value f_parse_integer(Ctx&, std::vector<Value>&, const Value&);
Value f_from_millis(Ctx&, std::vector<Value>&, const Value&);
Value f_to_millis(Ctx&, std::vector<Value>&, const Value&);
Value f_now(Ctx&, std::vector<Value>&, const Value&);

void register_builtins(Frame& root) {
  struct Def {
    const char* name;
    NativeImpl impl;
    const char* sig;
  };
  static const Def defs[] = {
      {"sum", f_sum, "<a<n>:n>"},
      {"count", f_count, "<a:n>"},
      {"max", f_max, "<a<n>:n>"},
      {"min", f_min, "<a<n>:n>"},
      {"average", f_average, "<a<n>:n>"},
      {"string", f_string, "<x-b?:s>"},
      {"substring", f_substring, "<s-nn?:s>"},
      {"substringBefore", f_substring_before, "<s-s:s>"},
      {"substringAfter", f_substring_after, "<s-s:s>"},
      {"lowercase", f_lowercase, "<s-:s>"},
      {"uppercase", f_uppercase, "<s-:s>"},
      {"length", f_length, "<s-:n>"},
      {"trim", f_trim, "<s-:s>"},
      {"pad", f_pad, "<s-ns?:s>"},
      {"match", f_match, "<s-f<s:o>n?:a<o>>"},
      {"contains", f_contains, "<s-(sf):b>"},
      {"replace", f_replace, "<s-(sf)(sf)n?:s>"},
      {"split", f_split, "<s-(sf)n?:a<s>>"},
      {"join", f_join, "<a<s>s?:s>"},
      {"formatNumber", f_format_number, "<n-so?:s>"},
      {"formatBase", f_format_base, "<n-n?:s>"},
      {"formatInteger", f_format_integer, "<n-s:s>"},
      {"parseInteger", f_parse_integer, "<s-s:n>"},
      {"number", f_number, "<(nsb)-:n>"},
      {"floor", f_floor, "<n-:n>"},
      {"ceil", f_ceil, "<n-:n>"},
      {"round", f_round, "<n-n?:n>"},
      {"abs", f_abs, "<n-:n>"},
      {"sqrt", f_sqrt, "<n-:n>"},
      {"power", f_power, "<n-n:n>"},
      {"random", f_random, "<:n>"},
      {"boolean", f_boolean, "<x-:b>"},
      {"not", f_not, "<x-:b>"},
      {"map", f_map, "<af>"},
      {"zip", f_zip, "<a+>"},
      {"filter", f_filter, "<af>"},
      {"single", f_single, "<af?>"},
      {"reduce", f_reduce, "<afj?:j>"},
      {"sift", f_sift, "<o-f?:o>"},
      {"keys", f_keys, "<x-:a<s>>"},
      {"lookup", f_lookup, "<x-s:x>"},
      {"append", f_append, "<xx:a>"},
      {"exists", f_exists, "<x:b>"},
      {"spread", f_spread, "<x-:a<o>>"},
      {"merge", f_merge, "<a<o>:o>"},
      {"reverse", f_reverse, "<a:a>"},
      {"each", f_each, "<o-f:a>"},
      {"error", f_error, "<s?:x>"},
      {"assert", f_assert, "<bs?:x>"},
      {"type", f_type, "<x:s>"},
      {"sort", f_sort, "<af?:a>"},
      {"shuffle", f_shuffle, "<a:a>"},
      {"distinct", f_distinct, "<x:x>"},
      {"base64encode", f_b64enc, "<s-:s>"},
      {"base64decode", f_b64dec, "<s-:s>"},
      {"encodeUrlComponent", f_enc_comp, "<s-:s>"},
      {"encodeUrl", f_enc, "<s-:s>"},
      {"decodeUrlComponent", f_dec_comp, "<s-:s>"},
      {"decodeUrl", f_dec, "<s-:s>"},
      {"toMillis", f_to_millis, "<s-s?:n>"},
      {"fromMillis", f_from_millis, "<n-s?s?:s>"},
      {"clone", f_clone, "<(oa)-:o>"},
      {"now", f_now, "<s?s?:s>"},
      {"millis", f_millis, "<:n>"},
  };
  for (auto& d : defs) {
    auto f = std::make_shared<Function>();
    f->kind = Function::Kind::Native;
    f->impl = d.impl;
    f->name = d.name;
    f->signature = parse_signature(d.sig, -1);
    f->arity = static_cast<int>(f->signature->params.size());
    // jsonata-js passes a native function as many arguments as its JavaScript parameters without
    // defaults; $string's second parameter has a default, so $map(xs, $string) passes one.
    if (std::strcmp(d.name, "string") == 0) f->arity = 1;
    root.bind(d.name, fnval(f));
  }
}

}  // namespace cosmicai::jsonata::detail
