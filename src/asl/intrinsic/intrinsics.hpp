#pragma once
/// The States.* intrinsic functions (all 18), parsed and evaluated as AWS does.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

namespace detail {
struct IntrinsicCall;
}

/// An intrinsic function call compiled once (its path arguments too). Immutable; thread-safe.
class IntrinsicExpr {
 public:
  /// Compile `text`; nullopt with `error` set (naming the offset) when it is not a well-formed call.
  static std::optional<IntrinsicExpr> compile(std::string_view text, std::string& error);
  /// Evaluate (see evaluate_intrinsic).
  json evaluate(const json& input, const ContextRef& context, const Variables* vars = nullptr) const;
  const std::string& text() const;

 private:
  std::shared_ptr<const detail::IntrinsicCall> call_;
};

/// Return whether `text` is an intrinsic function call ("States.Format(...)").
bool is_intrinsic_call(std::string_view text);

/// Return an error message if `text` is not a well-formed call of a known
/// intrinsic (name, parentheses, quoting, argument syntax), else nullopt.
std::optional<std::string> check_intrinsic(std::string_view text);

/// The lowercase hex digest of `data` by `algorithm` (MD5, SHA-1, SHA-256, SHA-384, SHA-512), as
/// States.Hash and JSONata's $hash give it; nullopt for any other algorithm.
std::optional<std::string> hash_hex(std::string_view algorithm, std::string_view data);

/// Compile and evaluate an intrinsic call (compiled on every call: tests, one-off use). Arguments may be literals, paths into `input` or
/// `context` ("$.a", "$$.Execution.Id") and nested calls. Throws
/// StatesError(States.IntrinsicFailure) with AWS's wording on bad arguments.
json evaluate_intrinsic(std::string_view text, const json& input, const ContextRef& context, const Variables* vars = nullptr);

}  // namespace cosmicai::asl
