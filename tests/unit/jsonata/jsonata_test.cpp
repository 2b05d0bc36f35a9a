// Public-API tests of the JSONata library: compile once, evaluate with bindings, custom functions,
// and limits that turn hostile expressions into named errors.
#include <gtest/gtest.h>

#include <pthread.h>

#include <chrono>
#include <functional>

#include "asl/jsonata/diagnostics.hpp"
#include "asl/jsonata/jsonata.hpp"

using cosmicai::json;
namespace jsn = cosmicai::jsonata;

namespace {

std::string error_code(const std::string& expr, const jsn::Limits& limits = {},
                       std::optional<json> input = std::nullopt) {
  try {
    jsn::Expression::compile(expr).evaluate(input, {}, limits);
  } catch (const jsn::Error& e) {
    return e.code();
  }
  return "no error";
}

// Found with fuzz/jsonata.cpp's stack checks: "((((…", "[[[[…" and long chains such as
// "1+1+1+…" overflowed the stack in the parser (or in the tree's destructor) at ~100,000 levels.
TEST(Jsonata, ExpressionsNestedTooDeepFailWithU1001) {
  const auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  EXPECT_EQ(error_code(repeat("(", 200000) + "1" + repeat(")", 200000)), "U1001");
  EXPECT_EQ(error_code(repeat("[", 200000)), "U1001");
  EXPECT_EQ(error_code("1" + repeat("+1", 200000)), "U1001");
  EXPECT_EQ(error_code("a" + repeat(".a", 200000)), "U1001");
  // Within the limit they still work.
  EXPECT_EQ(*jsn::Expression::compile(repeat("(", 300) + "1" + repeat(")", 300)).evaluate(json(nullptr)), json(1));
  EXPECT_EQ(*jsn::Expression::compile("1" + repeat("+1", 300)).evaluate(json(nullptr)), json(301));
}

}  // namespace

TEST(Jsonata, EvaluatesPathsAndFunctions) {
  auto e = jsn::Expression::compile("$sum(Order.(Price * Quantity))");
  json in = json::parse(R"({"Order":[{"Price":2,"Quantity":3},{"Price":1.5,"Quantity":2}]})");
  EXPECT_EQ(*e.evaluate(in), json(9));
  EXPECT_FALSE(jsn::Expression::compile("missing").evaluate(in).has_value());
}

TEST(Jsonata, SyntaxErrorsCarryCodeAndPosition) {
  try {
    jsn::Expression::compile("Account.(Order");
    FAIL() << "expected a syntax error";
  } catch (const jsn::Error& e) {
    EXPECT_EQ(e.code(), "S0203");
    EXPECT_EQ(e.position(), 14);
  }
}

TEST(Jsonata, BindingsAndCustomFunctions) {
  jsn::Bindings b;
  b.value("x", 20).function("double",
                            {"<n:n>", [](const std::vector<std::optional<json>>& args) -> std::optional<json> {
                               return json(args.at(0)->get<double>() * 2);
                             }});
  EXPECT_EQ(*jsn::Expression::compile("$double($x) + 2").evaluate(std::nullopt, b), json(42));
  EXPECT_EQ(error_code("$double('a')"), "T1006");  // not bound here
}

TEST(Jsonata, OneCompiledExpressionServesManyEvaluations) {
  auto e = jsn::Expression::compile("($f := function($n) { $n < 2 ? $n : $f($n - 1) + $f($n - 2) }; $f(n))");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*e.evaluate(json{{"n", 10}}), json(55));
}

TEST(Jsonata, HostileExpressionsFailWithNamedErrors) {
  // non-tail recursion past the depth limit
  EXPECT_EQ(error_code("($f := function($n) { 1 + $f($n + 1) }; $f(0))"), "U1001");
  // a range beyond 1e7 items
  EXPECT_EQ(error_code("$sum([1..100000000])"), "D2014");
  // catastrophic backtracking in a regex
  EXPECT_EQ(error_code("$match('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!', /^(a+)+$/)"), "U1001");
  // an endless tail call stops at the time limit
  jsn::Limits limits;
  limits.max_time = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(error_code("($f := function($n) { $f($n + 1) }; $f(0))", limits), "U1001");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Jsonata, EvalIsUnavailableAsOnAws) { EXPECT_EQ(error_code("$eval('1 + 1')"), "T1006"); }

