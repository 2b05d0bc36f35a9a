#include "asl/path/filter_expr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <regex>

namespace cosmicai::asl::detail {

namespace {

// === Parsing ===

const std::vector<std::string>& word_operators() {
  static const std::vector<std::string> kWords = {"nin", "in", "subsetof", "anyof", "noneof", "size", "empty",
                                                  "contains"};
  return kWords;
}

class FilterParser {
 public:
  explicit FilterParser(std::string_view text) : s_(text) {}

  std::shared_ptr<const FilterExpr> parse(std::string& error) {
    auto expr = parse_or();
    skip();
    if (expr && pos_ != s_.size()) {
      fail(fmt::format("unexpected '{}' at offset {}", s_.substr(pos_), pos_));
      expr = nullptr;
    }
    if (!expr) error = fmt::format("invalid filter '[?({})]': {}", s_, error_);
    return expr;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  bool at(std::string_view tok) {
    skip();
    return s_.substr(pos_, tok.size()) == tok;
  }
  std::nullptr_t fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return nullptr;
  }

  std::shared_ptr<FilterExpr> parse_or() {
    auto first = parse_and();
    if (!first) return nullptr;
    if (!at("||")) return first;
    auto node = std::make_shared<FilterExpr>();
    node->kind = FilterExpr::Kind::kOr;
    node->children.push_back(first);
    while (at("||")) {
      pos_ += 2;
      auto next = parse_and();
      if (!next) return nullptr;
      node->children.push_back(next);
    }
    return node;
  }

  std::shared_ptr<FilterExpr> parse_and() {
    auto first = parse_unary();
    if (!first) return nullptr;
    if (!at("&&")) return first;
    auto node = std::make_shared<FilterExpr>();
    node->kind = FilterExpr::Kind::kAnd;
    node->children.push_back(first);
    while (at("&&")) {
      pos_ += 2;
      auto next = parse_unary();
      if (!next) return nullptr;
      node->children.push_back(next);
    }
    return node;
  }

  std::shared_ptr<FilterExpr> parse_unary() {
    skip();
    if (pos_ >= s_.size()) return fail("expected an expression at the end");
    if (s_[pos_] == '!' && !at("!=")) {
      ++pos_;
      auto inner = parse_unary();
      if (!inner) return nullptr;
      auto node = std::make_shared<FilterExpr>();
      node->kind = FilterExpr::Kind::kNot;
      node->children.push_back(inner);
      return node;
    }
    if (s_[pos_] == '(') {
      ++pos_;
      auto inner = parse_or();
      if (!inner) return nullptr;
      if (!at(")")) return fail(fmt::format("expected ')' at offset {}", pos_));
      ++pos_;
      return inner;
    }
    return parse_comparison();
  }

