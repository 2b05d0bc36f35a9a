#pragma once
/// JSONata in Step Functions: a field value whose strings may be "{% expression %}", compiled once
/// when the definition is loaded, and the values an expression sees ($states, the workflow variables,
/// the six functions Step Functions adds: $partition, $range, $hash, $random, $uuid, $parse).
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/parse_context.hpp"
#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

// The workflow variables (Vars, no_vars, assign_vars) and the context view: asl/path/scope.hpp.

/// What an expression of a state sees. JSONPath: `input` is `$`, `context` is `$$`, `vars` the
/// "$name" variables. JSONata: `$states.input`, `$states.context`, `$states.result`,
/// `$states.errorOutput` and the variables.
struct EvalEnv {
  const json& input;
  const ContextRef& context;
  const Variables* vars = nullptr;
  const json* result = nullptr;        ///< $states.result (Task/Map/Parallel Output and Assign)
  const json* error_output = nullptr;  ///< $states.errorOutput (a Catcher's Output and Assign)
};

/// Where `$states.result` / `$states.errorOutput` may be used in a field.
struct StatesAccess {
  bool result = false;
  bool error_output = false;
};

/// A field value of a JSONata state: any JSON, with each string "{% expr %}" (anywhere inside
/// objects and arrays) compiled. Immutable; evaluate() is thread-safe.
class JsonataValue {
 public:
  /// Compile `value`, the field `field` (e.g. "Output", "Assign") at `pointer`. Syntax errors and
  /// uses of `$states.result`/`$states.errorOutput` not allowed by `access` go to `ctx`.
  static JsonataValue compile(const json& value, const std::string& field, const std::string& pointer,
                              StatesAccess access, ParseContext& ctx);

  /// Evaluate: expressions replaced by their results. Throws StatesError(States.QueryEvaluationError)
  /// with AWS's cause ("The JSONata expression '…' specified for the field 'Output/x' returned nothing
  /// (undefined)." / "… threw an error during evaluation. T2001: …").
  json evaluate(const EvalEnv& env) const;
  /// Evaluate a field that must be a JSON array (Map `Items`), with AWS's type message.
  json evaluate_array(const EvalEnv& env) const;
  /// Evaluate a field that must be an integer >= `min` (MaxConcurrency, TimeoutSeconds, ...).
  std::int64_t evaluate_integer(const EvalEnv& env, std::int64_t min) const;
  /// Evaluate a field that must be a number in [min, max] (ToleratedFailurePercentage).
  double evaluate_number(const EvalEnv& env, double min, double max) const;
  /// Evaluate a field that must be a string (Fail Error/Cause, Wait Timestamp).
  std::string evaluate_string(const EvalEnv& env) const;
  /// Evaluate a field that must be a boolean (Choice Condition).
  bool evaluate_bool(const EvalEnv& env) const;

  /// Whether the value holds no expression (a constant).
  bool is_constant() const;
  const std::string& field() const { return field_; }

  struct Node;  // implementation detail

 private:
  std::shared_ptr<const Node> root_;
  std::string field_;
};

/// In a JSONata state, compile `obj[key]` when it is a JSONata string ("{% … %}"); otherwise nullopt
/// (the caller reads the literal). Used for the fields that take a number or string or an expression.
std::optional<JsonataValue> jsonata_field(const json& obj, const std::string& pointer, const char* key,
                                          ParseContext& ctx);

/// Return whether `text` is a JSONata string: it starts with "{%" and ends with "%}".
bool is_jsonata_string(std::string_view text);

}  // namespace cosmicai::asl
