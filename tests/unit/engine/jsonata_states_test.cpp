// JSONata states and workflow variables: the Step Functions functions, scoping, validation, hostile input.
#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using testing::contains;
using testing::messages;
using testing::run;

json output_of(const std::string& output_expr, const json& input = json::object()) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":)" + output_expr +
                   R"(,"End":true}}})",
               input);
  EXPECT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  return r.output;
}

TEST(JsonataStates, AwsFunctions) {
  EXPECT_EQ(output_of(R"J("{% $partition([1,2,3], 2) %}")J"), json::parse("[[1,2],[3]]"));
  EXPECT_EQ(output_of(R"J("{% $partition([1,2], 5) %}")J"), json::parse("[[1,2]]"));
  EXPECT_EQ(output_of(R"J("{% $range(0, 10, 3) %}")J"), json::parse("[0,3,6,9]"));
  EXPECT_EQ(output_of(R"J("{% $range(1, 9, 9) %}")J"), json(1));
  EXPECT_EQ(output_of(R"J("{% $hash('input data', 'SHA-1') %}")J"), json("aaff4a450a104cd177d28d18d74485e8cae074b7"));
  EXPECT_EQ(output_of(R"J("{% $parse('{\"a\": [1, true]}') %}")J"), json::parse(R"({"a":[1,true]})"));
  EXPECT_EQ(output_of(R"J("{% $random(7) = $random(7) %}")J"), json(true));
  const auto r = output_of(R"J("{% $random() %}")J").get<double>();
  EXPECT_TRUE(r >= 0 && r < 1);
  EXPECT_EQ(output_of(R"J("{% $length($uuid()) %}")J"), json(36));
}

TEST(JsonataStates, StatesInputAndNestedTemplates) {
  EXPECT_EQ(output_of(R"({"sum":"{% $states.input.a + 1 %}","list":[1,"{% $states.input.a %}"],"lit":"{ % x %}"})",
                      json{{"a", 2}}),
            json::parse(R"({"sum":3,"list":[1,2],"lit":"{ % x %}"})"));
}

// Each expression binds only what it can read of $states and the variables (found when it is
// compiled); what it reads is the same as if everything were bound.
TEST(JsonataStates, AnExpressionSeesWhatItReadsOfStatesAndVariablesWhateverElseIsThere) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"k":10,"unused":"{% $states.input %}"},"Next":"M"},
      "M":{"Type":"Map","Items":"{% $states.input.items %}",
        "ItemSelector":"{% {'v': $states.context.Map.Item.Value * $k, 'i': $states.context.Map.Item.Index, 'tag': $states.input.tag, 'in': $states.context.Execution.Input.tag} %}",
        "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
        "Output":"{% {'items': $states.result, 'keys': $keys($states.context)} %}",
        "End":true}}})",
               json{{"items", {1, 2}}, {"tag", "t"}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  EXPECT_EQ(r.output["items"], json::parse(R"([{"v":10,"i":0,"tag":"t","in":"t"},{"v":20,"i":1,"tag":"t","in":"t"}])"))
      << r.output.dump();
  // Read whole, $states.context has all its members.
  EXPECT_EQ(r.output["keys"], json::parse(R"(["Execution","State","StateMachine"])")) << r.output.dump();
}

TEST(JsonataStates, AssignSeesValuesFromStateEntryAndIsScopedPerIteration) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
    "A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
    "B":{"Type":"Pass","Assign":{"x":2,"old":"{% $x %}"},"Output":"{% $x %}","Next":"M"},
    "M":{"Type":"Map","Items":[10,20],"ItemProcessor":{"StartAt":"I","States":{
        "I":{"Type":"Pass","Assign":{"x":"{% $states.input %}"},"Next":"J"},
        "J":{"Type":"Pass","Output":"{% $x + $old %}","End":true}}},
      "Output":"{% {'items': $states.result, 'x': $x, 'old': $old} %}","End":true}}})",
               json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  EXPECT_EQ(r.output, json::parse(R"({"items":[11,21],"x":2,"old":1})"));
}

TEST(JsonataStates, JsonPathStatesReadVariables) {
  auto r = run(R"J({"StartAt":"A","States":{
    "A":{"Type":"Pass","Result":{"v":5},"Assign":{"n.$":"$.v"},"Next":"B"},
    "B":{"Type":"Pass","Parameters":{"n.$":"$n","f.$":"States.Format('n={}', $n)"},"End":true}}})J",
               json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  EXPECT_EQ(r.output, json::parse(R"({"n":5,"f":"n=5"})"));
}

