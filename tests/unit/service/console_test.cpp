// The console's GET side (service/console.hpp): static files, errors, and the graph of an
// execution built from the stored definition, history and Map Runs.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/engine.hpp"
#include "functions/registry.hpp"
#include "service/console.hpp"
#include "service/service.hpp"

namespace cosmicai::service {
namespace {

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = std::make_shared<functions::Registry>();
    functions::add_stub_functions(*registry);
    // Fails for item 2, echoes the others.
    registry->add("picky", [](const json& event, const functions::InvokeContext&) -> json {
      if (event == json(2)) throw functions::FunctionError("Picky.Error", "item 2 is refused");
      return event;
    });
    engine::EngineOptions eo;
    eo.workers = 4;
    eo.time_scale = 0;
    svc_ = std::make_unique<Service>(std::make_shared<engine::Engine>(registry, eo), ServiceOptions{});
  }
  json ok(const std::string& op, const json& body) {
    auto r = svc_->handle("AWSStepFunctions." + op, body.dump());
    EXPECT_EQ(r.status, 200) << op << ": " << r.body;
    return json::parse(r.body);
  }
  std::string run(const std::string& name, const json& definition, const json& input) {
    const std::string machine =
        ok("CreateStateMachine",
           {{"name", name}, {"definition", definition.dump()}, {"roleArn", "arn:aws:iam::1:role/r"}})
            .at("stateMachineArn");
    const std::string arn =
        ok("StartExecution", {{"stateMachineArn", machine}, {"input", input.dump()}}).at("executionArn");
    for (int i = 0; i < 2000; ++i) {
      if (ok("DescribeExecution", {{"executionArn", arn}})["status"] != "RUNNING") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    svc_->store().flush();
    return arn;
  }
  static std::map<std::string, std::string> statuses(const json& graph) {
    std::map<std::string, std::string> out;
    for (const auto& s : graph.at("states")) out[s.at("name").get<std::string>()] = s.at("status").get<std::string>();
    return out;
  }

  std::unique_ptr<Service> svc_;
};

TEST_F(ConsoleTest, ServesThePageItsFilesAndNamesWhatIsMissing) {
  Console console(*svc_, {});
  const auto page = console.get("/", {});
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script src=\"/console/console.js\">"), std::string::npos);
  EXPECT_NE(page.body.find("/console/console.css"), std::string::npos);
  const auto js = console.get("/console/console.js", {});
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js.body.find("X-Amz-Target"), std::string::npos);  // it calls the API itself
  EXPECT_EQ(console.get("/console/console.css", {}).content_type, "text/css; charset=utf-8");

  for (const char* path : {"/nope", "/console/nope.js", "/console/../CMakeLists.txt", "/console/a/console.js"}) {
    const auto r = console.get(path, {});
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(json::parse(r.body)["__type"], "NotFound") << path;
  }
  const auto no_arn = console.get("/console/graph", {});
  EXPECT_EQ(no_arn.status, 400);
  EXPECT_NE(no_arn.body.find("executionArn"), std::string::npos);
  const auto unknown = console.get("/console/graph", {{"executionArn", "arn:aws:states:us-east-1:1:execution:m:x"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(json::parse(unknown.body)["__type"], "ExecutionDoesNotExist");
}

TEST_F(ConsoleTest, GraphOfASucceededExecutionUsesTheLayoutHook) {
  const json def = json::parse(R"({"StartAt":"Echo","States":{
      "Echo":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:sfn_stub_identity","Next":"Done"},
      "Done":{"Type":"Pass","End":true}}})");
  const auto arn = run("ok", def, json{{"a", 1}});
  std::string seen_dot;
  Console with_dot(*svc_, {[&](const std::string& dot) {
    seen_dot = dot;
    return std::string("<svg id=\"laid-out\"></svg>");
  }});
  const auto r = with_dot.get("/console/graph", {{"executionArn", arn}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json g = json::parse(r.body);
  EXPECT_EQ(g["executionStatus"], "SUCCEEDED");
  EXPECT_EQ(g["layout"], "dot");
  EXPECT_EQ(g["svg"], "<svg id=\"laid-out\"></svg>");
  EXPECT_NE(seen_dot.find("digraph"), std::string::npos);
  EXPECT_NE(seen_dot.find("\"Echo\""), std::string::npos);
  EXPECT_EQ(statuses(g), (std::map<std::string, std::string>{{"Echo", "Succeeded"}, {"Done", "Succeeded"}}));
  // The history as GetExecutionHistory has it: ExecutionStarted … ExecutionSucceeded.
  EXPECT_EQ(g["events"], ok("GetExecutionHistory", {{"executionArn", arn}})["events"].size());

  // A layout that gives nothing (dot failed): the built-in SVG.
  Console builtin(*svc_, {[](const std::string&) { return std::string(); }});
  const json b = builtin.graph(arn);
  EXPECT_EQ(b["layout"], "builtin");
  EXPECT_TRUE(b["svg"].get<std::string>().starts_with("<svg"));
}

TEST_F(ConsoleTest, DistributedMapStatesTakeTheirMapRunsCounts) {
  const json def = json::parse(R"({"StartAt":"Fan","States":{"Fan":{"Type":"Map","ItemsPath":"$.items",
      "ToleratedFailureCount":5,
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Item",
        "States":{"Item":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:picky","End":true}}},
      "End":true}}})");
  const auto arn = run("fan", def, json{{"items", {1, 2, 3}}});
  EXPECT_EQ(ok("DescribeExecution", {{"executionArn", arn}})["status"], "SUCCEEDED");
  const json g = Console(*svc_, {}).graph(arn);
  EXPECT_EQ(statuses(g)["Fan"], "Succeeded");
  EXPECT_EQ(statuses(g)["Item"], "Failed");  // one of its items failed (tolerated)
  for (const auto& s : g["states"]) {
    if (s["name"] == "Item") EXPECT_EQ(s["note"], "3 of 3 items, 1 failed");
    if (s["name"] == "Fan") EXPECT_EQ(s["note"], "3/3 items, 1 failed");
  }
}

}  // namespace
}  // namespace cosmicai::service
