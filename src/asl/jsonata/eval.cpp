// The JSONata evaluator: sequences, tuple streams (focus @, index #, parent %), lambdas with
// tail calls, partial application, ~>, transforms, sorting and grouping (jsonata-js semantics).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <exception>

#include "asl/jsonata/diagnostics.hpp"
#include "asl/jsonata/internal.hpp"

namespace cosmicai::jsonata {

Error::Error(std::string code, std::string message, long position, std::string token)
    : std::runtime_error(code + (position >= 0 ? " at " + std::to_string(position) : std::string()) + ": " + message),
      code_(std::move(code)),
      detail_(std::move(message)),
      position_(position),
      token_(std::move(token)) {}

namespace detail {

namespace {
std::atomic<std::size_t> g_live_closures{0};
}  // namespace

Function::~Function() {
  if (closure) g_live_closures.fetch_sub(1, std::memory_order_relaxed);
}

void Ctx::track_closure(const std::shared_ptr<Function>& fn) {
  fn->closure = true;
  g_live_closures.fetch_add(1, std::memory_order_relaxed);
  if (closures.size() >= closures_compact_at) {  // forget the ones already freed
    std::erase_if(closures, [](const std::weak_ptr<Function>& w) { return w.expired(); });
    closures_compact_at = std::max<std::size_t>(1024, closures.size() * 2);
  }
  closures.push_back(fn);
}

void Ctx::release_closures() {
  // Take every closure's frame and input away first, then let them go: the frames' variables
  // (which may hold the closures) are freed as the last owners disappear, without recursion
  // through a cycle.
  std::vector<std::shared_ptr<Frame>> frames;
  std::vector<Value> inputs;
  for (auto& w : closures)
    if (auto fn = w.lock()) {
      frames.push_back(std::move(fn->env));
      inputs.push_back(std::move(fn->input));
      fn->env.reset();
      fn->input = Value();
    }
  closures.clear();
  for (auto& f : frames)
    if (f) f->vars.clear();
}

namespace {
const char* message_for(const std::string& code) {
  static const std::unordered_map<std::string, const char*> m = {
      {"S0101", "String literal must be terminated by a matching quote"},
      {"S0102", "Number out of range"},
      {"S0103", "Unsupported escape sequence"},
      {"S0104", "The escape sequence \\u must be followed by 4 hex digits"},
      {"S0105", "Quoted property name must be terminated with a backquote (`)"},
      {"S0106", "Comment has no closing tag"},
      {"S0201", "Syntax error"},
      {"S0202", "Expected a different token"},
      {"S0203", "Expected a token before end of expression"},
      {"S0204", "Unknown operator"},
      {"S0205", "Unexpected token"},
      {"S0206", "Unknown expression type"},
      {"S0207", "Unexpected end of expression"},
      {"S0208", "Parameter of function definition must be a variable name (start with $)"},
      {"S0209", "A predicate cannot follow a grouping expression in a step"},
      {"S0210", "Each step can only have one grouping expression"},
      {"S0211", "The symbol cannot be used as a unary operator"},
      {"S0212", "The left side of := must be a variable name (start with $)"},
      {"S0213", "The literal value cannot be used as a step within a path expression"},
      {"S0214", "The right side of the operator must be a variable name (start with $)"},
      {"S0215", "A context variable binding must precede any predicates on a step"},
      {"S0216", "A context variable binding must precede the 'order-by' clause on a step"},
      {"S0217", "The object representing the 'parent' cannot be derived from this expression"},
      {"S0301", "Empty regular expressions are not allowed"},
      {"S0302", "No terminating / in regular expression"},
      {"S0402", "Choice groups containing parameterized types are not supported"},
      {"S0401", "Type parameters can only be applied to functions and arrays"},
      {"S0500", "Attempted to evaluate an expression containing syntax error(s)"},
      {"T0410", "Argument does not match function signature"},
      {"T0411", "Context value is not a compatible type with argument"},
      {"T0412", "Argument must be an array of the expected type"},
      {"D1001", "Number out of range"},
      {"D1002", "Cannot negate a non-numeric value"},
      {"T1003", "Key in object structure must evaluate to a string"},
      {"D1004", "Regular expression matches zero length string"},
      {"T1005", "Attempted to invoke a non-function. Did you mean ${{$}}?"},
      {"T1006", "Attempted to invoke a non-function"},
      {"T1007", "Attempted to partially apply a non-function. Did you mean ${{$}}?"},
      {"T1008", "Attempted to partially apply a non-function"},
      {"D1009", "Multiple key definitions evaluate to same key"},
      {"D1010", "Attempted to access the Javascript object prototype"},
      {"T1010", "The matcher function argument passed to function does not return the correct object structure"},
      {"T2001", "The left side of the arithmetic operator must evaluate to a number"},
      {"T2002", "The right side of the arithmetic operator must evaluate to a number"},
      {"T2003", "The left side of the range operator (..) must evaluate to an integer"},
      {"T2004", "The right side of the range operator (..) must evaluate to an integer"},
      {"D2005", "The left side of := must be a variable name (start with $)"},
      {"T2006", "The right side of the function application operator ~> must be a function"},
      {"T2007", "Type mismatch when comparing values in order-by clause"},
      {"T2008", "The expressions within an order-by clause must evaluate to numeric or string values"},
      {"T2009", "The values either side of the operator must be of the same data type"},
      {"T2010", "The expressions either side of operator must evaluate to numeric or string values"},
      {"T2011", "The insert/update clause of the transform expression must evaluate to an object"},
      {"T2012", "The delete clause of the transform expression must evaluate to a string or array of strings"},
      {"T2013",
       "The transform expression clones the input object using the $clone() function.  This has been overridden in the "
       "current scope by a non-function."},
      {"D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7"},
      {"D3001", "Attempting to invoke string function on Infinity or NaN"},
      {"D3010", "Second argument of replace function cannot be an empty string"},
      {"D3011", "Fourth argument of replace function must evaluate to a positive number"},
      {"D3012", "Attempted to replace a matched string with a non-string value"},
      {"D3020", "Third argument of split function must evaluate to a positive number"},
      {"D3030", "Unable to cast value to a number"},
      {"D3040", "Third argument of match function must evaluate to a positive number"},
      {"D3050", "The second argument of reduce function must be a function with at least two arguments"},
      {"D3060", "The sqrt function cannot be applied to a negative number"},
      {"D3061", "The power function has resulted in a value that cannot be represented as a JSON number"},
      {"D3070",
       "The single argument form of the sort function can only be applied to an array of strings or an array of "
       "numbers.  Use the second argument to specify a comparison function"},
      {"D3080", "The picture string must only contain a maximum of two sub-pictures"},
      {"D3137", "$error() function evaluated"},
      {"D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more."},
      {"D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0."},
      {"D3140", "Malformed URL passed to decodeURI"},
      {"D3141", "$assert() statement failed"},
      {"U1001", "Stack overflow error or evaluation time limit exceeded"},
  };
  auto it = m.find(code);
  return it == m.end() ? "JSONata error" : it->second;
}
}  // namespace

void fail(const std::string& code, long position, const std::string& token, const std::string& message) {
  std::string msg = message.empty() ? message_for(code) : message;
  if (!token.empty() && message.empty()) msg += " (token '" + token + "')";
  throw Error(code, msg, position, token);
}

// ---------------- values ----------------
const Value* ObjectData::find(const std::string& k) const {
  for (auto& kv : items)
    if (kv.first == k) return &kv.second;
  return nullptr;
}
Value* ObjectData::find(const std::string& k) {
  for (auto& kv : items)
    if (kv.first == k) return &kv.second;
  return nullptr;
}
void ObjectData::set(const std::string& k, Value v) {
  if (auto* p = find(k))
    *p = std::move(v);
  else
    items.emplace_back(k, std::move(v));
}
void ObjectData::erase(const std::string& k) {
  items.erase(std::remove_if(items.begin(), items.end(), [&](auto& kv) { return kv.first == k; }), items.end());
}

Value from_json(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return Value::null();
    case json::value_t::boolean:
      return Value::boolean(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return Value::number(j.get<double>());
    case json::value_t::string:
      return Value::string(j.get<std::string>());
    case json::value_t::array: {
      Value a = Value::array();
      a.arr().reserve(j.size());
      for (auto& x : j) a.push(from_json(x));
      return a;
    }
    case json::value_t::object: {
      Value o = Value::object();
      o.o->items.reserve(j.size());
      for (auto& [k, v] : j.items()) o.o->items.emplace_back(k, from_json(v));
      return o;
    }
    default:
      return Value();
  }
}

namespace {
/// Write `v` as JSON into `out` (null on entry); false for undefined and functions, which have none.
/// Containers are filled in place, element by element, so nothing is copied or moved twice.
bool write_json(const Value& v, json& out) {
  switch (v.t) {
    case Value::T::Undef:
    case Value::T::Fn:
      return false;
    case Value::T::Null:
      return true;
    case Value::T::Bool:
      out = v.b;
      return true;
    case Value::T::Num: {
      const double d = v.n;
      if (std::floor(d) == d && std::fabs(d) < 9e15) out = static_cast<int64_t>(d);
      else out = d;
      return true;
    }
    case Value::T::Str:
      out = v.str();
      return true;
    case Value::T::Arr: {
      out = json::array();
      auto& a = out.get_ref<json::array_t&>();
      a.reserve(v.arr().size());
      for (auto& x : v.arr()) {
        json& e = a.emplace_back();
        if (!write_json(x, e)) {
          if (x.is_fn()) e = "";  // a function in an array is written as ""
          else a.pop_back();      // undefined is left out
        }
      }
      return true;
    }
    case Value::T::Obj: {
      out = json::object();
      auto& o = out.get_ref<json::object_t&>();
      o.reserve(v.o->items.size());
      for (auto& [k, x] : v.o->items) {
        json e;
        if (!write_json(x, e)) {
          if (!x.is_fn()) continue;  // undefined: no member
          e = "";
        }
        o[k] = std::move(e);  // (a key set twice keeps its first place, as before)
      }
      return true;
    }
  }
  return false;
}
}  // namespace

std::optional<json> to_json(const Value& v) {
  std::optional<json> out(std::in_place);
  if (!write_json(v, *out)) return std::nullopt;
  return out;
}

bool is_numeric(const Value& v) {
  if (v.t != Value::T::Num) return false;
  if (std::isnan(v.n)) return false;
  if (!std::isfinite(v.n)) fail("D1001", -1, {}, "Number out of range");
  return true;
}

Value make_sequence(const Value& v) {
  Value s = Value::sequence();
  s.push(v);
  return s;
}

Value append(const Value& a, const Value& b) {
  if (a.undef()) return b;
  if (b.undef()) return a;
  Value r = Value::array();
  if (a.is_arr())
    r.arr() = a.arr();
  else
    r.push(a);
  if (b.is_arr())
    r.arr().insert(r.arr().end(), b.arr().begin(), b.arr().end());
  else
    r.push(b);
  return r;
}

Value boolean_fn(const Value& v) {
  if (v.undef()) return Value();
  return Value::boolean(truthy(v));
}

bool truthy(const Value& v) {
  switch (v.t) {
    case Value::T::Undef:
    case Value::T::Null:
    case Value::T::Fn:
      return false;
    case Value::T::Bool:
      return v.b;
    case Value::T::Num:
      return v.n != 0 && !std::isnan(v.n);
    case Value::T::Str:
      return !v.str().empty();
    case Value::T::Obj:
      return !v.o->items.empty();
    case Value::T::Arr:
      if (v.size() == 1) return truthy(v.arr()[0]);
      for (auto& x : v.arr())
        if (truthy(x)) return true;
      return false;
  }
  return false;
}

bool deep_equal(const Value& a, const Value& b) {
  if (a.t != b.t) return false;
  switch (a.t) {
    case Value::T::Undef:
    case Value::T::Null:
      return true;
    case Value::T::Bool:
      return a.b == b.b;
    case Value::T::Num:
      return a.n == b.n;
    case Value::T::Str:
      return a.str() == b.str();
    case Value::T::Fn:
      return a.f == b.f;
    case Value::T::Arr:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!deep_equal(a.arr()[i], b.arr()[i])) return false;
      return true;
    case Value::T::Obj:
      if (a.o->items.size() != b.o->items.size()) return false;
      for (auto& [k, x] : a.o->items) {
        auto* y = b.o->find(k);
        if (!y || !deep_equal(x, *y)) return false;
      }
      return true;
  }
  return false;
}

Value deep_clone(const Value& v) {
  if (v.is_arr()) {
    Value r = Value::array();
    auto flags = *v.a;
    r.a->sequence = flags.sequence;
    for (auto& x : v.arr()) r.push(deep_clone(x));
    return r;
  }
  if (v.is_obj()) {
    Value r = Value::object();
    for (auto& [k, x] : v.o->items) r.o->items.emplace_back(k, deep_clone(x));
    return r;
  }
  return v;
}

// ---------------- regex ----------------
struct CompiledRegex {
  pcre2_code* code = nullptr;
  ~CompiledRegex() {
    if (code) pcre2_code_free(code);
  }
};

void compile_regex(Node& n) {
  uint32_t opts = PCRE2_UTF | PCRE2_UCP * 0 | PCRE2_ALT_BSUX | PCRE2_MATCH_UNSET_BACKREF;
  if (n.regex_flags.find('i') != std::string::npos) opts |= PCRE2_CASELESS;
  if (n.regex_flags.find('m') != std::string::npos) opts |= PCRE2_MULTILINE;
  int err = 0;
  PCRE2_SIZE off = 0;
  auto cctx = pcre2_compile_context_create(nullptr);
  pcre2_set_compile_extra_options(cctx, PCRE2_EXTRA_ALT_BSUX);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(n.regex_pattern.data()), n.regex_pattern.size(), opts,
                                   &err, &off, cctx);
  pcre2_compile_context_free(cctx);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    fail("S0303", n.position, n.regex_pattern,
         std::string("Invalid regular expression: ") + reinterpret_cast<char*>(buf));
  }
  auto c = std::make_shared<CompiledRegex>();
  c->code = code;
  n.regex_compiled = c;
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Returns a match object {match, index, groups, next} or Undef; `start` is a byte offset.
Value regex_match_fn(Ctx& ctx, const Node* rnode, const std::string& s, std::size_t start, std::size_t* ms,
                     std::size_t* me) {
  auto* cr = static_cast<CompiledRegex*>(rnode->regex_compiled.get());
  if (start > s.size()) return Value();
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(cr->code, nullptr);
  pcre2_match_context* mc = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(mc, static_cast<uint32_t>(ctx.limits.regex_match_limit));
  pcre2_set_depth_limit(mc, 10000);
  int rc = pcre2_match(cr->code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), start, 0, md, mc);
  pcre2_match_context_free(mc);
  if (rc < 0) {
    pcre2_match_data_free(md);
    if (rc == PCRE2_ERROR_NOMATCH) return Value();
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
      fail("U1001", rnode->position, {}, "Regular expression evaluation exceeded its backtracking limit");
    fail("D1004", rnode->position, {}, "Regular expression match failed");
  }
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  Value m = Value::object();
  std::string matched = s.substr(ov[0], ov[1] - ov[0]);
  m.o->set("match", Value::string(matched));
  *ms = ov[0];
  *me = ov[1];
  m.o->set("index", Value::number(double(utf8_length(s.substr(0, ov[0])))));
  Value groups = Value::array();
  for (int i = 1; i < rc; ++i) {
    if (ov[2 * i] == PCRE2_UNSET)
      groups.push(Value::string(""));
    else
      groups.push(Value::string(s.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i])));
  }
  uint32_t cap = 0;
  pcre2_pattern_info(cr->code, PCRE2_INFO_CAPTURECOUNT, &cap);
  while (groups.size() < cap) groups.push(Value::string(""));
  m.o->set("groups", groups);
  pcre2_match_data_free(md);
  return m;
}

