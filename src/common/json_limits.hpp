#pragma once
/// Limits on JSON text that comes from outside (inputs, handler output, request bodies).
#include <cstddef>
#include <string_view>

#include "common/json.hpp"

namespace cosmicai {

/// Deepest nesting of arrays and objects accepted in JSON text from outside (far beyond any real
/// payload). nlohmann's parser is iterative, but its serializer, copies and
/// comparisons recurse once per level: without a limit a 200 KB execution input "[[[[…" crashes
/// the process with a stack overflow.
inline constexpr std::size_t kMaxJsonDepth = 1000;

/// Return the offset of the byte where `text` opens its (kMaxJsonDepth + 1)-th nested array or
/// object (brackets inside strings do not count), or std::string_view::npos when it stays within.
std::size_t json_depth_exceeded_at(std::string_view text);

/// json::parse with the nesting limit: text nested deeper than kMaxJsonDepth throws
/// json::parse_error (id 101, naming the byte) like any other malformed text. Use it (or
/// json_depth_exceeded_at before a non-throwing parse) for every text that comes from outside.
json parse_json(std::string_view text);

}  // namespace cosmicai
