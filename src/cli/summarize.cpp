// `cosmicai summarize`: combine a run's rank results (the resultSummary handler).
#include <fmt/format.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/cosmic_functions.hpp"
#include "cosmic/handlers.hpp"
#include "cosmic/summarize.hpp"

namespace cosmicai::cli {
namespace {

struct SummarizeArgs {
  std::string input;
  std::string bucket;
  std::string result_path;
  std::string data_prefix;
  std::int64_t world_size = 0;
  std::string output = "table";
  CosmicOptions cosmic;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "cosmicai summarize: error: " << message << "\n";
  throw CLI::RuntimeError(1);
}

void run_summarize(const SummarizeArgs& a) {
  cosmic::CosmicRuntime rt(make_cosmic_config(a.cosmic, nullptr));
  json event;
  if (!a.input.empty()) {
    try {
      event = read_json_input(a.input);
    } catch (const std::exception& e) {
      fail(e.what());
    }
  } else {
    if (a.bucket.empty() || a.result_path.empty()) fail("give --input FILE, or --bucket and --result-path");
    event = json{{"data_bucket", a.bucket}, {"result_path", a.result_path}, {"data_prefix", a.data_prefix}};
    if (a.world_size > 0) event["world_size"] = a.world_size;
  }
  auto r = rt.summarize(event);
  if (!r) fail(r.error().message);
  const json& summary = r->at("body");
  if (a.output == "json") {
    std::cout << summary.dump(2) << "\n";
  } else {
    std::cout << cosmic::render_summary(summary);
  }
  if (!summary.value("complete", false)) throw CLI::RuntimeError(3);
}

const bool kRegistered = register_command(Command{"summarize", [](CLI::App& app) {
  auto args = std::make_shared<SummarizeArgs>();
  auto* sub = app.add_subcommand("summarize", "Combine a run's rank results: performance table, accuracy, cost");
  sub->footer(
      "Example:\n"
      "  cosmicai summarize --input init-output.json --store file://$PWD/data\n"
      "  cosmicai summarize --bucket cosmicai-data --result-path result-partition-100MB/1GB/1 --world-size 11 -o json\n"
      "Writes RESULT_PATH/combined_data.json and RESULT_PATH/summary.json. Exits 3 when ranks are missing.");
  sub->add_option("--input,-i", args->input, "Initialize's output or a list of rank dictionaries (- for stdin)");
  sub->add_option("--bucket", args->bucket, "Data bucket holding the results (without --input)");
  sub->add_option("--result-path", args->result_path, "Result prefix (without --input)");
  sub->add_option("--data-prefix", args->data_prefix, "Partition prefix, shown as the partition size");
  sub->add_option("--world-size", args->world_size, "Expected ranks (default: highest rank found + 1)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--output,-o", args->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  add_cosmic_options(*sub, args->cosmic);
  sub->callback([args] { run_summarize(*args); });
}});

}  // namespace
}  // namespace cosmicai::cli
