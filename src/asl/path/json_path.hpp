#pragma once
/// JSONPath as Step Functions evaluates it (Jayway JsonPath's dialect): paths,
/// reference paths, the context object. `JsonPath` is a path compiled once (when the definition is
/// loaded); the functions taking the path as text compile it on every call (tests, one-off use) and
/// throw StatesError(States.Runtime) for a path that does not parse. All are thread-safe.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

namespace detail {
struct CompiledPath;
}

/// A JSONPath parsed once into segments. Immutable; copies share the parsed form.
class JsonPath {
 public:
  /// Compile `text`; nullopt with `error` set when it does not parse, or (`reference`) when it is not
  /// a Reference Path.
  static std::optional<JsonPath> compile(std::string_view text, std::string& error, bool reference = false);
  /// Compile or throw StatesError(States.Runtime) "Invalid path '…' : …".
  static JsonPath compile_or_throw(std::string_view text);

  const std::string& text() const;
  /// Whether the path is exactly "$" (the whole input).
  bool is_root() const { return root_; }
  /// Whether it selects at most one node.
  bool definite() const;
  /// Whether it starts with "$$" (the context object).
  bool context() const;
  /// The variable it reads ("x" for "$x.a"), or empty.
  const std::string& variable() const;
  const detail::CompiledPath& compiled() const { return *path_; }
  /// Whether the path is "$.name" (or "$['name']"): one property of the input, by this name.
  bool is_property(std::string_view name) const;

  /// As query_path / try_query_path / query_field_path / apply_result_path below.
  json query(const json& input, const ContextRef& context, const Variables* vars = nullptr) const;
  /// The same on an input that is not needed afterwards: a path of single names and indices
  /// that matches moves the node out instead of copying it.
  json query(json&& input, const ContextRef& context, const Variables* vars = nullptr) const;
  std::optional<json> try_query(const json& input, const ContextRef& context, const Variables* vars = nullptr) const;
  json query_field(std::string_view field, const json& input, const ContextRef& context, const Variables* vars = nullptr) const;
  json apply_result(json input, json result) const;
  /// apply_result writing into `input` (a one-property path on an object is set in place; on a
  /// failure `input` is left moved-from).
  void apply_result_in_place(json& input, json&& result) const;

 private:
  std::optional<json> run(const json& input, const ContextRef& context, std::string& error, const Variables* vars) const;
  std::shared_ptr<const detail::CompiledPath> path_;
  bool root_ = false;
  bool reference_ = false;  ///< compiled as a Reference Path (already checked)
};

/// Return an error message if `path` is not a JSONPath AWS accepts ("$", "$.a.b",
/// "$['a']", "$.a[0]", "$.a[*]", "$.a[1:3]", "$..a", filters "[?(@.x == 1)]"), or
/// nullopt if it is valid. Paths starting with "$$" address the context object.
std::optional<std::string> check_path(std::string_view path);

/// Like check_path, for a Reference Path (ResultPath, Choice `Variable`): definite
/// paths only (no wildcards, slices, filters, functions or recursive descent).
/// "$$..." context paths are accepted; ResultPath callers must reject them.
std::optional<std::string> check_reference_path(std::string_view path);

/// Return the variable a path reads ("x" for "$x.a"), or empty for an input or context path.
std::string path_variable(std::string_view path);
/// Return whether `path` selects at most one node (no wildcard, slice, filter, "..").
bool is_definite_path(std::string_view path);

/// Evaluate `path` on `input`, on `context` when it starts with "$$", or on the workflow variable
/// `name` in `vars` (an object) when it starts with "$name".
/// A definite path returns the node; an indefinite one returns an array of the
/// matches (possibly empty). Throws StatesError(States.Runtime) with AWS's
/// wording when a definite path matches nothing.
json query_path(std::string_view path, const json& input, const ContextRef& context, const Variables* vars = nullptr);

/// Like query_path but returns nullopt instead of throwing when a definite path
/// matches nothing (Choice `Variable`, `IsPresent`); an indefinite path gives [].
std::optional<json> try_query_path(std::string_view path, const json& input, const ContextRef& context,
                                   const Variables* vars = nullptr);

/// Like query_path for a path written in a named field ("value.$", "CausePath",
/// "ItemsPath"): when nothing matches, throws StatesError(States.Runtime) with AWS's
/// wording "The JSONPath '$.x' specified for the field 'value.$' could not be found in
/// the input '<input>'". Other path errors keep query_path's wording.
json query_field_path(std::string_view path, std::string_view field, const json& input, const ContextRef& context,
                      const Variables* vars = nullptr);

/// Apply a ResultPath: return `input` with `result` placed at `path` ("$" replaces
/// the whole input). Creates missing intermediate objects. Throws
/// StatesError(States.ResultPathMatchFailure) when the path cannot be applied
/// (e.g. it goes through a non-object).
json apply_result_path(json input, std::string_view path, json result);

}  // namespace cosmicai::asl
