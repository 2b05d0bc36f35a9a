// cosmicai run DEF.json: run a state machine locally and print its result as one JSON object.
#include <fstream>
#include <iostream>
#include <thread>

#include "asl/state_machine.hpp"
#include "cli/command.hpp"
#include "cli/engine_setup.hpp"
#include "common/json.hpp"
#include "engine/engine.hpp"
#include "engine/map_io/store_resolver.hpp"
#include "functions/registry.hpp"

namespace cosmicai::cli {
namespace {

struct RunOptions {
  std::string definition;
  std::string input_file;
  std::string input_json;
  std::string history_file;
  double time_scale = 1.0;
  std::vector<std::string> function_bindings;
  std::size_t workers = std::max(2u, std::thread::hardware_concurrency());
  std::string name = "local-execution";
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "cosmicai run: " << message << "\n";
  throw CLI::RuntimeError(2);
}

void run_run(const RunOptions& opts) {
  json def;
  json input = json::object();
  try {
    def = read_json_file(opts.definition);
    if (!opts.input_file.empty() && !opts.input_json.empty()) usage_error("give --input or --input-json, not both");
    if (!opts.input_file.empty()) input = read_json_file(opts.input_file);
    if (!opts.input_json.empty()) input = parse_json_text(opts.input_json, "--input-json");
  } catch (const CLI::RuntimeError&) {
    throw;
  } catch (const std::exception& e) {
    usage_error(e.what());
  }
  std::vector<asl::ValidationError> errors;
  auto machine = asl::StateMachine::parse(def, errors);
  if (!machine) {
    for (const auto& e : errors) std::cerr << opts.definition << ": " << e.to_string() << "\n";
    usage_error("invalid state machine definition (" + std::to_string(errors.size()) + (errors.size() == 1 ? " error)" : " errors)"));
  }
  if (auto unsupported = asl::check_supported(*machine); !unsupported.empty()) {
    for (const auto& e : unsupported) std::cerr << opts.definition << ": " << e.to_string() << "\n";
    usage_error("the definition uses features this engine cannot run");
  }

  std::shared_ptr<functions::Registry> registry;
  try {
    registry = make_function_registry(opts.function_bindings);
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }

  engine::EngineOptions eopts;
  eopts.workers = opts.workers;
  eopts.time_scale = opts.time_scale;
  // ItemReader, ResultWriter and aws-sdk:s3 tasks use the handlers' store (--store).
  eopts.stores = provider_store_resolver();
  engine::Engine engine(registry, eopts);
  engine::ExecutionOptions xopts;
  xopts.name = opts.name;
  xopts.record_history = !opts.history_file.empty();
  const auto result = engine.run(machine, input, xopts);
  if (!opts.history_file.empty()) {
    std::ofstream out(opts.history_file);
    out << result.history.to_json().dump(2) << "\n";
    if (!out) std::cerr << "cosmicai run: cannot write history to " << opts.history_file << "\n";
  }
  for (const auto& note : result.child_failures) std::cerr << "cosmicai run: " << note << "\n";
  std::cout << dump_compact(result.to_json()) << std::endl;
  if (result.status != "SUCCEEDED") throw CLI::RuntimeError(1);
}

const bool kRegistered = register_command(Command{"run", [](CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Run an Amazon States Language state machine locally");
  sub->add_option("definition", opts->definition, "state machine definition (JSON)")->required();
  sub->add_option("--input", opts->input_file, "execution input, a JSON file (default {})");
  sub->add_option("--input-json", opts->input_json, "execution input as JSON text");
  sub->add_option("--history", opts->history_file, "write the execution history (GetExecutionHistory JSON) here");
  sub->add_option("--time-scale", opts->time_scale, "1 = real time, 0 = skip waits and back-off (logical time still advances)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--function", opts->function_bindings,
                  "bind a Lambda function name to a local command: NAME=COMMAND (event JSON on stdin, result JSON on stdout), "
                  "or to a Lambda Invoke API endpoint: NAME=lambda://HOST:PORT (e.g. the Runtime API emulator); repeatable");
  sub->add_option("--workers", opts->workers, "worker threads")->check(CLI::PositiveNumber);
  sub->add_option("--name", opts->name, "execution name ($$.Execution.Name)");
  for (auto& p : function_providers()) {
    if (p.add_options) p.add_options(*sub);
  }
  sub->footer(
      "Prints one JSON object: {\"status\":\"SUCCEEDED\",\"output\":...} or\n"
      "{\"status\":\"FAILED\"|\"TIMED_OUT\",\"error\":...,\"cause\":...}.\n"
      "Exit status: 0 succeeded, 1 failed or timed out, 2 bad usage, malformed JSON or invalid definition.\n\n"
      "Example:\n"
      "  cosmicai run examples/cosmic-ai/cai-state-machine.json --input payload.json \\\n"
      "      --function data-parallel-init='python3 init.py' --time-scale 0 --history history.json");
  sub->callback([opts] { run_run(*opts); });
}});

}  // namespace
}  // namespace cosmicai::cli
