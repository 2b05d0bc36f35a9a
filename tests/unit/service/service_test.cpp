// The Step Functions API through Service::handle (no HTTP): error shapes, paging tokens,
// idempotency, persistence across a restart, resumed Distributed Map children.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/engine.hpp"
#include "functions/registry.hpp"
#include "service/service.hpp"

namespace cosmicai::service {
namespace {

constexpr const char* kP = "arn:aws:states:us-east-1:123456789012";

struct Reply {
  int status;
  json body;
};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cosmicai-service-test-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    registry_ = std::make_shared<functions::Registry>();
    functions::add_stub_functions(*registry_);
    registry_->add("count", [this](const json& event, const functions::InvokeContext&) {
      calls_++;
      return event;
    });
  }
  void TearDown() override {
    svc_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open(bool resume = true) {
    svc_.reset();
    engine::EngineOptions eo;
    eo.workers = 4;
    eo.time_scale = 0;
    ServiceOptions so;
    so.db_path = (dir_ / "db.sqlite").string();
    so.max_running = 4;
    so.resume = resume;
    svc_ = std::make_unique<Service>(std::make_shared<engine::Engine>(registry_, eo), so);
  }
  Reply call(const std::string& op, const json& body) {
    auto r = svc_->handle("AWSStepFunctions." + op, body.dump());
    return Reply{r.status, json::parse(r.body)};
  }
  json ok(const std::string& op, const json& body) {
    auto r = call(op, body);
    EXPECT_EQ(r.status, 200) << op << ": " << r.body.dump();
    return r.body;
  }
  std::string create(const std::string& name, const json& definition) {
    return ok("CreateStateMachine",
              {{"name", name}, {"definition", definition.dump()}, {"roleArn", "arn:aws:iam::1:role/r"}})
        .at("stateMachineArn");
  }
  json wait_done(const std::string& arn) {
    for (int i = 0; i < 2000; ++i) {
      auto d = ok("DescribeExecution", {{"executionArn", arn}});
      if (d["status"] != "RUNNING") return d;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << arn << " still RUNNING";
    return {};
  }

  std::filesystem::path dir_;
  std::shared_ptr<functions::Registry> registry_;
  std::unique_ptr<Service> svc_;
  std::atomic<int> calls_{0};
};

const json kPass = {{"StartAt", "P"}, {"States", {{"P", {{"Type", "Pass"}, {"End", true}}}}}};

TEST_F(ServiceTest, ErrorsHaveAwsTypesAndMessages) {
  open();
  auto r = svc_->handle("AWSStepFunctions.Nope", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["__type"], "UnknownOperationException");
  r = svc_->handle("AWSStepFunctions.ListStateMachines", "{bad");
  EXPECT_EQ(json::parse(r.body)["__type"], "SerializationException");
  r = svc_->handle("AWSStepFunctions.ListStateMachines", "");
  EXPECT_EQ(r.status, 200);

  auto e = call("DescribeStateMachine", {{"stateMachineArn", std::string(kP) + ":stateMachine:ghost"}});
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.body["__type"], "StateMachineDoesNotExist");
  EXPECT_EQ(e.body["message"], std::string("State Machine Does Not Exist: '") + kP + ":stateMachine:ghost'");
  EXPECT_EQ(call("DescribeExecution", {{"executionArn", "arn:aws:sqs:x"}}).body["__type"], "InvalidArn");
  EXPECT_EQ(call("DescribeExecution", {{"executionArn", std::string(kP) + ":stateMachine:x"}}).body["message"],
            "Invalid Arn: 'Resource type not valid in this context: stateMachine'");

  auto d =
      call("CreateStateMachine", {{"name", "bad"}, {"definition", R"({"StartAt":"X","States":{}})"}, {"roleArn", "r"}});
  EXPECT_EQ(d.body["__type"], "InvalidDefinition");
  EXPECT_NE(d.body["message"].get<std::string>().find("SCHEMA_VALIDATION_FAILED"), std::string::npos) << d.body;
  EXPECT_EQ(
      call("CreateStateMachine", {{"name", "a:b"}, {"definition", kPass.dump()}, {"roleArn", "r"}}).body["__type"],
      "InvalidName");
  auto m = call("CreateStateMachine", {{"name", "x"}, {"definition", kPass.dump()}});
  EXPECT_EQ(m.body["__type"], "ValidationException");
  EXPECT_EQ(m.body["reason"], "MISSING_REQUIRED_PARAMETER");

  const auto sm = create("m", kPass);
  auto big = call("StartExecution", {{"stateMachineArn", sm}, {"input", json{{"x", std::string(262144, 'y')}}.dump()}});
  EXPECT_EQ(big.body["__type"], "ValidationException");
  EXPECT_EQ(call("StartExecution", {{"stateMachineArn", sm}, {"input", "{"}}).body["__type"], "InvalidExecutionInput");
  EXPECT_EQ(call("ListStateMachines", {{"maxResults", 1001}}).body["__type"], "ValidationException");
  EXPECT_EQ(call("ListStateMachines", {{"nextToken", "AAAA"}}).body["__type"], "InvalidToken");
}

TEST_F(ServiceTest, JsonNestedTooDeepIsRejectedNotACrash) {
  // A request body or execution input of 100,000 nested arrays (200 KB, under the payload limit)
  // crashed the server with a stack overflow; now it is malformed JSON like any other.
  open();
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = svc_->handle("AWSStepFunctions.ListStateMachines", deep);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["__type"], "SerializationException");
  const auto sm = create("deep", kPass);
  auto start = call("StartExecution", {{"stateMachineArn", sm}, {"input", deep}});
  EXPECT_EQ(start.body["__type"], "InvalidExecutionInput");
  EXPECT_NE(start.body["message"].get<std::string>().find("nested more than 1000 levels deep"), std::string::npos)
      << start.body;
}

