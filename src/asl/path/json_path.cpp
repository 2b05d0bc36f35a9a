#include "asl/path/json_path.hpp"

#include <fmt/format.h>

#include "asl/errors.hpp"
#include "asl/path/compiled_path.hpp"

namespace cosmicai::asl {

using detail::CompiledPath;
using detail::PathSegment;

namespace {

// Spec: "A Reference Path is a Path with syntax limited in such a way that it can only
// identify a single node in a JSON structure."
std::optional<std::string> reference_problem(const CompiledPath& path) {
  for (const PathSegment& seg : path.segments) {
    if (seg.deep) return "recursive descent ('..') is not allowed";
    switch (seg.kind) {
      case PathSegment::Kind::kProperty:
        if (seg.names.size() != 1) return "only one property name may be selected at a time";
        break;
      case PathSegment::Kind::kIndex:
        if (seg.indices.size() != 1) return "only one array index may be selected at a time";
        break;
      case PathSegment::Kind::kWildcard: return "wildcards ('*') are not allowed";
      case PathSegment::Kind::kSlice: return "array slices are not allowed";
      case PathSegment::Kind::kFilter: return "filter expressions are not allowed";
      case PathSegment::Kind::kFunction: return "function calls are not allowed";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_path(std::string_view path) {
  auto parsed = detail::parse_path(path);
  if (!parsed.path) return parsed.error;
  return std::nullopt;
}

std::optional<std::string> check_reference_path(std::string_view path) {
  auto parsed = detail::parse_path(path);
  if (!parsed.path) return parsed.error;
  if (auto problem = reference_problem(*parsed.path))
    return *problem + " in a reference path";
  return std::nullopt;
}

bool is_definite_path(std::string_view path) {
  auto parsed = detail::parse_path(path);
  return parsed.path && parsed.path->definite;
}

std::string path_variable(std::string_view path) {
  auto parsed = detail::parse_path(path);
  return parsed.path ? parsed.path->variable : std::string();
}

// === JsonPath ===

std::optional<JsonPath> JsonPath::compile(std::string_view text, std::string& error, bool reference) {
  auto parsed = detail::parse_path(text);
  if (!parsed.path) {
    error = parsed.error;
    return std::nullopt;
  }
  if (reference) {
    if (auto problem = reference_problem(*parsed.path)) {
      error = *problem + " in a reference path";
      return std::nullopt;
    }
  }
  JsonPath p;
  p.root_ = text == "$";
  p.reference_ = reference;
  p.path_ = std::move(parsed.path);
  return p;
}

JsonPath JsonPath::compile_or_throw(std::string_view text) {
  std::string error;
  auto p = compile(text, error);
  if (!p) throw StatesError(errors::kRuntime, fmt::format("Invalid path '{}' : {}", text, error));
  return std::move(*p);
}

const std::string& JsonPath::text() const { return path_->text; }
bool JsonPath::definite() const { return path_->definite; }
bool JsonPath::context() const { return path_->context; }
const std::string& JsonPath::variable() const { return path_->variable; }

// Evaluate; on failure return nullopt and fill `error` with Jayway's message.
std::optional<json> JsonPath::run(const json& input, const ContextRef& context, std::string& error,
                                  const Variables* vars) const {
  const CompiledPath& path = *path_;
  if (root_) return input;
  auto matches = detail::evaluate_path(path, input, context, &error, vars);
  if (!error.empty()) return std::nullopt;
  if (path.definite || (!path.segments.empty() && path.segments.back().kind == PathSegment::Kind::kFunction))
    return std::move(matches.front());
  return json(std::move(matches));
}

json JsonPath::query(const json& input, const ContextRef& context, const Variables* vars) const {
  std::string error;
  auto value = run(input, context, error, vars);
  if (!value) throw StatesError(errors::kRuntime, fmt::format("Invalid path '{}' : {}", text(), error));
  return std::move(*value);
}

json JsonPath::query(json&& input, const ContextRef& context, const Variables* vars) const {
  if (root_) return std::move(input);
  const CompiledPath& path = *path_;
  if (!path.context && path.variable.empty()) {
    json* node = &input;
    for (const PathSegment& seg : path.segments) {
      if (seg.deep) return query(static_cast<const json&>(input), context, vars);
      if (seg.kind == PathSegment::Kind::kProperty && seg.names.size() == 1 && node->is_object()) {
        auto it = node->find(seg.names[0]);
        if (it == node->end()) return query(static_cast<const json&>(input), context, vars);
        node = &*it;
      } else if (seg.kind == PathSegment::Kind::kIndex && seg.indices.size() == 1 && seg.indices[0] >= 0 &&
                 node->is_array() && static_cast<std::size_t>(seg.indices[0]) < node->size()) {
        node = &(*node)[static_cast<std::size_t>(seg.indices[0])];
      } else {
        return query(static_cast<const json&>(input), context, vars);  // anything else: the general way
      }
    }
    return std::move(*node);
  }
  return query(static_cast<const json&>(input), context, vars);
}

std::optional<json> JsonPath::try_query(const json& input, const ContextRef& context, const Variables* vars) const {
  std::string error;
  return run(input, context, error, vars);
}

json JsonPath::query_field(std::string_view field, const json& input, const ContextRef& context, const Variables* vars) const {
  std::string error;
  auto value = run(input, context, error, vars);
  if (value) return std::move(*value);
  if (error.rfind("No results for path", 0) == 0 || error.rfind("Missing property", 0) == 0)
    throw StatesError(errors::kRuntime,
                      fmt::format("The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                                  text(), field, dump_compact(input)));
  throw StatesError(errors::kRuntime, fmt::format("Invalid path '{}' : {}", text(), error));
}

// === Paths as text (compiled on every call) ===

json query_path(std::string_view path, const json& input, const ContextRef& context, const Variables* vars) {
  return JsonPath::compile_or_throw(path).query(input, context, vars);
}

std::optional<json> try_query_path(std::string_view path, const json& input, const ContextRef& context, const Variables* vars) {
  return JsonPath::compile_or_throw(path).try_query(input, context, vars);
}

json query_field_path(std::string_view path, std::string_view field, const json& input, const ContextRef& context,
                      const Variables* vars) {
  return JsonPath::compile_or_throw(path).query_field(field, input, context, vars);
}

json apply_result_path(json input, std::string_view path_text, json result) {
  return JsonPath::compile_or_throw(path_text).apply_result(std::move(input), std::move(result));
}

bool JsonPath::is_property(std::string_view name) const {
  if (root_) return false;
  const CompiledPath& path = *path_;
  return !path.context && path.variable.empty() && path.segments.size() == 1 && !path.segments[0].deep &&
         path.segments[0].kind == PathSegment::Kind::kProperty && path.segments[0].names.size() == 1 &&
         path.segments[0].names[0] == name;
}

void JsonPath::apply_result_in_place(json& input, json&& result) const {
  const CompiledPath& path = *path_;
  if (reference_ && !path.context && path.variable.empty() && path.segments.size() == 1 &&
      path.segments[0].kind == PathSegment::Kind::kProperty && input.is_object()) {
    // One property on an object (ResultPath "$.x"): nothing can fail.
    auto& object = input.get_ref<json::object_t&>();
    const std::string& name = path.segments[0].names[0];
    for (auto& [key, value] : object) {
      if (key == name) {
        value.swap(result);
        return;
      }
    }
    object.emplace_back(name, std::move(result));
    return;
  }
  json in = std::move(input);
  input = apply_result(std::move(in), std::move(result));
}

json JsonPath::apply_result(json input, json result) const {
  const CompiledPath& path = *path_;
  const std::string& path_text = path.text;
  if (path.context)
    throw StatesError(errors::kRuntime, fmt::format("ResultPath '{}' must not address the context object", path_text));
  if (!path.variable.empty())
    throw StatesError(errors::kRuntime, fmt::format("ResultPath '{}' must not address a variable", path_text));
  if (!reference_) {
    if (auto problem = reference_problem(path))
      throw StatesError(errors::kRuntime, fmt::format("ResultPath '{}' is not a reference path: {}", path_text, *problem));
  }
  if (path.segments.empty()) return result;
  // One property on an object (ResultPath "$.x"): nothing can fail, so no separate check pass.
  if (path.segments.size() == 1 && path.segments[0].kind == PathSegment::Kind::kProperty && input.is_object()) {
    auto& object = input.get_ref<json::object_t&>();
    const std::string& name = path.segments[0].names[0];
    for (auto& [key, value] : object) {
      if (key == name) {
        value = std::move(result);
        return input;
      }
    }
    object.emplace_back(name, std::move(result));
    return input;
  }

  auto failure = [&](const std::string& why) {
    return StatesError(errors::kResultPathMatchFailure,
                       fmt::format("Unable to apply ResultPath '{}' to input '{}': {}", path_text,
                                   dump_compact(input), why));
  };
  // First check without touching the input, so a failure reports the input unchanged.
  const json* cur = &input;
  bool creating = false;
  for (std::size_t i = 0; i < path.segments.size(); ++i) {
    const PathSegment& seg = path.segments[i];
    const bool last = i + 1 == path.segments.size();
    if (seg.kind == PathSegment::Kind::kProperty) {
      if (creating) continue;
      if (!cur->is_object())
        throw failure(fmt::format("{} is {}, not an object", path.normalized_prefix(i),
                                  cur->is_null() ? "null" : std::string("a ") + cur->type_name()));
      auto it = cur->find(seg.names[0]);
      if (it == cur->end()) creating = true;
      else if (!last) cur = &*it;
    } else {  // kIndex
      if (creating) throw failure(fmt::format("{} does not exist", path.normalized_prefix(i)));
      if (!cur->is_array())
        throw failure(fmt::format("{} is {}, not an array", path.normalized_prefix(i),
                                  cur->is_null() ? "null" : std::string("a ") + cur->type_name()));
      const long long size = static_cast<long long>(cur->size());
      const long long idx = seg.indices[0] < 0 ? size + seg.indices[0] : seg.indices[0];
      if (idx < 0 || idx >= size)
        throw failure(fmt::format("index {} is out of range for {} of {} elements", seg.indices[0],
                                  path.normalized_prefix(i), size));
      if (!last) cur = &(*cur)[static_cast<std::size_t>(idx)];
    }
  }
  // Then write, creating missing objects on the way.
  json* node = &input;
  for (std::size_t i = 0; i < path.segments.size(); ++i) {
    const PathSegment& seg = path.segments[i];
    const bool last = i + 1 == path.segments.size();
    json* next = nullptr;
    if (seg.kind == PathSegment::Kind::kProperty) {
      auto it = node->find(seg.names[0]);
      if (it == node->end()) it = node->emplace(seg.names[0], json::object()).first;
      next = &*it;
    } else {
      const long long size = static_cast<long long>(node->size());
      const long long idx = seg.indices[0] < 0 ? size + seg.indices[0] : seg.indices[0];
      next = &(*node)[static_cast<std::size_t>(idx)];
    }
    if (last) *next = std::move(result);
    node = next;
  }
  return input;
}

}  // namespace cosmicai::asl
