#pragma once
/// The States.* intrinsic functions (all 18), parsed and evaluated as AWS does.
#include <optional>
#include <string>
#include <string_view>

#include "common/json.hpp"

namespace cosmicai::asl {

/// Return whether `text` is an intrinsic function call ("States.Format(...)").
bool is_intrinsic_call(std::string_view text);

/// Return an error message if `text` is not a well-formed call of a known
/// intrinsic (name, parentheses, quoting, argument syntax), else nullopt.
std::optional<std::string> check_intrinsic(std::string_view text);

/// Evaluate an intrinsic call. Arguments may be literals, paths into `input` or
/// `context` ("$.a", "$$.Execution.Id") and nested calls. Throws
/// StatesError(States.IntrinsicFailure) with AWS's wording on bad arguments.
json evaluate_intrinsic(std::string_view text, const json& input, const json& context, const json* vars = nullptr);

}  // namespace cosmicai::asl
