#pragma once
/// Helpers shared by the parsers of the state tree: typed field access that
/// records every problem as a ValidationError with its JSON pointer.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/errors.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// Collects validation errors while a definition is parsed. Not thread-safe.
class ParseContext {
 public:
  explicit ParseContext(std::vector<ValidationError>& errors) : errors_(errors) {}

  /// Record a problem at `pointer`.
  void error(const std::string& pointer, std::string message);
  /// Return how many errors were recorded so far.
  std::size_t error_count() const { return errors_.size(); }
  std::vector<ValidationError>& errors() { return errors_; }

  /// QueryLanguage of the whole machine (the default of every state, nested machines included).
  bool machine_jsonata = false;
  /// QueryLanguage of the state being parsed: its fields are checked against that language's set.
  bool jsonata = false;

  /// Report every key of `obj` not in `allowed`, and every allowed key that belongs to the other
  /// query language than the current state's (`jsonata`).
  void check_fields(const json& obj, const std::string& pointer, std::initializer_list<std::string_view> allowed);

  /// Read an optional string field; a non-string is an error.
  std::optional<std::string> get_string(const json& obj, const std::string& pointer, const char* key);
  /// Read an optional non-negative (or positive when `positive`) integer field.
  std::optional<std::int64_t> get_int(const json& obj, const std::string& pointer, const char* key, bool positive,
                                      std::int64_t max = INT64_MAX);
  /// Read an optional number field that must be >= `min`.
  std::optional<double> get_number(const json& obj, const std::string& pointer, const char* key, double min);

 private:
  std::vector<ValidationError>& errors_;
};

/// Describe a JSON value for error messages: `-1`, `"text"`, `an object`.
std::string describe(const json& value);
/// Return true if `value` is an integer (also 3.0), and store it in `out`.
bool as_integer(const json& value, std::int64_t& out);

}  // namespace cosmicai::asl
