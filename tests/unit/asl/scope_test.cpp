// The context object as a view of borrowed parts and the workflow variables as shared snapshots:
// both must read exactly as the whole JSON objects they stand for.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "asl/errors.hpp"
#include "asl/path/json_path.hpp"
#include "asl/path/scope.hpp"

namespace cosmicai::asl {
namespace {

const json kInput = json::parse(R"({"store":{"book":[{"title":"A","price":8},{"title":"B","price":12}]},"n":2})");
const json kExecution = json::parse(
    R"({"Id":"arn:exec","Input":{"x":1,"limit":10,"items":[{"rank":0},{"rank":1}]},"Name":"run-1"})");
const json kState = json::parse(R"({"EnteredTime":"2026-12-07T00:00:00.000Z","Name":"S","RetryCount":2})");
const json kMachine = json::parse(R"({"Id":"arn:machine","Name":"M"})");
const json kMap = json::parse(R"({"Item":{"Index":1,"Value":{"rank":1}}})");

/// The value a path gives, or the error it throws as "name: cause".
std::string outcome(const std::string& path, const ContextRef& context) {
  try {
    return dump_compact(JsonPath::compile_or_throw(path).query(kInput, context));
  } catch (const StatesError& e) {
    return e.name() + ": " + e.cause();
  }
}

const std::vector<std::string> kPaths = {
    "$$",
    "$$.Execution",
    "$$.Execution.Input.items[1].rank",
    "$$.Execution.Input.items[*].rank",
    "$$..rank",
    "$$.*",
    "$$.keys()",
    "$$.length()",
    "$$.Execution.Input.items.length()",
    "$$['State','StateMachine']",
    "$$['State']['RetryCount']",
    "$$.Map.Item.Value",
    "$$.Task.Token",
    "$$.Execution.Nope.x",
    "$$.State.Name.x",
    "$$.Execution.Input.items[5]",
    "$.store.book[?(@.price < $$.Execution.Input.limit)].title",
    "$$.Execution.Input.items[?(@.rank == $$.Map.Item.Index)]",
    "$.n",
};

TEST(ContextRef, PartsReadAsTheWholeObjectTheyMakeUp) {
  json whole = json::object();
  whole["Execution"] = kExecution;
  whole["State"] = kState;
  whole["StateMachine"] = kMachine;
  whole["Map"] = kMap;
  ContextRef parts;
  parts.set("Execution", kExecution).set("State", kState).set("StateMachine", kMachine).set("Map", kMap);
  EXPECT_EQ(parts.to_json(), whole);
  for (const auto& path : kPaths) EXPECT_EQ(outcome(path, parts), outcome(path, whole)) << path;
  // The errors are errors (the list checks both sides of each path).
  EXPECT_NE(outcome("$$.Task.Token", parts).find("States.Runtime"), std::string::npos) << outcome("$$.Task.Token", parts);
  EXPECT_EQ(outcome("$$.Execution.Input.items[1].rank", parts), "1");
  EXPECT_EQ(outcome("$.store.book[?(@.price < $$.Execution.Input.limit)].title", parts), R"(["A"])");
  EXPECT_EQ(outcome("$$.Execution.Input.items[?(@.rank == $$.Map.Item.Index)]", parts), R"([{"rank":1}])");
  EXPECT_EQ(outcome("$$.keys()", parts), R"(["Execution","State","StateMachine","Map"])");
}

TEST(ContextRef, SettingAMemberOfAWholeViewReplacesItInPlace) {
  json whole = json::object();
  whole["Execution"] = kExecution;
  whole["Map"] = json::object({{"Item", 0}});
  whole["State"] = kState;
  ContextRef view(whole);
  view.set("Map", kMap);
  json expected = whole;
  expected["Map"] = kMap;
  EXPECT_EQ(view.to_json(), expected);
  for (const auto& path : kPaths) EXPECT_EQ(outcome(path, view), outcome(path, expected)) << path;
}

TEST(ContextRef, NullViewIsNullAndHasNoMembers) {
  const ContextRef none;
  EXPECT_TRUE(none.is_null());
  const json null_json;
  EXPECT_TRUE(ContextRef(null_json).is_null());
  EXPECT_EQ(none.to_json(), json());
  EXPECT_EQ(none.find("Execution"), nullptr);
  EXPECT_EQ(outcome("$$.Execution.Id", none), outcome("$$.Execution.Id", null_json));
}

/// The variables as one object, by replaying every assignment on plain JSON.
json replay(const std::vector<json>& assigns) {
  json all = json::object();
  for (const auto& a : assigns)
    for (const auto& [k, v] : a.items()) all[k] = v;
  return all;
}

json sorted(const json& object) {
  json out = json::object();
  std::vector<std::string> keys;
  for (const auto& [k, v] : object.items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) out[k] = object.at(k);
  return out;
}

TEST(Variables, SnapshotsReadAsTheObjectOfEveryAssignmentSoFarAndKeepItsExactSize) {
  // Enough assignments to stack and flatten layers; values that replace others of other sizes,
  // floating-point numbers, escapes and non-ASCII names (their sizes are counted, not serialised).
  std::vector<json> assigns;
  std::vector<Vars> snapshots;
  Vars vars = no_vars();
  EXPECT_EQ(vars->json_size(), 2u);
  for (int i = 0; i < 40; ++i) {
    json a = json::object();
    a["x"] = i % 3 == 0 ? json(std::string(static_cast<std::size_t>(i) * 7, 'x')) : json(i * 1.5);
    a["v" + std::to_string(i % 11)] = json{{"i", i}, {"list", json::array({i, "é\"", nullptr})}};
    if (i % 5 == 0) a["ключ " + std::to_string(i)] = "tab\t" + std::to_string(i);
    std::vector<std::size_t> sizes;
    vars = Variables::assign(vars, a, &sizes);
    assigns.push_back(a);
    snapshots.push_back(vars);
    ASSERT_EQ(sizes.size(), a.size());
    std::size_t k = 0;
    for (const auto& [name, value] : a.items()) EXPECT_EQ(sizes[k++], dump_compact(value).size()) << name;
    const json expected = replay(assigns);
    EXPECT_EQ(vars->to_json(), sorted(expected)) << i;
    EXPECT_EQ(vars->size(), expected.size()) << i;
    EXPECT_EQ(vars->json_size(), dump_compact(expected).size()) << i;
    for (const auto& [name, value] : expected.items()) {
      ASSERT_NE(vars->find(name), nullptr) << name;
      EXPECT_EQ(*vars->find(name), value) << name;
    }
    EXPECT_EQ(vars->find("absent"), nullptr);
  }
  // Earlier snapshots are unchanged by later assignments.
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    const std::vector<json> upto(assigns.begin(), assigns.begin() + static_cast<long>(i) + 1);
    EXPECT_EQ(snapshots[i]->to_json(), sorted(replay(upto))) << i;
  }
  // Nothing assigned: the same snapshot.
  EXPECT_EQ(Variables::assign(vars, json::object()), vars);
  EXPECT_EQ(Variables::from_json(json::object({{"a", 1}}))->json_size(), std::string(R"({"a":1})").size());
}

TEST(Variables, JsonPathReadsAVariableFromASnapshot) {
  Vars vars = Variables::from_json(json{{"n", json{{"a", json::array({1, 2})}}}});
  vars = Variables::assign(vars, json{{"m", 5}});
  EXPECT_EQ(JsonPath::compile_or_throw("$n.a[1]").query(kInput, nullptr, vars.get()), json(2));
  EXPECT_EQ(JsonPath::compile_or_throw("$m").query(kInput, nullptr, vars.get()), json(5));
  try {
    (void)JsonPath::compile_or_throw("$nope").query(kInput, nullptr, vars.get());
    ADD_FAILURE() << "no error for an undefined variable";
  } catch (const StatesError& e) {
    EXPECT_NE(e.cause().find("The variable '$nope' is not defined"), std::string::npos) << e.cause();
  }
}

}  // namespace
}  // namespace cosmicai::asl
