#include "asl/path/payload_template.hpp"

#include <fmt/format.h>

#include <utility>

#include "asl/parse_context.hpp"

namespace cosmicai::asl {

// === PathExpr ===

std::optional<PathExpr> PathExpr::compile(std::string_view text, std::string& error) {
  PathExpr e;
  std::string problem;
  if (is_intrinsic_call(text)) {
    e.intrinsic_ = IntrinsicExpr::compile(text, problem);
    if (!e.intrinsic_) {
      error = fmt::format("invalid intrinsic function call '{}': {}", text, problem);
      return std::nullopt;
    }
    return e;
  }
  if (!text.empty() && text[0] == '$') {
    e.path_ = JsonPath::compile(text, problem);
    if (!e.path_) {
      error = fmt::format("invalid JSONPath '{}': {}", text, problem);
      return std::nullopt;
    }
    return e;
  }
  error = fmt::format("must be a valid JSONPath ('$...'), context path ('$$...') or intrinsic function call "
                      "('States.Format(...)'), got '{}'",
                      text);
  return std::nullopt;
}

std::optional<json> PathExpr::try_evaluate(const json& input, const ContextRef& context, const Variables* vars) const {
  if (intrinsic_) return intrinsic_->evaluate(input, context, vars);
  return path_->try_query(input, context, vars);
}

json PathExpr::evaluate_field(std::string_view field, const json& input, const ContextRef& context,
                              const Variables* vars) const {
  if (intrinsic_) return intrinsic_->evaluate(input, context, vars);
  return path_->query_field(field, input, context, vars);
}

// === PayloadTemplate ===

// Spec: "a field whose name ends in '.$' ... its value is a Path (or an intrinsic
// function call) and the field name without '.$' receives the selected value."
struct PayloadTemplate::Node {
  enum class Kind { kConstant, kObject, kArray, kPath };
  Kind kind = Kind::kConstant;
  json constant;                                 ///< kConstant: a subtree without ".$" fields
  std::vector<std::pair<std::string, Node>> fields;  ///< kObject: output name → value
  std::vector<Node> items;                       ///< kArray
  std::optional<PathExpr> expr;                  ///< kPath
  std::string key;                               ///< kPath: the ".$" key as written (for messages)
};

namespace {

using Node = PayloadTemplate::Node;

bool is_dynamic_key(const std::string& key) { return key.size() > 2 && key.ends_with(".$"); }

Node compile_node(const json& tmpl, const std::string& pointer, std::vector<ValidationError>& errors) {
  Node n;
  if (tmpl.is_array()) {
    n.kind = Node::Kind::kArray;
    bool constant = true;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
      n.items.push_back(compile_node(tmpl[i], pointer + "/" + std::to_string(i), errors));
      constant = constant && n.items.back().kind == Node::Kind::kConstant;
    }
    if (constant) return Node{Node::Kind::kConstant, tmpl, {}, {}, {}, {}};
    return n;
  }
  if (!tmpl.is_object()) return Node{Node::Kind::kConstant, tmpl, {}, {}, {}, {}};
  n.kind = Node::Kind::kObject;
  bool constant = true;
  for (const auto& [key, value] : tmpl.items()) {
    const std::string where = pointer + "/" + pointer_escape(key);
    if (!is_dynamic_key(key)) {
      n.fields.emplace_back(key, compile_node(value, where, errors));
      constant = constant && n.fields.back().second.kind == Node::Kind::kConstant;
      continue;
    }
    constant = false;
    if (!value.is_string()) {
      errors.push_back({where, fmt::format("a field ending in '.$' must hold a JSONPath or an intrinsic function "
                                           "call as a string, got {}",
                                           dump_compact(value))});
      continue;
    }
    std::string error;
    auto expr = PathExpr::compile(value.get_ref<const std::string&>(), error);
    if (!expr) {
      errors.push_back({where, error});
      continue;
    }
    Node leaf;
    leaf.kind = Node::Kind::kPath;
    leaf.expr = std::move(expr);
    leaf.key = key;
    n.fields.emplace_back(key.substr(0, key.size() - 2), std::move(leaf));
  }
  if (constant) return Node{Node::Kind::kConstant, tmpl, {}, {}, {}, {}};
  return n;
}

json evaluate_node(const Node& n, const json& input, const ContextRef& context, const Variables* vars) {
  switch (n.kind) {
    case Node::Kind::kConstant: return n.constant;
    case Node::Kind::kPath: return n.expr->evaluate_field(n.key, input, context, vars);
    case Node::Kind::kArray: {
      json out = json::array();
      for (const auto& item : n.items) out.push_back(evaluate_node(item, input, context, vars));
      return out;
    }
    case Node::Kind::kObject: {
      json out = json::object();
      for (const auto& [name, value] : n.fields) out[name] = evaluate_node(value, input, context, vars);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

PayloadTemplate PayloadTemplate::compile(const json& tmpl, const std::string& pointer,
                                         std::vector<ValidationError>& errors) {
  PayloadTemplate t;
  t.root_ = std::make_shared<const Node>(compile_node(tmpl, pointer, errors));
  return t;
}

json PayloadTemplate::evaluate(const json& input, const ContextRef& context, const Variables* vars) const {
  if (!root_) return json::object();  // default-constructed: the empty template
  return evaluate_node(*root_, input, context, vars);
}

bool PayloadTemplate::is_constant() const { return !root_ || root_->kind == Node::Kind::kConstant; }

json evaluate_payload_template(const json& tmpl, const json& input, const ContextRef& context, const Variables* vars) {
  std::vector<ValidationError> errors;
  auto t = PayloadTemplate::compile(tmpl, "", errors);
  if (!errors.empty())
    throw StatesError(errors::kRuntime, "The payload template field '" + errors.front().pointer + "' is invalid: " +
                                            errors.front().message);
  return t.evaluate(input, context, vars);
}

void validate_payload_template(const json& tmpl, const std::string& pointer, std::vector<ValidationError>& errors) {
  (void)PayloadTemplate::compile(tmpl, pointer, errors);
}

}  // namespace cosmicai::asl
