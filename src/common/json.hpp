#pragma once
/// JSON type used everywhere: insertion-ordered like AWS's own serialisation.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace cosmicai {

using json = nlohmann::ordered_json;

/// Serialise compactly the way AWS prints payloads (no spaces, UTF-8 kept).
std::string dump_compact(const json& value);

/// Deepest nesting of arrays and objects accepted in JSON text from outside (Jackson's default,
/// which AWS's services use). nlohmann's parser is iterative, but its serializer, copies and
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

/// Parse text; on failure throw std::runtime_error naming `what`, line and column.
json parse_json_text(std::string_view text, std::string_view what);

/// Read and parse a whole file; errors name the file, line and column.
json read_json_file(const std::string& path);

}  // namespace cosmicai
