// Public-API tests of the JSONata library: compile once, evaluate with bindings, custom functions,
// and limits that turn hostile expressions into named errors.
#include <gtest/gtest.h>

#include <chrono>

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
