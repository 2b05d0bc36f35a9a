#pragma once
/// A Catch entry: which errors to catch, where to go, where to put the error output.
#include <optional>
#include <string>
#include <vector>

#include "asl/parse_context.hpp"
#include "asl/query/jsonata_field.hpp"

namespace cosmicai::asl {

/// One element of a state's `Catch` array. Immutable; thread-safe.
class Catcher {
 public:
  /// Parse the catcher at `pointer`; `last` tells whether it is the last of its list.
  static std::optional<Catcher> from_json(const json& value, const std::string& pointer, bool last,
                                          ParseContext& ctx);
  /// Parse a whole `Catch` array at `pointer`.
  static std::vector<Catcher> list_from_json(const json& value, const std::string& pointer, ParseContext& ctx);

  /// Return whether this catcher handles `error`.
  bool matches(const std::optional<std::string>& error) const;

  const std::vector<std::string>& error_equals() const { return error_equals_; }
  const std::string& next() const { return next_; }
  /// ResultPath for the error output; nullopt means `null` (discard, keep the input).
  const std::optional<std::string>& result_path() const { return result_path_; }
  /// JSONata `Output` (default: the Error Output), with `$states.errorOutput`.
  const std::optional<JsonataValue>& output() const { return output_; }
  /// `Assign`: JSONPath (a payload template over the Error Output) or JSONata.
  const std::optional<json>& assign_paths() const { return assign_paths_; }
  const std::optional<JsonataValue>& assign() const { return assign_; }

 private:
  std::vector<std::string> error_equals_;
  std::string next_;
  std::optional<std::string> result_path_ = std::string("$");
  std::optional<JsonataValue> output_;
  std::optional<json> assign_paths_;
  std::optional<JsonataValue> assign_;
};

}  // namespace cosmicai::asl
