// Validation: every kind of problem is reported, all at once, with its JSON pointer.
#include <fstream>

#include "engine_test_util.hpp"

namespace cosmicai::engine {
namespace {

using testing::contains;
using testing::messages;

TEST(Validation, TheMissionStateMachineIsValid) {
  const auto def = read_json_file(std::string(COSMICAI_SOURCE_DIR) + "/examples/cosmic-ai/cai-state-machine.json");
  EXPECT_TRUE(asl::validate_definition(def).empty());
}

TEST(Validation, CollectsEveryErrorWithPointers) {
  auto m = messages(R"({"StartAt":"A","Bogus":1,"States":{
    "A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","Next":"Nowhere",
         "Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"],"MaxAttempts":-1,"BackoffRate":0.5,
                   "JitterStrategy":"SOME"}]},
    "B":{"Type":"Pass","End":true}}})");
  EXPECT_TRUE(contains(m, "/Bogus: unknown field 'Bogus'"));
  EXPECT_TRUE(contains(m, "/States/A/Next: refers to undefined state \"Nowhere\""));
  EXPECT_TRUE(contains(m, "/States/A/Retry/0/ErrorEquals/0: States.ALL must appear only in the last"));
  EXPECT_TRUE(contains(m, "/States/A/Retry/1/MaxAttempts: must be a non-negative integer, got -1"));
  EXPECT_TRUE(contains(m, "/States/A/Retry/1/BackoffRate: must be a number >= 1"));
  EXPECT_TRUE(contains(m, "/States/A/Retry/1/JitterStrategy"));
  EXPECT_TRUE(contains(m, "/States/B: state \"B\" is not reachable from StartAt"));
  EXPECT_GE(m.size(), 7u);
}

TEST(Validation, MissingNextOrEndAndUnknownType) {
  auto m = messages(R"({"StartAt":"A","States":{"A":{"Type":"Pass"},"B":{"Type":"Sleep"}}})");
  EXPECT_TRUE(contains(m, "/States/A: must have 'Next' or 'End: true'"));
  EXPECT_TRUE(contains(m, "/States/B/Type: unknown state type \"Sleep\""));
}

TEST(Validation, StartAtAndMissingStates) {
  EXPECT_TRUE(contains(messages(R"({"StartAt":"X","States":{"A":{"Type":"Succeed"}}})"),
                       "/StartAt: refers to undefined state \"X\""));
  EXPECT_TRUE(contains(messages(R"({"StartAt":"X"})"), "missing required field 'States'"));
  EXPECT_TRUE(contains(messages(R"([1,2])"), "a state machine must be an object"));
}

TEST(Validation, StatesAllMustBeAlone) {
  auto m = messages(R"({"StartAt":"A","States":{"A":{"Type":"Parallel","End":true,
      "Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}],
      "Catch":[{"ErrorEquals":["States.ALL","X"],"Next":"A"}]}}})");
  EXPECT_TRUE(contains(m, "/States/A/Catch/0/ErrorEquals/0: States.ALL must appear alone"));
}

TEST(Validation, BadPathsTemplatesAndChoiceRules) {
  auto m = messages(R"J({"StartAt":"A","States":{
    "A":{"Type":"Pass","InputPath":"nope","ResultPath":"$.a[*]","Parameters":{"x.$":"States.Nope(1)"},"Next":"C"},
    "C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEqualz":1,"Next":"D"}],"Default":"D"},
    "D":{"Type":"Succeed"}}})J");
  EXPECT_TRUE(contains(m, "/States/A/InputPath"));
  EXPECT_TRUE(contains(m, "/States/A/ResultPath"));
  EXPECT_TRUE(contains(m, "/States/A/Parameters"));
  EXPECT_TRUE(contains(m, "/States/C/Choices/0"));
}

TEST(Validation, NestedMachinesAreCheckedRecursively) {
  auto m = messages(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":-2,
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Next":"Missing"}}}},
    "P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"Q","States":{"Q":{"Type":"Wait","End":true}}}]}}})");
  EXPECT_TRUE(contains(m, "/States/M/ItemProcessor/States/I/Next: refers to undefined state \"Missing\""));
  EXPECT_TRUE(contains(m, "/States/M/MaxConcurrency: must be a non-negative integer, got -2"));
  EXPECT_TRUE(contains(m, "/States/P/Branches/0/States/Q: must have exactly one of Seconds"));
}

TEST(Validation, JsonataAndVariablesAreAccepted) {
  auto m = messages(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
    "A":{"Type":"Pass","Assign":{"x":1},"Output":"{% 1 %}","End":true}}})");
  EXPECT_TRUE(m.empty()) << m.front();
  // In a JSONPath state the JSONata fields are still wrong.
  m = messages(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% 1 %}","End":true}}})");
  EXPECT_TRUE(contains(m, "/States/A/Output: the field 'Output' belongs to the JSONata query language"));
}

TEST(Validation, TaskTimeoutsAndFailFields) {
  auto m = messages(R"({"StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:f","TimeoutSeconds":0,
         "HeartbeatSeconds":5,"HeartbeatSecondsPath":"$.h","Next":"F"},
    "F":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}}})");
  EXPECT_TRUE(contains(m, "/States/T/TimeoutSeconds: must be a positive integer, got 0"));
  EXPECT_TRUE(contains(m, "HeartbeatSeconds and HeartbeatSecondsPath are mutually exclusive"));
  EXPECT_TRUE(contains(m, "/States/F: Error and ErrorPath are mutually exclusive"));
}

TEST(Validation, DistributedOnlyFieldsAndMapConfig) {
  auto m = messages(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"Label":"L",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"SIDEWAYS"},"StartAt":"I","States":{"I":{"Type":"Succeed"}}}}}})");
  EXPECT_TRUE(contains(m, "/States/M/ItemProcessor/ProcessorConfig/Mode: must be \"INLINE\" or \"DISTRIBUTED\""));
  EXPECT_TRUE(contains(m, "/States/M/Label: is only allowed in a DISTRIBUTED Map"));
}

TEST(Validation, UnsupportedResourcesAreReportedSeparately) {
  std::vector<asl::ValidationError> errors;
  auto m = asl::StateMachine::parse(json::parse(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","End":true}}})"), errors);
  ASSERT_TRUE(m);
  auto unsupported = asl::check_supported(*m);
  ASSERT_EQ(unsupported.size(), 1u);
  EXPECT_EQ(unsupported[0].pointer, "/States/T/Resource");
}

}  // namespace
}  // namespace cosmicai::engine
