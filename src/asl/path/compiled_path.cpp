#include "asl/path/compiled_path.hpp"

#include <cctype>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "asl/errors.hpp"
#include "asl/path/filter_expr.hpp"

namespace cosmicai::asl::detail {

namespace {

// === Rendering ===

std::string quote_name(const std::string& name) { return "'" + name + "'"; }

const char* type_word(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    default: return "number";
  }
}

// === Parsing ===

class PathParser {
 public:
  PathParser(std::string_view text, bool allow_relative) : s_(text), allow_relative_(allow_relative) {}

  ParseResult parse() {
    auto path = std::make_shared<CompiledPath>();
    path->text = std::string(s_);
    if (s_.empty()) return fail("a path must not be empty");
    if (s_.rfind("$$", 0) == 0) {
      path->context = true;
      pos_ = 2;
    } else if (s_[0] == '$') {
      pos_ = 1;
      // "$name": a workflow variable (Assign); the name is an identifier.
      auto ident_start = [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) || ch == '_'; };
      auto ident = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
      if (!allow_relative_ && pos_ < s_.size() && ident_start(s_[pos_])) {
        const std::size_t start = pos_;
        while (pos_ < s_.size() && ident(s_[pos_])) ++pos_;
        path->variable = std::string(s_.substr(start, pos_ - start));
      }
    } else if (allow_relative_ && s_[0] == '@') {
      path->relative = true;
      pos_ = 1;
    } else {
      return fail("a path must start with '$'");
    }
    while (pos_ < s_.size()) {
      PathSegment seg;
      const char c = s_[pos_];
      if (c == '.') {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '.') {
          seg.deep = true;
          pos_ += 2;
        } else {
          ++pos_;
        }
        if (pos_ >= s_.size()) return fail("a path must not end with a '.' or '..'");
        if (s_[pos_] == '.') return fail(fmt::format("unexpected '.' at position {}", pos_));
        if (s_[pos_] == '[') {
          if (!seg.deep) return fail(fmt::format("unexpected '[' after '.' at position {}", pos_));
          if (!parse_bracket(seg)) return fail(error_);
        } else if (!parse_dot_name(seg)) {
          return fail(error_);
        }
      } else if (c == '[') {
        if (!parse_bracket(seg)) return fail(error_);
      } else if (c == ' ' || c == '\t' || c == '\n') {
        return fail(fmt::format("unexpected blank at position {} (use bracket notation ['my prop'] for names "
                                "with blanks)",
                                pos_));
      } else {
        return fail(fmt::format("unexpected character '{}' at position {}", c, pos_));
      }
      if (!path->segments.empty() && path->segments.back().kind == PathSegment::Kind::kFunction)
        return fail("a function call must be the last step of a path");
      path->segments.push_back(std::move(seg));
    }
    path->definite = true;
    for (std::size_t i = 0; i < path->segments.size(); ++i) path->definite = path->definite && path->step_definite(i);
    return ParseResult{std::move(path), {}};
  }

 private:
  ParseResult fail(std::string message) {
    return ParseResult{nullptr, std::move(message)};
  }
  bool error(std::string message) {
    error_ = std::move(message);
    return false;
  }
  void skip_blanks() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  bool parse_dot_name(PathSegment& seg) {
    if (s_[pos_] == '*') {
      seg.kind = PathSegment::Kind::kWildcard;
      ++pos_;
      return true;
    }
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != '.' && s_[pos_] != '[' && s_[pos_] != '(' && s_[pos_] != ' ' &&
           s_[pos_] != '\t' && s_[pos_] != '\n')
      ++pos_;
    if (pos_ == start) return error(fmt::format("expected a property name at position {}", start));
    std::string name(s_.substr(start, pos_ - start));
    if (pos_ < s_.size() && s_[pos_] == '(') {
      if (pos_ + 1 >= s_.size() || s_[pos_ + 1] != ')')
        return error(fmt::format("function '{}' takes no arguments here (position {})", name, pos_));
      static const char* kFunctions[] = {"length", "size", "min", "max", "avg", "sum", "stddev", "keys",
                                         "first", "last"};
      if (std::find(std::begin(kFunctions), std::end(kFunctions), name) == std::end(kFunctions))
        return error(fmt::format("unknown function '{}()'", name));
      if (seg.deep) return error("a function cannot follow '..'");
      pos_ += 2;
      seg.kind = PathSegment::Kind::kFunction;
      seg.function = std::move(name);
      return true;
    }
    seg.kind = PathSegment::Kind::kProperty;
    seg.names.push_back(std::move(name));
    return true;
  }

  // Reads a quoted name; a backslash protects the next character and is kept, like
  // the Step Functions service does ("$['a\\"b']" addresses the key a\"b).
  bool parse_quoted(std::string& out) {
    const char quote = s_[pos_++];
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\') ++pos_;
      ++pos_;
    }
    if (pos_ >= s_.size()) return error(fmt::format("unterminated quoted name starting at position {}", start - 1));
    out = std::string(s_.substr(start, pos_ - start));
    ++pos_;
    return true;
  }

  bool parse_int(std::string_view text, long long& out) {
    if (text.empty()) return false;
    std::size_t i = 0;
    if (text[0] == '-') i = 1;
    if (i >= text.size()) return false;
    for (std::size_t k = i; k < text.size(); ++k)
      if (text[k] < '0' || text[k] > '9') return false;
    try {
      out = std::stoll(std::string(text));
    } catch (...) {
      return false;
    }
    return true;
  }

  bool parse_bracket(PathSegment& seg) {
    const std::size_t open = pos_;
    ++pos_;
    skip_blanks();
    if (pos_ >= s_.size()) return error(fmt::format("unterminated '[' at position {}", open));
    const char c = s_[pos_];
    if (c == '?') {
      ++pos_;
      skip_blanks();
      if (pos_ >= s_.size() || s_[pos_] != '(') return error(fmt::format("expected '(' after '[?' at position {}", pos_));
      const std::size_t body_start = pos_ + 1;
      int depth = 0;
      char quote = 0;
      for (; pos_ < s_.size(); ++pos_) {
        const char ch = s_[pos_];
        if (quote) {
          if (ch == '\\') ++pos_;
          else if (ch == quote) quote = 0;
          continue;
        }
        if (ch == '\'' || ch == '"') quote = ch;
        else if (ch == '(') ++depth;
        else if (ch == ')' && --depth == 0) break;
      }
      if (pos_ >= s_.size()) return error(fmt::format("unterminated filter starting at position {}", open));
      std::string ferr;
      auto filter = parse_filter(s_.substr(body_start, pos_ - body_start), ferr);
      if (!filter) return error(ferr);
      ++pos_;
      skip_blanks();
      if (pos_ >= s_.size() || s_[pos_] != ']') return error(fmt::format("expected ']' at position {}", pos_));
      ++pos_;
      seg.kind = PathSegment::Kind::kFilter;
      seg.filter = std::move(filter);
      return true;
    }
    if (c == '*') {
      ++pos_;
      skip_blanks();
      if (pos_ >= s_.size() || s_[pos_] != ']') return error(fmt::format("expected ']' at position {}", pos_));
      ++pos_;
      seg.kind = PathSegment::Kind::kWildcard;
      return true;
    }
    if (c == '\'' || c == '"') {
      seg.kind = PathSegment::Kind::kProperty;
      while (true) {
        skip_blanks();
        if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"'))
          return error(fmt::format("expected a quoted name at position {}", pos_));
        std::string name;
        if (!parse_quoted(name)) return false;
        seg.names.push_back(std::move(name));
        skip_blanks();
        if (pos_ >= s_.size()) return error(fmt::format("unterminated '[' at position {}", open));
        if (s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (s_[pos_] == ']') {
          ++pos_;
          return true;
        }
        return error(fmt::format("expected ',' or ']' at position {}", pos_));
      }
    }
    const std::size_t close = s_.find(']', pos_);
    if (close == std::string_view::npos) return error(fmt::format("unterminated '[' at position {}", open));
    std::string body;
    for (char ch : s_.substr(pos_, close - pos_))
      if (ch != ' ' && ch != '\t') body += ch;
    pos_ = close + 1;
    if (const auto colon = body.find(':'); colon != std::string::npos) {
      seg.kind = PathSegment::Kind::kSlice;
      const std::string from = body.substr(0, colon), to = body.substr(colon + 1);
      if (to.find(':') != std::string::npos) return error(fmt::format("slice steps are not supported ('[{}]')", body));
      long long v = 0;
      if (!from.empty()) {
        if (!parse_int(from, v)) return error(fmt::format("bad slice start '{}' in '[{}]'", from, body));
        seg.slice_from = v;
      }
      if (!to.empty()) {
        if (!parse_int(to, v)) return error(fmt::format("bad slice end '{}' in '[{}]'", to, body));
        seg.slice_to = v;
      }
      return true;
    }
    seg.kind = PathSegment::Kind::kIndex;
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = body.find(',', start);
      const std::string item = body.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      long long v = 0;
      if (!parse_int(item, v))
        return error(fmt::format("expected an array index, '*', a slice, a filter or a quoted name in '[{}]'", body));
      seg.indices.push_back(v);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return true;
  }

  std::string_view s_;
  bool allow_relative_;
  std::size_t pos_ = 0;
  std::string error_;
};

