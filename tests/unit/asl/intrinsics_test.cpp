// The 18 States.* intrinsic functions: results as AWS documents and records them,
// States.IntrinsicFailure on bad arguments, and the syntax check.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "asl/errors.hpp"
#include "asl/intrinsic/intrinsics.hpp"

namespace cosmicai::asl {
namespace {

const json kInput = json::parse(R"({
  "name": "Arnav",
  "numbers": [1, 2, 3, 4, 5, 6, 7, 8, 9],
  "dupes": [1, 2, 3, 3, 3, 3, 3, 3, 4],
  "obj": {"Arg1": 1, "Arg2": []},
  "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
  "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
  "text": "Data to encode",
  "encoded": "RGF0YSB0byBlbmNvZGU=",
  "start": 1, "end": 999,
  "template": "It's {}!"
})");
const json kContext = json::parse(R"({"Execution": {"Input": {"input_field": {"constant_input_field": "constant_value"}}},
                                      "Map": {"Item": {"Value": "Pikachu"}}})");

json eval(const std::string& text) { return evaluate_intrinsic(text, kInput, kContext); }

// Return the StatesError that evaluating `text` throws.
StatesError failure(const std::string& text) {
  try {
    eval(text);
  } catch (const StatesError& e) {
    return e;
  }
  ADD_FAILURE() << "expected " << text << " to fail";
  return StatesError(std::string("none"), std::string("none"));
}

TEST(IntrinsicSyntax, RecognisesCalls) {
  EXPECT_TRUE(is_intrinsic_call("States.Format('{}', $.a)"));
  EXPECT_TRUE(is_intrinsic_call("States.UUID()"));
  EXPECT_TRUE(is_intrinsic_call("States.Nope()"));  // a call, though not of a known function
  EXPECT_FALSE(is_intrinsic_call("$.a"));
  EXPECT_FALSE(is_intrinsic_call("States.Format"));
  EXPECT_FALSE(is_intrinsic_call("Format('x')"));
}

