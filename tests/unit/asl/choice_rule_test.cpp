// Choice rules: every comparison operator and its Path form, Is* tests, And/Or/Not,
// StringMatches, timestamps, validation by JSON pointer, and runtime errors.
#include <gtest/gtest.h>

#include "asl/choice/choice_rule.hpp"
#include "asl/choice/timestamp.hpp"

namespace cosmicai::asl {
namespace {

const json kInput = json::parse(R"({
  "s": "banana", "n": 5, "f": 2.5, "b": true, "nul": null, "t": "2016-03-14T01:59:00Z",
  "other_s": "apple", "other_n": 5, "other_t": "2016-03-14T02:59:00+01:00", "arr": [1], "obj": {},
  "star": "a*b", "emoji": "😀", "bmp": "\ue000", "big": 9007199254740993
})");
const json kContext = json::parse(R"({"Execution": {"Input": {"input-value": 0}}})");

// Parse a nested (no Next) rule, failing the test on validation errors.
ChoiceRule rule(const std::string& text) {
  std::vector<ValidationError> errors;
  auto r = ChoiceRule::from_json(json::parse(text), "/r", false, errors);
  for (const auto& e : errors) ADD_FAILURE() << text << " -> " << e.to_string();
  if (!r) throw std::runtime_error("rule did not parse: " + text);
  return *r;
}

bool eval(const std::string& text) { return rule(text).evaluate(kInput, kContext); }

// Validate a rule and return its errors.
std::vector<ValidationError> problems(const std::string& text, bool top_level = false) {
  std::vector<ValidationError> errors;
  auto r = ChoiceRule::from_json(json::parse(text), "/States/C/Choices/0", top_level, errors);
  EXPECT_EQ(r.has_value(), errors.empty()) << text;
  return errors;
}

TEST(ChoiceString, ComparisonsAndPathForms) {
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringEquals": "banana"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringEquals": "Banana"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringGreaterThan": "apple"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringLessThan": "apple"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringLessThanEquals": "banana"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringGreaterThanEquals": "banana"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringGreaterThanEquals": "cherry"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringGreaterThanPath": "$.other_s"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringEqualsPath": "$.other_s"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringLessThanEqualsPath": "$.s"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringLessThanPath": "$.other_s"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringGreaterThanEqualsPath": "$.other_s"})"));
  // A value of another type never matches a string comparison.
  EXPECT_FALSE(eval(R"({"Variable": "$.n", "StringEquals": "5"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringEqualsPath": "$.n"})"));
}

TEST(ChoiceString, OrdersByUtf16CodeUnitsLikeJava) {
  // U+1F600 is a surrogate pair (0xD83D...), which sorts before U+E000 in UTF-16.
  EXPECT_TRUE(eval(R"({"Variable": "$.emoji", "StringLessThanPath": "$.bmp"})"));
}

TEST(ChoiceString, StringMatchesWildcards) {
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringMatches": "b*"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringMatches": "*nan*"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringMatches": "b*n*a"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "StringMatches": "*"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringMatches": "*x*"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringMatches": "banana?"})"));
  // "\\*" is a literal star.
  EXPECT_TRUE(eval(R"({"Variable": "$.star", "StringMatches": "a\\*b"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "StringMatches": "b\\*"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.n", "StringMatches": "*"})"));
}

TEST(ChoiceNumeric, ComparisonsAndPathForms) {
  EXPECT_TRUE(eval(R"({"Variable": "$.n", "NumericEquals": 5})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.n", "NumericEquals": 5.0})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.f", "NumericEquals": 2})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.f", "NumericLessThan": 3})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.f", "NumericGreaterThan": 2.4})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.n", "NumericLessThanEquals": 5})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.n", "NumericGreaterThanEquals": 6})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.n", "NumericEqualsPath": "$.other_n"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.f", "NumericLessThanPath": "$.n"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.f", "NumericGreaterThanPath": "$.n"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.n", "NumericLessThanEqualsPath": "$.other_n"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.f"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "NumericEquals": 5})"));
  // Large integers compare exactly (2^53 + 1 is not 2^53).
  EXPECT_FALSE(eval(R"({"Variable": "$.big", "NumericEquals": 9007199254740992})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.big", "NumericEquals": 9007199254740993})"));
  // Recorded on AWS: a context path with a hyphenated name.
  EXPECT_TRUE(eval(R"({"Variable": "$$.Execution.Input.input-value", "NumericLessThanEquals": 0})"));
}