// === Evaluation ===

class Evaluator {
 public:
  Evaluator(const CompiledPath& path, const json& root, const ContextRef& context)
      : path_(path), root_(root), context_(context) {}

  /// Evaluate from `start`, the node the path's first `first` steps selected (0: its root).
  std::vector<json> run(const json& start, std::string* error, std::size_t first = 0) {
    std::size_t end = path_.segments.size();
    const bool has_function = end > 0 && path_.segments.back().kind == PathSegment::Kind::kFunction;
    if (has_function) --end;
    end_ = end;
    walk(first, start);
    if (!error_.empty()) {
      if (error) *error = error_;
      return {};
    }
    bool prefix_definite = true;
    for (std::size_t i = 0; i < end_; ++i) prefix_definite = prefix_definite && path_.step_definite(i);
    if (prefix_definite && out_.empty()) {
      if (error) *error = "No results for path: " + path_.normalized_prefix(end_);
      return {};
    }
    if (!has_function) {
      std::vector<json> result;
      result.reserve(out_.size());
      for (const json* p : out_) result.push_back(*p);
      return result;
    }
    json operand;
    if (prefix_definite) {
      operand = *out_.front();
    } else {
      operand = json::array();
      for (const json* p : out_) operand.push_back(*p);
    }
    std::string ferr;
    json value = apply_function(path_.segments.back().function, operand, ferr);
    if (!ferr.empty()) {
      if (error) *error = ferr;
      return {};
    }
    return {std::move(value)};
  }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  void walk(std::size_t i, const json& node) {
    if (!error_.empty()) return;
    if (i == end_) {
      out_.push_back(&node);
      return;
    }
    const PathSegment& seg = path_.segments[i];
    if (seg.deep) {
      scan(i, node);
    } else {
      apply(i, node);
    }
  }