TEST(JsonataStates, EvaluationErrorsAreQueryEvaluationErrorsThatCatchersSee) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{
    "P":{"Type":"Pass","Output":"{% $states.input.a + 'x' %}","End":true}}})",
               json{{"a", 1}});
  EXPECT_EQ(r.error, "States.QueryEvaluationError");
  EXPECT_NE(testing::cause_of(r).find("specified for the field 'Output' threw an error during evaluation. T2002"),
            std::string::npos);
  auto caught = run(R"({"QueryLanguage":"JSONata","StartAt":"M","States":{
    "M":{"Type":"Map","Items":"{% 'no' %}","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},
         "Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Assign":{"e":"{% $states.errorOutput.Error %}"},
                   "Output":"{% $states.errorOutput.Cause %}","Next":"D"}],"End":true},
    "D":{"Type":"Pass","Output":{"e":"{% $e %}","c":"{% $states.input %}"},"End":true}}})",
                    json::object());
  ASSERT_EQ(caught.status, "SUCCEEDED") << caught.to_json().dump();
  EXPECT_EQ(caught.output["e"], "States.QueryEvaluationError");
  EXPECT_NE(caught.output["c"].get<std::string>().find("Expected 'array', but was 'string'"), std::string::npos);
}

TEST(JsonataStates, HostileExpressionsFailWithANamedError) {
  for (const char* expr : {R"J("{% $sum([1..100000000]) %}")J",
                           R"J("{% ($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000)) %}")J",
                           R"J("{% $match('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab', /(a+)+$/) %}")J"}) {
    auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":)" +
                     std::string(expr) + R"(,"End":true}}})",
                 json::object());
    EXPECT_EQ(r.status, "FAILED") << expr;
    EXPECT_EQ(r.error, "States.QueryEvaluationError") << expr;
    EXPECT_NE(testing::cause_of(r).find("threw an error during evaluation."), std::string::npos) << expr;
  }
}

TEST(JsonataStates, ParseOfTextNestedTooDeepFailsInsteadOfCrashing) {
  // Deeper than the JSON nesting limit (1000): a deep enough value overflows the stack when it is
  // later copied or serialised, so $parse refuses it like malformed text.
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
    "Output":"{% $parse($states.input.text) %}","End":true}}})",
               json{{"text", deep}});
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.QueryEvaluationError");
  EXPECT_NE(testing::cause_of(r).find("not valid JSON"), std::string::npos) << testing::cause_of(r).substr(0, 300);
}

TEST(JsonataStates, ValidationNamesEveryProblemWithItsPointer) {
  auto m = messages(R"({"QueryLanguage":"JSONata","StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
         "Arguments":{"FunctionName":"f","Payload":"{% $states.result %}"},"InputPath":"$.a",
         "Assign":{"states":1,"ok":"{% 1 + %}"},"Next":"P"},
    "P":{"Type":"Pass","QueryLanguage":"JSONPath","Output":"{% $states.errorOutput %}","End":true}}})");
  EXPECT_TRUE(
      contains(m, "/States/T/Arguments/Payload: $states.result is not available in the field 'Arguments/Payload'"));
  EXPECT_TRUE(contains(m, "/States/T/InputPath: the field 'InputPath' belongs to the JSONPath query language"));
  EXPECT_TRUE(contains(m, "/States/T/Assign/states: 'states' is reserved"));
  EXPECT_TRUE(contains(m, "/States/T/Assign/ok: invalid JSONata expression '1 +'"));
  EXPECT_TRUE(contains(m, "/States/P/QueryLanguage: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata'"));
  EXPECT_TRUE(contains(m, "/States/P/Output: the field 'Output' belongs to the JSONata query language"));
}

