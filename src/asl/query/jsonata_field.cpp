#include "asl/query/jsonata_field.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <regex>

#include <fmt/format.h>

#include "asl/errors.hpp"
#include "asl/intrinsic/intrinsics.hpp"
#include "asl/jsonata/jsonata.hpp"
#include "common/json_limits.hpp"

namespace cosmicai::asl {

namespace jn = cosmicai::jsonata;

bool is_jsonata_string(std::string_view text) {
  return text.size() >= 4 && text.starts_with("{%") && text.ends_with("%}");
}

// === The functions Step Functions adds ===

namespace {

std::int64_t need_int(const std::optional<json>& v, const char* fn, int arg) {
  if (!v || !v->is_number()) {
    throw jn::Error("T0410", fmt::format("Argument {} of function {} does not match function signature", arg, fn));
  }
  // "Built-in JSONata functions that require integer values as parameters will automatically round
  // down any non-integer numbers provided."
  return static_cast<std::int64_t>(std::floor(v->get<double>()));
}

std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

const jn::Bindings& aws_functions() {
  static const jn::Bindings functions = [] {
    jn::Bindings b;
    // $partition(array, size): States.ArrayPartition; a one-chunk result stays two-dimensional.
    b.function("partition", {"<an:a>", [](const std::vector<std::optional<json>>& args) -> std::optional<json> {
                               if (!args[0]) return std::nullopt;
                               const json arr = args[0]->is_array() ? *args[0] : json::array({*args[0]});
                               const auto size = need_int(args[1], "partition", 2);
                               if (size <= 0)
                                 throw jn::Error("D3001", "The chunk size of $partition must be a positive integer");
                               json out = json::array();
                               for (std::size_t i = 0; i < arr.size(); i += static_cast<std::size_t>(size)) {
                                 json chunk = json::array();
                                 for (std::size_t j = i; j < arr.size() && j < i + static_cast<std::size_t>(size); ++j)
                                   chunk.push_back(arr[j]);
                                 out.push_back(std::move(chunk));
                               }
                               return out;
                             }});
    // $range(start, end, step): States.ArrayRange (at most 1,000 items); a single item is unwrapped.
    b.function("range", {"<nnn:a>", [](const std::vector<std::optional<json>>& args) -> std::optional<json> {
                           const auto start = need_int(args[0], "range", 1);
                           const auto end = need_int(args[1], "range", 2);
                           const auto step = need_int(args[2], "range", 3);
                           if (step == 0) throw jn::Error("D3001", "The step of $range must not be 0");
                           json out = json::array();
                           for (auto v = start; step > 0 ? v <= end : v >= end; v += step) {
                             if (out.size() >= 1000) throw jn::Error("D2014", "$range would give more than 1000 items");
                             out.push_back(v);
                           }
                           if (out.size() == 1) return out[0];
                           return out;
                         }});
    // $hash(data, algorithm): States.Hash, lowercase hex of the UTF-8 bytes.
    b.function("hash", {"<ss:s>", [](const std::vector<std::optional<json>>& args) -> std::optional<json> {
                          if (!args[0]) return std::nullopt;
                          const auto& data = args[0]->get_ref<const std::string&>();
                          const std::string algorithm = args[1] ? args[1]->get<std::string>() : "";
                          auto hex = hash_hex(algorithm, data);
                          if (!hex) {
                            throw jn::Error("D3001",
                                            "The hash algorithm '" + algorithm +
                                                "' is not supported; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512");
                          }
                          return json(std::move(*hex));
                        }});
    // $random([seed]): 0 <= n < 1; a seed makes it deterministic.
    b.function("random", {"<n?:n>", [](const std::vector<std::optional<json>>& args) -> std::optional<json> {
                            std::uniform_real_distribution<double> unit(0.0, 1.0);
                            if (!args.empty() && args[0]) {
                              std::mt19937_64 seeded(static_cast<std::uint64_t>(need_int(args[0], "random", 1)));
                              return json(unit(seeded));
                            }
                            return json(unit(thread_rng()));
                          }});
    // $uuid(): a random version 4 UUID.
    b.function("uuid", {"<:s>", [](const std::vector<std::optional<json>>&) -> std::optional<json> {
                          std::uniform_int_distribution<unsigned> byte(0, 255);
                          unsigned char v[16];
                          for (auto& x : v) x = static_cast<unsigned char>(byte(thread_rng()));
                          v[6] = static_cast<unsigned char>((v[6] & 0x0F) | 0x40);
                          v[8] = static_cast<unsigned char>((v[8] & 0x3F) | 0x80);
                          std::string out;
                          for (int i = 0; i < 16; ++i) {
                            if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
                            out += fmt::format("{:02x}", v[i]);
                          }
                          return json(out);
                        }});
    // $parse(text): JSON text to a value (JSON only, not JSONata).
    b.function("parse",
               {"<s:x>", [](const std::vector<std::optional<json>>& args) -> std::optional<json> {
                  if (!args[0]) return std::nullopt;
                  const auto& text = args[0]->get_ref<const std::string&>();
                  json v = json_depth_exceeded_at(text) == std::string::npos ? json::parse(text, nullptr, false)
                                                                             : json(json::value_t::discarded);
                  if (v.is_discarded()) {
                    throw jn::Error("D3001",
                                    "The argument of $parse is not valid JSON (" + std::to_string(text.size()) +
                                        " characters): " + (text.size() > 80 ? text.substr(0, 80) + "..." : text));
                  }
                  return v;
                }});
    return b;
  }();
  return functions;
}

std::string type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

[[noreturn]] void query_error(const std::string& expr, const std::string& field, const std::string& what) {
  throw StatesError::query_evaluation(
      field, "The JSONata expression '" + expr + "' specified for the field '" + field + "' " + what);
}

}  // namespace

// === Compiled values ===

struct JsonataValue::Node {
  enum class Kind { kLiteral, kExpression, kObject, kArray };
  Kind kind = Kind::kLiteral;
  json literal;
  std::optional<jn::Expression> expression;
  std::string text;   ///< the expression between "{%" and "%}", trimmed
  std::string field;  ///< "Output/result"
  /// What the expression can read of its bindings, found when it is compiled: the variables it
  /// names, and the members of $states it reads (nullopt: it may read $states whole). Only those
  /// are converted for an evaluation: a Map's ItemSelector reading the item then costs the same
  /// whatever the size of the state's input.
  std::vector<std::string> variables;
  std::optional<std::vector<std::string>> states_members;
  std::optional<std::vector<std::string>> context_members;  ///< of $states.context (it holds the execution input)
  std::optional<std::vector<std::string>> execution_members;  ///< of $states.context.Execution (Input is large)
  std::vector<std::pair<std::string, Node>> members;
  std::vector<Node> items;