TEST(IntrinsicSyntax, ChecksNamesArityAndQuoting) {
  EXPECT_EQ(check_intrinsic("States.Format('a {} b', $.x, 'y')"), std::nullopt);
  EXPECT_EQ(check_intrinsic("States.JsonMerge(States.StringToJson('{\"a\": 1}'), $$.Execution.Input, false)"),
            std::nullopt);
  EXPECT_EQ(check_intrinsic("States.MathRandom(1, 2, 3)"), std::nullopt);
  EXPECT_EQ(check_intrinsic("States.Array()"), std::nullopt);
  EXPECT_NE(check_intrinsic("States.Nope(1)")->find("is not an intrinsic function"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.ArrayLength()")->find("takes 1 argument, got 0"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.Hash('a')")->find("takes 2 arguments, got 1"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.MathRandom(1)")->find("takes 2 to 3 arguments"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.UUID(1)")->find("takes 0 arguments"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.Format('abc)")->find("unterminated string"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.Array(1) x")->find("unexpected"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.Array(1, bogus)")->find("unexpected"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.Array($.a b)")->find("expected ',' or ')'"), std::string::npos);
  EXPECT_NE(check_intrinsic("States.Array($.a[)")->find("invalid JSONPath"), std::string::npos);
  EXPECT_FALSE(check_intrinsic("States.Array($myVar)").has_value());  // a workflow variable
  EXPECT_TRUE(check_intrinsic("States.Array(1,").has_value());
  // Spec: an open escape backslash is an error; only \' \{ \} \\ are escapes.
  EXPECT_NE(check_intrinsic(R"(States.Format('a \n b'))")->find("unescaped backslash"), std::string::npos);
  EXPECT_EQ(check_intrinsic(R"(States.Format('a \\n b'))"), std::nullopt);
  EXPECT_EQ(failure(R"(States.StringSplit('a\"b', ','))").name(), "States.IntrinsicFailure");
}

TEST(IntrinsicEvaluation, MalformedCallsFailAsIntrinsicFailure) {
  EXPECT_EQ(failure("States.Nope()").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.ArrayLength()").name(), "States.IntrinsicFailure");
}

TEST(StatesFormat, SubstitutesValuesInOrder) {
  EXPECT_EQ(eval("States.Format('Hello, my name is {}.', $.name)"), "Hello, my name is Arnav.");
  EXPECT_EQ(eval("States.Format('{} and {} and {}', 1, 1.5, true)"), "1 and 1.5 and true");
  EXPECT_EQ(eval("States.Format('n={}', null)"), "n=null");
  EXPECT_EQ(eval("States.Format('no placeholders')"), "no placeholders");
  // The template may come from a path (recorded: ItemSelector "States.Format($.AnswerTemplate, ...)").
  EXPECT_EQ(eval("States.Format($.template, $$.Map.Item.Value)"), "It's Pikachu!");
}

TEST(StatesFormat, RendersObjectsAndArraysLikeTheService) {
  // Recorded on AWS: {"Arg1": 1, "Arg2": []} formats as {Arg1=1, Arg2=[]}.
  EXPECT_EQ(eval("States.Format('fst={}.', $.obj)"), "fst={Arg1=1, Arg2=[]}.");
  EXPECT_EQ(eval("States.Format('{}', States.Array(1, 'a', States.Array()))"), "[1, a, []]");
}

TEST(StatesFormat, HonoursEscapes) {
  EXPECT_EQ(eval(R"(States.Format('a \{\} b {} c \'q\' \\', 1))"), R"(a {} b 1 c 'q' \)");
}

TEST(StatesFormat, CountsMustMatch) {
  const auto e = failure("States.Format('{} {}', 1)");
  EXPECT_EQ(e.name(), "States.IntrinsicFailure");
  EXPECT_NE(e.cause().find("2 placeholders"), std::string::npos) << e.cause();
  EXPECT_EQ(failure("States.Format('{}', 1, 2)").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.Format(1)").name(), "States.IntrinsicFailure");
}

TEST(StatesJson, StringToJsonAndBack) {
  EXPECT_EQ(eval(R"(States.StringToJson('{"number": 20}'))"), json({{"number", 20}}));
  EXPECT_EQ(eval("States.StringToJson('[1, 2]')"), json({1, 2}));
  EXPECT_EQ(failure("States.StringToJson('{nope')").name(), "States.IntrinsicFailure");
  // Recorded on AWS: empty and blank text give null; "-0" gives 0.
  EXPECT_EQ(eval("States.StringToJson('')"), json(nullptr));
  EXPECT_EQ(eval("States.StringToJson(' ')"), json(nullptr));
  EXPECT_EQ(eval("States.StringToJson('-0')").dump(), "0");
  EXPECT_EQ(eval("States.StringToJson('\"HelloWorld\"')"), "HelloWorld");
  EXPECT_EQ(failure("States.StringToJson(5)").name(), "States.IntrinsicFailure");
  // Recorded on AWS: compact text, strings quoted.
  EXPECT_EQ(eval("States.JsonToString($.obj)"), R"({"Arg1":1,"Arg2":[]})");
  EXPECT_EQ(eval("States.JsonToString($.name)"), R"("Arnav")");
  EXPECT_EQ(eval("States.JsonToString(null)"), "null");
  EXPECT_EQ(eval("States.JsonToString(1.1)"), "1.1");
}

TEST(StatesArray, BuildsArraysOfAnyValues) {
  EXPECT_EQ(eval("States.Array()"), json::array());
  EXPECT_EQ(eval("States.Array('Foo', 2020, $.obj, null, true)"),
            json::parse(R"(["Foo", 2020, {"Arg1": 1, "Arg2": []}, null, true])"));
}

TEST(StatesArray, Partition) {
  EXPECT_EQ(eval("States.ArrayPartition(States.Array(1,2,3,4,5,6,7), 4)"), json::parse("[[1,2,3,4],[5,6,7]]"));
  EXPECT_EQ(eval("States.ArrayPartition(States.Array(), 4)"), json::array());
  EXPECT_EQ(failure("States.ArrayPartition($.numbers, 0)").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.ArrayPartition($.name, 2)").name(), "States.IntrinsicFailure");
}

TEST(StatesArray, ContainsGetItemLengthUnique) {
  EXPECT_EQ(eval("States.ArrayContains($.numbers, 5)"), true);
  EXPECT_EQ(eval("States.ArrayContains($.numbers, 10)"), false);
  EXPECT_EQ(eval("States.ArrayContains(States.Array($.obj), $.obj)"), true);
  EXPECT_EQ(eval("States.ArrayGetItem($.numbers, 5)"), 6);
  EXPECT_NE(failure("States.ArrayGetItem($.numbers, 9)").cause().find("out of range"), std::string::npos);
  EXPECT_EQ(failure("States.ArrayGetItem($.numbers, -1)").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.ArrayGetItem($.numbers, 1.5)").name(), "States.IntrinsicFailure");
  EXPECT_EQ(eval("States.ArrayLength($.numbers)"), 9);
  EXPECT_EQ(failure("States.ArrayLength($.obj)").name(), "States.IntrinsicFailure");
  EXPECT_EQ(eval("States.ArrayUnique($.dupes)"), json({1, 2, 3, 4}));
}

TEST(StatesArray, Range) {
  EXPECT_EQ(eval("States.ArrayRange(1, 9, 2)"), json({1, 3, 5, 7, 9}));
  EXPECT_EQ(eval("States.ArrayRange(0, 3, 1)"), json({0, 1, 2, 3}));
  EXPECT_EQ(eval("States.ArrayRange(10, 0, -5)"), json({10, 5, 0}));
  EXPECT_EQ(eval("States.ArrayRange(5, 1, 1)"), json::array());
  EXPECT_EQ(eval("States.ArrayRange(1, 1000, 1)").size(), 1000u);
  EXPECT_NE(failure("States.ArrayRange(0, 1000, 1)").cause().find("1001"), std::string::npos);
  EXPECT_EQ(failure("States.ArrayRange(1, 9, 0)").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.ArrayRange('1', 9, 1)").name(), "States.IntrinsicFailure");
}

TEST(StatesBase64, EncodeAndDecode) {
  EXPECT_EQ(eval("States.Base64Encode($.text)"), "RGF0YSB0byBlbmNvZGU=");
  EXPECT_EQ(eval("States.Base64Decode($.encoded)"), "Data to encode");
  EXPECT_EQ(eval("States.Base64Encode('')"), "");
  EXPECT_EQ(eval("States.Base64Decode('')"), "");
  EXPECT_EQ(eval("States.Base64Encode('héllo ✓')"), "aMOpbGxvIOKckw==");
  EXPECT_EQ(eval("States.Base64Decode('aMOpbGxvIOKckw==')"), "héllo ✓");
  EXPECT_EQ(eval("States.Base64Encode('ab')"), "YWI=");
  EXPECT_EQ(eval("States.Base64Decode('YWI=')"), "ab");
  EXPECT_EQ(failure("States.Base64Decode('not base64!')").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.Base64Decode('YW=I')").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.Base64Encode(5)").name(), "States.IntrinsicFailure");
  const std::string big(10001, 'a');
  EXPECT_NE(failure("States.Base64Encode('" + big + "')").cause().find("10000"), std::string::npos);
}

TEST(StatesHash, AllFiveAlgorithms) {
  EXPECT_EQ(eval("States.Hash('input data', 'MD5')"), "812f45842bc6d66ee14572ce20db8e86");
  EXPECT_EQ(eval("States.Hash('input data', 'SHA-1')"), "aaff4a450a104cd177d28d18d74485e8cae074b7");
  EXPECT_EQ(eval("States.Hash('input data', 'SHA-256')"),
            "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3");
  EXPECT_EQ(eval("States.Hash('input data', 'SHA-384')"),
            "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562");
  EXPECT_EQ(eval("States.Hash('input data', 'SHA-512')"),
            "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425"
            "402d4f91316d871303aac4");
  EXPECT_NE(failure("States.Hash('x', 'SHA-3')").cause().find("unsupported algorithm"), std::string::npos);
  EXPECT_EQ(failure("States.Hash(1, 'MD5')").name(), "States.IntrinsicFailure");
}

TEST(StatesJsonMerge, ShallowMergeOnly) {
  EXPECT_EQ(eval("States.JsonMerge($.json1, $.json2, false)"),
            json::parse(R"({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3})"));
  // Recorded on AWS (json_merge_escaped_argument).
  EXPECT_EQ(eval(R"(States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), )"
                 R"($$.Execution.Input.input_field, false))"),
            json::parse(R"({"constant_in_literal": "false", "constant_input_field": "constant_value"})"));
  EXPECT_NE(failure("States.JsonMerge($.json1, $.json2, true)").cause().find("shallow"), std::string::npos);
  EXPECT_EQ(failure("States.JsonMerge($.json1, $.numbers, false)").name(), "States.IntrinsicFailure");
}

TEST(StatesMath, Add) {
  EXPECT_EQ(eval("States.MathAdd(111, -1)"), 110);
  EXPECT_EQ(eval("States.MathAdd($.start, $.end)"), 1000);
  EXPECT_EQ(eval("States.MathAdd(2147483647, 1)"), 2147483648LL);
  // Recorded on AWS: each argument is rounded as Java's Math.round does (half up).
  EXPECT_EQ(eval("States.MathAdd(1.49, 1.5)"), 3);
  EXPECT_EQ(eval("States.MathAdd(1.5, 1.51)"), 4);
  EXPECT_EQ(eval("States.MathAdd(-1.49, -1.5)"), -2);
  EXPECT_EQ(eval("States.MathAdd(-1.5, -1.51)"), -3);
  EXPECT_EQ(eval("States.MathAdd(0.5, 0)"), 1);
  EXPECT_EQ(eval("States.MathAdd(2.5, 0)"), 3);
  EXPECT_EQ(eval("States.MathAdd(-0.5, 0)"), 0);
  EXPECT_EQ(eval("States.MathAdd(-2.5, 0)"), -2);
  EXPECT_EQ(eval("States.MathAdd(-0.5, 0.5)"), 1);
  EXPECT_EQ(eval("States.MathAdd(-9, 3)"), -6);
  EXPECT_EQ(failure("States.MathAdd(2147483648, 1)").name(), "States.IntrinsicFailure");
  EXPECT_EQ(failure("States.MathAdd('1', 1)").name(), "States.IntrinsicFailure");
}

TEST(StatesMath, RandomStaysInRangeAndSeedsRepeat) {
  std::set<long long> seen;
  for (int i = 0; i < 200; ++i) {
    const long long v = eval("States.MathRandom(1, 5)").get<long long>();
    EXPECT_GE(v, 1);
    EXPECT_LT(v, 5);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 4u);  // 200 draws from 4 values: all appear (chance of not: < 1e-24)
  // A seed gives java.util.Random's sequence: new Random(42).nextInt(998) == 254.
  EXPECT_EQ(eval("States.MathRandom($.start, $.end, 42)"), 255);
  EXPECT_EQ(eval("States.MathRandom(0, 16, 7)"), 11);
  EXPECT_EQ(eval("States.MathRandom(10, 110, -5)"), 21);
  EXPECT_EQ(failure("States.MathRandom(5, 5)").name(), "States.IntrinsicFailure");
  // Recorded on AWS: decimal bounds are accepted (rounded).
  for (int i = 0; i < 50; ++i) {
    const long long v = eval("States.MathRandom(12.5, 44.51)").get<long long>();
    EXPECT_GE(v, 13);
    EXPECT_LT(v, 45);
  }
  EXPECT_EQ(failure("States.MathRandom(1, 'x')").name(), "States.IntrinsicFailure");
}

TEST(StatesString, SplitOnAnyDelimiterCharacterDroppingEmptyPieces) {
  EXPECT_EQ(eval("States.StringSplit('1,2,3,4,5', ',')"), json({"1", "2", "3", "4", "5"}));
  EXPECT_EQ(eval("States.StringSplit('This.is+a,test=string', '.+,=')"),
            json({"This", "is", "a", "test", "string"}));
  // Recorded on AWS (string_split_context_object): empty pieces vanish.
  const json input = {{"s", "Value6\n,,,\ntrue,1,"}};
  EXPECT_EQ(evaluate_intrinsic("States.StringSplit($.s, ',')", input, kContext), json({"Value6\n", "\ntrue", "1"}));
  // Recorded on AWS (escape_sequence): literal newlines inside quotes.
  EXPECT_EQ(eval("States.StringSplit('Hello\nWorld', '\n')"), json({"Hello", "World"}));
  EXPECT_EQ(failure("States.StringSplit($.numbers, ',')").name(), "States.IntrinsicFailure");
}

TEST(StatesUuid, VersionFourAndUnique) {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    const std::string id = eval("States.UUID()").get<std::string>();
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 50u);
}

TEST(IntrinsicArguments, MissingPathsAreRuntimeErrors) {
  const auto e = failure("States.Array($.nope)");
  EXPECT_EQ(e.name(), "States.Runtime");
  EXPECT_NE(e.cause().find("$.nope"), std::string::npos);
}

TEST(IntrinsicArguments, WhitespaceAndNestingAreAllowed) {
  EXPECT_EQ(eval("States.ArrayLength( States.Array( 1 ,2 , States.Array() ) )"), 3);
  EXPECT_EQ(eval("States.Array(-1.5e2, 0)"), json({-150.0, 0}));
}

TEST(StatesJson, StringToJsonRejectsTextNestedTooDeep) {
  // 100,000 levels used to overflow the stack when the result was copied or printed.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto e = failure("States.StringToJson('" + deep + "')");
  EXPECT_EQ(e.name(), "States.IntrinsicFailure");
  EXPECT_NE(e.cause().find("nested more than 1000 levels deep"), std::string::npos) << e.cause().substr(0, 300);
}

}  // namespace
}  // namespace cosmicai::asl
