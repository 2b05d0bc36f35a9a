#pragma once
// Internal representation shared by the lexer/parser, evaluator and function library.
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asl/jsonata/jsonata.hpp"

namespace cosmicai::jsonata::detail {

struct Value;
struct Function;
struct Frame;
struct Ctx;

struct ArrayData {
  std::vector<Value> v;
  bool sequence = false, keep_singleton = false, cons = false, outer_wrapper = false, tuple_stream = false;
};

struct ObjectData {
  std::vector<std::pair<std::string, Value>> items;
  const Value* find(const std::string& k) const;
  Value* find(const std::string& k);
  void set(const std::string& k, Value v);
  void erase(const std::string& k);
};

struct Value {
  enum class T : unsigned char { Undef, Null, Bool, Num, Str, Arr, Obj, Fn };
  T t = T::Undef;
  bool b = false;
  double n = 0;
  std::shared_ptr<std::string> s;
  std::shared_ptr<ArrayData> a;
  std::shared_ptr<ObjectData> o;
  std::shared_ptr<Function> f;

  static Value null() {
    Value v;
    v.t = T::Null;
    return v;
  }
  static Value boolean(bool x) {
    Value v;
    v.t = T::Bool;
    v.b = x;
    return v;
  }
  static Value number(double x) {
    Value v;
    v.t = T::Num;
    v.n = x;
    return v;
  }
  static Value string(std::string x) {
    Value v;
    v.t = T::Str;
    v.s = std::make_shared<std::string>(std::move(x));
    return v;
  }
  static Value array() {
    Value v;
    v.t = T::Arr;
    v.a = std::make_shared<ArrayData>();
    return v;
  }
  static Value sequence() {
    Value v = array();
    v.a->sequence = true;
    return v;
  }
  static Value object() {
    Value v;
    v.t = T::Obj;
    v.o = std::make_shared<ObjectData>();
    return v;
  }

  bool undef() const { return t == T::Undef; }
  bool is_arr() const { return t == T::Arr; }
  bool is_obj() const { return t == T::Obj; }
  bool is_fn() const { return t == T::Fn; }
  bool is_str() const { return t == T::Str; }
  bool is_num() const { return t == T::Num; }
  const std::string& str() const { return *s; }
  std::vector<Value>& arr() const { return a->v; }
  std::size_t size() const { return a->v.size(); }
  void push(Value x) const { a->v.push_back(std::move(x)); }
};

Value from_json(const json& j);
std::optional<json> to_json(const Value& v);

struct Slot {
  std::string label;
  int level = 1;
  int index = 0;
};

struct Signature;

enum class NT {
  Path,
  Binary,
  Unary,
  Name,
  String,
  Number,
  Value,
  Wildcard,
  Descendant,
  Parent,
  Condition,
  Block,
  Bind,
  Regex,
  Function,
  Partial,
  Variable,
  Lambda,
  Apply,
  Transform,
  Sort,
  Operator,
  ArrayCons,
  ObjectCons,
  Placeholder
};

struct NodeStage {
  bool is_index = false;  // else filter
  std::shared_ptr<Node> expr;
  std::string index_var;
};

struct SortTerm {
  bool descending = false;
  std::shared_ptr<Node> expr;
};

}  // namespace cosmicai::jsonata::detail

namespace cosmicai::jsonata {
struct Node {
  using P = std::shared_ptr<Node>;
  detail::NT type;
  std::string value;  // operator / name / string / variable name
  double num = 0;
  detail::Value literal;  // for Value (true/false/null) and String/Number literals
  long position = 0;
  P lhs, rhs, expression;              // binary / unary operand
  std::vector<P> steps;                // path
  std::vector<P> expressions;          // array constructor / block
  std::vector<std::pair<P, P>> pairs;  // object constructor
  std::vector<std::pair<P, P>> group;  // group by
  bool has_group = false;
  long group_position = 0;
  std::vector<detail::NodeStage> predicate;  // predicates on non-path expression
  std::vector<detail::NodeStage> stages;     // predicates on a step
  P condition, then, otherwise;
  P procedure;
  std::vector<P> arguments;
  P body;
  std::shared_ptr<detail::Signature> signature;
  bool thunk = false;
  P pattern, update, del;
  std::vector<detail::SortTerm> terms;
  std::string focus, index;
  bool tuple = false, keep_array = false, keep_singleton_array = false, consarray = false;
  std::shared_ptr<detail::Slot> slot;      // parent
  std::shared_ptr<detail::Slot> ancestor;  // name/wildcard binding its parent
  std::vector<std::shared_ptr<detail::Slot>> seeking_parent;
  bool has_seeking = false;
  std::string regex_pattern, regex_flags;
  std::shared_ptr<void> regex_compiled;
};
}  // namespace cosmicai::jsonata

