// Local executables as Lambda functions: event on stdin, result on stdout, failures named.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/clock.hpp"

#include "functions/lambda.hpp"
#include "functions/registry.hpp"

namespace cosmicai::functions {
namespace {

const std::string kFixtures = std::string(COSMICAI_SOURCE_DIR) + "/tests/unit/engine/fixtures/";

FunctionError expect_function_error(const Handler& h, const json& event) {
  try {
    h(event, InvokeContext{});
  } catch (const FunctionError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a FunctionError";
  return FunctionError("", "");
}

TEST(ProcessHandler, EchoesTheEventThroughStdinAndStdout) {
  auto h = make_process_handler("cat");
  const json event = {{"a", 1}, {"b", {1, 2, 3}}, {"s", "x y"}};
  EXPECT_EQ(h(event, InvokeContext{}), event);
}

TEST(ProcessHandler, LargeEventDoesNotDeadlock) {
  auto h = make_process_handler("cat");
  json event = json::array();
  for (int i = 0; i < 20000; ++i) event.push_back("item-" + std::to_string(i));
  EXPECT_EQ(h(event, InvokeContext{}), event);
}

TEST(ProcessHandler, NonJsonOutputIsAMarshalErrorNamingTheCommand) {
  auto e = expect_function_error(make_process_handler(kFixtures + "not_json.sh"), json::object());
  EXPECT_EQ(e.error_type(), "Runtime.MarshalError");
  EXPECT_NE(e.error_message().find("not_json.sh"), std::string::npos);
  EXPECT_NE(e.error_message().find("not JSON"), std::string::npos);
}

TEST(ProcessHandler, CrashBySignalIsAnExitErrorNamingTheSignal) {
  auto e = expect_function_error(make_process_handler(kFixtures + "crash.sh"), json::object());
  EXPECT_EQ(e.error_type(), "Runtime.ExitError");
  EXPECT_NE(e.error_message().find("crash.sh"), std::string::npos);
  EXPECT_NE(e.error_message().find("signal 11"), std::string::npos);
}

TEST(ProcessHandler, NonZeroExitWithLambdaErrorObjectKeepsTypeAndMessage) {
  auto e = expect_function_error(make_process_handler(kFixtures + "fail_exit.sh"), json::object());
  EXPECT_EQ(e.error_type(), "ValueError");
  EXPECT_EQ(e.error_message(), "bad partition");
}

TEST(ProcessHandler, NonZeroExitWithoutErrorObjectNamesStatusAndStderr) {
  auto e = expect_function_error(make_process_handler("echo boom >&2; exit 4"), json::object());
  EXPECT_EQ(e.error_type(), "Runtime.ExitError");
  EXPECT_NE(e.error_message().find("status 4"), std::string::npos);
  EXPECT_NE(e.error_message().find("boom"), std::string::npos);
}

TEST(ProcessHandler, EmptyOutputIsNull) {
  auto h = make_process_handler("cat > /dev/null");
  EXPECT_TRUE(h(json::object(), InvokeContext{}).is_null());
}

TEST(ProcessHandler, CommandThatIgnoresStdinStillWorks) {
  auto h = make_process_handler("echo '{\"ok\":true}'");
  json big = json::array();
  for (int i = 0; i < 50000; ++i) big.push_back(i);
  EXPECT_EQ(h(big, InvokeContext{}), (json{{"ok", true}}));
}

// === Cancellation and faults ===

double seconds_since(const Clock& clock, Clock::time_point t0) {
  return std::chrono::duration<double>(clock.now() - t0).count();
}

/// Invoke `h` on a thread and cancel its token after `after` of real time; return the error.
FunctionError cancel_after(const Handler& h, std::chrono::milliseconds after) {
  InvokeContext ctx;
  std::thread canceller([&] {
    std::this_thread::sleep_for(after);
    ctx.cancel->cancel("States.Timeout", "The task timed out (TimeoutSeconds)");
  });
  try {
    h(json::object(), ctx);
  } catch (const FunctionError& e) {
    canceller.join();
    return e;
  }
  canceller.join();
  ADD_FAILURE() << "expected a FunctionError";
  return FunctionError("", "");
}

/// True while `pid` runs. A killed orphan may stay a zombie until its new parent (here perhaps a
/// container's init that never reaps) collects it: a zombie counts as gone. Allows 1 s for the
/// signal to land.
bool process_exists(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_text, comm, state;
    if (!(stat >> pid_text >> comm >> state)) return false;
    if (state == "Z" || state == "X") return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  std::filesystem::remove(file);
  return pid;
}

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("cosmicai_ph_" + std::to_string(::getpid()) + "_" + name);
}

TEST(ProcessCancel, ASleepingProcessGroupIsStoppedBySigtermAtOnce) {
  const auto pids = temp_file("sleep_pids");
  // The shell and a child of its own: both must go (the whole process group).
  auto h = make_process_handler("sleep 30 & echo $! > " + pids.string() + "; wait");
  Clock clock(1.0);
  const auto t0 = clock.now();
  auto e = cancel_after(h, std::chrono::milliseconds(200));
  const double stopped_after = seconds_since(clock, t0) - 0.2;
  EXPECT_EQ(e.error_type(), "States.Timeout");
  EXPECT_NE(e.error_message().find("stopped by SIGTERM"), std::string::npos) << e.error_message();
  EXPECT_LT(stopped_after, 1.0) << "the process was stopped " << stopped_after << " s after the cancellation";
  const pid_t sleeper = read_pid(pids);
  ASSERT_GT(sleeper, 0);
  EXPECT_FALSE(process_exists(sleeper)) << "the background sleep " << sleeper << " survived";
}

TEST(ProcessCancel, AProcessThatIgnoresSigtermGetsSigkillAfterTheGracePeriod) {
  const auto pid_file = temp_file("stubborn_pid");
  auto h = make_process_handler("trap '' TERM; echo $$ > " + pid_file.string() + "; while :; do sleep 0.05; done",
                                ProcessOptions{.kill_grace = std::chrono::milliseconds(300)});
  Clock clock(1.0);
  const auto t0 = clock.now();
  auto e = cancel_after(h, std::chrono::milliseconds(200));
  const double stopped_after = seconds_since(clock, t0) - 0.2;
  EXPECT_EQ(e.error_type(), "States.Timeout");
  EXPECT_NE(e.error_message().find("SIGKILL after SIGTERM"), std::string::npos) << e.error_message();
  EXPECT_GE(stopped_after, 0.29);
  EXPECT_LT(stopped_after, 1.3);
  const pid_t shell = read_pid(pid_file);
  ASSERT_GT(shell, 0);
  EXPECT_FALSE(process_exists(shell));
}

TEST(ProcessCancel, AlreadyCancelledTokenStopsTheCommandBeforeItDoesAnything) {
  const auto marker = temp_file("marker");
  auto h = make_process_handler("sleep 5; touch " + marker.string());
  InvokeContext ctx;
  ctx.cancel->cancel("States.Timeout", "late");
  EXPECT_THROW(h(json::object(), ctx), FunctionError);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(ProcessFaults, ACommandThatLeavesAChildHoldingStdoutReturnsWhenItExits) {
  const auto pids = temp_file("left_pids");
  auto h = make_process_handler("sleep 30 & echo $! > " + pids.string() + "; echo '{\"done\":true}'");
  Clock clock(1.0);
  const auto t0 = clock.now();
  EXPECT_EQ(h(json::object(), InvokeContext{}), (json{{"done", true}}));
  EXPECT_LT(seconds_since(clock, t0), 5.0);  // not the 30 s of the background sleep
  const pid_t left = read_pid(pids);
  ASSERT_GT(left, 0);
  EXPECT_FALSE(process_exists(left)) << "the leftover sleep was not stopped";
}

TEST(ProcessFaults, EndlessOutputIsStoppedAtTheResponseSizeLimit) {
  auto h = make_process_handler("yes '{}'", ProcessOptions{.max_output_bytes = 1 << 20});
  auto e = expect_function_error(h, json::object());
  EXPECT_EQ(e.error_type(), "Function.ResponseSizeTooLarge");
  EXPECT_NE(e.error_message().find("1048576"), std::string::npos) << e.error_message();
}

TEST(ProcessFaults, TheCommandGetsDefaultSignalDispositions) {
  // The engine ignores SIGPIPE; a command must not inherit that (`yes | head` relies on it).
  auto h = make_process_handler("yes | head -n 3 | wc -l");
  EXPECT_EQ(h(json::object(), InvokeContext{}), 3);
}

TEST(ProcessFaults, OutputNestedTooDeepIsAMarshalErrorNotACrash) {
  // 200 KB of "[[[[…]]]]": valid JSON to a naive parser, but printing or copying it recursed
  // 100,000 levels deep and crashed the engine.
  auto e = expect_function_error(
      make_process_handler("cat >/dev/null; awk 'BEGIN{for(i=0;i<100000;i++)printf \"[\"; for(i=0;i<100000;i++)printf \"]\"}'"),
      json::object());
  EXPECT_EQ(e.error_type(), "Runtime.MarshalError");
  EXPECT_NE(e.error_message().find("nested more than 1000 levels deep"), std::string::npos) << e.error_message();
}

}  // namespace
}  // namespace cosmicai::functions