// ---------------- evaluator ----------------
namespace {

using FrameP = std::shared_ptr<Frame>;

struct Evaluator {
  Ctx& ctx;

  struct DepthGuard {
    Ctx& c;
    explicit DepthGuard(Ctx& ctx) : c(ctx) {
      if (++c.depth > c.limits.max_depth)
        fail("U1001", -1, {}, "Stack overflow error: maximum evaluation depth exceeded");
      if (++c.steps > c.limits.max_steps) fail("U1001", -1, {}, "Evaluation exceeded its step limit");
      if ((c.steps & 1023) == 0 && std::chrono::steady_clock::now() > c.deadline)
        fail("U1001", -1, {}, "Evaluation time limit exceeded");
    }
    ~DepthGuard() { --c.depth; }
  };

  static bool is_seq(const Value& v) { return v.is_arr() && v.a->sequence; }

  // Evaluation recurses through several C++ frames per JSONata level, and how big they are depends
  // on the build (sanitizers make them several times larger) and on the thread (workers may have
  // small stacks). So the depth limit alone cannot keep a deep evaluation inside the stack: when
  // this stack segment has used its budget, the evaluation goes on in a fresh thread with a large
  // stack (this one waits), however small the caller's stack or big the frames.
  static constexpr std::size_t kFirstSegmentBudget = 512 * 1024;  // of the caller's stack
  static constexpr std::size_t kHopStackSize = 64 * 1024 * 1024;
  static constexpr std::size_t kHopSegmentBudget = kHopStackSize - 1024 * 1024;