  // Recursive descent: apply the step here, then to every descendant, in document order.
  void scan(std::size_t i, const json& node) {
    apply(i, node);
    if (node.is_object()) {
      for (const auto& [k, v] : node.items()) scan(i, v);
    } else if (node.is_array()) {
      for (const auto& v : node) scan(i, v);
    }
  }

  void apply(std::size_t i, const json& node) {
    const PathSegment& seg = path_.segments[i];
    // Only a path that selects at most one node reports why it found nothing; the
    // service answers [] for an indefinite path over missing input ("$.items[*]" on {}).
    const bool definite_here = path_.definite && !seg.deep && path_prefix_definite(i);
    switch (seg.kind) {
      case PathSegment::Kind::kProperty: {
        if (!node.is_object()) {
          if (definite_here && seg.names.size() == 1)
            fail(fmt::format("Expected to find an object with property {} in path {} but found '{}'",
                             seg.to_string(), path_.normalized_prefix(i), type_word(node)));
          return;
        }
        if (seg.names.size() == 1) {
          auto it = node.find(seg.names[0]);
          if (it == node.end()) {
            if (definite_here && i + 1 < end_) fail("Missing property in path " + path_.normalized_prefix(i + 1));
            return;
          }
          walk(i + 1, *it);
          return;
        }
        if (i + 1 == end_) {  // Jayway merges a multi-property leaf into one object
          json merged = json::object();
          for (const auto& name : seg.names)
            if (auto it = node.find(name); it != node.end()) merged[name] = *it;
          owned_.push_back(std::make_unique<json>(std::move(merged)));
          out_.push_back(owned_.back().get());
          return;
        }
        for (const auto& name : seg.names)
          if (auto it = node.find(name); it != node.end()) walk(i + 1, *it);
        return;
      }
      case PathSegment::Kind::kIndex: {
        if (!node.is_array()) {
          if (definite_here)
            fail(node.is_null() ? fmt::format("The path {} is null", path_.normalized_prefix(i))
                                : fmt::format("Filter: {} can only be applied to arrays. Current context is: {}",
                                              seg.to_string(), dump_compact(node)));
          return;
        }
        const long long size = static_cast<long long>(node.size());
        for (long long idx : seg.indices) {
          const long long eff = idx < 0 ? size + idx : idx;
          if (eff >= 0 && eff < size) walk(i + 1, node[static_cast<std::size_t>(eff)]);
        }
        return;
      }
      case PathSegment::Kind::kWildcard:
        if (node.is_object()) {
          for (const auto& [k, v] : node.items()) walk(i + 1, v);
        } else if (node.is_array()) {
          for (const auto& v : node) walk(i + 1, v);
        }
        return;
      case PathSegment::Kind::kSlice: {
        if (!node.is_array()) return;
        const long long size = static_cast<long long>(node.size());
        long long from = seg.slice_from.value_or(0);
        long long to = seg.slice_to.value_or(size);
        if (from < 0) from = std::max(0LL, size + from);
        if (to < 0) to = size + to;
        to = std::min(to, size);
        for (long long k = from; k < to; ++k) walk(i + 1, node[static_cast<std::size_t>(k)]);
        return;
      }
      case PathSegment::Kind::kFilter:
        if (node.is_array()) {
          for (const auto& v : node)
            if (seg.filter->evaluate(v, root_, context_)) walk(i + 1, v);
        } else if (node.is_object()) {
          if (seg.filter->evaluate(node, root_, context_)) walk(i + 1, node);
        }
        return;
      case PathSegment::Kind::kFunction:
        return;  // handled in run()
    }
  }

