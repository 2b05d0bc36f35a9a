#pragma once
/// JSONPath as Step Functions evaluates it (Jayway JsonPath's dialect): paths,
/// reference paths, the context object. All functions are thread-safe; parsed paths
/// are cached process-wide. A path that does not parse makes the evaluating
/// functions throw StatesError(States.Runtime); validate definitions with check_path.
#include <optional>
#include <string>
#include <string_view>

#include "common/json.hpp"

namespace cosmicai::asl {

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
json query_path(std::string_view path, const json& input, const json& context, const json* vars = nullptr);

/// Like query_path but returns nullopt instead of throwing when a definite path
/// matches nothing (Choice `Variable`, `IsPresent`); an indefinite path gives [].
std::optional<json> try_query_path(std::string_view path, const json& input, const json& context,
                                   const json* vars = nullptr);

/// Like query_path for a path written in a named field ("value.$", "CausePath",
/// "ItemsPath"): when nothing matches, throws StatesError(States.Runtime) with AWS's
/// wording "The JSONPath '$.x' specified for the field 'value.$' could not be found in
/// the input '<input>'". Other path errors keep query_path's wording.
json query_field_path(std::string_view path, std::string_view field, const json& input, const json& context,
                      const json* vars = nullptr);

/// Apply a ResultPath: return `input` with `result` placed at `path` ("$" replaces
/// the whole input). Creates missing intermediate objects. Throws
/// StatesError(States.ResultPathMatchFailure) when the path cannot be applied
/// (e.g. it goes through a non-object).
json apply_result_path(json input, std::string_view path, json result);

}  // namespace cosmicai::asl
