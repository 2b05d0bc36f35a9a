#pragma once
/// Graphviz `dot` for the CLI's graphs (`report --html`, the console of `serve`): found on PATH,
/// run as a child process on a temporary file.
#include <string>

namespace cosmicai::cli {

/// Return whether an executable `dot` is on PATH.
bool have_dot();

/// Run `dot -Tsvg` on `source` and return the SVG ready for inlining (no prolog, DOCTYPE or
/// comments); "" when dot fails, with the reason in `why`. Thread-safe (each call has its own
/// temporary file).
std::string run_dot(const std::string& source, std::string& why);

}  // namespace cosmicai::cli
