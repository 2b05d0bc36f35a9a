#include "asl/parse_context.hpp"

#include <cmath>

#include "asl/path/json_path.hpp"

namespace cosmicai::asl {

void ParseContext::error(const std::string& pointer, std::string message) {
  errors_.push_back(ValidationError{pointer.empty() ? std::string("/") : pointer, std::move(message)});
}

namespace {
bool one_of(std::string_view key, std::initializer_list<std::string_view> set) {
  for (auto k : set) if (k == key) return true;
  return false;
}
}  // namespace

void ParseContext::check_fields(const json& obj, const std::string& pointer,
                                std::initializer_list<std::string_view> allowed) {
  static const std::initializer_list<std::string_view> kJsonPathOnly = {
      "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "ItemsPath", "SecondsPath",
      "TimestampPath", "ErrorPath", "CausePath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath",
      "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "Result", "MaxItemsPath",
      "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath", "Variable"};
  static const std::initializer_list<std::string_view> kJsonataOnly = {"Arguments", "Output", "Items",
                                                                           "Condition"};
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    const std::string where = pointer + "/" + pointer_escape(key);
    if (!one_of(key, allowed)) {
      error(where, "unknown field '" + key + "'");
    } else if (jsonata && one_of(key, kJsonPathOnly)) {
      error(where, "the field '" + key + "' belongs to the JSONPath query language; this state uses JSONata");
    } else if (!jsonata && one_of(key, kJsonataOnly)) {
      error(where, "the field '" + key +
                       "' belongs to the JSONata query language; this state uses JSONPath (set QueryLanguage)");
    }
  }
}

std::optional<std::string> ParseContext::get_string(const json& obj, const std::string& pointer, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (!it->is_string()) {
    error(pointer + "/" + key, "must be a string, got " + describe(*it));
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::optional<std::int64_t> ParseContext::get_int(const json& obj, const std::string& pointer, const char* key,
                                                  bool positive, std::int64_t max) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  std::int64_t v = 0;
  if (!as_integer(*it, v) || v < (positive ? 1 : 0)) {
    error(pointer + "/" + key,
          std::string("must be a ") + (positive ? "positive" : "non-negative") + " integer, got " + describe(*it));
    return std::nullopt;
  }
  if (v > max) {
    error(pointer + "/" + key, "must be at most " + std::to_string(max) + ", got " + describe(*it));
    return std::nullopt;
  }
  return v;
}

std::optional<double> ParseContext::get_number(const json& obj, const std::string& pointer, const char* key,
                                               double min) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (!it->is_number() || it->get<double>() < min) {
    error(pointer + "/" + key, "must be a number >= " + dump_compact(json(min)) + ", got " + describe(*it));
    return std::nullopt;
  }
  return it->get<double>();
}

std::string describe(const json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = dump_compact(value);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

bool as_integer(const json& value, std::int64_t& out) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return false;
    out = value.get<std::int64_t>();
    return true;
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e18) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}

}  // namespace cosmicai::asl
