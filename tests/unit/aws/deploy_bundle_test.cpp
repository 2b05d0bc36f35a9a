#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/deploy_bundle.hpp"

namespace cosmicai::aws {
namespace {

namespace fs = std::filesystem;

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

DeployOptions options(const fs::path& out) {
  DeployOptions o;
  o.out_dir = out.string();
  o.account = "123456789012";
  o.region = "eu-west-1";
  o.data_bucket = "my-data";
  return o;
}

TEST(DeployBundle, ConcreteStateMachineIsTheSeedsMachineWithRealArns) {
  auto def = make_state_machine(false);
  ASSERT_TRUE(def.ok()) << def.error().message;
  auto concrete = substitute_placeholders(*def, concrete_values(options("/unused")));
  ASSERT_TRUE(concrete.ok()) << concrete.error().message;
  // Expected: the example machine, with only the three FunctionName values changed (written by hand).
  json want = read_json(fs::path(COSMICAI_SOURCE_DIR) / "examples/cosmic-ai/cai-state-machine.json");
  want["States"]["Initialize"]["Parameters"]["FunctionName"] =
      "arn:aws:lambda:eu-west-1:123456789012:function:cosmicai-initialize:$LATEST";
  want["States"]["Distributed Test"]["Iterator"]["States"]["Model Inference"]["Parameters"]["FunctionName"] =
      "arn:aws:lambda:eu-west-1:123456789012:function:cosmicai-infer:$LATEST";
  want["States"]["Summarize"]["Parameters"]["FunctionName"] =
      "arn:aws:lambda:eu-west-1:123456789012:function:cosmicai-summarize:$LATEST";
  EXPECT_EQ(*concrete, want);
}

TEST(DeployBundle, ItemReaderVariantIsTheExampleWithRealArns) {
  auto def = make_state_machine(true);
  ASSERT_TRUE(def.ok()) << def.error().message;
  auto concrete = substitute_placeholders(*def, concrete_values(options("/unused")));
  ASSERT_TRUE(concrete.ok()) << concrete.error().message;
  json want = read_json(fs::path(COSMICAI_SOURCE_DIR) / "examples/cosmic-ai/cai-state-machine-itemreader.json");
  // Every FunctionName of the example names one of the three functions by the seeds' names.
  const std::string text = want.dump();
  for (const char* seeds_name : {"data-parallel-init", "cosmic-executor", "resultSummary"}) {
    EXPECT_NE(text.find(std::string("function:") + seeds_name + ":$LATEST"), std::string::npos) << seeds_name;
  }
  std::string rendered = concrete->dump();
  for (const char* seeds_name : {"data-parallel-init", "cosmic-executor", "resultSummary"}) {
    EXPECT_EQ(rendered.find(std::string("function:") + seeds_name), std::string::npos) << seeds_name;
  }
  for (const char* name : {"cosmicai-initialize", "cosmicai-infer", "cosmicai-summarize"}) {
    EXPECT_NE(rendered.find(std::string("arn:aws:lambda:eu-west-1:123456789012:function:") + name + ":$LATEST"),
              std::string::npos)
        << name;
  }
  EXPECT_EQ((*concrete)["States"]["Distributed Test"]["ItemReader"], want["States"]["Distributed Test"]["ItemReader"]);
  EXPECT_EQ((*concrete)["States"]["Distributed Test"]["ResultWriter"],
            want["States"]["Distributed Test"]["ResultWriter"]);
}

TEST(DeployBundle, UnknownPlaceholderIsAnError) {
  auto r = substitute_placeholders(json{{"a", "x ${Nope} y"}}, {{"Yes", "1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("${Nope}"), std::string::npos) << r.error().message;
  EXPECT_EQ(to_cloudformation_sub(json{{"a", "${A}"}, {"b", "plain"}}),
            (json{{"a", {{"Fn::Sub", "${A}"}}}, {"b", "plain"}}));
}

TEST(DeployBundle, BadOptionsAreNamed) {
  DeployOptions o = options(::testing::TempDir());
  o.account = "12";
  EXPECT_NE(check_deploy_options(o).error().message.find("--account: must be 12 digits"), std::string::npos);
  o = options(::testing::TempDir());
  o.timeout_s = 901;
  EXPECT_NE(check_deploy_options(o).error().message.find("--timeout-s"), std::string::npos);
  o = options(::testing::TempDir());
  o.data_prefix = "data/";
  EXPECT_NE(check_deploy_options(o).error().message.find("--data-prefix"), std::string::npos);
  o = options(::testing::TempDir());
  o.data_bucket = "Not_A_Bucket";
  EXPECT_NE(check_deploy_options(o).error().message.find("--data-bucket"), std::string::npos);
}

TEST(DeployBundle, WritesTheTaskFolderAndTheReadme) {
  const fs::path out = fs::path(::testing::TempDir()) / "cosmicai-bundle-test";
  fs::remove_all(out);
  const fs::path fake = fs::path(::testing::TempDir()) / "cosmicai-fake-binary";
  std::ofstream(fake) << "binary";
  DeployOptions o = options(out);
  o.executable = fake.string();
  o.model_library = fake.string();
  o.model = fake.string();
  auto written = write_aws_bundle(o);
  ASSERT_TRUE(written.ok()) << written.error().message;
  for (const char* f : {"README.md", "image/task/bootstrap", "image/task/cosmicai", "image/task/libcosmicai_model.so",
                        "image/task/model/model.pt", "image/build-image.sh", "image/Dockerfile",
                        "cloudformation/cosmicai.json", "statemachine/state-machine.json", "payload.json"}) {
    EXPECT_TRUE(fs::exists(out / f)) << f;
  }
  struct stat st {};
  ASSERT_EQ(::stat((out / "image/task/bootstrap").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u) << "Lambda runs the entrypoint as a non-root user";
  std::ifstream readme(out / "README.md");
  std::stringstream text;
  text << readme.rdbuf();
  EXPECT_NE(text.str().find("REGION=eu-west-1"), std::string::npos);
  EXPECT_NE(text.str().find("BUCKET=my-data"), std::string::npos);
  EXPECT_EQ(text.str().find('@' + std::string("REGION@")), std::string::npos);
  const json payload = read_json(out / "payload.json");
  EXPECT_EQ(payload["data_bucket"], "my-data");
  EXPECT_EQ(payload["data_prefix"], "data/100MB");
  fs::remove_all(out);
}

}  // namespace
}  // namespace cosmicai::aws