// Found by fuzz/jsonata.cpp: a NUL byte in an expression made the lexer return empty names
// without moving on, so compile() never returned. As in jsonata-js, NUL is a name character.
TEST(Jsonata, ANulByteInAnExpressionIsPartOfANameNotAnEndlessLoop) {
  const std::string name("a\0b", 3);
  EXPECT_EQ(*jsn::Expression::compile(name).evaluate(json{{name, 5}}), json(5));
  EXPECT_EQ(*jsn::Expression::compile("x." + name).evaluate(json{{"x", {{name, "v"}}}}), json("v"));
  // The fuzzer's input: a lambda signature followed by NULs. It fails (with its code) or compiles.
  const std::string found("\xce\xbb($arg)<n<n>\0\0\x01\0\0\0\x03.)", 22);
  EXPECT_NE(error_code(found), "");
}

// Found by fuzz/jsonata.cpp (UBSan: a reference bound to null): an undefined picture passes the
// signature check (as in jsonata-js, where the function then throws a TypeError), and the
// picture functions read it as a string. They now fail with T0410.
TEST(Jsonata, AnUndefinedPictureIsASignatureError) {
  EXPECT_EQ(error_code("$formatInteger(10, nothing)", {}, json::object()), "T0410");
  EXPECT_EQ(error_code("$formatNumber(10, nothing)", {}, json::object()), "T0410");
  EXPECT_EQ(error_code("$parseInteger('12', nothing)", {}, json::object()), "T0410");
  EXPECT_EQ(error_code(std::string("$formatInteger(10, \0z'w')", 25), {}, json::object()), "T0410");
  EXPECT_EQ(*jsn::Expression::compile("$formatInteger(10, '000')").evaluate(json::object()), json("010"));
}

// Found by fuzz/jsonata.cpp: a choice group in a lambda's signature is pasted into a regex
// character class, and "(ns=-:n" made std::regex throw regex_error (not a jsonata::Error), which
// ended the process. It is an invalid signature now.
TEST(Jsonata, ASignatureThatIsNotAValidPatternIsASignatureError) {
  EXPECT_EQ(error_code("\u03bb($num)<(ns=-:n>{$number($num)}(5)"), "S0401");
  EXPECT_EQ(*jsn::Expression::compile("\u03bb($num)<(ns):n>{$number($num)}(5)").evaluate(json(nullptr)), json(5));
}

// Found by fuzz/jsonata.cpp (UBSan: member call on null): a group-by over a parent step ("%")
// whose tuple stream reduced to something other than a tuple object was read as one.
TEST(Jsonata, AGroupByOverAParentStepWithoutATupleDoesNotCrash) {
  const json input = json::parse(R"({"a":1,"b":"two","c":[1,2,{"d":3.5,"e":null}],"f":{"g":true,"h":[[],{}]},
    "items":[{"id":1,"v":"x"},{"id":2,"v":"y"}],"s":"a,b,,c","n":-7.25})");
  for (const std::string expr : {std::string("n\xd2\xd2\xd2\xbb\xd2{'hello': 'world'}.% "),
                                 std::string("n{'hello': 'world'}.%"), std::string("items{'k': v}.%")}) {
    try {
      (void)jsn::Expression::compile(expr).evaluate(input);
    } catch (const jsn::Error& e) {
      EXPECT_FALSE(e.code().empty()) << expr;
    }
  }
}

// Found by fuzz/jsonata.cpp (UBSan: 5.5e124 does not fit a long): array indexes far outside the
// array select nothing instead of being converted to an integer first.
TEST(Jsonata, HugeArrayIndexesSelectNothing) {
  const json input = json::parse(R"({"a":[10,20,30]})");
  EXPECT_FALSE(jsn::Expression::compile("a[1e30]").evaluate(input).has_value());
  EXPECT_FALSE(jsn::Expression::compile("a[-1e30]").evaluate(input).has_value());
  EXPECT_FALSE(jsn::Expression::compile("a[[0, 1e300]][1]").evaluate(input).has_value());
  EXPECT_EQ(*jsn::Expression::compile("a[[0, 5e124]]").evaluate(input), json(10));
  EXPECT_EQ(*jsn::Expression::compile("a[-1]").evaluate(input), json(30));
}