TEST(JsonataStates, AnExpressionMayReadItsInputOnlyNestedInsideAPathOrPredicate) {
  // Top level: the input is only $states.input; '$', '$$', field names and wildcards are refused
  // when the definition is loaded, in every field, with the offending reference named.
  auto m = messages(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{
    "P":{"Type":"Pass","Output":{"a":"{% order %}","b":"{% $.x %}","c":"{% $count(*) %}","d":"{% $$.k %}",
         "e":"{% $sum(items.price) + 1 %}"},"Assign":{"v":"{% 1 + total %}"},"Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Condition":"{% flag %}","Next":"S"}],"Default":"S"},
    "S":{"Type":"Succeed"}}})");
  EXPECT_TRUE(contains(m,
                       "/States/P/Output/a: the JSONata expression 'order' references its input at the top level "
                       "(the field name 'order' at character 5)"));
  EXPECT_TRUE(
      contains(m, "/States/P/Output/b: the JSONata expression '$.x' references its input at the top level ('$'"));
  EXPECT_TRUE(contains(m,
                       "/States/P/Output/c: the JSONata expression '$count(*)' references its input at the top "
                       "level (the wildcard '*'"));
  EXPECT_TRUE(contains(m,
                       "/States/P/Output/d: the JSONata expression '$$.k' references its input at the top level "
                       "('$$'"));
  EXPECT_TRUE(contains(m, "/States/P/Output/e: the JSONata expression '$sum(items.price) + 1' references its input"));
  EXPECT_TRUE(contains(m, "/States/P/Assign/v: the JSONata expression '1 + total'"));
  EXPECT_TRUE(contains(m, "/States/C/Choices/0/Condition: the JSONata expression 'flag'"));

  // Nested: inside later path steps, predicates, sort terms, group-by and function bodies.
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{
    "big":"{% $states.input.order[total > 10].id %}",
    "sorted":"{% $states.input.order^(>total).id %}",
    "names":"{% $map($states.input.order, function($o) { $o.id & ':' & $string($o.total) }) %}",
    "byId":"{% $states.input.order{id: total} %}",
    "nested":"{% $states.input.order[$.total < 10].$.id %}"},"End":true}}})",
               json{{"order", json::array({json{{"id", "a"}, {"total", 5}}, json{{"id", "b"}, {"total", 20}}})}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, (json{{"big", "b"},
                            {"sorted", json::array({"b", "a"})},
                            {"names", json::array({"a:5", "b:20"})},
                            {"byId", json{{"a", 5}, {"b", 20}}},
                            {"nested", "a"}}));
}

TEST(JsonataStates, VariablesAreLimitedTo256KiBEachAndPerAssignAnd10MiBInAll) {
  const json input{{"s", std::string(200 * 1024, 'x')}};
  auto one = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
    "Assign":{"big":"{% $states.input.s & $states.input.s %}"},"End":true}}})",
                 input);
  EXPECT_EQ(one.status, "FAILED");
  EXPECT_EQ(one.error, "States.DataLimitExceeded");
  EXPECT_NE(testing::cause_of(one).find("The variable 'big' assigned by the state 'P' is 409602 bytes"),
            std::string::npos)
      << testing::cause_of(one);

  auto together = run(R"({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
    "Assign":{"a":"{% $states.input.s %}","b":"{% $states.input.s %}"},"End":true}}})",
                      input);
  EXPECT_EQ(together.error, "States.DataLimitExceeded");
  EXPECT_NE(
      testing::cause_of(together).find("are 409604 bytes together, over the limit of 262144 bytes for one Assign"),
      std::string::npos)
      << testing::cause_of(together);

  // 52 states each keeping a 200 KiB variable: the 52nd passes 10 MiB in all.
  json states = json::object();
  for (int i = 0; i < 52; ++i) {
    json st{{"Type", "Pass"}, {"Assign", {{"v" + std::to_string(i), "{% $states.input.s %}"}}}};
    if (i == 51)
      st["End"] = true;
    else
      st["Next"] = "S" + std::to_string(i + 1);
    states["S" + std::to_string(i)] = st;
  }
  auto all = run(json{{"QueryLanguage", "JSONata"}, {"StartAt", "S0"}, {"States", states}}.dump(), input);
  ASSERT_EQ(all.status, "FAILED");
  EXPECT_EQ(all.error, "States.DataLimitExceeded");
  EXPECT_NE(testing::cause_of(all).find("The variables in scope after the state 'S51' are 10650059 bytes"),
            std::string::npos)
      << testing::cause_of(all);

  // Up to the limits, variables work (51 variables of 200 KiB; Output sees the values from the
  // state's entry, so the last state reads the variable of the one before).
  states.erase("S51");
  states["S50"].erase("Next");
  states["S50"]["End"] = true;
  states["S50"]["Output"] = "{% $length($v0) + $length($v49) %}";
  auto ok = run(json{{"QueryLanguage", "JSONata"}, {"StartAt", "S0"}, {"States", states}}.dump(), input);
  ASSERT_EQ(ok.status, "SUCCEEDED") << testing::cause_of(ok);
  EXPECT_EQ(ok.output, 2 * 200 * 1024);
}

/// A JSONata chain: state Si assigns `assigns[i]` (an object of expressions), then a last state's
/// Output is `output`.
std::string assign_chain(const std::vector<json>& assigns, const std::string& output) {
  json states = json::object();
  for (std::size_t i = 0; i < assigns.size(); ++i) {
    states["S" + std::to_string(i)] = json{
        {"Type", "Pass"}, {"Assign", assigns[i]}, {"Next", i + 1 == assigns.size() ? "Out" : "S" + std::to_string(i + 1)}};
  }
  states["Out"] = json{{"Type", "Pass"}, {"Output", output}, {"End", true}};
  return json{{"QueryLanguage", "JSONata"}, {"StartAt", "S0"}, {"States", states}}.dump();
}

