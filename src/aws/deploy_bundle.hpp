#pragma once
/// `cosmicai deploy aws`: the bundle a user needs to run the workflow on Lambda and Step Functions.
#include <map>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/result.hpp"

namespace cosmicai::aws {

/// What the bundle is made for. Defaults are the CloudFormation parameters' defaults.
struct DeployOptions {
  std::string out_dir;  ///< where to write (created; existing files are replaced)
  std::string region = "us-east-1";
  std::string account;  ///< 12 digits; empty: no *.rendered.json / state-machine.json
  std::string data_bucket = "cosmicai-data";
  std::string data_prefix = "data";       ///< partitions under DATA_PREFIX/
  std::string result_prefix = "results";  ///< results under RESULT_PREFIX/
  std::string state_machine_name = "cosmicai-workflow";
  std::string initialize_function = "cosmicai-initialize";
  std::string infer_function = "cosmicai-infer";
  std::string summarize_function = "cosmicai-summarize";
  int infer_memory_mb = 3008;
  int helper_memory_mb = 1024;
  int timeout_s = 900;
  int ephemeral_mb = 1024;
  bool create_bucket = false;
  std::string executable;     ///< cosmicai binary for image/task (empty: this process's executable)
  std::string model_library;  ///< libcosmicai_model.so (empty: the one this binary loads)
  std::string model;          ///< TorchScript model baked in as image/task/model/model.pt (empty: none)
  bool stage_task = true;     ///< copy binary, model library and model into image/task/
};

/// Check the options; errors name the option ("--account: must be 12 digits, got '12'").
Status check_deploy_options(const DeployOptions& options);

/// Return the seeds' state machine (examples/cosmic-ai/cai-state-machine.json), or with
/// `item_reader` the workflow past the 256 KiB state limit (cai-state-machine-itemreader.json:
/// Initialize writes the rank list to the store, the Distributed Map reads it with an ItemReader
/// and exports results with a ResultWriter), with every lambda:invoke FunctionName replaced by
/// `${InitializeFunctionArn}`, `${InferFunctionArn}` or `${SummarizeFunctionArn}` (qualifier kept).
Result<json> make_state_machine(bool item_reader);

/// Replace every `${NAME}` in every string of `doc` from `values`; an unknown NAME is an error.
Result<json> substitute_placeholders(const json& doc, const std::map<std::string, std::string>& values);

/// Wrap every string holding `${` in {"Fn::Sub": string} (CloudFormation).
json to_cloudformation_sub(const json& doc);

/// Return the placeholder values of the concrete files: AWS::Partition/Region/AccountId, the
/// CloudFormation parameters and the three function ARNs.
std::map<std::string, std::string> concrete_values(const DeployOptions& options);

/// Write the bundle (README.md, image/, cloudformation/, statemachine/, iam/, payload.json).
/// Returns the paths written, relative to out_dir.
Result<std::vector<std::string>> write_aws_bundle(const DeployOptions& options);

}  // namespace cosmicai::aws
