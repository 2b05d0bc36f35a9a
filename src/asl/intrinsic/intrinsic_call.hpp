#pragma once
/// The parsed form of an intrinsic function call ("States.Format('{}', $.a)").
/// Internal to asl/intrinsic.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/path/json_path.hpp"
#include "common/json.hpp"

namespace cosmicai::asl::detail {

struct IntrinsicCall;

/// One argument: a literal, a quoted string, a path or a nested call.
struct IntrinsicArg {
  enum class Kind { kLiteral, kString, kPath, kCall };
  Kind kind = Kind::kLiteral;
  json literal;                                ///< kLiteral (number, true, false, null); kString: unescaped text
  std::string raw;                             ///< kString: text between the quotes, escapes kept; kPath: the path
  std::optional<JsonPath> path;                ///< kPath: compiled
  std::shared_ptr<const IntrinsicCall> call;   ///< kCall
};

/// A call: function name ("States.Format") and arguments. Immutable.
struct IntrinsicCall {
  std::string name;
  std::vector<IntrinsicArg> args;
  std::string text;  ///< the call as written
};

/// Arity of a known intrinsic; max < 0 means "any number".
struct IntrinsicArity {
  int min = 0;
  int max = 0;
};

/// Return the arity of `name` ("States.Hash"), or nullptr if it is not one of the 18.
const IntrinsicArity* intrinsic_arity(std::string_view name);

/// Parse a whole call. Returns nullptr and sets `error` (naming the offset) on failure.
/// Checks syntax, names and argument counts, and that every path argument parses.
std::shared_ptr<const IntrinsicCall> parse_intrinsic(std::string_view text, std::string& error);

}  // namespace cosmicai::asl::detail
