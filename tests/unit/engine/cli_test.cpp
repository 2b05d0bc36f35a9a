// The `cosmicai run` and `cosmicai validate` commands, end to end through the binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/json.hpp"

namespace cosmicai {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int code;
  std::string out;
  std::string err;
};

CommandResult sh(const std::string& args) {
  static int counter = 0;
  const fs::path err_file = fs::temp_directory_path() / ("cosmicai_cli_test_" + std::to_string(getpid()) + "_" +
                                                          std::to_string(counter++) + ".err");
  const std::string cmd = std::string(COSMICAI_BINARY) + " " + args + " 2>" + err_file.string();
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  std::ifstream e(err_file);
  std::string err((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
  fs::remove(err_file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("cosmicai_cli_" + std::to_string(getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p;
}

const std::string kFixtures = std::string(COSMICAI_SOURCE_DIR) + "/tests/unit/engine/fixtures/";
// The seeds' state machine and payloads (examples/cosmic-ai/, unchanged copies).
const std::string kMission = std::string(COSMICAI_SOURCE_DIR) + "/examples/cosmic-ai/";

TEST(CliRun, MissionStateMachineRunsWithLocalExecutables) {
  const auto history = fs::temp_directory_path() / ("cosmicai_cli_history_" + std::to_string(getpid()) + ".json");
  auto r = sh("run " + kMission + "cai-state-machine.json --input " + kMission + "payloads/world11-100MB.json" +
              " --time-scale 0 --function data-parallel-init=" + kFixtures + "data_parallel_init.sh" +
              " --function cosmic-executor=" + kFixtures + "cosmic_executor.sh" +
              " --function resultSummary=" + kFixtures + "result_summary.sh --history " + history.string());
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const auto out = json::parse(r.out);
  EXPECT_EQ(out["status"], "SUCCEEDED");
  EXPECT_EQ(out["output"]["body"]["ranks"], 4);  // Summarize got Initialize's output (Map ResultPath null)
  const auto h = read_json_file(history.string());
  fs::remove(history);
  // A Distributed Map's children are executions of their own: the parent records the Map Run only.
  int map_runs = 0, map_run_succeeded = 0, child_events = 0;
  for (const auto& e : h["events"]) {
    if (e["type"] == "MapStateStarted") EXPECT_EQ(e["mapStateStartedEventDetails"]["length"], 4);
    if (e["type"] == "MapRunStarted") ++map_runs;
    if (e["type"] == "MapRunSucceeded") ++map_run_succeeded;
    if (e["type"] == "MapIterationStarted" ||
        (e["type"] == "TaskScheduled" &&
         e["taskScheduledEventDetails"]["parameters"].get<std::string>().find("cosmic-executor") != std::string::npos)) {
      ++child_events;
    }
  }
  EXPECT_EQ(map_runs, 1);
  EXPECT_EQ(map_run_succeeded, 1);
  EXPECT_EQ(child_events, 0);
  EXPECT_EQ(h["events"].front()["type"], "ExecutionStarted");
  EXPECT_EQ(h["events"].back()["type"], "ExecutionSucceeded");
}

TEST(CliRun, FailedExecutionExitsOneWithErrorAndCause) {
  auto def = write_temp("fail.json", R"({"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}})");
  auto r = sh("run " + def.string() + " --input-json '{}'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(json::parse(r.out), json::parse(R"({"status":"FAILED","error":"E","cause":"C"})"));
}

TEST(CliRun, TimedOutExecutionExitsOneWithStatesTimeout) {
  // The execution may take 5 s; its Wait takes 60. At time scale 0 nothing sleeps, but logical time
  // still passes, so the execution times out.
  auto def = write_temp("timeout.json", R"({"TimeoutSeconds":5,"StartAt":"W","States":{
      "W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}})");
  auto r = sh("run " + def.string() + " --input-json '{}' --time-scale 0");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  const auto out = json::parse(r.out);
  EXPECT_EQ(out["status"], "TIMED_OUT") << r.out;
  EXPECT_EQ(out["error"], "States.Timeout") << r.out;
  // The same machine with time to spare succeeds: it is the timeout that failed it.
  auto in_time = write_temp("in_time.json", R"({"TimeoutSeconds":100,"StartAt":"W","States":{
      "W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","End":true}}})");
  auto ok = sh("run " + in_time.string() + " --input-json '{}' --time-scale 0");
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_EQ(json::parse(ok.out)["status"], "SUCCEEDED");
}

TEST(CliRun, MalformedJsonNamesFileLineAndColumn) {
  auto def = write_temp("mal.json", "{\"StartAt\": \"A\",\n  \"States\": {,}\n}");
  auto r = sh("run " + def.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find(def.string() + ":2:14"), std::string::npos) << r.err;
  auto bad_input = sh("run " + kMission + "cai-state-machine.json --input-json '{\"a\":'");
  EXPECT_EQ(bad_input.code, 2);
  EXPECT_NE(bad_input.err.find("--input-json:1:"), std::string::npos) << bad_input.err;
}

TEST(CliRun, InputNestedTooDeepIsMalformedNotACrash) {
  // 200 KB (under the 256 KiB payload limit) of "[[[[…]]]]" crashed `cosmicai run` with a stack
  // overflow (SIGSEGV) when the input was printed or copied; now it is rejected like bad JSON.
  auto def = write_temp("pass.json", R"({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})");
  auto input = write_temp("deep.json", std::string(100000, '[') + std::string(100000, ']'));
  auto r = sh("run " + def.string() + " --input " + input.string());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(input.string() + ":1:1001: malformed JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nested more than 1000 levels deep"), std::string::npos) << r.err;
}

TEST(CliRun, InvalidDefinitionExitsTwoListingErrors) {
  auto def = write_temp("missing.json", R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}})");
  auto r = sh("run " + def.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("/States/A/Next: refers to undefined state \"B\""), std::string::npos) << r.err;
}

TEST(CliRun, FunctionBindingOverridesAndBadHandlersBecomeErrors) {
  auto def = write_temp("task.json", R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:fn","End":true}}})");
  auto crash = sh("run " + def.string() + " --function fn=" + kFixtures + "crash.sh");
  EXPECT_EQ(crash.code, 1);
  auto out = json::parse(crash.out);
  EXPECT_EQ(out["error"], "Runtime.ExitError");
  EXPECT_NE(out["cause"].get<std::string>().find("signal"), std::string::npos);
  auto text = sh("run " + def.string() + " --function fn=" + kFixtures + "not_json.sh");
  EXPECT_EQ(json::parse(text.out)["error"], "Runtime.MarshalError");
  auto bad = sh("run " + def.string() + " --function nonsense");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("NAME=COMMAND"), std::string::npos);
}

TEST(CliValidate, ValidAndInvalidDefinitions) {
  auto ok = sh("validate " + kMission + "cai-state-machine.json");
  EXPECT_EQ(ok.code, 0);
  EXPECT_NE(ok.out.find("valid"), std::string::npos);
  auto def = write_temp("bad.json", R"({"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:x",
      "Retry":[{"ErrorEquals":["E"],"MaxAttempts":-1}],"End":true}}})");
  auto bad = sh("validate " + def.string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.out.find("/States/A/Retry/0/MaxAttempts: must be a non-negative integer, got -1"), std::string::npos)
      << bad.out;
}

TEST(CliHelp, SubcommandsShowAnExample) {
  EXPECT_NE(sh("run --help").out.find("Example:"), std::string::npos);
  EXPECT_NE(sh("validate --help").out.find("Example:"), std::string::npos);
}

}  // namespace
}  // namespace cosmicai