  /// Evaluate an expression node; nullopt for undefined.
  std::optional<json> run(const EvalEnv& env, bool* function) const {
    // $states and the variables are borrowed, not copied, and only what the expression can read
    // of them is bound (each then converted once, as it is).
    jn::Bindings b(&aws_functions());
    static const json empty_context = json::object();
    const auto reads = [this](std::string_view member) {
      return !states_members || std::find(states_members->begin(), states_members->end(), member) !=
                                    states_members->end();
    };
    std::vector<jn::Bindings::BorrowedMember> states;
    if (reads("input")) states.push_back({"input", &env.input});
    if (reads("context")) {
      const std::vector<std::string>* only = context_members ? &*context_members : nullptr;
      if (const json* whole = env.context.whole()) {
        states.push_back({"context", whole, only});
      } else if (env.context.is_null()) {
        states.push_back({"context", &empty_context, only});
      } else {
        // Its members borrowed from where they live (the execution's, the state's): not copied.
        // Of Execution, only the members the expression names ($states.context.Execution.Name
        // does not convert the execution input).
        const std::vector<std::string>* of_execution = execution_members ? &*execution_members : nullptr;
        jn::Bindings::BorrowedMember context{"context", nullptr, only};
        env.context.for_each([&](std::string_view name, const json& value) {
          context.parts.push_back({std::string(name), &value, name == "Execution" ? of_execution : nullptr});
        });
        states.push_back(std::move(context));
      }
    }
    if (env.result && reads("result")) states.push_back({"result", env.result});
    if (env.error_output && reads("errorOutput")) states.push_back({"errorOutput", env.error_output});
    if (env.vars) {
      for (const auto& name : variables) {
        if (const json* value = env.vars->find(name)) b.value_ref(name, *value);
      }
    }
    b.object_ref("states", std::move(states));
    try {
      return expression->evaluate(std::nullopt, b, jn::Limits{}, function);
    } catch (const jn::Error& e) {
      query_error(text, field, "threw an error during evaluation. " + e.code() + ": " + e.detail());
    }
  }

