// cosmicai deploy aws --out DIR: write the bundle that runs the workflow on AWS Lambda and Step Functions.
#include <iostream>

#include "aws/deploy_bundle.hpp"
#include "cli/command.hpp"

namespace cosmicai::cli {
namespace {

void run_deploy_aws(const aws::DeployOptions& o) {
  auto written = aws::write_aws_bundle(o);
  if (!written) {
    std::cerr << "cosmicai deploy aws: " << written.error().message << "\n";
    throw CLI::RuntimeError(written.error().code == ErrorCode::kInvalidArgument ? 2 : 1);
  }
  for (const auto& f : *written) std::cout << o.out_dir << "/" << f << "\n";
  std::cerr << "cosmicai deploy aws: wrote " << written->size() << " files; next steps in " << o.out_dir
            << "/README.md\n";
}

const bool kRegistered = register_command(Command{
    "deploy", [](CLI::App& app) {
      auto* deploy = app.add_subcommand("deploy", "Write what it takes to run the workflow on a cloud");
      deploy->require_subcommand(1);
      auto o = std::make_shared<aws::DeployOptions>();
      auto* sub = deploy->add_subcommand(
          "aws",
          "AWS Lambda + Step Functions bundle: container image recipe, CloudFormation stack, IAM, state machines");
      sub->add_option("--out", o->out_dir, "bundle folder (created)")->required();
      sub->add_option("--region", o->region, "AWS region")->capture_default_str();
      sub->add_option("--account", o->account,
                      "AWS account id (12 digits): also write state machines and IAM policies with real ARNs");
      sub->add_option("--data-bucket", o->data_bucket, "bucket of partitions and results")->capture_default_str();
      sub->add_option("--data-prefix", o->data_prefix, "key prefix of the partitions")->capture_default_str();
      sub->add_option("--result-prefix", o->result_prefix, "key prefix of the results")->capture_default_str();
      sub->add_option("--state-machine-name", o->state_machine_name, "state machine name")->capture_default_str();
      sub->add_option("--initialize-function", o->initialize_function, "Initialize function name")
          ->capture_default_str();
      sub->add_option("--infer-function", o->infer_function, "inference function name")->capture_default_str();
      sub->add_option("--summarize-function", o->summarize_function, "Summarize function name")->capture_default_str();
      sub->add_option("--infer-memory-mb", o->infer_memory_mb, "inference function memory (1,769 MB per vCPU)")
          ->capture_default_str();
      sub->add_option("--helper-memory-mb", o->helper_memory_mb, "Initialize/Summarize memory")->capture_default_str();
      sub->add_option("--timeout-s", o->timeout_s, "function timeout, seconds (≤ 900)")->capture_default_str();
      sub->add_option("--ephemeral-mb", o->ephemeral_mb, "/tmp size, MB")->capture_default_str();
      sub->add_flag("--create-bucket", o->create_bucket, "let the stack create the data bucket");
      sub->add_option("--model", o->model, "TorchScript model to bake into the image as /var/task/model/model.pt");
      sub->add_option("--executable", o->executable, "cosmicai binary to put in the image (default: this one)");
      sub->add_option("--model-library", o->model_library,
                      "libcosmicai_model.so to put in the image (default: the one this binary loads)");
      sub->add_flag("!--no-stage", o->stage_task, "write templates only; do not copy binary, model library and model");
      sub->footer(
          "Writes README.md (the exact commands), image/ (task folder, build-image.sh without Docker, Dockerfile),\n"
          "cloudformation/cosmicai.json, statemachine/, iam/ and payload.json. The templates are compiled into\n"
          "cosmicai from src/aws/templates/ and the seeds' state machine from examples/cosmic-ai/.\n"
          "Exit status: 0 written, 1 I/O failure, 2 bad options.\n\n"
          "Example:\n"
          "  cosmicai deploy aws --out deploy-aws --account 123456789012 --region us-east-1 \\\n"
          "      --data-bucket my-cosmicai-data --model astromae.ts.pt");
      sub->callback([o] { run_deploy_aws(*o); });
    }});

}  // namespace
}  // namespace cosmicai::cli
