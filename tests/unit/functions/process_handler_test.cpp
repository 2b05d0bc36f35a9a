// Local executables as Lambda functions: event on stdin, result on stdout, failures named.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace cosmicai::functions
