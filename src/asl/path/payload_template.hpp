#pragma once
/// Payload templates (Parameters, ResultSelector, ItemSelector): keys ending in ".$"
/// take a path, a context path or an intrinsic function call.
#include <string>
#include <vector>

#include "asl/errors.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// Evaluate a payload template against the effective input and the context object.
/// Throws StatesError (States.Runtime for a path that matches nothing,
/// States.IntrinsicFailure for a failing intrinsic) with AWS's wording.
/// `vars` (an object, may be null) holds the workflow variables that "$name" paths read.
json evaluate_payload_template(const json& tmpl, const json& input, const json& context, const json* vars = nullptr);

/// Append to `errors` every problem in a template: a ".$" key whose value is not a
/// string, or not a valid path or intrinsic call. `pointer` locates the template.
void validate_payload_template(const json& tmpl, const std::string& pointer, std::vector<ValidationError>& errors);

}  // namespace cosmicai::asl
