#pragma once
/// Payload templates (Parameters, ResultSelector, ItemSelector, JSONPath Assign): keys ending in ".$"
/// take a path, a context path or an intrinsic function call. Compiled once when the definition is
/// loaded (`PayloadTemplate::compile`); evaluation parses nothing.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/errors.hpp"
#include "asl/intrinsic/intrinsics.hpp"
#include "asl/path/json_path.hpp"
#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// A value read from the input: a JSONPath ("$.a", "$$.Execution.Id", "$var") or an intrinsic call
/// ("States.Format(...)"), as written in a ".$" field, ErrorPath or CausePath. Immutable.
class PathExpr {
 public:
  /// Compile `text`; nullopt with `error` set (a message naming the text) when it is neither.
  static std::optional<PathExpr> compile(std::string_view text, std::string& error);
  /// A path alone.
  static PathExpr from_path(JsonPath path) {
    PathExpr e;
    e.path_ = std::move(path);
    return e;
  }
  bool is_intrinsic() const { return intrinsic_.has_value(); }
  const std::string& text() const { return intrinsic_ ? intrinsic_->text() : path_->text(); }
  /// The value: the intrinsic's result, or the path's (nullopt when a path matches nothing).
  std::optional<json> try_evaluate(const json& input, const ContextRef& context, const Variables* vars) const;
  /// The value; a path matching nothing throws "Invalid path …" as JsonPath::query does.
  json query(const json& input, const ContextRef& context, const Variables* vars) const {
    return intrinsic_ ? intrinsic_->evaluate(input, context, vars) : path_->query(input, context, vars);
  }
  /// Like a ".$" field `field`: a path matching nothing throws AWS's "could not be found" error.
  json evaluate_field(std::string_view field, const json& input, const ContextRef& context, const Variables* vars) const;

 private:
  std::optional<JsonPath> path_;
  std::optional<IntrinsicExpr> intrinsic_;
};

/// A compiled payload template. Immutable; copies share the compiled tree; evaluate() is thread-safe.
/// A default-constructed one is the empty object.
class PayloadTemplate {
 public:
  /// Compile `tmpl` at `pointer`; every problem (a ".$" key whose value is not a string, or not a
  /// valid path or intrinsic call) is appended to `errors` (the template then must not be evaluated).
  static PayloadTemplate compile(const json& tmpl, const std::string& pointer, std::vector<ValidationError>& errors);
  /// Evaluate against the effective input and the context object. Throws StatesError (States.Runtime
  /// for a path that matches nothing, States.IntrinsicFailure for a failing intrinsic) with AWS's
  /// wording. `vars` (an object, may be null) holds the workflow variables that "$name" paths read.
  json evaluate(const json& input, const ContextRef& context, const Variables* vars = nullptr) const;
  /// Whether it holds no ".$" field (evaluates to itself).
  bool is_constant() const;

  struct Node;  // implementation detail

 private:
  std::shared_ptr<const Node> root_;
};

/// Compile and evaluate `tmpl` in one go (tests, one-off use). Throws StatesError(States.Runtime) for
/// a template that does not compile.
json evaluate_payload_template(const json& tmpl, const json& input, const ContextRef& context, const Variables* vars = nullptr);

/// Append to `errors` every problem in a template (as PayloadTemplate::compile).
void validate_payload_template(const json& tmpl, const std::string& pointer, std::vector<ValidationError>& errors);

}  // namespace cosmicai::asl