TEST(ChoiceBoolean, EqualsAndPath) {
  EXPECT_TRUE(eval(R"({"Variable": "$.b", "BooleanEquals": true})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.b", "BooleanEquals": false})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.b", "BooleanEqualsPath": "$.b"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "BooleanEquals": true})"));
}

TEST(ChoiceTimestamp, ComparesInstantsAcrossOffsets) {
  // 2016-03-14T02:59:00+01:00 is the same instant as 01:59:00Z.
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "TimestampEqualsPath": "$.other_t"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "TimestampEquals": "2016-03-14T01:59:00.000Z"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "TimestampLessThan": "2016-03-14T01:59:00.001Z"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "TimestampGreaterThan": "2016-03-13T23:59:59Z"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "TimestampLessThanEquals": "2016-03-14T01:59:00Z"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.t", "TimestampGreaterThanEquals": "2017-01-01T00:00:00Z"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.t", "TimestampLessThanPath": "$.other_t"})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.t", "TimestampGreaterThanPath": "$.other_t"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "TimestampLessThanEqualsPath": "$.other_t"})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "TimestampGreaterThanEqualsPath": "$.other_t"})"));
  // A non-timestamp value never matches.
  EXPECT_FALSE(eval(R"({"Variable": "$.s", "TimestampEquals": "2016-03-14T01:59:00Z"})"));
}

TEST(ChoiceIs, TypeTests) {
  EXPECT_TRUE(eval(R"({"Variable": "$.nul", "IsNull": true})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "IsNull": false})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.n", "IsNumeric": true})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.f", "IsNumeric": true})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "IsNumeric": false})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "IsString": true})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.n", "IsString": true})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.b", "IsBoolean": true})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.t", "IsTimestamp": true})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.s", "IsTimestamp": false})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.nul", "IsPresent": true})"));
  EXPECT_TRUE(eval(R"({"Variable": "$.missing", "IsPresent": false})"));
  EXPECT_FALSE(eval(R"({"Variable": "$.missing.deeper", "IsPresent": true})"));
}

TEST(ChoiceBooleanLogic, AndOrNotNest) {
  EXPECT_TRUE(eval(R"({"And": [{"Variable": "$.n", "NumericGreaterThan": 1},
                               {"Variable": "$.s", "StringEquals": "banana"}]})"));
  EXPECT_FALSE(eval(R"({"And": [{"Variable": "$.n", "NumericGreaterThan": 1},
                                {"Variable": "$.s", "StringEquals": "x"}]})"));
  EXPECT_TRUE(eval(R"({"Or": [{"Variable": "$.n", "NumericGreaterThan": 10},
                              {"Not": {"Variable": "$.s", "StringEquals": "x"}}]})"));
  EXPECT_FALSE(eval(R"({"Not": {"Or": [{"Variable": "$.b", "BooleanEquals": true}]}})"));
  // Short-circuit: the second operand would raise, but is never evaluated.
  EXPECT_FALSE(eval(R"({"And": [{"Variable": "$.b", "BooleanEquals": false},
                                {"Variable": "$.missing", "StringEquals": "x"}]})"));
  EXPECT_TRUE(eval(R"({"Or": [{"Variable": "$.b", "BooleanEquals": true},
                              {"Variable": "$.missing", "StringEquals": "x"}]})"));
}

TEST(ChoiceRuntime, MissingVariableOrOperandPathIsStatesRuntime) {
  for (const char* text : {R"({"Variable": "$.missing", "StringEquals": "x"})",
                           R"({"Variable": "$.missing", "IsNull": true})",
                           R"({"Variable": "$.s", "StringEqualsPath": "$.missing"})"}) {
    try {
      eval(text);
      ADD_FAILURE() << text << " should raise";
    } catch (const StatesError& e) {
      EXPECT_EQ(e.name(), "States.Runtime");
      EXPECT_EQ(e.cause(), "Invalid path '$.missing': The choice state's condition path references an invalid value.");
    }
  }
}