// (Idempotency while RUNNING is covered by the SDK test, where a Wait state really waits.)
TEST_F(ServiceTest, StartExecutionWithAFinishedExecutionsNameIsExecutionAlreadyExists) {
  open();
  const auto quick = create("q", kPass);
  auto a = ok("StartExecution", {{"stateMachineArn", quick}, {"name", "n1"}, {"input", "{\"a\":1}"}});
  wait_done(a["executionArn"]);
  auto again = call("StartExecution", {{"stateMachineArn", quick}, {"name", "n1"}, {"input", "{\"a\":1}"}});
  EXPECT_EQ(again.body["__type"], "ExecutionAlreadyExists");
  auto other = call("StartExecution", {{"stateMachineArn", quick}, {"name", "n1"}, {"input", "{\"a\":2}"}});
  EXPECT_EQ(other.body["__type"], "ExecutionAlreadyExists");
  EXPECT_EQ(other.body["message"], std::string("Execution Already Exists: '") + kP + ":execution:q:n1'");
}

TEST_F(ServiceTest, PagingVisitsEveryItemOnceAndTokensBelongToTheirListing) {
  open();
  for (int i = 0; i < 7; ++i) create("m" + std::to_string(i), kPass);
  std::vector<std::string> names;
  json token;
  int pages = 0;
  do {
    json body{{"maxResults", 3}};
    if (!token.is_null()) body["nextToken"] = token;
    auto page = ok("ListStateMachines", body);
    for (auto& m : page["stateMachines"]) names.push_back(m["name"]);
    token = page.value("nextToken", json());
    ++pages;
  } while (!token.is_null());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m5", "m6"}));

  const auto sm = std::string(kP) + ":stateMachine:m0";
  for (int i = 0; i < 3; ++i) wait_done(ok("StartExecution", {{"stateMachineArn", sm}})["executionArn"]);
  auto first = ok("ListExecutions", {{"stateMachineArn", sm}, {"maxResults", 1}});
  ASSERT_TRUE(first.contains("nextToken"));
  // A ListExecutions token does not continue ListStateMachines, nor another machine's listing.
  EXPECT_EQ(call("ListStateMachines", {{"nextToken", first["nextToken"]}}).body["__type"], "InvalidToken");
  EXPECT_EQ(call("ListExecutions",
                 {{"stateMachineArn", std::string(kP) + ":stateMachine:m1"}, {"nextToken", first["nextToken"]}})
                .body["__type"],
            "InvalidToken");
}

TEST_F(ServiceTest, EverythingSurvivesARestart) {
  open();
  const auto sm = create("keep", kPass);
  auto ex = ok("StartExecution", {{"stateMachineArn", sm}, {"name", "e"}, {"input", "{\"k\":1}"}})["executionArn"];
  wait_done(ex);
  ok("TagResource", {{"resourceArn", sm}, {"tags", {{{"key", "a"}, {"value", "b"}}}}});
  open();  // a new process on the same database
  EXPECT_EQ(ok("DescribeStateMachine", {{"stateMachineArn", sm}})["name"], "keep");
  auto d = ok("DescribeExecution", {{"executionArn", ex}});
  EXPECT_EQ(d["status"], "SUCCEEDED");
  EXPECT_EQ(d["output"], "{\"k\":1}");
  EXPECT_EQ(ok("GetExecutionHistory", {{"executionArn", ex}})["events"].size(), 4u);
  EXPECT_EQ(ok("ListTagsForResource", {{"resourceArn", sm}})["tags"], json::parse(R"([{"key":"a","value":"b"}])"));
}