  std::shared_ptr<FilterExpr> parse_comparison() {
    const std::size_t start = pos_;
    auto node = std::make_shared<FilterExpr>();
    if (!parse_operand(node->lhs)) return nullptr;
    skip();
    static const char* kSymbolOps[] = {"==", "!=", "<=", ">=", "=~", "<", ">"};
    for (const char* op : kSymbolOps) {
      if (at(op)) {
        node->op = op;
        pos_ += node->op.size();
        break;
      }
    }
    if (node->op.empty()) {
      for (const auto& word : word_operators()) {
        if (at(word)) {
          const std::size_t after = pos_ + word.size();
          if (after < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[after])) || s_[after] == '_'))
            continue;
          node->op = word;
          pos_ = after;
          break;
        }
      }
    }
    if (node->op.empty()) {
      if (node->lhs.kind == FilterExpr::Operand::Kind::kPath) {
        node->kind = FilterExpr::Kind::kExists;
      } else if (node->lhs.kind == FilterExpr::Operand::Kind::kLiteral && node->lhs.literal.is_boolean()) {
        node->kind = FilterExpr::Kind::kCompare;
        node->op = "==";
        node->rhs.literal = true;
      } else {
        return fail(fmt::format("expected a comparison operator at offset {}", pos_));
      }
    } else {
      node->kind = FilterExpr::Kind::kCompare;
      if (!parse_operand(node->rhs)) return nullptr;
      if (node->op == "=~" && node->rhs.kind != FilterExpr::Operand::Kind::kRegex)
        return fail("'=~' needs a /regular expression/ on its right");
    }
    node->text = std::string(s_.substr(start, pos_ - start));
    return node;
  }

  bool parse_operand(FilterExpr::Operand& out) {
    skip();
    if (pos_ >= s_.size()) return fail("expected an operand at the end"), false;
    const char c = s_[pos_];
    if (c == '@' || c == '$') {
      // A path runs until a blank or an operator character outside brackets.
      int depth = 0;
      char quote = 0;
      std::size_t i = pos_;
      for (; i < s_.size(); ++i) {
        const char ch = s_[i];
        if (quote) {
          if (ch == '\\') ++i;
          else if (ch == quote) quote = 0;
          continue;
        }
        if (depth > 0 && (ch == '\'' || ch == '"')) quote = ch;
        else if (ch == '[' || (ch == '(' && i > pos_ && s_[i - 1] != ' ')) ++depth;
        else if ((ch == ']' || ch == ')') && depth > 0) --depth;
        else if (depth == 0 && std::string_view(" \t\n)=!<>&|,").find(ch) != std::string_view::npos) break;
      }
      auto parsed = parse_path(s_.substr(pos_, i - pos_), /*allow_relative=*/true);
      if (!parsed.path) return fail(fmt::format("path '{}': {}", s_.substr(pos_, i - pos_), parsed.error)), false;
      out.kind = FilterExpr::Operand::Kind::kPath;
      out.path = parsed.path;
      pos_ = i;
      return true;
    }
    if (c == '\'' || c == '"') {
      std::string value;
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != c) {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        value += s_[pos_++];
      }
      if (pos_ >= s_.size()) return fail("unterminated string literal"), false;
      ++pos_;
      out.literal = value;
      return true;
    }
    if (c == '/') {
      std::string pattern;
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '/') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) pattern += s_[pos_++];
        pattern += s_[pos_++];
      }
      if (pos_ >= s_.size()) return fail("unterminated regular expression"), false;
      ++pos_;
      out.kind = FilterExpr::Operand::Kind::kRegex;
      while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) {
        if (s_[pos_] == 'i') out.icase = true;
        ++pos_;
      }
      try {
        out.compiled = std::make_shared<const std::regex>(
            pattern, out.icase ? std::regex::ECMAScript | std::regex::icase : std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return fail(fmt::format("bad regular expression /{}/: {}", pattern, e.what())), false;
      }
      out.regex = pattern;
      return true;
    }
    if (c == '[') {
      ++pos_;
      out.literal = json::array();
      skip();
      if (at("]")) {
        ++pos_;
        return true;
      }
      while (true) {
        FilterExpr::Operand item;
        if (!parse_operand(item)) return false;
        if (item.kind != FilterExpr::Operand::Kind::kLiteral) return fail("list elements must be literals"), false;
        out.literal.push_back(item.literal);
        if (at(",")) {
          ++pos_;
          continue;
        }
        if (at("]")) {
          ++pos_;
          return true;
        }
        return fail(fmt::format("expected ',' or ']' at offset {}", pos_)), false;
      }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t i = pos_ + 1;
      while (i < s_.size() && std::string_view("0123456789.eE+-").find(s_[i]) != std::string_view::npos) ++i;
      try {
        out.literal = json::parse(s_.substr(pos_, i - pos_));
      } catch (...) {
        return fail(fmt::format("bad number '{}'", s_.substr(pos_, i - pos_))), false;
      }
      pos_ = i;
      return true;
    }
    for (const auto& [word, value] : {std::pair<const char*, json>{"true", true}, {"false", false}, {"null", nullptr}}) {
      if (at(word)) {
        pos_ += std::string_view(word).size();
        out.literal = value;
        return true;
      }
    }
    return fail(fmt::format("unexpected '{}' at offset {}", s_.substr(pos_), pos_)), false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