namespace cosmicai::jsonata::detail {

using NativeImpl = Value (*)(Ctx&, std::vector<Value>&, const Value& input);

struct Signature {
  std::string definition;
  struct Param {
    std::string regex;
    char type = 0;
    std::string type_str;
    bool context = false;
    std::string context_regex;
    std::string subtype;
    bool array = false;
  };
  std::vector<Param> params;
  std::shared_ptr<void> compiled;  // the pattern over the arguments' type letters (PCRE2)
  std::vector<Value> validate(const std::vector<Value>& args, const Value& context) const;
};
std::shared_ptr<Signature> parse_signature(const std::string& sig, long position);

struct Function {
  Function() = default;
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;
  ~Function();
  enum class Kind { Lambda, Native, Partial, Custom, Regex, Transform, Compose } kind;
  // lambda
  const Node* node = nullptr;
  Value input;
  std::shared_ptr<Frame> env;
  bool thunk = false;
  // native
  NativeImpl impl = nullptr;
  std::string name;
  std::shared_ptr<Signature> signature;
  int arity = 0;
  // partial: fn + args (Undef with hole flag)
  Value target;
  std::vector<Value> bound;
  std::vector<bool> hole;
  // custom
  const CustomFunction* custom = nullptr;
  // regex / transform
  const Node* rnode = nullptr;
  Value g1, g2;  // compose f,g
  bool closure = false;  // registered with Ctx::closures (counted by live_closures())
};

struct Frame {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Frame> parent;
  explicit Frame(std::shared_ptr<Frame> p = nullptr) : parent(std::move(p)) {}
  const Value* lookup(const std::string& k) const {
    for (const Frame* f = this; f; f = f->parent.get()) {
      auto it = f->vars.find(k);
      if (it != f->vars.end()) return &it->second;
    }
    return nullptr;
  }
  void bind(const std::string& k, Value v) { vars[k] = std::move(v); }
};

struct Ctx {
  Limits limits;
  std::size_t depth = 0;
  std::size_t steps = 0;
  std::chrono::steady_clock::time_point deadline;
  std::chrono::system_clock::time_point now;
  std::shared_ptr<Frame> root;
  // Every closure (lambda or transform: a Function holding a Frame) made by this evaluation. A
  // closure bound in the frame it closes over ($f := function(){...}) owns that frame and is owned
  // by it, so reference counting alone never frees either: evaluate() releases every closure's
  // frame and input when the evaluation ends (its result is JSON, so no closure outlives it).
  std::vector<std::weak_ptr<Function>> closures;
  std::size_t closures_compact_at = 1024;
  void track_closure(const std::shared_ptr<Function>& fn);
  void release_closures();
  // Stack accounting: deep recursion moves onto a fresh thread with a large stack when this
  // thread's segment has used `stack_budget` bytes below `stack_top` (see Evaluator::eval).
  const char* stack_top = nullptr;
  std::size_t stack_budget = 0;
};

[[noreturn]] void fail(const std::string& code, long position = -1, const std::string& token = {},
                       const std::string& message = {});

// evaluator entry points used by the function library
Value apply(Ctx& ctx, const Value& fn, std::vector<Value> args, const Value& input, const std::shared_ptr<Frame>& env);
int function_arity(const Value& fn);

// helpers shared
bool is_numeric(const Value& v);
bool truthy(const Value& v);  // fn.boolean; Undef -> false
Value boolean_fn(const Value& v);
bool deep_equal(const Value& a, const Value& b);
std::string string_fn(Ctx& ctx, const Value& v, bool pretty = false);
std::string number_to_string(double d);
Value append(const Value& a, const Value& b);
Value make_sequence(const Value& v);
Value deep_clone(const Value& v);
void register_builtins(Frame& root);
Value regex_match_fn(Ctx& ctx, const Node* rnode, const std::string& s, std::size_t start, std::size_t* ms,
                     std::size_t* me);
std::size_t utf8_length(const std::string& s);
/// Append code point `cp` to `out` as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);
void compile_regex(Node& n);
std::shared_ptr<Node> parse_expression(std::string_view text);
Value call_native_name(Ctx& ctx, const std::string& name, std::vector<Value> args);

}  // namespace cosmicai::jsonata::detail
