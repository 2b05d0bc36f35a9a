#include <gtest/gtest.h>

#include <map>
#include <string>

#include "aws/cosmic_function.hpp"
#include "aws/invoke_client.hpp"
#include "aws/lambda_settings.hpp"

namespace cosmicai::aws {
namespace {

TEST(LambdaSettings, VcpusFollowAwsMemorySteps) {
  // AWS: 1,769 MB is one vCPU; 10,240 MB (the maximum) gives 6.
  EXPECT_EQ(vcpus_for_memory(0), 0);
  EXPECT_EQ(vcpus_for_memory(128), 1);
  EXPECT_EQ(vcpus_for_memory(1769), 1);
  EXPECT_EQ(vcpus_for_memory(1770), 2);
  EXPECT_EQ(vcpus_for_memory(3008), 2);
  EXPECT_EQ(vcpus_for_memory(5307), 3);
  EXPECT_EQ(vcpus_for_memory(8845), 5);
  EXPECT_EQ(vcpus_for_memory(10240), 6);
}

LambdaSettings from(const std::map<std::string, std::string>& env, std::string& problems) {
  return LambdaSettings::from_environment(problems, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(LambdaSettings, HandlerComesFromHandlerVariableThenFunctionName) {
  std::string problems;
  auto s = from({{"AWS_LAMBDA_FUNCTION_NAME", "cosmicai-infer"}, {"_HANDLER", "infer"}}, problems);
  EXPECT_EQ(s.handler, "infer");
  EXPECT_EQ(s.handler_source, "_HANDLER");
  s = from({{"AWS_LAMBDA_FUNCTION_NAME", "cosmic-executor"}}, problems);
  EXPECT_EQ(s.handler, "cosmic-executor");
  EXPECT_EQ(s.handler_source, "AWS_LAMBDA_FUNCTION_NAME");
  EXPECT_EQ(s.task_root, "/var/task");
  EXPECT_EQ(s.tmp_dir, "/tmp");
  EXPECT_FALSE(s.has_aws_credentials);
  EXPECT_TRUE(problems.empty()) << problems;
}

TEST(LambdaSettings, CredentialsNeedBothKeys) {
  std::string problems;
  EXPECT_FALSE(from({{"AWS_ACCESS_KEY_ID", "AKIA"}}, problems).has_aws_credentials);
  EXPECT_TRUE(from({{"AWS_ACCESS_KEY_ID", "AKIA"}, {"AWS_SECRET_ACCESS_KEY", "x"}}, problems).has_aws_credentials);
}

TEST(LambdaSettings, MalformedNumbersAreNamed) {
  std::string problems;
  auto s = from(
      {{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "3008"}, {"COSMICAI_THREADS", "-2"}, {"COSMICAI_DEADLINE_MARGIN_MS", "1s"}},
      problems);
  EXPECT_EQ(s.memory_mb, 3008);
  EXPECT_NE(problems.find("COSMICAI_THREADS: '-2'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("COSMICAI_DEADLINE_MARGIN_MS: '1s'"), std::string::npos) << problems;
}

TEST(LambdaSettings, PrecisionIsFp32UnlessSetToAKnownOne) {
  std::string problems;
  EXPECT_EQ(from({}, problems).precision, "fp32");
  EXPECT_EQ(from({{"COSMICAI_PRECISION", "int8"}}, problems).precision, "int8");
  EXPECT_TRUE(problems.empty()) << problems;
  EXPECT_EQ(from({{"COSMICAI_PRECISION", "fp16"}}, problems).precision, "fp32");
  EXPECT_NE(problems.find("COSMICAI_PRECISION: 'fp16' is not fp32, bf16 or int8"), std::string::npos) << problems;
}

TEST(CosmicFunction, ShortHandlerNamesMapToTheSeedsFunctions) {
  EXPECT_EQ(canonical_handler_name("initialize"), "data-parallel-init");
  EXPECT_EQ(canonical_handler_name("infer"), "cosmic-executor");
  EXPECT_EQ(canonical_handler_name("summarize"), "resultSummary");
  EXPECT_EQ(canonical_handler_name("arn:aws:lambda:us-east-1:123456789012:function:cosmic-executor:$LATEST"),
            "cosmic-executor");
}

TEST(CosmicFunction, MissingNameAndMissingStoreAreInitErrors) {
  LambdaSettings s;
  s.tmp_dir = ::testing::TempDir();
  auto init = init_cosmic_function(s);
  ASSERT_TRUE(init.error);
  EXPECT_EQ(init.error->error_type, "Runtime.NoSuchHandler");
  s.handler = "summarize";
  init = init_cosmic_function(s);
  ASSERT_TRUE(init.error);
  EXPECT_EQ(init.error->error_type, "CosmicAI.StoreNotConfigured");
  s.store = "mem://lambda-settings-test";
  init = init_cosmic_function(s);
  EXPECT_FALSE(init.error) << init.error->error_message;
  EXPECT_EQ(init.handler, "resultSummary");
  ASSERT_TRUE(init.registry);
  EXPECT_TRUE(init.registry->find("resultSummary"));
}

TEST(InvokeClient, EndpointMustBeLambdaHostPort) {
  EXPECT_TRUE(make_invoke_api_handler("lambda://127.0.0.1:9001", "f").ok());
  for (const char* bad :
       {"http://127.0.0.1:9001", "lambda://", "lambda://host", "lambda://host:port", "lambda://h:1/x"}) {
    auto h = make_invoke_api_handler(bad, "f");
    ASSERT_FALSE(h.ok()) << bad;
    EXPECT_NE(h.error().message.find("expected lambda://HOST:PORT"), std::string::npos) << h.error().message;
  }
}

}  // namespace
}  // namespace cosmicai::aws