  // Return whether every step before step `i` selects at most one node.
  bool path_prefix_definite(std::size_t i) const {
    for (std::size_t k = 0; k < i; ++k)
      if (!path_.segments[k].definite()) return false;
    return true;
  }

  static json apply_function(const std::string& fn, const json& v, std::string& err) {
    if (fn == "length" || fn == "size") {
      if (v.is_array() || v.is_object()) return v.size();
      if (v.is_string()) return v.get_ref<const std::string&>().size();
      err = fmt::format("Function {}() can only be applied to arrays, objects or strings, got {}", fn, type_word(v));
      return nullptr;
    }
    if (fn == "keys") {
      if (!v.is_object()) {
        err = fmt::format("Function keys() can only be applied to objects, got {}", type_word(v));
        return nullptr;
      }
      json keys = json::array();
      for (const auto& [k, _] : v.items()) keys.push_back(k);
      return keys;
    }
    if (!v.is_array()) {
      err = fmt::format("Function {}() can only be applied to arrays, got {}", fn, type_word(v));
      return nullptr;
    }
    if (fn == "first" || fn == "last") {
      if (v.empty()) {
        err = fmt::format("Function {}() applied to an empty array", fn);
        return nullptr;
      }
      return fn == "first" ? v.front() : v.back();
    }
    std::vector<double> nums;
    for (const auto& e : v)
      if (e.is_number()) nums.push_back(e.get<double>());
    if (nums.empty()) {
      err = fmt::format("Aggregation function attempted to calculate value using empty array ({}())", fn);
      return nullptr;
    }
    double acc = 0;
    if (fn == "min") return *std::min_element(nums.begin(), nums.end());
    if (fn == "max") return *std::max_element(nums.begin(), nums.end());
    for (double d : nums) acc += d;
    if (fn == "sum") return acc;
    const double mean = acc / static_cast<double>(nums.size());
    if (fn == "avg") return mean;
    double sq = 0;
    for (double d : nums) sq += (d - mean) * (d - mean);
    return std::sqrt(sq / static_cast<double>(nums.size()));  // stddev
  }