  // How much of this thread's stack an evaluation starting at `here` may use: at most `cap`, and
  // never closer than a margin to the stack's end (the thread's static TLS, which is large under
  // ThreadSanitizer, and the caller's frames may already have used most of a small stack).
  static std::size_t stack_budget_from(const char* here, std::size_t cap) {
    static constexpr std::size_t kMargin = 128 * 1024;
    thread_local const char* floor = [] {
      const char* lowest = nullptr;
      pthread_attr_t attr;
      if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void* addr = nullptr;
        std::size_t size = 0;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) lowest = static_cast<const char*>(addr);
        pthread_attr_destroy(&attr);
      }
      return lowest;
    }();
    if (!floor || here <= floor) return cap;  // unknown: assume the cap fits
    const auto avail = static_cast<std::size_t>(here - floor);
    return avail > kMargin ? std::min(cap, avail - kMargin) : 0;
  }

  bool stack_low() const {
    const char* here = static_cast<const char*>(__builtin_frame_address(0));
    return ctx.stack_top && here < ctx.stack_top &&
           static_cast<std::size_t>(ctx.stack_top - here) > ctx.stack_budget;
  }

  Value eval_on_new_stack(const Node* e, const Value& input, const FrameP& env) {
    struct Job {
      Evaluator* self;
      const Node* e;
      const Value* input;
      const FrameP* env;
      Value result;
      std::exception_ptr error;
    } job{this, e, &input, &env, {}, nullptr};
    const char* saved_top = ctx.stack_top;
    const std::size_t saved_budget = ctx.stack_budget;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, kHopStackSize);
    pthread_t th;
    const int rc = pthread_create(
        &th, &attr,
        [](void* p) -> void* {
          auto* j = static_cast<Job*>(p);
          try {
            j->self->ctx.stack_top = static_cast<const char*>(__builtin_frame_address(0));
            j->self->ctx.stack_budget = stack_budget_from(j->self->ctx.stack_top, kHopSegmentBudget);
            j->result = j->self->eval(j->e, *j->input, *j->env);
          } catch (...) {
            j->error = std::current_exception();
          }
          return nullptr;
        },
        &job);
    pthread_attr_destroy(&attr);
    if (rc != 0) fail("U1001", -1, {}, "Stack overflow error: no thread for a deeper evaluation");
    pthread_join(th, nullptr);
    ctx.stack_top = saved_top;
    ctx.stack_budget = saved_budget;
    if (job.error) std::rethrow_exception(job.error);
    return std::move(job.result);
  }

  Value eval(const Node* e, const Value& input, const FrameP& env) {
    if (stack_low()) return eval_on_new_stack(e, input, env);
    DepthGuard g(ctx);
    Value r;
    switch (e->type) {
      case NT::Path:
        r = path(e, input, env);
        break;
      case NT::Binary:
        r = binary(e, input, env);
        break;
      case NT::Unary:
        r = unary(e, input, env);
        break;
      case NT::ArrayCons:
        r = array_cons(e, input, env);
        break;
      case NT::ObjectCons:
        r = group(e->pairs, input, env, e->position);
        break;
      case NT::Name:
        r = lookup(input, e->value);
        break;
      case NT::String:
      case NT::Number:
      case NT::Value:
        r = e->literal;
        break;
      case NT::Wildcard:
        r = wildcard(input);
        break;
      case NT::Descendant:
        r = descendants(input);
        break;
      case NT::Parent: {
        const Value* v = env->lookup(e->slot->label);
        if (v) r = *v;
        break;
      }
      case NT::Condition: {
        Value c = eval(e->condition.get(), input, env);
        if (truthy(c))
          r = eval(e->then.get(), input, env);
        else if (e->otherwise)
          r = eval(e->otherwise.get(), input, env);
        break;
      }
      case NT::Block: {
        auto f = std::make_shared<Frame>(env);
        for (auto& x : e->expressions) r = eval(x.get(), input, f);
        break;
      }
      case NT::Bind: {
        r = eval(e->rhs.get(), input, env);
        env->bind(e->lhs->value, r);
        break;
      }
      case NT::Regex: {
        auto fn = std::make_shared<Function>();
        fn->kind = Function::Kind::Regex;
        fn->rnode = e;
        fn->arity = 1;
        r.t = Value::T::Fn;
        r.f = fn;
        break;
      }
      case NT::Function:
        r = call(e, input, env, nullptr);
        break;
      case NT::Partial:
        r = partial(e, input, env);
        break;
      case NT::Variable: {
        if (e->value.empty())
          r = (input.is_arr() && input.a->outer_wrapper) ? input.arr()[0] : input;
        else if (const Value* v = env->lookup(e->value))
          r = *v;
        break;
      }
      case NT::Lambda: {
        auto fn = std::make_shared<Function>();
        fn->kind = Function::Kind::Lambda;
        fn->node = e;
        fn->input = input;
        fn->env = env;
        ctx.track_closure(fn);
        fn->thunk = e->thunk;
        fn->signature = e->signature;
        fn->arity = static_cast<int>(e->arguments.size());
        r.t = Value::T::Fn;
        r.f = fn;
        break;
      }
      case NT::Apply:
        r = apply_expr(e, input, env);
        break;
      case NT::Transform: {
        auto fn = std::make_shared<Function>();
        fn->kind = Function::Kind::Transform;
        fn->rnode = e;
        fn->env = env;
        ctx.track_closure(fn);
        fn->arity = 1;
        fn->signature = parse_signature("<(oa):o>", -1);
        r.t = Value::T::Fn;
        r.f = fn;
        break;
      }
      case NT::Placeholder:
        fail("S0201", e->position, "?");
      default:
        fail("S0206", e->position);
    }
    for (auto& p : e->predicate) r = filter(p.expr.get(), r, env);
    if (e->type != NT::Path && e->has_group) r = group(e->group, r, env, e->group_position);
    if (is_seq(r) && !r.a->tuple_stream) {
      if (e->keep_array) r.a->keep_singleton = true;
      if (r.size() == 0)
        r = Value();
      else if (r.size() == 1 && !r.a->keep_singleton) {
        Value tmp = r.arr()[0];
        r = std::move(tmp);
      }
    }
    return r;
  }

  Value path(const Node* e, const Value& input, const FrameP& env) {
    Value in;
    if (input.is_arr() && e->steps[0]->type != NT::Variable)
      in = input;
    else
      in = make_sequence(input);
    Value result;
    bool tuple_stream = false;
    Value tuples;
    for (std::size_t i = 0; i < e->steps.size(); ++i) {
      const Node* step = e->steps[i].get();
      if (step->tuple) tuple_stream = true;
      if (i == 0 && step->consarray)
        result = eval(step, in, env);
      else if (tuple_stream)
        tuples = tuple_step(step, in, tuples, env);
      else
        result = eval_step(step, in, env, i == e->steps.size() - 1);
      if (!tuple_stream && (result.undef() || (result.is_arr() && result.size() == 0))) break;
      if (step->focus.empty()) in = result;
    }
    if (tuple_stream) {
      if (e->tuple)
        result = tuples;
      else {
        result = Value::sequence();
        if (!tuples.undef())
          for (auto& t : tuples.arr()) result.push(*t.o->find("@"));
      }
    }
    if (e->keep_singleton_array) {
      if (result.is_arr() && result.a->cons && !result.a->sequence) result = make_sequence(result);
      if (result.is_arr()) result.a->keep_singleton = true;
    }
    if (e->has_group) result = group(e->group, tuple_stream ? tuples : result, env, e->group_position);
    return result;
  }

  Value eval_step(const Node* step, const Value& in, const FrameP& env, bool last) {
    if (step->type == NT::Sort) {
      Value r = sort(step, in, env);
      if (!step->stages.empty()) r = stages(step->stages, r, env);
      return r;
    }
    Value result = Value::sequence();
    if (in.is_arr()) {
      for (auto& item : in.arr()) {
        Value res = eval(step, item, env);
        for (auto& st : step->stages) res = filter(st.expr.get(), res, env);
        if (!res.undef()) result.push(res);
      }
    }
    if (last && result.size() == 1 && result.arr()[0].is_arr() && !is_seq(result.arr()[0])) return result.arr()[0];
    Value out = Value::sequence();
    for (auto& res : result.arr()) {
      if (!res.is_arr() || res.a->cons)
        out.push(res);
      else
        for (auto& v : res.arr()) out.push(v);
    }
    return out;
  }

  Value stages(const std::vector<NodeStage>& sts, Value r, const FrameP& env) {
    for (auto& st : sts) {
      if (!st.is_index)
        r = filter(st.expr.get(), r, env);
      else if (r.is_arr())
        for (std::size_t i = 0; i < r.size(); ++i) r.arr()[i].o->set(st.index_var, Value::number(double(i)));
    }
    return r;
  }

  FrameP frame_from_tuple(const FrameP& env, const Value& tuple) {
    auto f = std::make_shared<Frame>(env);
    if (tuple.is_obj())
      for (auto& [k, v] : tuple.o->items) f->bind(k, v);
    return f;
  }

  Value tuple_step(const Node* step, const Value& in, Value tuples, const FrameP& env) {
    if (step->type == NT::Sort) {
      Value r;
      if (!tuples.undef())
        r = sort(step, tuples, env);
      else {
        Value sorted = sort(step, in, env);
        r = Value::sequence();
        r.a->tuple_stream = true;
        if (sorted.is_arr())
          for (std::size_t i = 0; i < sorted.size(); ++i) {
            Value t = Value::object();
            t.o->set("@", sorted.arr()[i]);
            t.o->set(step->index, Value::number(double(i)));
            r.push(t);
          }
      }
      if (!step->stages.empty()) r = stages(step->stages, r, env);
      return r;
    }
    Value result = Value::sequence();
    result.a->tuple_stream = true;
    if (tuples.undef()) {
      tuples = Value::sequence();
      if (in.is_arr())
        for (auto& item : in.arr()) {
          Value t = Value::object();
          t.o->set("@", item);
          tuples.push(t);
        }
    }
    for (auto& tb : tuples.arr()) {
      auto step_env = frame_from_tuple(env, tb);
      Value res = eval(step, *tb.o->find("@"), step_env);
      if (res.undef()) continue;
      bool res_tuple = res.is_arr() && res.a->tuple_stream;
      if (!res.is_arr()) {
        Value w = Value::array();
        w.push(res);
        res = w;
      }
      for (std::size_t bb = 0; bb < res.size(); ++bb) {
        Value t = Value::object();
        t.o->items = tb.o->items;
        if (res_tuple) {
          for (auto& [k, v] : res.arr()[bb].o->items) t.o->set(k, v);
        } else {
          if (!step->focus.empty()) {
            t.o->set(step->focus, res.arr()[bb]);
            t.o->set("@", *tb.o->find("@"));
          } else {
            t.o->set("@", res.arr()[bb]);
          }
          if (!step->index.empty()) t.o->set(step->index, Value::number(double(bb)));
          if (step->ancestor) t.o->set(step->ancestor->label, *tb.o->find("@"));
        }
        result.push(t);
      }
    }
    if (!step->stages.empty()) result = stages(step->stages, result, env);
    return result;
  }

  Value filter(const Node* pred, const Value& input, const FrameP& env) {
    Value results = Value::sequence();
    if (input.is_arr() && input.a->tuple_stream) results.a->tuple_stream = true;
    Value in = input.is_arr() ? input : make_sequence(input);
    const long n = static_cast<long>(in.size());
    if (pred->type == NT::Number) {
      // Indexes stay doubles until known to be in range: a literal like 1e30 does not fit a long.
      double idx = std::floor(pred->num);
      if (idx < 0) idx += static_cast<double>(n);
      if (idx >= 0 && idx < static_cast<double>(n)) {
        const Value& item = in.arr()[static_cast<std::size_t>(idx)];
        if (item.is_arr())
          results = item;
        else if (!item.undef())
          results.push(item);
      }
      return results;
    }
    for (long i = 0; i < n; ++i) {
      const Value& item = in.arr()[i];
      Value context = item;
      FrameP e = env;
      if (in.a->tuple_stream) {
        context = *item.o->find("@");
        e = frame_from_tuple(env, item);
      }
      Value res = eval(pred, context, e);
      if (is_numeric(res)) res = make_sequence(res);
      bool all_nums = res.is_arr() && res.size() > 0;
      if (res.is_arr())
        for (auto& x : res.arr())
          if (!is_numeric(x)) {
            all_nums = false;
            break;
          }
      if (all_nums) {
        for (auto& x : res.arr()) {
          double ii = std::floor(x.n);
          if (ii < 0) ii += static_cast<double>(n);
          if (ii == static_cast<double>(i)) results.push(item);
        }
      } else if (truthy(res)) {
        results.push(item);
      }
    }
    return results;
  }

  static Value lookup(const Value& input, const std::string& key) {
    if (input.is_arr()) {
      Value r = Value::sequence();
      for (auto& x : input.arr()) {
        Value res = lookup(x, key);
        if (res.undef()) continue;
        if (res.is_arr())
          for (auto& v : res.arr()) r.push(v);
        else
          r.push(res);
      }
      return r;
    }
    if (input.is_obj()) {
      if (auto* v = input.o->find(key)) return *v;
    }
    return Value();
  }

  static void flatten(const Value& v, Value& out) {
    if (v.is_arr())
      for (auto& x : v.arr()) flatten(x, out);
    else
      out.push(v);
  }

  static Value wildcard(const Value& input0) {
    Value results = Value::sequence();
    Value input = input0;
    if (input.is_arr() && input.a->outer_wrapper && input.size() > 0) {
      Value tmp = input.arr()[0];
      input = std::move(tmp);
    }
    if (input.is_arr()) {
      for (auto& v : input.arr()) {
        if (v.is_arr()) {
          Value flat = Value::array();
          flatten(v, flat);
          results = append(results, flat);
        } else {
          results.push(v);
        }
      }
    } else if (input.is_obj()) {
      for (auto& [k, v] : input.o->items) {
        if (v.is_arr()) {
          Value flat = Value::array();
          flatten(v, flat);
          results = append(results, flat);
        } else {
          results.push(v);
        }
      }
    }
    return results;
  }

  static void recurse_desc(const Value& v, Value& out) {
    if (!v.is_arr()) out.push(v);
    if (v.is_arr())
      for (auto& x : v.arr()) recurse_desc(x, out);
    else if (v.is_obj())
      for (auto& [k, x] : v.o->items) recurse_desc(x, out);
  }

  static Value descendants(const Value& input) {
    if (input.undef()) return Value();
    Value seq = Value::sequence();
    recurse_desc(input, seq);
    if (seq.size() == 1) return seq.arr()[0];
    return seq;
  }

  Value array_cons(const Node* e, const Value& input, const FrameP& env) {
    Value result = Value::array();
    for (auto& item : e->expressions) {
      Value v = eval(item.get(), input, env);
      if (v.undef()) continue;
      if (item->type == NT::ArrayCons)
        result.push(v);
      else
        result = append(result, v);
    }
    if (e->consarray) result.a->cons = true;
    return result;
  }

  Value unary(const Node* e, const Value& input, const FrameP& env) {
    Value v = eval(e->expression.get(), input, env);
    if (v.undef()) return v;
    if (is_numeric(v)) return Value::number(-v.n);
    fail("D1002", e->position, e->value);
  }

  Value binary(const Node* e, const Value& input, const FrameP& env) {
    const std::string& op = e->value;
    Value lhs = eval(e->lhs.get(), input, env);
    if (op == "and" || op == "or") {
      bool l = truthy(lhs);
      if (op == "and") return Value::boolean(l && truthy(eval(e->rhs.get(), input, env)));
      return Value::boolean(l || truthy(eval(e->rhs.get(), input, env)));
    }
    Value rhs = eval(e->rhs.get(), input, env);
    char c = op[0];
    if (op.size() == 1 && (c == '+' || c == '-' || c == '*' || c == '/' || c == '%')) {
      if (!lhs.undef() && !is_numeric(lhs)) fail("T2001", e->position, op);
      if (!rhs.undef() && !is_numeric(rhs)) fail("T2002", e->position, op);
      if (lhs.undef() || rhs.undef()) return Value();
      double r = 0;
      switch (c) {
        case '+':
          r = lhs.n + rhs.n;
          break;
        case '-':
          r = lhs.n - rhs.n;
          break;
        case '*':
          r = lhs.n * rhs.n;
          break;
        case '/':
          r = lhs.n / rhs.n;
          break;
        case '%':
          r = std::fmod(lhs.n, rhs.n);
          break;
      }
      return Value::number(r);
    }
    if (op == "=" || op == "!=") {
      if (lhs.undef() || rhs.undef()) return Value::boolean(false);
      bool eq = deep_equal(lhs, rhs);
      return Value::boolean(op == "=" ? eq : !eq);
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      auto comparable = [](const Value& v) { return v.undef() || v.is_str() || v.is_num(); };
      if (!comparable(lhs) || !comparable(rhs)) fail("T2010", e->position, op);
      if (lhs.undef() || rhs.undef()) return Value();
      if (lhs.t != rhs.t) fail("T2009", e->position, op);
      int cmp;
      if (lhs.is_num())
        cmp = lhs.n < rhs.n ? -1 : (lhs.n > rhs.n ? 1 : 0);
      else
        cmp = lhs.str().compare(rhs.str());  // TODO: UTF-16 order
      bool r = op == "<" ? cmp < 0 : op == "<=" ? cmp <= 0 : op == ">" ? cmp > 0 : cmp >= 0;
      return Value::boolean(r);
    }
    if (op == "&") {
      std::string l = lhs.undef() ? "" : string_fn(ctx, lhs);
      std::string r = rhs.undef() ? "" : string_fn(ctx, rhs);
      return Value::string(l + r);
    }
    if (op == "..") {
      auto is_int = [](const Value& v) { return v.is_num() && std::floor(v.n) == v.n && std::isfinite(v.n); };
      if (!lhs.undef() && !is_int(lhs)) fail("T2003", e->position, op);
      if (!rhs.undef() && !is_int(rhs)) fail("T2004", e->position, op);
      if (lhs.undef() || rhs.undef() || lhs.n > rhs.n) return Value();
      double size = rhs.n - lhs.n + 1;
      if (size > 1e7 || size > double(ctx.limits.max_sequence)) fail("D2014", e->position, op);
      Value r = Value::sequence();
      r.arr().reserve(static_cast<std::size_t>(size));
      for (double x = lhs.n; x <= rhs.n; x += 1) r.push(Value::number(x));
      ctx.steps += static_cast<std::size_t>(size) / 16;
      return r;
    }
    if (op == "in") {
      if (lhs.undef() || rhs.undef()) return Value::boolean(false);
      Value r = rhs.is_arr() ? rhs : make_sequence(rhs);
      for (auto& x : r.arr()) {
        if (x.t != lhs.t) continue;
        if ((x.is_num() && x.n == lhs.n) || (x.is_str() && x.str() == lhs.str()) ||
            (x.t == Value::T::Bool && x.b == lhs.b) || x.t == Value::T::Null)
          return Value::boolean(true);
      }
      return Value::boolean(false);
    }
    fail("S0201", e->position, op);
  }

  Value group(const std::vector<std::pair<Node::P, Node::P>>& pairs, const Value& input0, const FrameP& env, long pos) {
    Value result = Value::object();
    bool reduce = input0.is_arr() && input0.a->tuple_stream;
    Value input = input0.is_arr() ? input0 : make_sequence(input0);
    std::vector<Value> items = input.arr();
    if (items.empty()) items.push_back(Value());
    struct Entry {
      Value data;
      std::size_t expr_index;
    };
    std::vector<std::pair<std::string, Entry>> groups;
    for (auto& item : items) {
      FrameP e = reduce ? frame_from_tuple(env, item) : env;
      for (std::size_t pi = 0; pi < pairs.size(); ++pi) {
        Value key = eval(pairs[pi].first.get(), reduce ? (item.is_obj() ? *item.o->find("@") : Value()) : item, e);
        if (key.undef()) continue;
        if (!key.is_str())
          fail("T1003", pos, {}, "Key in object structure must evaluate to a string; got " + string_fn(ctx, key));
        auto it = std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.first == key.str(); });
        if (it != groups.end()) {
          if (it->second.expr_index != pi) fail("D1009", pos, key.str());
          it->second.data = append(it->second.data, item);
        } else {
          groups.push_back({key.str(), Entry{item, pi}});
        }
      }
    }
    for (auto& [key, entry] : groups) {
      Value context = entry.data;
      FrameP e = env;
      if (reduce) {
        Value tuple = reduce_tuple_stream(entry.data);
        // Only a tuple object carries "@" and bindings; anything else (e.g. a parent step "%"
        // over a value that is no tuple) leaves no context, as jsonata-js reads tuple['@'].
        const Value* at = tuple.is_obj() ? tuple.o->find("@") : nullptr;
        context = at ? *at : Value();
        if (tuple.is_obj()) {
          tuple.o->erase("@");
          e = frame_from_tuple(env, tuple);
        }
      }
      Value v = eval(pairs[entry.expr_index].second.get(), context, e);
      if (!v.undef()) result.o->set(key, v);
    }
    return result;
  }

  static Value reduce_tuple_stream(const Value& ts) {
    if (!ts.is_arr() || ts.size() == 0) return ts;
    Value r = Value::object();
    r.o->items = ts.arr()[0].o->items;
    for (std::size_t i = 1; i < ts.size(); ++i)
      for (auto& [k, v] : ts.arr()[i].o->items) {
        Value* cur = r.o->find(k);
        r.o->set(k, append(cur ? *cur : Value(), v));
      }
    return r;
  }

  Value sort(const Node* e, const Value& input, const FrameP& env) {
    if (input.undef()) return input;
    if (!input.is_arr() || input.size() <= 1) return input;
    bool tuple_sort = input.a->tuple_stream;
    auto comes_after = [&](const Value& a, const Value& b) {
      int comp = 0;
      for (std::size_t i = 0; comp == 0 && i < e->terms.size(); ++i) {
        auto& term = e->terms[i];
        Value ca = a, cb = b;
        FrameP ea = env, eb = env;
        if (tuple_sort) {
          ca = *a.o->find("@");
          ea = frame_from_tuple(env, a);
          cb = *b.o->find("@");
          eb = frame_from_tuple(env, b);
        }
        Value aa = eval(term.expr.get(), ca, ea);
        Value bb = eval(term.expr.get(), cb, eb);
        if (aa.undef()) {
          comp = bb.undef() ? 0 : 1;
          continue;
        }
        if (bb.undef()) {
          comp = -1;
          continue;
        }
        if (!(aa.is_str() || aa.is_num()) || !(bb.is_str() || bb.is_num())) fail("T2008", e->position);
        if (aa.t != bb.t) fail("T2007", e->position);
        if (aa.is_num())
          comp = aa.n == bb.n ? 0 : (aa.n < bb.n ? -1 : 1);
        else {
          int c = aa.str().compare(bb.str());
          comp = c == 0 ? 0 : (c < 0 ? -1 : 1);
        }
        if (term.descending) comp = -comp;
      }
      return comp == 1;
    };
    std::vector<Value> v = input.arr();
    std::stable_sort(v.begin(), v.end(), [&](const Value& a, const Value& b) { return comes_after(b, a); });
    Value r = Value::sequence();
    r.a->tuple_stream = tuple_sort;
    r.arr() = std::move(v);
    return r;
  }

  Value call(const Node* e, const Value& input, const FrameP& env, const Value* applyto) {
    Value proc = eval(e->procedure.get(), input, env);
    if (proc.undef() && e->procedure->type == NT::Path && env->lookup(e->procedure->steps[0]->value))
      fail("T1005", e->position, e->procedure->steps[0]->value);
    std::vector<Value> args;
    if (applyto) args.push_back(*applyto);
    for (auto& a : e->arguments) args.push_back(eval(a.get(), input, env));
    std::string name = e->procedure->type == NT::Path ? e->procedure->steps[0]->value : e->procedure->value;
    try {
      return apply_fn(proc, std::move(args), input, env);
    } catch (Error& err) {
      if (err.position() < 0)
        throw Error(err.code(), err.detail(), e->position, err.token().empty() ? name : err.token());
      throw;
    }
  }

  Value apply_fn(const Value& proc, std::vector<Value> args, const Value& input, const FrameP& env) {
    Value r = apply_inner(proc, std::move(args), input, env);
    while (r.is_fn() && r.f->kind == Function::Kind::Lambda && r.f->thunk) {
      const Node* callnode = r.f->node->body.get();
      Value next = eval(callnode->procedure.get(), r.f->input, r.f->env);
      std::vector<Value> a;
      for (auto& x : callnode->arguments) a.push_back(eval(x.get(), r.f->input, r.f->env));
      try {
        r = apply_inner(next, std::move(a), input, env);
      } catch (Error& err) {
        std::string name =
            callnode->procedure->type == NT::Path ? callnode->procedure->steps[0]->value : callnode->procedure->value;
        if (err.position() < 0)
          throw Error(err.code(), err.detail(), callnode->position, err.token().empty() ? name : err.token());
        throw;
      }
    }
    return r;
  }

  Value apply_inner(const Value& proc, std::vector<Value> args, const Value& input, const FrameP& env) {
    if (!proc.is_fn()) fail("T1006", -1);
    DepthGuard g(ctx);
    Function& f = *proc.f;
    std::vector<Value> validated = f.signature ? f.signature->validate(args, input) : std::move(args);
    switch (f.kind) {
      case Function::Kind::Lambda: {
        auto fenv = std::make_shared<Frame>(f.env);
        auto& params = f.node->arguments;
        for (std::size_t i = 0; i < params.size(); ++i)
          fenv->bind(params[i]->value, i < validated.size() ? validated[i] : Value());
        return eval(f.node->body.get(), f.input, fenv);
      }
      case Function::Kind::Native:
        return f.impl(ctx, validated, input);
      case Function::Kind::Partial: {
        std::vector<Value> full;
        std::size_t k = 0;
        for (std::size_t i = 0; i < f.bound.size(); ++i) {
          if (f.hole[i])
            full.push_back(k < validated.size() ? validated[k++] : Value());
          else
            full.push_back(f.bound[i]);
        }
        return apply_fn(f.target, std::move(full), input, env);
      }
      case Function::Kind::Compose: {
        Value x = apply_fn(f.g1, {validated.empty() ? Value() : validated[0]}, input, env);
        return apply_fn(f.g2, {x}, input, env);
      }
      case Function::Kind::Custom: {
        std::vector<std::optional<json>> ja;
        for (auto& a : validated) ja.push_back(to_json(a));
        auto r = f.custom->body(ja);
        return r ? from_json(*r) : Value();
      }
      case Function::Kind::Regex: {
        if (validated.empty() || !validated[0].is_str()) return Value();
        return regex_closure(f.rnode, validated[0].str(), 0);
      }
      case Function::Kind::Transform:
        return transform(f, validated.empty() ? Value() : validated[0]);
    }
    return Value();
  }

  Value regex_closure(const Node* rnode, const std::string& s, std::size_t start) {
    std::size_t ms = 0, me = 0;
    Value m = regex_match_fn(ctx, rnode, s, start, &ms, &me);
    if (m.undef()) return m;
    Value r = Value::object();
    r.o->set("match", *m.o->find("match"));
    r.o->set("start", Value::number(double(utf8_length(s.substr(0, ms)))));
    r.o->set("end", Value::number(double(utf8_length(s.substr(0, me)))));
    r.o->set("groups", *m.o->find("groups"));
    return r;
  }

  Value transform(Function& f, const Value& obj) {
    if (obj.undef()) return Value();
    const Node* e = f.rnode;
    const Value* clone_fn = f.env->lookup("clone");
    if (!clone_fn || !clone_fn->is_fn()) fail("T2013", e->position);
    Value result = apply_fn(*clone_fn, {obj}, Value(), f.env);
    Value matches = eval(e->pattern.get(), result, f.env);
    if (matches.undef()) return result;
    if (!matches.is_arr()) matches = make_sequence(matches);
    for (auto& match : matches.arr()) {
      Value update = eval(e->update.get(), match, f.env);
      if (!update.undef()) {
        if (!update.is_obj()) fail("T2011", e->update->position);
        if (match.is_obj())
          for (auto& [k, v] : update.o->items) match.o->set(k, v);
      }
      if (e->del) {
        Value dels = eval(e->del.get(), match, f.env);
        if (dels.undef()) continue;
        Value d = dels.is_arr() ? dels : make_sequence(dels);
        for (auto& x : d.arr())
          if (!x.is_str()) fail("T2012", e->del->position);
        if (match.is_obj())
          for (auto& x : d.arr()) match.o->erase(x.str());
      }
    }
    return result;
  }

  Value partial(const Node* e, const Value& input, const FrameP& env) {
    Value proc = eval(e->procedure.get(), input, env);
    if (!proc.is_fn()) {
      if (e->procedure->type == NT::Path && env->lookup(e->procedure->steps[0]->value))
        fail("T1007", e->position, e->procedure->steps[0]->value);
      fail("T1008", e->position, e->procedure->type == NT::Path ? e->procedure->steps[0]->value : e->procedure->value);
    }
    auto fn = std::make_shared<Function>();
    fn->kind = Function::Kind::Partial;
    fn->target = proc;
    for (auto& a : e->arguments) {
      if (a->type == NT::Placeholder) {
        fn->bound.push_back(Value());
        fn->hole.push_back(true);
        fn->arity++;
      } else {
        fn->bound.push_back(eval(a.get(), input, env));
        fn->hole.push_back(false);
      }
    }
    Value r;
    r.t = Value::T::Fn;
    r.f = fn;
    return r;
  }

  Value apply_expr(const Node* e, const Value& input, const FrameP& env) {
    Value lhs = eval(e->lhs.get(), input, env);
    if (e->rhs->type == NT::Function) return call(e->rhs.get(), input, env, &lhs);
    Value func = eval(e->rhs.get(), input, env);
    if (!func.is_fn()) fail("T2006", e->position);
    if (lhs.is_fn()) {
      auto fn = std::make_shared<Function>();
      fn->kind = Function::Kind::Compose;
      fn->g1 = lhs;
      fn->g2 = func;
      fn->arity = 1;
      Value r;
      r.t = Value::T::Fn;
      r.f = fn;
      return r;
    }
    return apply_fn(func, {lhs}, Value(), env);
  }
};

}  // namespace

