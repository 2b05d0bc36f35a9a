#include "asl/choice/choice_rule.hpp"

#include <fmt/format.h>

#include <array>

#include "asl/choice/timestamp.hpp"
#include "asl/path/json_path.hpp"

namespace cosmicai::asl {

// === The rule tree ===

struct ChoiceRule::Node {
  enum class Kind { kAnd, kOr, kNot, kTest };
  /// What a test compares, and how.
  enum class Family { kString, kNumeric, kBoolean, kTimestamp, kStringMatches, kIs };
  enum class Relation { kEquals, kLessThan, kGreaterThan, kLessThanEquals, kGreaterThanEquals };

  Kind kind = Kind::kTest;
  std::vector<std::shared_ptr<const Node>> children;  // kAnd, kOr, kNot
  std::string variable;                               // kTest: the Variable path
  std::optional<JsonPath> variable_path;              // kTest: compiled
  std::optional<JsonPath> operand_path;               // kTest with a *Path operator: compiled
  std::string op;                                     // the operator as written ("NumericEqualsPath")
  Family family = Family::kString;
  Relation relation = Relation::kEquals;
  std::string is_what;                                // kIs: "Null", "Present", "Numeric", ...
  bool operand_is_path = false;
  json operand;                                       // literal, or the path string when operand_is_path
};

namespace {

using Node = ChoiceRule::Node;

struct OperatorInfo {
  Node::Family family;
  Node::Relation relation;
  const char* is_what;
};

// Spec: every comparison operator, each with a "Path" form except StringMatches and Is*.
const std::vector<std::pair<std::string, OperatorInfo>>& operators() {
  static const std::vector<std::pair<std::string, OperatorInfo>> kOps = [] {
    std::vector<std::pair<std::string, OperatorInfo>> ops;
    const std::array<std::pair<const char*, Node::Relation>, 5> relations = {{
        {"Equals", Node::Relation::kEquals},
        {"LessThan", Node::Relation::kLessThan},
        {"GreaterThan", Node::Relation::kGreaterThan},
        {"LessThanEquals", Node::Relation::kLessThanEquals},
        {"GreaterThanEquals", Node::Relation::kGreaterThanEquals},
    }};
    const std::array<std::pair<const char*, Node::Family>, 3> ordered = {{
        {"String", Node::Family::kString},
        {"Numeric", Node::Family::kNumeric},
        {"Timestamp", Node::Family::kTimestamp},
    }};
    for (const auto& [prefix, family] : ordered) {
      for (const auto& [suffix, relation] : relations) {
        ops.push_back({std::string(prefix) + suffix, {family, relation, ""}});
        ops.push_back({std::string(prefix) + suffix + "Path", {family, relation, ""}});
      }
    }
    ops.push_back({"BooleanEquals", {Node::Family::kBoolean, Node::Relation::kEquals, ""}});
    ops.push_back({"BooleanEqualsPath", {Node::Family::kBoolean, Node::Relation::kEquals, ""}});
    ops.push_back({"StringMatches", {Node::Family::kStringMatches, Node::Relation::kEquals, ""}});
    for (const char* what : {"Null", "Present", "Numeric", "String", "Boolean", "Timestamp"})
      ops.push_back({std::string("Is") + what, {Node::Family::kIs, Node::Relation::kEquals, what}});
    return ops;
  }();
  return kOps;
}

const OperatorInfo* find_operator(const std::string& key) {
  for (const auto& [name, info] : operators())
    if (name == key) return &info;
  return nullptr;
}

std::string describe(const json& v) {
  std::string text = dump_compact(v);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return fmt::format("{} {}", v.type_name(), text);
}

// === Validation ===

std::shared_ptr<const Node> parse_node(const json& rule, const std::string& pointer, bool top_level,
                                       std::vector<ValidationError>& errors, std::string* next) {
  if (!rule.is_object()) {
    errors.push_back({pointer, "a choice rule must be an object, got " + describe(rule)});
    return nullptr;
  }
  const std::size_t errors_before = errors.size();
  auto node = std::make_shared<Node>();
  std::vector<std::string> kinds;  // operators and combinators present
  for (const auto& [key, value] : rule.items()) {
    const std::string where = pointer + "/" + key;
    if (key == "Comment") {
      if (!value.is_string()) errors.push_back({where, "must be a string, got " + describe(value)});
    } else if (key == "Next") {
      if (!top_level) errors.push_back({where, "'Next' is only allowed on a top-level choice rule"});
      else if (!value.is_string() || value.get_ref<const std::string&>().empty())
        errors.push_back({where, "must be a non-empty state name, got " + describe(value)});
      else if (next) *next = value.get<std::string>();
    } else if (key == "Variable") {
      if (!value.is_string()) {
        errors.push_back({where, "must be a reference path string, got " + describe(value)});
      } else {
        std::string problem;
        node->variable_path = JsonPath::compile(value.get_ref<const std::string&>(), problem, true);
        if (!node->variable_path)
          errors.push_back({where, fmt::format("invalid reference path '{}': {}", value.get<std::string>(), problem)});
        else node->variable = value.get<std::string>();
      }
    } else if (key == "And" || key == "Or") {
      kinds.push_back(key);
      node->kind = key == "And" ? Node::Kind::kAnd : Node::Kind::kOr;
      if (!value.is_array() || value.empty()) {
        errors.push_back({where, "must be a non-empty array of choice rules, got " + describe(value)});
        continue;
      }
      for (std::size_t i = 0; i < value.size(); ++i)
        if (auto child = parse_node(value[i], where + "/" + std::to_string(i), false, errors, nullptr))
          node->children.push_back(std::move(child));
    } else if (key == "Not") {
      kinds.push_back(key);
      node->kind = Node::Kind::kNot;
      if (auto child = parse_node(value, where, false, errors, nullptr)) node->children.push_back(std::move(child));
    } else if (const OperatorInfo* info = find_operator(key)) {
      kinds.push_back(key);
      node->kind = Node::Kind::kTest;
      node->op = key;
      node->family = info->family;
      node->relation = info->relation;
      node->is_what = info->is_what;
      node->operand_is_path = key.ends_with("Path");
      node->operand = value;
      if (node->operand_is_path) {
        if (!value.is_string()) {
          errors.push_back({where, "must be a reference path string, got " + describe(value)});
        } else {
          std::string problem;
          node->operand_path = JsonPath::compile(value.get_ref<const std::string&>(), problem, true);
          if (!node->operand_path)
            errors.push_back({where, fmt::format("invalid reference path '{}': {}", value.get<std::string>(), problem)});
        }
        continue;
      }
      switch (info->family) {
        case Node::Family::kString:
        case Node::Family::kStringMatches:
          if (!value.is_string()) errors.push_back({where, "must be a string, got " + describe(value)});
          break;
        case Node::Family::kNumeric:
          if (!value.is_number()) errors.push_back({where, "must be a number, got " + describe(value)});
          break;
        case Node::Family::kBoolean:
        case Node::Family::kIs:
          if (!value.is_boolean()) errors.push_back({where, "must be true or false, got " + describe(value)});
          break;
        case Node::Family::kTimestamp:
          if (!value.is_string() || !parse_timestamp(value.get_ref<const std::string&>()))
            errors.push_back({where, "must be an RFC 3339 timestamp such as \"2016-03-14T01:59:00Z\" (uppercase T "
                                     "and Z), got " + describe(value)});
          break;
      }
    } else if (key == "Condition") {
      errors.push_back({where, "'Condition' belongs to JSONata choice rules; this state uses JSONPath"});
    } else if (key == "Assign" && top_level) {
      // parsed by the Choice state (parse_assign)
    } else if (key == "Output" && top_level) {
      errors.push_back({where, "'Output' belongs to JSONata choice rules; this state uses JSONPath"});
    } else {
      errors.push_back({where, fmt::format("unknown field '{}' in a choice rule", key)});
    }
  }
  if (top_level && !rule.contains("Next")) errors.push_back({pointer, "a top-level choice rule must have 'Next'"});
  if (kinds.empty()) {
    errors.push_back({pointer, "a choice rule needs a comparison (Variable and an operator such as StringEquals) "
                               "or And, Or, Not"});
  } else if (kinds.size() > 1) {
    errors.push_back({pointer, fmt::format("a choice rule must have exactly one of And, Or, Not or a comparison "
                                           "operator, got '{}' and '{}'",
                                           kinds[0], kinds[1])});
  } else if (node->kind == Node::Kind::kTest && node->variable.empty() && !rule.contains("Variable")) {
    errors.push_back({pointer, fmt::format("the comparison '{}' needs a 'Variable'", node->op)});
  } else if (node->kind != Node::Kind::kTest && rule.contains("Variable")) {
    errors.push_back({pointer + "/Variable", fmt::format("'Variable' is not allowed beside '{}'", kinds[0])});
  }
  if (errors.size() != errors_before) return nullptr;
  return node;
}

// === Evaluation ===

[[noreturn]] void invalid_path(const std::string& path) {
  throw StatesError(errors::kRuntime,
                    fmt::format("Invalid path '{}': The choice state's condition path references an invalid value.", path));
}

// Java compares strings by UTF-16 code units; so does the service.
std::u16string to_utf16(const std::string& s) {
  std::u16string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp = c;
    int extra = 0;
    if (c >= 0xF0) cp = c & 0x07, extra = 3;
    else if (c >= 0xE0) cp = c & 0x0F, extra = 2;
    else if (c >= 0xC0) cp = c & 0x1F, extra = 1;
    ++i;
    for (int k = 0; k < extra && i < s.size(); ++k, ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

bool relate(int cmp, Node::Relation r) {
  switch (r) {
    case Node::Relation::kEquals: return cmp == 0;
    case Node::Relation::kLessThan: return cmp < 0;
    case Node::Relation::kGreaterThan: return cmp > 0;
    case Node::Relation::kLessThanEquals: return cmp <= 0;
    case Node::Relation::kGreaterThanEquals: return cmp >= 0;
  }
  return false;
}

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Spec: "*" matches any run of characters; "\*" is a literal star and "\\" a backslash.
bool string_matches(const std::string& text, const std::string& pattern) {
  std::vector<int> tokens;  // byte value, or -1 for a wildcard
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size() && (pattern[i + 1] == '*' || pattern[i + 1] == '\\')) {
      tokens.push_back(static_cast<unsigned char>(pattern[++i]));
    } else if (pattern[i] == '*') {
      tokens.push_back(-1);
    } else {
      tokens.push_back(static_cast<unsigned char>(pattern[i]));
    }
  }
  std::size_t t = 0, p = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < tokens.size() && tokens[p] == static_cast<unsigned char>(text[t])) {
      ++t;
      ++p;
    } else if (p < tokens.size() && tokens[p] == -1) {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < tokens.size() && tokens[p] == -1) ++p;
  return p == tokens.size();
}

bool test(const Node& n, const json& value, const json& operand) {
  switch (n.family) {
    case Node::Family::kString:
      if (!value.is_string() || !operand.is_string()) return false;
      return relate(three_way(to_utf16(value.get_ref<const std::string&>()),
                              to_utf16(operand.get_ref<const std::string&>())),
                    n.relation);
    case Node::Family::kStringMatches:
      return value.is_string() && operand.is_string() &&
             string_matches(value.get_ref<const std::string&>(), operand.get_ref<const std::string&>());
    case Node::Family::kNumeric:
      if (!value.is_number() || !operand.is_number()) return false;
      // long double holds every int64/uint64 and double exactly.
      return relate(three_way(value.get<long double>(), operand.get<long double>()), n.relation);
    case Node::Family::kBoolean:
      return value.is_boolean() && operand.is_boolean() && value.get<bool>() == operand.get<bool>();
    case Node::Family::kTimestamp: {
      if (!value.is_string() || !operand.is_string()) return false;
      const auto a = parse_timestamp(value.get_ref<const std::string&>());
      const auto b = parse_timestamp(operand.get_ref<const std::string&>());
      if (!a || !b) return false;
      return relate(three_way(*a, *b), n.relation);
    }
    case Node::Family::kIs: {
      bool holds = false;
      if (n.is_what == "Null") holds = value.is_null();
      else if (n.is_what == "Numeric") holds = value.is_number();
      else if (n.is_what == "String") holds = value.is_string();
      else if (n.is_what == "Boolean") holds = value.is_boolean();
      else if (n.is_what == "Timestamp") holds = value.is_string() && parse_timestamp(value.get_ref<const std::string&>());
      return holds == operand.get<bool>();
    }
  }
  return false;
}

bool evaluate_node(const Node& n, const json& input, const ContextRef& context, const Variables* vars) {
  switch (n.kind) {
    case Node::Kind::kAnd:
      for (const auto& c : n.children)
        if (!evaluate_node(*c, input, context, vars)) return false;
      return true;
    case Node::Kind::kOr:
      for (const auto& c : n.children)
        if (evaluate_node(*c, input, context, vars)) return true;
      return false;
    case Node::Kind::kNot: return !evaluate_node(*n.children.front(), input, context, vars);
    case Node::Kind::kTest: break;
  }
  const auto value = n.variable_path->try_query(input, context, vars);
  if (n.family == Node::Family::kIs && n.is_what == "Present") return value.has_value() == n.operand.get<bool>();
  if (!value) invalid_path(n.variable);
  if (!n.operand_is_path) return test(n, *value, n.operand);
  const auto operand = n.operand_path->try_query(input, context, vars);
  if (!operand) invalid_path(n.operand_path->text());
  return test(n, *value, *operand);
}

}  // namespace

std::optional<ChoiceRule> ChoiceRule::from_json(const json& rule, const std::string& pointer, bool top_level,
                                                std::vector<ValidationError>& errors) {
  std::string next;
  auto root = parse_node(rule, pointer, top_level, errors, top_level ? &next : nullptr);
  if (!root) return std::nullopt;
  ChoiceRule out;
  out.root_ = std::move(root);
  out.next_ = std::move(next);
  return out;
}

bool ChoiceRule::evaluate(const json& input, const ContextRef& context, const Variables* vars) const {
  return evaluate_node(*root_, input, context, vars);
}

}  // namespace cosmicai::asl
