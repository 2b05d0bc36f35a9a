#pragma once
/// Choice rules: comparisons (every operator and its *Path form), Is* tests,
/// And/Or/Not, StringMatches, timestamps.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asl/errors.hpp"
#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// A parsed Choice rule (top-level rules carry `Next`; nested ones do not).
/// Immutable after parsing; evaluate() is thread-safe.
class ChoiceRule {
 public:
  /// Parse a rule at `pointer` (e.g. "/States/Check/Choices/0"). Appends every
  /// problem to `errors` and returns nullopt if the rule is unusable.
  /// `top_level` rules must have `Next`; nested rules must not.
  static std::optional<ChoiceRule> from_json(const json& rule, const std::string& pointer, bool top_level,
                                             std::vector<ValidationError>& errors);

  /// Evaluate against the state's effective input. Throws StatesError(States.Runtime)
  /// where AWS does (e.g. a *Path operand that matches nothing).
  bool evaluate(const json& input, const ContextRef& context, const Variables* vars = nullptr) const;

  /// `Next` of a top-level rule (empty for nested rules).
  const std::string& next() const { return next_; }

  struct Node;  // implementation detail

 private:
  std::shared_ptr<const Node> root_;
  std::string next_;
};

}  // namespace cosmicai::asl