Value apply(Ctx& ctx, const Value& fn, std::vector<Value> args, const Value& input, const std::shared_ptr<Frame>& env) {
  Evaluator ev{ctx};
  return ev.apply_fn(fn, std::move(args), input, env ? env : ctx.root);
}

int function_arity(const Value& fn) {
  if (!fn.is_fn()) return 0;
  const Function& f = *fn.f;
  if (f.kind == Function::Kind::Lambda) return static_cast<int>(f.node->arguments.size());
  if (f.kind == Function::Kind::Native) return f.arity;
  return f.arity;
}

Value eval_root(Ctx& ctx, const Node* root, const Value& input, const std::shared_ptr<Frame>& env) {
  Evaluator ev{ctx};
  return ev.eval(root, input, env);
}

}  // namespace detail

Expression Expression::compile(std::string_view text) {
  Expression e;
  e.root_ = detail::parse_expression(text);
  e.source_ = std::make_shared<const std::string>(text);
  return e;
}

namespace detail {
Value eval_root(Ctx& ctx, const Node* root, const Value& input, const std::shared_ptr<Frame>& env);
}

namespace {
/// The frame of the built-in functions ($sum, $string, ...), the root of every evaluation's frames.
const std::shared_ptr<detail::Frame>& builtins_frame() {
  static const std::shared_ptr<detail::Frame> builtins = [] {
    auto f = std::make_shared<detail::Frame>();
    detail::register_builtins(*f);
    return f;
  }();
  return builtins;
}

/// Bind the native function `cf` as `name` in `frame`.
void bind_custom(detail::Frame& frame, const std::string& name, const CustomFunction& cf) {
  using namespace detail;
  auto fn = std::make_shared<Function>();
  fn->kind = Function::Kind::Custom;
  fn->custom = &cf;
  fn->name = name;
  if (cf.parsed) fn->signature = std::static_pointer_cast<Signature>(cf.parsed);
  else if (!cf.signature.empty()) fn->signature = parse_signature(cf.signature, -1);
  Value v;
  v.t = Value::T::Fn;
  v.f = std::move(fn);
  frame.bind(name, std::move(v));
}
}  // namespace

