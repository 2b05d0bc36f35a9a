// cosmicai lambda-runtime [HANDLER]: serve Lambda invocations through the Runtime API (the image's entrypoint).
#include <iostream>

#include "aws/cosmic_function.hpp"
#include "aws/lambda_settings.hpp"
#include "cli/command.hpp"

namespace cosmicai::cli {
namespace {

struct LambdaRuntimeOptions {
  std::string handler;
  std::string store;
  std::string model;
  int threads = -1;
  std::int64_t deadline_margin_ms = -1;
  std::int64_t max_invocations = 0;
};

void run_lambda_runtime(const LambdaRuntimeOptions& o) {
  std::string problems;
  auto settings = aws::LambdaSettings::from_environment(problems);
  if (!o.handler.empty()) {
    settings.handler = o.handler;
    settings.handler_source = "the command line";
  }
  if (!o.store.empty()) settings.store = o.store;
  if (!o.model.empty()) settings.model = o.model;
  if (o.threads >= 0) settings.threads = o.threads;
  if (o.deadline_margin_ms >= 0) settings.deadline_margin_ms = o.deadline_margin_ms;
  if (!problems.empty()) {
    std::cerr << "cosmicai lambda-runtime: " << problems << "\n";
    if (!settings.runtime_api.empty()) {
      aws::RuntimeApiClient client(settings.runtime_api);
      (void)client.post_init_error({aws::kConfigInvalid, problems, json::array()});
    }
    throw CLI::RuntimeError(2);
  }
  const int code = aws::run_cosmic_lambda_runtime(settings, std::cerr, o.max_invocations);
  if (code != 0) throw CLI::RuntimeError(code);
}

const bool kRegistered = register_command(Command{
    "lambda-runtime", [](CLI::App& app) {
      auto opts = std::make_shared<LambdaRuntimeOptions>();
      auto* sub = app.add_subcommand(
          "lambda-runtime", "Serve AWS Lambda invocations of one Cosmic AI handler (custom runtime, Runtime API)");
      sub->add_option(
          "handler", opts->handler,
          "handler to serve: initialize, infer, summarize (or the seeds' data-parallel-init, cosmic-executor, "
          "resultSummary); default _HANDLER, else AWS_LAMBDA_FUNCTION_NAME");
      sub->add_option("--store", opts->store, "object store URI (default COSMICAI_STORE; s3:// on AWS)");
      sub->add_option("--model", opts->model,
                      "model for infer (default COSMICAI_MODEL, else LAMBDA_TASK_ROOT/model/model.pt or *.ts.pt)");
      sub->add_option("--threads", opts->threads,
                      "intra-op threads (default COSMICAI_THREADS, else the vCPUs of AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "
                      "one per 1,769 MB, at most 6)")
          ->check(CLI::NonNegativeNumber);
      sub->add_option("--deadline-margin-ms", opts->deadline_margin_ms,
                      "report CosmicAI.DeadlineExceeded this long before Lambda-Runtime-Deadline-Ms "
                      "(default COSMICAI_DEADLINE_MARGIN_MS, else 1000)")
          ->check(CLI::NonNegativeNumber);
      sub->add_option("--max-invocations", opts->max_invocations, "exit after this many invocations (0 = never)")
          ->check(CLI::NonNegativeNumber);
      sub->footer(
          "Reads AWS_LAMBDA_RUNTIME_API (host:port), loops on GET /2018-06-01/runtime/invocation/next and POSTs each\n"
          "result or error; a start-up failure (no store, no model in the code folder, no S3 credentials) is posted\n"
          "to /runtime/init/error. /tmp (TMPDIR) is the working directory. The image's ENTRYPOINT is the bootstrap\n"
          "script that execs this command; each function's image command names its handler.\n"
          "Exit status: 1 start-up or Runtime API failure, 2 bad settings, 3 a handler outlived its deadline.\n\n"
          "Example:\n"
          "  AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 COSMICAI_STORE=s3:// LAMBDA_TASK_ROOT=/var/task \\\n"
          "      cosmicai lambda-runtime infer");
      sub->callback([opts] { run_lambda_runtime(*opts); });
    }});

}  // namespace
}  // namespace cosmicai::cli
