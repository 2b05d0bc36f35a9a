#pragma once
/// "Literal or path": a state field written as a literal (`TimeoutSeconds: 5`), as a JSONPath in its
/// `…Path` twin (`TimeoutSecondsPath: "$.t"`; ErrorPath/CausePath also take an intrinsic call), or, in
/// a JSONata state, as an expression in the literal field (`TimeoutSeconds: "{% $t %}"`). One compiled
/// type for every such field (Task timeouts, Wait Seconds/Timestamp, Fail Error/Cause, Map
/// MaxConcurrency/ToleratedFailure*/ItemBatcher limits, ItemReader MaxItems), so no runner branches on
/// the query language.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "asl/parse_context.hpp"
#include "asl/path/payload_template.hpp"
#include "asl/query/jsonata_field.hpp"
#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// A compiled literal-or-path field. Immutable; every function is const and thread-safe.
class LiteralOrPath {
 public:
  enum class Kind { kAbsent, kLiteral, kPath, kJsonata };

  /// Reads and validates the literal of a present, non-JSONata `key` (through `ctx`, which reports
  /// problems); returns nullopt when it is unusable.
  using LiteralReader = std::function<std::optional<json>()>;

  /// Parse `key` and `path_key` of `obj` (at `pointer`) in the current state's query language.
  /// Paths are compiled (an intrinsic call too when `intrinsic`), JSONata strings in `key` compiled;
  /// with `exclusive`, both fields present is an error.
  static LiteralOrPath parse(const json& obj, const std::string& pointer, const char* key, const char* path_key,
                             ParseContext& ctx, const LiteralReader& read_literal, bool intrinsic = false,
                             bool exclusive = true);

  Kind kind() const { return kind_; }
  bool present() const { return kind_ != Kind::kAbsent; }
  const json& literal() const { return literal_; }
  /// The path as written ("$.t") and the field that holds it ("TimeoutSecondsPath").
  const std::string& path_text() const { return path_->text(); }
  const std::string& path_key() const { return path_key_; }

  /// The value a path field selects on `input` (the state's effective input): nullopt when a path
  /// matches nothing. Only for kPath.
  std::optional<json> path_value(const json& input, const ContextRef& context, const Variables* vars) const;

  /// The value a path field selects, throwing StatesError(States.Runtime) "Invalid path …" as a
  /// plain path query does when nothing matches. Only for kPath with a JSONPath.
  json path_query(const json& input, const ContextRef& context, const Variables* vars) const;

  /// A path value's checker: gets the value (nullopt when the path matched nothing), the field and
  /// what the path read; returns the typed value or throws the field's AWS error.
  template <class T>
  using PathCheck = T (*)(const std::optional<json>& value, const LiteralOrPath& field, const json& input,
                          const EvalEnv& env);

  /// Resolve an integer field: the literal, the JSONata result (an integer >= `min`, else
  /// States.QueryEvaluationError) or the path value checked by `check`. nullopt when absent.
  /// JSONata sees `env`; a path reads `path_input`.
  std::optional<std::int64_t> integer(const EvalEnv& env, const json& path_input, std::int64_t min,
                                      PathCheck<std::int64_t> check) const;
  /// Resolve a number field in [min, max] likewise.
  std::optional<double> number(const EvalEnv& env, const json& path_input, double min, double max,
                               PathCheck<double> check) const;
  /// Resolve a string field likewise.
  std::optional<std::string> string(const EvalEnv& env, const json& path_input, PathCheck<std::string> check) const;

 private:
  Kind kind_ = Kind::kAbsent;
  json literal_;
  std::optional<PathExpr> path_;
  std::optional<JsonataValue> expr_;
  std::string path_key_;
};

}  // namespace cosmicai::asl
