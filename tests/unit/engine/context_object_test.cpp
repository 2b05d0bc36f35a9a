// The context object $$ as states read it: the execution's members (shared by every state, the
// execution input among them), each state's own State member (per state, per retry, per branch) and
// a Map item's Map member, in JSONPath and JSONata.
#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using testing::run;

const json kInput = json{{"items", json::array({json{{"rank", 0}}, json{{"rank", 1}}})}, {"tag", "t"}};

TEST(ContextObject, EveryStateReadsTheExecutionsMembersAndItsOwnState) {
  auto r = run(R"J({"StartAt":"A","States":{
      "A":{"Type":"Pass","ResultPath":"$.a","Next":"B",
        "Parameters":{"whole.$":"$$","second.$":"$$.Execution.Input.items[1]","name.$":"$$.State.Name",
                      "ranks.$":"$$.Execution.Input.items[*].rank","deep.$":"$$..rank"}},
      "B":{"Type":"Pass","ResultPath":"$.b","End":true,
        "Parameters":{"name.$":"$$.State.Name","keys.$":"$$.keys()","input.$":"$$.Execution.Input",
                      "machine.$":"$$.StateMachine.Name","execution.$":"$$.Execution.Name"}}}})J",
               kInput);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  const json& a = r.output["a"];
  const json& b = r.output["b"];
  EXPECT_EQ(a["second"], kInput["items"][1]);
  EXPECT_EQ(a["name"], "A");
  EXPECT_EQ(a["ranks"], json::array({0, 1}));
  EXPECT_EQ(a["deep"], json::array({0, 1}));
  // The whole object, its members in AWS's order; B sees its own State, the same Execution.
  ASSERT_TRUE(a["whole"].is_object()) << a.dump();
  EXPECT_EQ(a["whole"]["Execution"]["Input"], kInput);
  EXPECT_EQ(a["whole"]["State"]["Name"], "A");
  EXPECT_EQ(a["whole"]["State"]["RetryCount"], 0);
  EXPECT_EQ(b["keys"], json::parse(R"(["Execution","State","StateMachine"])"));
  EXPECT_EQ(b["name"], "B");
  // The state input changed (ResultPath $.a); the execution input did not.
  EXPECT_EQ(b["input"], kInput);
  EXPECT_EQ(b["machine"], a["whole"]["StateMachine"]["Name"]);
  EXPECT_EQ(b["execution"], a["whole"]["Execution"]["Name"]);
}

TEST(ContextObject, AMissingMemberIsAnErrorThatNamesThePath) {
  auto r = run(R"J({"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$$.Map.Item.Value"},"End":true}}})J",
               kInput);
  ASSERT_EQ(r.status, "FAILED") << r.to_json().dump();
  EXPECT_EQ(r.error, "States.Runtime");
  EXPECT_NE(testing::cause_of(r).find("$$.Map.Item.Value"), std::string::npos) << testing::cause_of(r);
}

TEST(ContextObject, ParallelBranchesAndMapItemsSeeTheirOwnStateAndItem) {
  auto r = run(R"J({"StartAt":"P","States":{
      "P":{"Type":"Parallel","ResultPath":"$.branches","Next":"M","Branches":[
        {"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true,
          "Parameters":{"name.$":"$$.State.Name","tag.$":"$$.Execution.Input.tag"}}}},
        {"StartAt":"B2","States":{"B2":{"Type":"Pass","End":true,
          "Parameters":{"name.$":"$$.State.Name","tag.$":"$$.Execution.Input.tag"}}}}]},
      "M":{"Type":"Map","ItemsPath":"$.items","ResultPath":"$.items","Next":"J",
        "ItemSelector":{"v.$":"$$.Map.Item.Value.rank","i.$":"$$.Map.Item.Index","keys.$":"$$.keys()",
                        "state.$":"$$.State.Name","tag.$":"$$.Execution.Input.tag"},
        "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}},
      "J":{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.items %}","End":true,
        "ItemSelector":"{% {'v': $states.context.Map.Item.Value.v, 'keys': $keys($states.context), 'tag': $states.context.Execution.Input.tag} %}",
        "ItemProcessor":{"StartAt":"K","States":{"K":{"Type":"Pass","End":true}}},
        "Output":"{% {'branches': $states.input.branches, 'items': $states.input.items, 'again': $states.result} %}"}}})J",
               kInput);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  EXPECT_EQ(r.output["branches"], json::parse(R"([{"name":"B1","tag":"t"},{"name":"B2","tag":"t"}])"));
  EXPECT_EQ(r.output["items"], json::parse(R"([
      {"v":0,"i":0,"keys":["Execution","State","StateMachine","Map"],"state":"M","tag":"t"},
      {"v":1,"i":1,"keys":["Execution","State","StateMachine","Map"],"state":"M","tag":"t"}])"));
  EXPECT_EQ(r.output["again"], json::parse(R"([
      {"v":0,"keys":["Execution","State","StateMachine","Map"],"tag":"t"},
      {"v":1,"keys":["Execution","State","StateMachine","Map"],"tag":"t"}])"));
}

// JSONata binds of $states.context.Execution only the members an expression names: what it reads
// is the same as if all were bound.
TEST(ContextObject, JsonataReadsOfTheExecutionWhatItNamesAndAllWhenItMayReadMore) {
  auto r = run(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Next":"B","Output":"{% {'name': $states.context.Execution.Name} %}"},
      "B":{"Type":"Pass","Next":"C","Output":"{% $merge([$states.input, {'tag': $states.context.Execution.Input.tag, 'name2': $states.context.Execution.Name}]) %}"},
      "C":{"Type":"Pass","End":true,"Output":"{% $merge([$states.input, {'keys': $keys($states.context.Execution), 'whole': $states.context.Execution}]) %}"}}})",
               kInput);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  EXPECT_EQ(r.output["keys"], json::parse(R"(["Id","Input","StartTime","Name","RoleArn","RedriveCount"])"));
  EXPECT_EQ(r.output["whole"]["Input"], kInput);
  EXPECT_EQ(r.output["name"], r.output["whole"]["Name"]);
  EXPECT_EQ(r.output["name2"], r.output["whole"]["Name"]);
  EXPECT_EQ(r.output["tag"], "t");
}

TEST(ContextObject, EachAttemptAndTheCatcherSeeTheRetryCountOfTheirAttempt) {
  auto registry = testing::stub_registry();
  registry->add("always-fails", [](const json& event, const functions::InvokeContext&) -> json {
    throw functions::FunctionError("Nope", "attempt " + event["retry"].dump());
  });
  auto r = run(R"J({"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:always-fails",
        "Parameters":{"retry.$":"$$.State.RetryCount"},"End":true,
        "Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":2}],
        "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"D",
                  "Assign":{"rc.$":"$$.State.RetryCount","at.$":"$$.State.Name"}}]},
      "D":{"Type":"Pass","Parameters":{"rc.$":"$rc","at.$":"$at","cause.$":"$.error.Cause","name.$":"$$.State.Name"},
        "End":true}}})J",
               json::object(), registry);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json().dump();
  EXPECT_EQ(r.output["rc"], 2);  // the last attempt's count, after two retries
  EXPECT_EQ(r.output["at"], "T");
  EXPECT_EQ(r.output["name"], "D");
  // The last attempt's input saw the same count.
  EXPECT_EQ(json::parse(r.output["cause"].get<std::string>())["errorMessage"], "attempt 2") << r.output.dump();
}

}  // namespace
}  // namespace cosmicai::engine