namespace {

/// The value of a borrowed member (Bindings::object_ref): its value, the members of it that `only`
/// names, or (no value) an object of its parts.
detail::Value borrowed_value(const Bindings::BorrowedMember& m) {
  using detail::Value;
  const auto wanted = [&m](std::string_view key) {
    return !m.only || std::find(m.only->begin(), m.only->end(), key) != m.only->end();
  };
  if (!m.value) {
    Value o = Value::object();
    for (const auto& p : m.parts) {
      if (wanted(p.name)) o.o->items.emplace_back(p.name, borrowed_value(p));
    }
    return o;
  }
  if (!m.only || !m.value->is_object()) return detail::from_json(*m.value);
  Value part = Value::object();
  for (const auto& [key, v] : m.value->items()) {
    if (wanted(key)) part.o->items.emplace_back(key, detail::from_json(v));
  }
  return part;
}

}  // namespace

Bindings& Bindings::function(std::string name, CustomFunction f) {
  if (!f.signature.empty() && !f.parsed) f.parsed = detail::parse_signature(f.signature, -1);
  functions_[std::move(name)] = std::move(f);
  // Rebuilt with every function added (bindings are set up once, then evaluated with many times);
  // the Function values point at the CustomFunctions in functions_, whose nodes never move.
  auto frame = std::make_shared<detail::Frame>(builtins_frame());
  for (const auto& [k, cf] : functions_) bind_custom(*frame, k, cf);
  function_frame_ = std::move(frame);
  return *this;
}