TEST_F(ServiceTest, ResumedDistributedMapDoesNotRerunSucceededChildren) {
  // A database left by a process that died mid-Map: the execution RUNNING, 3 of 5 children
  // recorded as succeeded. The next Service resumes it and runs only the other two.
  {
    Store store((dir_ / "db.sqlite").string());
    const json def = {
        {"StartAt", "M"},
        {"States",
         {{"M",
           {{"Type", "Map"},
            {"ItemProcessor",
             {{"ProcessorConfig", {{"Mode", "DISTRIBUTED"}, {"ExecutionType", "STANDARD"}}},
              {"StartAt", "T"},
              {"States",
               {{"T", {{"Type", "Task"}, {"Resource", "arn:aws:lambda:us-east-1:1:function:count"}, {"End", true}}}}}}},
            {"End", true}}}}}};
    StateMachineRecord sm;
    sm.arn = std::string(kP) + ":stateMachine:m";
    sm.name = "m";
    sm.definition = def.dump();
    sm.role_arn = "r";
    sm.type = "STANDARD";
    sm.revision_id = "1";
    ASSERT_TRUE(store.insert_state_machine(sm));
    ExecutionRecord ex;
    ex.arn = std::string(kP) + ":execution:m:e";
    ex.state_machine_arn = sm.arn;
    ex.state_machine_name = "m";
    ex.name = "e";
    ex.status = "RUNNING";
    ex.input = "[10,11,12,13,14]";
    ex.definition = sm.definition;
    ex.role_arn = "r";
    ASSERT_TRUE(store.insert_execution(ex));
    store.add_event(ex.arn, EventRecord{1, 0, 1.0, "ExecutionStarted", "{}"});
    for (int i : {0, 2, 4}) store.add_map_child(ex.arn, "M#1", i, "old-run", true, json{{"cached", i}}.dump());
  }
  open();
  EXPECT_EQ(svc_->resumed(), 1u);
  auto d = wait_done(std::string(kP) + ":execution:m:e");
  EXPECT_EQ(d["status"], "SUCCEEDED") << d;
  EXPECT_EQ(json::parse(d["output"].get<std::string>()),
            json::parse(R"([{"cached":0},11,{"cached":2},13,{"cached":4}])"));
  EXPECT_EQ(calls_.load(), 2);
  auto h = ok("GetExecutionHistory", {{"executionArn", std::string(kP) + ":execution:m:e"}})["events"];
  for (std::size_t i = 0; i < h.size(); ++i) EXPECT_EQ(h[i]["id"], static_cast<int>(i + 1));
  EXPECT_EQ(h.front()["type"], "ExecutionStarted");
  EXPECT_EQ(h.back()["type"], "ExecutionSucceeded");
}

}  // namespace
}  // namespace cosmicai::service

namespace cosmicai::service {
namespace {

TEST(MockConfigTest, RangesAndThrowsAnswerEachInvocation) {
  auto c = MockConfig::parse(R"({"StateMachines":{"m":{"TestCases":{"T":{"S":"R"}}}},
    "MockedResponses":{"R":{"0":{"Throw":{"Error":"E","Cause":"C"}},"1-2":{"Return":{"v":1}},"3":{"Return":2}}}})",
                             "cfg.json");
  EXPECT_TRUE(c.has_case("m", "T"));
  EXPECT_FALSE(c.has_case("m", "U"));
  EXPECT_TRUE(c.mocks_state("m", "T", "S"));
  EXPECT_FALSE(c.mocks_state("m", "T", "Other"));
  auto r0 = c.response("m", "T", "S", 0);
  EXPECT_FALSE(r0.ok);
  EXPECT_EQ(r0.error, "E");
  EXPECT_EQ(r0.cause, "C");
  EXPECT_EQ(c.response("m", "T", "S", 2).result, json::parse(R"({"v":1})"));
  EXPECT_EQ(c.response("m", "T", "S", 3).result, json(2));
  auto r4 = c.response("m", "T", "S", 4);
  EXPECT_FALSE(r4.ok);
  EXPECT_EQ(r4.error, "States.Runtime");
  EXPECT_NE(r4.cause.find("invocation number '4'"), std::string::npos);
}

TEST(MockConfigTest, InvalidFilesAreRefusedWithTheirPointer) {
  auto refused = [](const std::string& text) {
    try {
      MockConfig::parse(text, "cfg.json");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused(R"({"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"E","Cause":"C"}}}}})")
                .find("/MockedResponses/R/0: must hold exactly one of Return or Throw"),
            std::string::npos);
  EXPECT_NE(
      refused(R"({"MockedResponses":{"R":{"0":{"Return":1},"2":{"Return":1}}}})").find("Inconsistent event numbering"),
      std::string::npos);
  EXPECT_NE(refused(R"({"MockedResponses":{"R":{"0":{"Throw":{"Error":"E"}}}}})").find("/MockedResponses/R/0/Throw"),
            std::string::npos);
  EXPECT_NE(refused(R"({"StateMachines":{"m":{"TestCases":{"T":{"S":"Missing"}}}}})")
                .find("/StateMachines/m/TestCases/T/S: no mocked response named 'Missing'"),
            std::string::npos);
  EXPECT_NE(refused(R"({"MockedResponses":{"R":{"x":{"Return":1}}}})").find("invocation number"), std::string::npos);
  EXPECT_NE(refused("[").find("cfg.json"), std::string::npos);
}

}  // namespace
}  // namespace cosmicai::service
