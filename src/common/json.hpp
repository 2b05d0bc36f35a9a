#pragma once
/// JSON type used everywhere: insertion-ordered like AWS's own serialisation.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace cosmicai {

using json = nlohmann::ordered_json;

/// Serialise compactly the way AWS prints payloads (no spaces, UTF-8 kept).
std::string dump_compact(const json& value);
/// The size of dump_compact(value), counted without building it (only floating-point numbers and
/// strings that need escaping are serialised, each alone). The count stops once it passes
/// `stop_past`: the result is then some size above `stop_past`, so `compact_size(v, L) > L` tells
/// exactly whether the serialisation is longer than L.
std::size_t compact_size(const json& value, std::size_t stop_past = SIZE_MAX);

/// Parse text; on failure throw std::runtime_error naming `what`, line and column.
json parse_json_text(std::string_view text, std::string_view what);

/// Read and parse a whole file; errors name the file, line and column.
json read_json_file(const std::string& path);

/// Escape a key for use as one JSON pointer token ("~" → "~0", "/" → "~1").
std::string pointer_escape(std::string_view key);

}  // namespace cosmicai