// Found by fuzz/jsonata.cpp (UBSan: inf does not fit an unsigned long long): $formatBase of an
// infinity or of a number of 2^64 or more fails with D1001 instead of converting it.
TEST(Jsonata, FormatBaseOfANumberOutOfRangeIsD1001) {
  EXPECT_EQ(error_code("$formatBase(1/0, 2)"), "D1001");
  EXPECT_EQ(error_code("$formatBase(1e30, 16)"), "D1001");
  EXPECT_EQ(*jsn::Expression::compile("$formatBase(255, 16)").evaluate(json(nullptr)), json("ff"));
  EXPECT_EQ(*jsn::Expression::compile("$formatBase(-10, 2)").evaluate(json(nullptr)), json("-1010"));
}

// Found by LeakSanitizer (the ASan build of the conformance suite): a closure bound in the frame
// it closes over ($f := function...) and that frame owned each other through shared_ptr, so every
// evaluation that made one leaked both. Each evaluation now frees its closures when it ends,
// whether it returns or throws.
TEST(Jsonata, AnEvaluationFreesTheClosuresItMakes) {
  ASSERT_EQ(jsn::live_closures(), 0u);
  std::size_t during = 0;
  jsn::Bindings b;
  b.function("probe", {"", [&](const std::vector<std::optional<json>>&) -> std::optional<json> {
                         during = jsn::live_closures();
                         return json(true);
                       }});
  EXPECT_EQ(*jsn::Expression::compile("($f := function($x) { $x + 1 }; $g := $f; $probe() ? $g(1))")
                 .evaluate(std::nullopt, b),
            json(2));
  EXPECT_EQ(during, 1u);  // the counter sees closures while they live
  EXPECT_EQ(jsn::live_closures(), 0u);

  EXPECT_EQ(*jsn::Expression::compile("($fact := function($n) { $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(5))")
                 .evaluate(json(nullptr)),
            json(120));
  EXPECT_EQ(jsn::live_closures(), 0u);
  // closures made per item, kept in arrays and objects, a transform, a closure as the result
  EXPECT_EQ(*jsn::Expression::compile("$map([1, 2, 3], function($v) { ($k := function() { $v }; {'k': $k}).k() })")
                 .evaluate(json(nullptr)),
            json({1, 2, 3}));
  EXPECT_EQ(*jsn::Expression::compile("($t := | a | {'b': 1} |; $ ~> $t).a.b").evaluate(json{{"a", {{"x", 0}}}}),
            json(1));
  bool returned_function = false;
  EXPECT_FALSE(jsn::Expression::compile("($f := function() { $f }; $f)")
                   .evaluate(json(nullptr), {}, {}, &returned_function)
                   .has_value());
  EXPECT_TRUE(returned_function);
  EXPECT_EQ(jsn::live_closures(), 0u);
  // an evaluation that fails
  EXPECT_EQ(error_code("($f := function($n) { 1 + $f($n + 1) }; $f(0))"), "U1001");
  EXPECT_EQ(error_code("($f := function() { $f() }; $g := function() { $nope() }; $g())"), "T1006");
  EXPECT_EQ(jsn::live_closures(), 0u);
}

namespace {
// Runs `body` on a thread with a stack of `bytes`.
void on_small_stack(std::size_t bytes, const std::function<void()>& body) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, bytes);
  pthread_t th;
  auto fn = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&th, &attr, fn, const_cast<std::function<void()>*>(&body)), 0);
  pthread_attr_destroy(&attr);
  pthread_join(th, nullptr);
}
}  // namespace

