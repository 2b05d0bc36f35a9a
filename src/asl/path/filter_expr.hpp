#pragma once
/// Filter expressions of JSONPath ("[?(@.price < 10 && @.tag)]"), Jayway's dialect:
/// comparisons (==, !=, <, <=, >, >=), =~ /regex/flags, in, nin, subsetof, anyof,
/// noneof, size, empty, existence tests, !, &&, || and parentheses. Internal to asl/path.
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "asl/path/compiled_path.hpp"
#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl::detail {

/// A parsed filter expression tree. Immutable, thread-safe to evaluate.
struct FilterExpr {
  enum class Kind { kOr, kAnd, kNot, kCompare, kExists };
  /// An operand: a literal JSON value, a path ("@.x", "$.y") or a regex.
  struct Operand {
    enum class Kind { kLiteral, kPath, kRegex };
    Kind kind = Kind::kLiteral;
    json literal;
    std::shared_ptr<const CompiledPath> path;
    std::string regex;
    bool icase = false;
    std::shared_ptr<const std::regex> compiled;  ///< kRegex, compiled once at parse time
  };
  Kind kind = Kind::kExists;
  std::vector<std::shared_ptr<const FilterExpr>> children;  ///< kOr, kAnd, kNot
  Operand lhs, rhs;                                         ///< kCompare (lhs only for kExists)
  std::string op;                                           ///< "==", "<", "=~", "in", ...
  std::string text;                                         ///< source, for messages

  /// Evaluate for the candidate node `current` ("@"), `root` ("$") and `context` ("$$").
  bool evaluate(const json& current, const json& root, const ContextRef& context) const;
};

/// Parse the inside of "[?( ... )]". Returns nullptr and sets `error` on failure.
std::shared_ptr<const FilterExpr> parse_filter(std::string_view text, std::string& error);

}  // namespace cosmicai::asl::detail
