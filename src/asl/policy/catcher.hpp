#pragma once
/// A Catch entry: which errors to catch, where to go, where to put the error output.
#include <optional>
#include <string>
#include <vector>

#include "asl/parse_context.hpp"
#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
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
  /// Whether it has an Assign.
  bool has_assign() const { return assign_paths_ || assign_; }
  /// The state output when this catcher handles `error_output` ({"Error", "Cause"}) for a state whose
  /// raw input is `input`: JSONPath places it with ResultPath (null: the input unchanged); JSONata
  /// evaluates Output (default: the error output) with `$states.errorOutput`. `assigned` (when not
  /// null) receives the Assign values. Throws StatesError as the fields do.
  json output_of(const json& input, json error_output, const ContextRef& context, const Variables* vars, json* assigned) const;

 private:
  std::vector<std::string> error_equals_;
  std::string next_;
  bool jsonata_ = false;
  bool discard_result_ = false;            ///< ResultPath: null
  std::optional<JsonPath> result_path_;    ///< nullopt: "$"
  std::optional<JsonataValue> output_;
  std::optional<PayloadTemplate> assign_paths_;
  std::optional<JsonataValue> assign_;
};

}  // namespace cosmicai::asl