// The depth limit (1000 nested evaluations) used to be all that kept recursion inside the stack:
// under AddressSanitizer, whose frames are several times larger, 1000 levels overflowed an 8 MB
// stack, and a caller on a thread with a small stack overflowed in any build. The evaluator now
// goes on in a thread with a large stack when its own stack segment is used up.
TEST(Jsonata, DeepRecursionFitsOnASmallCallerStack) {
  on_small_stack(1024 * 1024, [] {
    // close to the default depth limit, then past it
    EXPECT_EQ(*jsn::Expression::compile("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(150))")
                   .evaluate(json(nullptr)),
              json(150));
    EXPECT_EQ(error_code("($f := function($n) { 1 + $f($n + 1) }; $f(0))"), "U1001");
    jsn::Limits deep;
    deep.max_depth = 20000;
    EXPECT_EQ(*jsn::Expression::compile("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(2000))")
                   .evaluate(json(nullptr), {}, deep),
              json(2000));
  });
  EXPECT_EQ(jsn::live_closures(), 0u);
}

// Found by fuzz/jsonata.cpp: a $toMillis picture with huge widths made a regular expression past
// std::regex's state limit, and the std::regex_error escaped evaluate().
TEST(Jsonata, ATimestampPictureTooLargeForTheRegexEngineIsU1001) {
  const std::string found("$toMillis('XIV', '[Y00000000000p00001.3,800000\0\x1b" "00000000077501?4:558w46"
                          "\xff\xff\xff\r893llI]')",
                          84);
  EXPECT_EQ(error_code(found), "U1001");
  EXPECT_EQ(error_code("$toMillis('1', '[Y,800000]')"), "U1001");
  EXPECT_EQ(*jsn::Expression::compile("$toMillis('2024-03-05', '[Y0001]-[M01]-[D01]')").evaluate(json(nullptr)),
            json(1709596800000));
}

// Found by fuzz/jsonata.cpp: when arguments do not match a lambda's signature, the error names the
// first bad argument by matching prefixes of the parameters, and a prefix that cut a choice group
// in two threw std::regex_error out of evaluate().
TEST(Jsonata, ASignatureWhosePatternRepeatsAQuantifierIsASignatureError) {
  const std::string found(
      "\xce\xbb\x28\x24\x61\x7a\x72\x29\x3c\x00\x00\x28\x00\x02\x00\x30\x30\x30\x30\x30\x00\x00\x00\x54"
      "\x31\x38\x39\x33\x34\x31\x35\x35\x31\x34\x35\x30\x35\x38\x32\x37\x34\x31\x35\x35\x31\x34\x26\x36"
      "\x37\x30\x28\x6c\x69\x74\x65\x72\xff\xff\xff\x32\x00\x06\x00\x34\x31\xd5\xd5\xd5\xd5\xd5\x2b\x2a"
      "\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\x2a\xd5\xd5\xd5\xd5\xd5\xd5\xcf"
      "\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\x21\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\x67\x67\x34"
      "\xd5\xd5\xd5\xd5\xd5\xd5\xd5\x30\x35\x38\x32\x37\x34\x31\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xc3\xff\xff\xff"
      "\xff\xff\xff\xff\xff\x24\x6d\x61\x78\x28\x5b\x5d\x29\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
      "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
      "\xff\xff\xff\xff\xff\x35\x35\x31\x34\x26\x36\x37\x30\x28\x6c\x69\x74\x65\x72\xff\xff\xff\x32\x00"
      "\x06\x00\x34\x31\xd5\xd5\xd5\xd5\xd5\x2b\x2a\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5"
      "\xd5\xd5\xd5\x2a\xd5\xd5\xd5\xd5\xd5\xd5\xcf\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5"
      "\xd5\xd5\xd5\xd5\x32\x37\x35\x37\x32\x07\x00\x00\x00\x35\x32\x39\x31\x33\x00\x3e\x7b\x24\x61\x72"
      "\x72\x7d\x28\x22\x66\x22\x29",
      367);
  // Its pattern repeats a quantifier ("[lm]???"), a SyntaxError for the JavaScript RegExp that
  // jsonata-js builds: an invalid signature, as PCRE2 (which matches signatures) finds too.
  EXPECT_EQ(error_code(found), "S0401");
}

// Found by fuzz_jsonata under UBSan: $fromMillis of 1.66e59 converted the milliseconds to a
// long long (undefined behaviour); beyond a JavaScript Date's range it is D1001.
TEST(Jsonata, FromMillisBeyondTheDateRangeIsD1001) {
  EXPECT_EQ(error_code("$fromMillis(151 ? 1661777777777777777777777777777777777777777777777777777777777)"), "D1001");
  EXPECT_EQ(error_code("$fromMillis(-1e300)"), "D1001");
  EXPECT_EQ(error_code("$fromMillis(8.64e15)"), "no error");
}

