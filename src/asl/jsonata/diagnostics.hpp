#pragma once
/// Diagnostics of the JSONata library, for leak tests.
#include <cstddef>

namespace cosmicai::jsonata {

/// Closures (lambdas and transforms) alive now, in all evaluations of all threads. Every
/// evaluation frees the closures it made when it ends, so between evaluations this is 0.
std::size_t live_closures();

}  // namespace cosmicai::jsonata