  json evaluate(const EvalEnv& env) const {
    switch (kind) {
      case Kind::kLiteral:
        return literal;
      case Kind::kExpression: {
        bool function = false;
        auto v = run(env, &function);
        if (function) query_error(text, field, "returned an unsupported result type.");
        if (!v) query_error(text, field, "returned nothing (undefined).");
        return std::move(*v);
      }
      case Kind::kObject: {
        json out = json::object();
        for (const auto& [k, n] : members) out[k] = n.evaluate(env);
        return out;
      }
      case Kind::kArray: {
        json out = json::array();
        for (const auto& n : items) out.push_back(n.evaluate(env));
        return out;
      }
    }
    return nullptr;
  }
};

namespace {

using Node = JsonataValue::Node;

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

Node build(const json& value, const std::string& field, const std::string& pointer, StatesAccess access,
           ParseContext& ctx) {
  Node n;
  n.field = field;
  if (value.is_string() && is_jsonata_string(value.get_ref<const std::string&>())) {
    const auto& s = value.get_ref<const std::string&>();
    n.kind = Node::Kind::kExpression;
    n.text = trim(std::string_view(s).substr(2, s.size() - 4));
    try {
      n.expression = jn::Expression::compile(n.text);
    } catch (const jn::Error& e) {
      ctx.error(pointer, "invalid JSONata expression '" + n.text + "': " + e.code() + ": " + e.detail() +
                             (e.position() >= 0 ? " (at character " + std::to_string(e.position()) + ")" : ""));
      n.kind = Node::Kind::kLiteral;
      n.literal = value;
      return n;
    }
    n.variables = n.expression->variables();
    n.states_members = n.expression->variable_members("states");
    n.context_members = n.expression->variable_members("states", {"context"});
    n.execution_members = n.expression->variable_members("states", {"context", "Execution"});
    if (auto reference = n.expression->top_level_input_reference()) {
      ctx.error(pointer, "the JSONata expression '" + n.text + "' references its input at the top level (" +
                             *reference +
                             "); the state's input is $states.input, and '$' or a field name may "
                             "only appear nested inside a path or predicate");
    }
    static const std::regex result_ref(R"(\$states\s*\.\s*result\b)");
    static const std::regex error_ref(R"(\$states\s*\.\s*errorOutput\b)");
    if (!access.result && std::regex_search(n.text, result_ref)) {
      ctx.error(pointer, "$states.result is not available in the field '" + field +
                             "' (only in the Output and Assign of a Task, Map or Parallel state)");
    }
    if (!access.error_output && std::regex_search(n.text, error_ref)) {
      ctx.error(pointer, "$states.errorOutput is not available in the field '" + field +
                             "' (only in the Output and Assign of a Catcher)");
    }
    return n;
  }
  if (value.is_object()) {
    bool constant = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      Node child = build(it.value(), field + "/" + it.key(), pointer + "/" + pointer_escape(it.key()), access, ctx);
      constant = constant && child.kind == Node::Kind::kLiteral;
      n.members.emplace_back(it.key(), std::move(child));
    }
    if (constant) {
      n.members.clear();
      n.literal = value;
    } else {
      n.kind = Node::Kind::kObject;
    }
    return n;
  }
  if (value.is_array()) {
    bool constant = true;
    for (std::size_t i = 0; i < value.size(); ++i) {
      Node child = build(value[i], field + "/" + std::to_string(i), pointer + "/" + std::to_string(i), access, ctx);
      constant = constant && child.kind == Node::Kind::kLiteral;
      n.items.push_back(std::move(child));
    }
    if (constant) {
      n.items.clear();
      n.literal = value;
    } else {
      n.kind = Node::Kind::kArray;
    }
    return n;
  }
  n.literal = value;
  return n;
}

}  // namespace