TEST(ChoiceRuleParse, TopLevelRulesCarryNext) {
  std::vector<ValidationError> errors;
  auto r = ChoiceRule::from_json(
      json::parse(R"({"Variable": "$.n", "NumericEquals": 5, "Next": "Done", "Comment": "five"})"), "/p", true, errors);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->next(), "Done");
  EXPECT_TRUE(r->evaluate(kInput, kContext));
  // Recorded on AWS (comments_as_per_docs): Comment inside nested rules.
  EXPECT_TRUE(problems(R"({"And": [{"Variable": "$.s", "StringEquals": "complete", "Comment": "c"}],
                           "Comment": "d", "Next": "S"})",
                       true)
                  .empty());
}

TEST(ChoiceRuleParse, ReportsEachProblemWithItsPointer) {
  auto e = problems(R"({"Variable": "$.n", "NumericEquals": "5"})", true);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/NumericEquals");
  EXPECT_NE(e[0].message.find("must be a number"), std::string::npos);
  EXPECT_EQ(e[1].pointer, "/States/C/Choices/0");
  EXPECT_NE(e[1].message.find("'Next'"), std::string::npos);

  e = problems(R"({"Variable": "$.n", "NumericEquals": 5, "Next": "X"})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/Next");

  e = problems(R"({"Variable": "$.n", "NumericEquals": 5, "StringEquals": "x"})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("exactly one"), std::string::npos);

  e = problems(R"({"NumericEquals": 5})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("needs a 'Variable'"), std::string::npos);

  e = problems(R"({"Variable": "$.a[*]", "IsNull": true})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/Variable");

  e = problems(R"({"Variable": "$.n", "Nonsense": 1, "IsNull": true})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/Nonsense");

  e = problems(R"({"And": []})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/And");

  e = problems(R"({"Or": [{"Variable": "$.x", "BooleanEquals": "yes"}, {"Not": {"Variable": "$.y"}}]})");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/Or/0/BooleanEquals");
  EXPECT_EQ(e[1].pointer, "/States/C/Choices/0/Or/1/Not");

  e = problems(R"({"Variable": "$.t", "TimestampEquals": "2016-03-14t01:59:00z"})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("RFC 3339"), std::string::npos);

  e = problems(R"({"Variable": "$.s", "StringEqualsPath": "$..s"})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/StringEqualsPath");

  e = problems(R"({"Variable": "$.s", "StringMatchesPath": "$.s"})");
  ASSERT_EQ(e.size(), 2u);  // no such operator, and then no operator at all
  EXPECT_EQ(e[0].pointer, "/States/C/Choices/0/StringMatchesPath");

  e = problems(R"({"Condition": "{% true %}", "Next": "X"})", true);
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].message.find("JSONata"), std::string::npos);

  e = problems(R"("not an object")");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("must be an object"), std::string::npos);
}

TEST(ChoiceTimestampParse, ParsesRfc3339AsAslRestrictsIt) {
  auto t = parse_timestamp("1970-01-01T00:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 0);
  t = parse_timestamp("2016-03-14T01:59:00.123456789Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 1457920740);
  EXPECT_EQ(t->nanos, 123456789);
  t = parse_timestamp("2016-03-14T01:59:00.5-02:30");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 1457920740 + 2 * 3600 + 30 * 60);
  EXPECT_EQ(t->nanos, 500000000);
  EXPECT_TRUE(parse_timestamp("2024-02-29T23:59:59Z"));
  EXPECT_TRUE(parse_timestamp("1969-12-31T23:59:59Z"));
  EXPECT_EQ(parse_timestamp("1969-12-31T23:59:59Z")->seconds, -1);
  for (const char* bad : {"2016-03-14t01:59:00Z", "2016-03-14T01:59:00z", "2016-03-14 01:59:00Z", "2016-03-14",
                          "2016-03-14T01:59Z", "2016-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2016-03-14T24:00:00Z",
                          "2016-03-14T01:59:00", "2016-03-14T01:59:00.Z", "2016-03-14T01:59:00+0100",
                          "2016-03-14T01:59:00Zjunk", ""})
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
}

}  // namespace
}  // namespace cosmicai::asl