std::optional<json> Expression::evaluate(const std::optional<json>& input, const Bindings& bindings,
                                         const Limits& limits, bool* returned_function) const {
  using namespace detail;
  Ctx ctx;
  ctx.limits = limits;
  ctx.deadline = std::chrono::steady_clock::now() + limits.max_time;
  ctx.now = std::chrono::system_clock::now();
  // The base's functions are bound once, in its function frame; this evaluation's frame extends it.
  const Bindings* base = bindings.base();
  const bool base_frame = base && base->function_frame();
  auto env = std::make_shared<Frame>(base_frame ? std::static_pointer_cast<Frame>(base->function_frame())
                                                : builtins_frame());
  ctx.root = env;
  auto bind_all = [&](const Bindings& b, bool with_functions) {
    for (auto& [k, v] : b.values()) env->bind(k, from_json(v));
    for (auto& [k, v] : b.value_refs()) env->bind(k, from_json(*v));
    for (auto& [k, members] : b.object_refs()) {
      Value o = Value::object();
      o.o->items.reserve(members.size());
      for (const auto& m : members) o.o->items.emplace_back(m.name, borrowed_value(m));
      env->bind(k, std::move(o));
    }
    if (!with_functions) return;
    for (auto& [k, cf] : b.functions()) bind_custom(*env, k, cf);
  };
  if (base) bind_all(*base, !base_frame);
  bind_all(bindings, true);
  Value in;
  if (input) {
    in = from_json(*input);
    if (in.is_arr()) {
      Value w = make_sequence(in);
      w.a->outer_wrapper = true;
      in = w;
    }
  }
  env->bind("$", in);
  struct ReleaseClosures {
    Ctx& c;
    ~ReleaseClosures() { c.release_closures(); }
  } release{ctx};
  ctx.stack_top = static_cast<const char*>(__builtin_frame_address(0));
  ctx.stack_budget = Evaluator::stack_budget_from(ctx.stack_top, Evaluator::kFirstSegmentBudget);
  Value r = eval_root(ctx, root_.get(), in, env);
  if (r.is_arr() && r.a->sequence && r.size() == 1 && !r.a->keep_singleton) {
    Value tmp = r.arr()[0];
    r = std::move(tmp);
  }
  if (returned_function) *returned_function = r.is_fn();
  return to_json(r);
}

std::size_t live_closures() { return detail::g_live_closures.load(std::memory_order_relaxed); }

}  // namespace cosmicai::jsonata