// The 10 MiB counts the variables in scope as one object: a variable assigned again counts once,
// with its newest value.
TEST(JsonataStates, AVariableAssignedAgainCountsOnceTowardThe10MiBWithItsNewestValue) {
  const json input{{"s", std::string(200 * 1024, 'x')}};
  std::vector<json> assigns;
  for (int i = 0; i < 51; ++i) assigns.push_back(json{{"v" + std::to_string(i), "{% $states.input.s %}"}});
  // v0 assigned again ten times (each 200 KiB), then made small, then a 52nd large variable: still
  // 51 large ones in all, under the limit.
  for (int k = 0; k < 10; ++k) assigns.push_back(json{{"v0", "{% $states.input.s & '' %}"}});
  assigns.push_back(json{{"v0", "small"}});
  assigns.push_back(json{{"v51", "{% $states.input.s %}"}});
  auto ok = run(assign_chain(assigns, "{% [$v0, $length($v51), $length($v50)] %}"), input);
  ASSERT_EQ(ok.status, "SUCCEEDED") << testing::cause_of(ok);
  EXPECT_EQ(ok.output, json::parse("[\"small\", 204800, 204800]"));

  // One more large variable passes the limit, by the size of all of them as one object.
  assigns.push_back(json{{"v0", "{% $states.input.s %}"}});
  auto over = run(assign_chain(assigns, "{% 1 %}"), input);
  ASSERT_EQ(over.status, "FAILED");
  EXPECT_EQ(over.error, "States.DataLimitExceeded");
  json all = json::object();
  for (int i = 0; i < 52; ++i) all["v" + std::to_string(i)] = input["s"];
  const std::string expected = "The variables in scope after the state 'S" + std::to_string(assigns.size() - 1) +
                               "' are " + std::to_string(dump_compact(all).size()) + " bytes";
  EXPECT_NE(testing::cause_of(over).find(expected), std::string::npos) << testing::cause_of(over) << "\n" << expected;
}

// A Map iteration's variables sit over the state's: the outer ones count toward its 10 MiB, and
// many assignments inside and outside keep each variable's newest value.
TEST(JsonataStates, AnIterationsVariablesCountWithTheOuterOnesAndKeepTheirNewestValues) {
  const json input{{"s", std::string(200 * 1024, 'x')}};
  json states = json::object();
  for (int i = 0; i < 50; ++i) {
    states["S" + std::to_string(i)] =
        json{{"Type", "Pass"}, {"Assign", {{"v" + std::to_string(i), "{% $states.input.s %}"}, {"n", i}}},
             {"Next", i + 1 < 50 ? "S" + std::to_string(i + 1) : std::string("M")}};
  }
  const auto map_state = [](int large_in_iteration) {
    json inner = json::object();
    for (int k = 0; k < 12; ++k) {
      json st{{"Type", "Pass"}, {"Assign", {{"i", "{% $states.input %}"}, {"k", k}}}};
      if (k < large_in_iteration) st["Assign"]["big" + std::to_string(k)] = "{% $v0 %}";
      if (k == 11) {
        st["End"] = true;
        st["Output"] = "{% [$i, $k, $n, $length($v49)] %}";  // the values from the state's entry
      } else {
        st["Next"] = "I" + std::to_string(k + 1);
      }
      inner["I" + std::to_string(k)] = st;
    }
    return json{{"Type", "Map"},
                {"Items", json::array({7, 8})},
                {"ItemProcessor", {{"StartAt", "I0"}, {"States", inner}}},
                {"Output", "{% {'items': $states.result, 'n': $n} %}"},
                {"End", true}};
  };
  states["M"] = map_state(1);
  auto ok = run(json{{"QueryLanguage", "JSONata"}, {"StartAt", "S0"}, {"States", states}}.dump(), input);
  ASSERT_EQ(ok.status, "SUCCEEDED") << testing::cause_of(ok);
  EXPECT_EQ(ok.output, json::parse(R"({"items":[[7,10,49,204800],[8,10,49,204800]],"n":49})"));

  // Two large variables in an iteration: 52 in scope there, over 10 MiB at its second.
  states["M"] = map_state(2);
  auto over = run(json{{"QueryLanguage", "JSONata"}, {"StartAt", "S0"}, {"States", states}}.dump(), input);
  ASSERT_EQ(over.status, "FAILED");
  EXPECT_EQ(over.error, "States.DataLimitExceeded");
  EXPECT_NE(testing::cause_of(over).find("The variables in scope after the state 'I1' are"), std::string::npos)
      << testing::cause_of(over);
}

}  // namespace
}  // namespace cosmicai::engine
