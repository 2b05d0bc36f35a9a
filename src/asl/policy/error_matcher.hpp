#pragma once
/// ErrorEquals matching with AWS's rules for the States.* wildcards.
#include <optional>
#include <string>
#include <vector>

#include "asl/parse_context.hpp"

namespace cosmicai::asl {

/// Return whether an error named `error` (nullopt: a Fail state without Error)
/// matches one of `error_equals`.
///
/// "States.ALL: A wildcard that matches any known error name" – except States.Runtime,
/// which is never retried or caught. "States.TaskFailed" matches any error except
/// States.Timeout, States.Runtime and States.DataLimitExceeded. A task whose result is
/// over the payload limit fails with States.DataLimitExceeded, and AWS catches that with
/// States.ALL as well as by name (a state output over the limit ends the run instead).
bool error_matches(const std::vector<std::string>& error_equals, const std::optional<std::string>& error);

/// Parse an ErrorEquals array at `pointer` (the array's pointer). `last` tells whether
/// the enclosing retrier/catcher is the last of its list (States.ALL must be).
std::vector<std::string> parse_error_equals(const json& value, const std::string& pointer, bool last,
                                            ParseContext& ctx);

}  // namespace cosmicai::asl