// Found by fuzz_jsonata (a 41 s timeout): a lambda signature with hundreds of groups made the
// std::regex over the argument types backtrack for minutes. Signatures now compile and match with
// PCRE2 (under a backtracking limit), which rejects this pattern as JavaScript does, at once.
TEST(Jsonata, ASignatureThatBacktracksWithoutEndFailsAtOnce) {
  const std::string found(
      "\xce\xbb\x28\x24\x61\x7a\x72\x29\x3c\x00\x00\x00\x6c\x70\x68\x00\x00\x2d\x2d\x2d\x2d\x2d\x2d\x2d"
      "\x2d\x2d\x2d\x28\x29\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x28\x29\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d"
      "\xf5\xf5\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x22\x22\x22\x22\x22\x22\x22\x22"
      "\x22\x22\x22\x22\x22\x00\x6c\x70\x68\x00\x00\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x28\x29\x2d"
      "\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x28\x29\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\xf5\xf5\x2d\x2d\x2d\x2d"
      "\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22"
      "\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22"
      "\x22\x22\x23\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22"
      "\x22\x22\x22\x22\x22\x22\x22\x5d\x22\x22\x5d\x5d\x5d\x15\x15\x15\x15\x15\x29\x2d\x2d\x2d\x2d\x2d"
      "\x2d\x2d\x2d\x2d\xf5\xf5\x2d\x2d\x3f\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x22\x22\x22\x22"
      "\x22\x22\x22\x22\x22\x22\x22\x22\x22\x00\x6c\x70\x3b\x00\x00\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d"
      "\x2d\x28\x29\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x28\x29\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\xf5\xf5"
      "\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x22\x22\x22\x22\x2d\x2d\x2d\x2d\x2d\x2d"
      "\x2d\x28\x29\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x2d\x28\x29\x2d\x2d\x2d\x22\x22\x22\x22\x22\x22\x22\x22"
      "\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22"
      "\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x22\x5d\x5d\x5d\x5d\x15\x15\x15\x15\x15\xd1\x15"
      "\x15\x00\x3e\x7b\x24\x61\x72\x7a\x7d\x28\x02\x66\x22\x29\xd1\x15\x15\x00\x3e\x7b\x24\x61\x72\x7a"
      "\x7d\x28\x22\x66\x22\x29\x0a",
      415);
  const auto start = std::chrono::steady_clock::now();
  const std::string code = error_code(found);
  EXPECT_EQ(code, "S0401");  // its pattern repeats quantifiers ("[m]???"): no valid pattern, as in JavaScript
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));  // std::regex took 41 s and more
}