JsonataValue JsonataValue::compile(const json& value, const std::string& field, const std::string& pointer,
                                   StatesAccess access, ParseContext& ctx) {
  JsonataValue v;
  v.field_ = field;
  v.root_ = std::make_shared<const Node>(build(value, field, pointer, access, ctx));
  return v;
}

std::optional<JsonataValue> jsonata_field(const json& obj, const std::string& pointer, const char* key,
                                          ParseContext& ctx) {
  if (!ctx.jsonata) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || !is_jsonata_string(it->get_ref<const std::string&>())) return std::nullopt;
  return JsonataValue::compile(*it, key, pointer + "/" + key, {}, ctx);
}

bool JsonataValue::is_constant() const { return root_->kind == Node::Kind::kLiteral; }

json JsonataValue::evaluate(const EvalEnv& env) const { return root_->evaluate(env); }

namespace {

/// Evaluate and check the type of a whole field: `ok` tells whether the value fits, `expected`
/// names the type AWS reports.
template <class Ok>
json evaluate_typed(const Node& root, const EvalEnv& env, const char* expected, Ok ok) {
  json v = root.evaluate(env);
  if (!ok(v)) {
    if (root.kind == Node::Kind::kExpression) {
      query_error(root.text, root.field,
                  "returned an unexpected result type. Expected '" + std::string(expected) + "', but was '" +
                      type_name(v) + "' for value: " + dump_compact(v));
    }
    throw StatesError::query_evaluation(root.field, "The value of the field '" + root.field + "' must be " + expected +
                                                        ", but was '" + type_name(v) +
                                                        "' for value: " + dump_compact(v));
  }
  return v;
}

}  // namespace

json JsonataValue::evaluate_array(const EvalEnv& env) const {
  return evaluate_typed(*root_, env, "array", [](const json& v) { return v.is_array(); });
}

std::int64_t JsonataValue::evaluate_integer(const EvalEnv& env, std::int64_t min) const {
  const json v = evaluate_typed(*root_, env, "integer", [](const json& x) {
    std::int64_t i = 0;
    return as_integer(x, i);
  });
  std::int64_t i = 0;
  as_integer(v, i);
  if (i < min) {
    const std::string what = "returned a value out of range. Expected an integer >= " + std::to_string(min) +
                             ", but was: " + dump_compact(v);
    if (root_->kind == Node::Kind::kExpression) query_error(root_->text, root_->field, what);
    throw StatesError::query_evaluation(root_->field, "The field '" + root_->field + "' " + what);
  }
  return i;
}

double JsonataValue::evaluate_number(const EvalEnv& env, double min, double max) const {
  const json v = evaluate_typed(*root_, env, "number", [](const json& x) { return x.is_number(); });
  const double d = v.get<double>();
  if (d < min || d > max) {
    const std::string what = "returned a value out of range. Expected a number from " + dump_compact(json(min)) +
                             " to " + dump_compact(json(max)) + ", but was: " + dump_compact(v);
    if (root_->kind == Node::Kind::kExpression) query_error(root_->text, root_->field, what);
    throw StatesError::query_evaluation(root_->field, "The field '" + root_->field + "' " + what);
  }
  return d;
}

std::string JsonataValue::evaluate_string(const EvalEnv& env) const {
  return evaluate_typed(*root_, env, "string", [](const json& v) { return v.is_string(); }).get<std::string>();
}

bool JsonataValue::evaluate_bool(const EvalEnv& env) const {
  return evaluate_typed(*root_, env, "boolean", [](const json& v) { return v.is_boolean(); }).get<bool>();
}

}  // namespace cosmicai::asl