// === Evaluation ===

std::optional<json> resolve(const FilterExpr::Operand& op, const json& current, const json& root,
                            const ContextRef& context) {
  if (op.kind != FilterExpr::Operand::Kind::kPath) return op.literal;
  std::string err;
  auto matches = evaluate_path(*op.path, op.path->relative ? current : root, context, &err);
  if (!err.empty()) return std::nullopt;
  if (op.path->definite) return matches.empty() ? std::nullopt : std::optional<json>(matches.front());
  return json(std::move(matches));
}

bool contains_value(const json& array, const json& value) {
  return std::any_of(array.begin(), array.end(), [&](const json& e) { return e == value; });
}

int compare_values(const json& a, const json& b, bool& comparable) {
  comparable = true;
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  comparable = false;
  return 0;
}

}  // namespace

bool FilterExpr::evaluate(const json& current, const json& root, const ContextRef& context) const {
  switch (kind) {
    case Kind::kOr:
      return std::any_of(children.begin(), children.end(),
                         [&](const auto& c) { return c->evaluate(current, root, context); });
    case Kind::kAnd:
      return std::all_of(children.begin(), children.end(),
                         [&](const auto& c) { return c->evaluate(current, root, context); });
    case Kind::kNot: return !children.front()->evaluate(current, root, context);
    case Kind::kExists: {
      auto v = resolve(lhs, current, root, context);
      if (!v) return false;
      return lhs.path->definite || !v->empty();
    }
    case Kind::kCompare: break;
  }
  const auto left = resolve(lhs, current, root, context);
  if (!left) return false;
  if (op == "=~") {
    if (!left->is_string()) return false;
    return std::regex_match(left->get_ref<const std::string&>(), *rhs.compiled);
  }
  const auto right = resolve(rhs, current, root, context);
  if (!right) return false;
  const json& a = *left;
  const json& b = *right;
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    bool comparable = false;
    const int c = compare_values(a, b, comparable);
    if (!comparable) return false;
    if (op == "<") return c < 0;
    if (op == "<=") return c <= 0;
    if (op == ">") return c > 0;
    return c >= 0;
  }
  if (op == "in") return b.is_array() && contains_value(b, a);
  if (op == "nin") return b.is_array() && !contains_value(b, a);
  if (op == "contains") {
    if (a.is_array()) return contains_value(a, b);
    if (a.is_string() && b.is_string())
      return a.get_ref<const std::string&>().find(b.get_ref<const std::string&>()) != std::string::npos;
    return false;
  }
  if (op == "subsetof" || op == "anyof" || op == "noneof") {
    if (!a.is_array() || !b.is_array()) return false;
    if (op == "subsetof")
      return std::all_of(a.begin(), a.end(), [&](const json& e) { return contains_value(b, e); });
    const bool any = std::any_of(a.begin(), a.end(), [&](const json& e) { return contains_value(b, e); });
    return op == "anyof" ? any : !any;
  }
  if (op == "size") {
    if (!b.is_number_integer()) return false;
    if (a.is_array()) return static_cast<long long>(a.size()) == b.get<long long>();
    if (a.is_string()) return static_cast<long long>(a.get_ref<const std::string&>().size()) == b.get<long long>();
    return false;
  }
  if (op == "empty") {
    if (!b.is_boolean()) return false;
    bool is_empty = false;
    if (a.is_array() || a.is_object()) is_empty = a.empty();
    else if (a.is_string()) is_empty = a.get_ref<const std::string&>().empty();
    else return false;
    return is_empty == b.get<bool>();
  }
  return false;
}

std::shared_ptr<const FilterExpr> parse_filter(std::string_view text, std::string& error) {
  return FilterParser(text).parse(error);
}

}  // namespace cosmicai::asl::detail