namespace {

using Members = std::optional<std::vector<std::string>>;

Members members_of(const std::string& expr, const std::string& var, const std::vector<std::string>& path = {}) {
  return jsn::Expression::compile(expr).variable_members(var, path);
}

// What an evaluation can read of a variable, found in the compiled tree: the Step Functions states
// bind only that much of $states (a Map's ItemSelector then costs the same on any input size).
TEST(Jsonata, VariableMembersAreTheFieldNamesAfterTheVariableAtAPathsHead) {
  using V = std::vector<std::string>;
  EXPECT_EQ(members_of("$states.input.items[0] + $states.input.n", "states"), Members(V{"input"}));
  EXPECT_EQ(members_of("{'v': $states.context.Map.Item.Value, 'i': $states.input.x}", "states"),
            Members(V{"context", "input"}));
  EXPECT_EQ(members_of("$states.context.Map.Item.Value", "states", {"context"}), Members(V{"Map"}));
  EXPECT_EQ(members_of("$states.input.a.b", "states", {"context"}), Members(V{}));  // reads nothing of context
  EXPECT_EQ(members_of("$count($states.input.items[size > 2])", "states"), Members(V{"input"}));
  EXPECT_EQ(members_of("$sum($map([1,2], function($v) { $v * $states.input.k }))", "states"), Members(V{"input"}));
  EXPECT_EQ(members_of("1 + 2", "states"), Members(V{}));
  // Anything that may read more: the whole variable.
  EXPECT_EQ(members_of("$keys($states)", "states"), std::nullopt);
  EXPECT_EQ(members_of("$states", "states"), std::nullopt);
  EXPECT_EQ(members_of("$states.*", "states"), std::nullopt);
  EXPECT_EQ(members_of("$states[0].input", "states"), std::nullopt);
  EXPECT_EQ(members_of("$states.input.items.%", "states"), std::nullopt);  // the parent operator
  EXPECT_EQ(members_of("$states.context", "states", {"context"}), std::nullopt);
  EXPECT_EQ(members_of("$keys($states.context)", "states", {"context"}), std::nullopt);
  EXPECT_EQ(members_of("$states.context[Map].Execution", "states", {"context"}), std::nullopt);
  EXPECT_EQ(members_of("($states := {'input': 1}; $states)", "states"), std::nullopt);
  EXPECT_EQ(members_of("function($states) { $states.x }", "states"), std::nullopt);
  // A focus or index binding on the way hands the value to a variable that may read any of it.
  EXPECT_EQ(members_of("$states.context@$c.Map.{'x': $c.Execution.Input}", "states", {"context"}), std::nullopt);
  EXPECT_EQ(members_of("$states.context#$i.Map", "states", {"context"}), std::nullopt);
  EXPECT_EQ(members_of("$states.context.Execution@$e.Name", "states", {"context", "Execution"}), std::nullopt);
}

TEST(Jsonata, VariablesAreEveryNameAVariableReferenceUses) {
  const auto vars = jsn::Expression::compile("$a + $count($b.items) + $states.input.n").variables();
  EXPECT_EQ(vars, (std::vector<std::string>{"a", "b", "count", "states"}));
}

// Borrowed members with `only` bind just those fields of an object.
TEST(Jsonata, ABorrowedObjectMemberCanBeLimitedToSomeOfItsFields) {
  const json context = {{"Execution", {{"Input", {{"big", 1}}}}}, {"Map", {{"Item", {{"Value", 7}}}}}};
  const std::vector<std::string> only{"Map"};
  jsn::Bindings b;
  b.object_ref("states", {{"context", &context, &only}});
  EXPECT_EQ(jsn::Expression::compile("$states.context.Map.Item.Value").evaluate(std::nullopt, b), json(7));
  EXPECT_EQ(jsn::Expression::compile("$exists($states.context.Execution)").evaluate(std::nullopt, b), json(false));
}

TEST(Jsonata, ABorrowedObjectMayBeMadeOfPartsThatLiveApartEachLimitedToSomeOfItsFields) {
  const json execution = {{"Input", {{"big", 1}}}, {"Name", "run"}};
  const json state = {{"Name", "S"}};
  const std::vector<std::string> only_name{"Name"};
  const std::vector<std::string> only_execution_and_state{"Execution", "State"};
  jsn::Bindings::BorrowedMember context{"context", nullptr, &only_execution_and_state};
  context.parts.push_back({"Execution", &execution, &only_name});
  context.parts.push_back({"State", &state});
  context.parts.push_back({"StateMachine", &state});  // left out by `only`
  jsn::Bindings b;
  b.object_ref("states", {context});
  EXPECT_EQ(jsn::Expression::compile("$states.context.Execution.Name & $states.context.State.Name")
                .evaluate(std::nullopt, b),
            json("runS"));
  EXPECT_EQ(jsn::Expression::compile("$keys($states.context)").evaluate(std::nullopt, b),
            json::parse(R"(["Execution","State"])"));
  EXPECT_EQ(jsn::Expression::compile("$exists($states.context.Execution.Input)").evaluate(std::nullopt, b), json(false));
  // Unlimited, every part whole, in order.
  jsn::Bindings all;
  context.only = nullptr;
  context.parts[0].only = nullptr;
  all.object_ref("states", {context});
  EXPECT_EQ(jsn::Expression::compile("$states.context").evaluate(std::nullopt, all),
            (json{{"Execution", execution}, {"State", state}, {"StateMachine", state}}));
}

}  // namespace
