#pragma once
/// Helpers shared by the fuzz targets: split an input into a head line and a JSON document.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/json.hpp"
#include "common/json_limits.hpp"

namespace cosmicai::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// "HEAD\nREST": the first line and everything after it (REST empty when there is no newline).
struct Split {
  std::string_view head;
  std::string_view rest;
};
inline Split split_line(std::string_view text) {
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) return {text, {}};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

/// Parse JSON without exceptions; nullopt when `text` is not a JSON document or nests deeper
/// than the product accepts from outside (kMaxJsonDepth, see common/json.hpp).
inline std::optional<json> parse_json(std::string_view text) {
  if (json_depth_exceeded_at(text) != std::string_view::npos) return std::nullopt;
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

/// A context object shaped like the engine's.
inline json sample_context() {
  return json::parse(R"({"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:m:e","Input":{"a":1},
    "Name":"e","StartTime":"2024-01-01T00:00:00.000Z","RoleArn":"arn:aws:iam::123456789012:role/r"},
    "State":{"Name":"S","EnteredTime":"2024-01-01T00:00:00.000Z","RetryCount":0},
    "StateMachine":{"Id":"arn:aws:states:us-east-1:123456789012:stateMachine:m","Name":"m"},
    "Map":{"Item":{"Index":0,"Value":{"x":[1,2,3]}}}})");
}

/// An input used when a case brings none.
inline json sample_input() {
  return json::parse(R"({"a":1,"b":"two","c":[1,2,{"d":3.5,"e":null}],"f":{"g":true,"h":[[],{}]},
    "items":[{"id":1,"v":"x"},{"id":2,"v":"y"}],"s":"a,b,,c","n":-7.25})");
}

}  // namespace cosmicai::fuzz