  const CompiledPath& path_;
  const json& root_;
  const ContextRef& context_;
  std::size_t end_ = 0;
  std::vector<const json*> out_;
  std::vector<std::unique_ptr<json>> owned_;
  std::string error_;
};

}  // namespace

std::string PathSegment::to_string() const {
  std::string s = deep ? ".." : "";
  switch (kind) {
    case Kind::kProperty: {
      s += "[";
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) s += ',';
        s += quote_name(names[i]);
      }
      return s + "]";
    }
    case Kind::kIndex: {
      s += "[";
      for (std::size_t i = 0; i < indices.size(); ++i) {
        if (i) s += ',';
        s += std::to_string(indices[i]);
      }
      return s + "]";
    }
    case Kind::kWildcard: return s + "[*]";
    case Kind::kSlice:
      return s + "[" + (slice_from ? std::to_string(*slice_from) : "") + ":" +
             (slice_to ? std::to_string(*slice_to) : "") + "]";
    case Kind::kFilter: return s + "[?]";
    case Kind::kFunction: return "." + function + "()";
  }
  return s;
}

std::string CompiledPath::normalized_prefix(std::size_t count) const {
  std::string s = relative ? "@" : "$";
  for (std::size_t i = 0; i < count && i < segments.size(); ++i) s += segments[i].to_string();
  return s;
}

std::string CompiledPath::normalized() const { return normalized_prefix(segments.size()); }

ParseResult parse_path(std::string_view text, bool allow_relative) { return PathParser(text, allow_relative).parse(); }

std::vector<json> evaluate_path(const CompiledPath& path, const json& root, const ContextRef& context,
                                std::string* error, const Variables* vars) {
  Evaluator ev(path, root, context);
  if (!path.variable.empty()) {
    const json* value = vars ? vars->find(path.variable) : nullptr;
    if (!value) {
      if (error) *error = "The variable '$" + path.variable + "' is not defined";
      return {};
    }
    return ev.run(*value, error);
  }
  if (!path.context) return ev.run(root, error);
  if (const json* whole = context.whole()) return ev.run(*whole, error);
  // A context made of parts (the execution's, the state's) is read from the member the path starts
  // with, which is what the first step selects: the execution input is not copied.
  if (!path.segments.empty() && path.segments.size() > (path.segments.back().kind == PathSegment::Kind::kFunction)) {
    const PathSegment& first = path.segments.front();
    if (first.kind == PathSegment::Kind::kProperty && !first.deep && first.names.size() == 1) {
      if (const json* member = context.find(first.names.front())) return ev.run(*member, error, 1);
    }
  }
  // `$$` itself, a wildcard or descent over it, a member it lacks (the error names the path): the
  // whole object, copied.
  const json whole = context.to_json();
  return ev.run(whole, error);
}

std::size_t scan_path_extent(std::string_view text) {
  int depth = 0;
  char quote = 0;
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
      continue;
    }
    if (depth > 0 && (c == '\'' || c == '"')) {
      quote = c;
    } else if (c == '[' || c == '(') {
      ++depth;
    } else if (c == ']' || (c == ')' && depth > 0)) {
      --depth;
    } else if (depth == 0 && (c == ',' || c == ')' || c == ' ' || c == '\t' || c == '\n')) {
      break;
    }
  }
  return i;
}

}  // namespace cosmicai::asl::detail
