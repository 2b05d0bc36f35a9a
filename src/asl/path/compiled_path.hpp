#pragma once
/// A JSONPath parsed once into segments (the syntax Step Functions accepts, which is
/// Jayway JsonPath's), shared by every evaluation. Internal to asl/path and asl/intrinsic.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl::detail {

struct FilterExpr;  // filter_expr.hpp

/// One step of a path ("['a']", "[0]", "[*]", "[1:3]", "[?(...)]", ".length()").
struct PathSegment {
  enum class Kind { kProperty, kIndex, kWildcard, kSlice, kFilter, kFunction };
  Kind kind = Kind::kProperty;
  bool deep = false;                       ///< preceded by ".." (recursive descent)
  std::vector<std::string> names;          ///< kProperty: one or more names ("['a','b']")
  std::vector<long long> indices;          ///< kIndex: one or more indices (may be negative)
  std::optional<long long> slice_from;     ///< kSlice
  std::optional<long long> slice_to;       ///< kSlice
  std::shared_ptr<const FilterExpr> filter;  ///< kFilter
  std::string function;                    ///< kFunction: "length", "min", ...

  /// Return whether this step selects at most one node from one node. A multi-name
  /// step ("['a','b']") is definite only as the last step, where Jayway merges the
  /// names into one object (see CompiledPath::step_definite).
  bool definite() const {
    if (deep) return false;
    switch (kind) {
      case Kind::kProperty: return names.size() == 1;
      case Kind::kIndex: return indices.size() == 1;
      case Kind::kFunction: return true;
      default: return false;
    }
  }
  /// Render as Jayway prints it in messages: "['a']", "[0]", "[*]", "..['a']".
  std::string to_string() const;
};

/// A whole parsed path. Immutable; safe to share between threads.
struct CompiledPath {
  std::string text;                  ///< the path as written
  bool context = false;              ///< starts with "$$": addresses the context object
  bool relative = false;             ///< starts with "@" (inside filters only)
  std::string variable;              ///< "$name...": addresses the workflow variable `name`
  std::vector<PathSegment> segments;
  bool definite = true;              ///< every segment definite

  /// Return whether step `i` selects at most one node, in its position.
  bool step_definite(std::size_t i) const {
    const PathSegment& s = segments[i];
    return s.definite() || (i + 1 == segments.size() && !s.deep && s.kind == PathSegment::Kind::kProperty);
  }

  /// Normalised form, e.g. "$['a'][0]" (what Jayway's messages show).
  std::string normalized() const;
  /// Normalised form of the first `count` segments.
  std::string normalized_prefix(std::size_t count) const;
};

/// Parse a path. Returns the compiled path, or an error message naming the position.
/// `allow_relative` accepts "@..." (filter operands).
struct ParseResult {
  std::shared_ptr<const CompiledPath> path;
  std::string error;  ///< non-empty on failure
};
ParseResult parse_path(std::string_view text, bool allow_relative = false);

/// Evaluate a compiled path on `root`: every match, in document order. `error`
/// receives Jayway's message when a definite path goes through a missing
/// intermediate or a node of the wrong type (and the match list is then empty).
/// A path on a workflow variable ("$name.a") starts at `(*vars)[name]`; an unknown variable is an error.
std::vector<json> evaluate_path(const CompiledPath& path, const json& root, const ContextRef& context,
                                std::string* error, const Variables* vars = nullptr);

/// Return the length of the path prefix text ("$.a['b'][0]") that starts at `text[0]`
/// and ends before the first top-level ',' or ')' (used by the intrinsic parser).
std::size_t scan_path_extent(std::string_view text);

}  // namespace cosmicai::asl::detail
