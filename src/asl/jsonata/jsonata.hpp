#pragma once
/// JSONata 2.0.6 (as AWS Step Functions documents it): compile once into an immutable tree,
/// evaluate many times, from any number of threads at once.
///
///   auto expr = jsonata::Expression::compile("$sum(Account.Order.Product.(Price * Quantity))");
///   cosmicai::json out = expr.evaluate(input);            // throws jsonata::Error
///
/// Evaluation returns std::nullopt for "no result" (JSONata's undefined), which is not JSON null.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"

namespace cosmicai::jsonata {

/// Every compile or evaluation failure: `code` is JSONata's (S0201, T2001, D3030, U1001 ...),
/// `position` the character offset in the expression where known (or -1), `token` the token.
class Error : public std::runtime_error {
 public:
  Error(std::string code, std::string message, long position = -1, std::string token = {});
  const std::string& code() const { return code_; }
  long position() const { return position_; }
  const std::string& token() const { return token_; }
  const std::string& detail() const { return detail_; }  // message without code/position

 private:
  std::string code_;
  std::string detail_;
  long position_;
  std::string token_;
};

/// Limits on one evaluation. Exceeding one raises Error with code U1001 (depth, steps or time)
/// or D2014 (a range too large) so a hostile expression fails instead of crashing.
struct Limits {
  std::size_t max_depth = 1000;                ///< nested evaluations (recursion)
  std::size_t max_steps = 50'000'000;          ///< evaluation steps in total
  std::chrono::milliseconds max_time{10'000};  ///< wall-clock time
  std::size_t max_sequence = 10'000'000;       ///< items in one range/sequence
  std::size_t regex_match_limit = 1'000'000;   ///< backtracking steps in one regex match
};

/// A native function callable from expressions as $name(...). Arguments arrive already
/// checked against `signature` (JSONata syntax, e.g. "<n-n?:n>"); undefined arguments are
/// std::nullopt. Throw Error for a failure.
struct CustomFunction {
  using Body = std::function<std::optional<json>(const std::vector<std::optional<json>>& args)>;
  CustomFunction() = default;
  CustomFunction(std::string signature_, Body body_) : signature(std::move(signature_)), body(std::move(body_)) {}
  std::string signature;  // empty = no checking
  Body body;
  std::shared_ptr<void> parsed;  // the parsed signature, set by Bindings::function
};

/// Variables ($name) and functions visible to one evaluation.
/// A Bindings may extend a `base` (e.g. a set of native functions built once), which must outlive it;
/// its own names win.
class Bindings {
 public:
  Bindings() = default;
  explicit Bindings(const Bindings* base) : base_(base) {}
  Bindings& value(std::string name, json v) {
    values_[std::move(name)] = std::move(v);
    return *this;
  }
  /// Bind `name` to `v` without copying it (a state's input can be 256 KiB): `v` must stay alive
  /// and unchanged while these bindings are evaluated with.
  Bindings& value_ref(std::string name, const json& v) {
    refs_[std::move(name)] = &v;
    return *this;
  }
  /// Bind `name` to an object of borrowed members (as value_ref), e.g. {"input": ..., "context": ...}.
  struct BorrowedMember {
    std::string name;
    const json* value;
    /// When set and `value` is an object: only these of its members are bound (see
    /// Expression::variable_members), the others are left out.
    const std::vector<std::string>* only = nullptr;
    /// When `value` is null: the member is an object of these borrowed members, in order (those
    /// that `only` names, when set), e.g. a context object whose parts live in different places.
    std::vector<BorrowedMember> parts = {};
  };
  Bindings& object_ref(std::string name, std::vector<BorrowedMember> members) {
    object_refs_[std::move(name)] = std::move(members);
    return *this;
  }
  /// Add a native function; its signature is parsed here, once (throws Error for a bad one).
  Bindings& function(std::string name, CustomFunction f);
  const std::map<std::string, json>& values() const { return values_; }
  const std::map<std::string, const json*>& value_refs() const { return refs_; }
  const std::map<std::string, std::vector<BorrowedMember>>& object_refs() const {
    return object_refs_;
  }
  const std::map<std::string, CustomFunction>& functions() const { return functions_; }
  const Bindings* base() const { return base_; }
  /// The functions as the evaluator binds them, built once by function() (a frame whose parent
  /// holds the built-in functions), so that an evaluation extending these bindings binds none anew.
  const std::shared_ptr<void>& function_frame() const { return function_frame_; }

 private:
  const Bindings* base_ = nullptr;
  std::map<std::string, json> values_;
  std::map<std::string, const json*> refs_;
  std::map<std::string, std::vector<BorrowedMember>> object_refs_;
  std::map<std::string, CustomFunction> functions_;
  std::shared_ptr<void> function_frame_;
};

struct Node;

class Expression {
 public:
  /// Parse `text`; throws Error (S0xxx) with the position of the offending token.
  static Expression compile(std::string_view text);

  /// Evaluate against `input` (std::nullopt: no input at all). Thread-safe: the tree is immutable.
  /// `returned_function` (optional) is set to whether the result was a function (which has no
  /// JSON form: the result is then std::nullopt).
  std::optional<json> evaluate(const std::optional<json>& input, const Bindings& bindings = {},
                               const Limits& limits = {}, bool* returned_function = nullptr) const;
  std::optional<json> evaluate(const json& input) const { return evaluate(std::optional<json>(input)); }

  const std::string& source() const { return *source_; }

  /// The first reference to the evaluation input at the expression's top level: `$`, `$$`, a
  /// field name or a wildcard that is not inside a later path step, a predicate, a sort term, a
  /// group-by or a function body. Returns e.g. "the field name 'order' at character 0"; nullopt
  /// when there is none. Step Functions forbids these (the input is only `$states.input`), while
  /// `$states.input.order[total > 10]` (nested) is allowed. `$$` is refused at any depth.
  std::optional<std::string> top_level_input_reference() const;

  /// The variables the expression names (`$x` anywhere, built-in functions included): what an
  /// evaluation can read of its bindings, so that the others need not be bound. Computed on each call.
  std::vector<std::string> variables() const;
  /// The members the expression can read of `$name.path[0].path[1]…`: {"input"} for
  /// `$states.input.items` with an empty `path`, {"Map"} for `$states.context.Map.Item` with path
  /// {"context"}. std::nullopt when it may read more of that value: the variable not at the head
  /// of a path, a path that stops at or before that value or goes on with anything but a field
  /// name, a predicate on the way, or a parent operator `%` anywhere. Computed on each call.
  std::optional<std::vector<std::string>> variable_members(const std::string& name,
                                                           const std::vector<std::string>& path = {}) const;

 private:
  std::shared_ptr<const Node> root_;
  std::shared_ptr<const std::string> source_;
};

}  // namespace cosmicai::jsonata
