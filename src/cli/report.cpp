// `cosmicai report`: render a Cosmic AI summary (summary.json or a run's output) for a terminal.
#include <fmt/format.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/cosmic_functions.hpp"
#include "cosmic/summarize.hpp"

namespace cosmicai::cli {
namespace {

// Find the summary object (the one with "performance") in a run's output, Summarize's
// {"statusCode","body"} or summary.json itself.
const json* find_summary(const json& j, int depth = 0) {
  if (depth > 4 || !j.is_object()) return nullptr;
  if (j.contains("performance") && j.contains("expected_ranks")) return &j;
  for (const char* k : {"body", "output", "Payload", "result"}) {
    if (j.contains(k)) {
      if (const json* f = find_summary(j.at(k), depth + 1)) return f;
    }
  }
  return nullptr;
}

const bool kRegistered = register_command(Command{"report", [](CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>("table");
  auto* sub = app.add_subcommand("report", "Show a Cosmic AI summary: performance table, accuracy, cost");
  sub->footer(
      "Example:\n"
      "  cosmicai run examples/cosmic-ai/cai-state-machine.json --input payload.json > out.json\n"
      "  cosmicai report out.json\n"
      "  cosmicai report data/cosmicai-data/result-partition-100MB/1GB/1/summary.json -o json");
  sub->add_option("file", *file, "summary.json, Summarize's output or a run's output (- for stdin)")->required();
  sub->add_option("--output,-o", *output, "table or json")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  sub->callback([file, output] {
    json in;
    try {
      in = read_json_input(*file);
    } catch (const std::exception& e) {
      std::cerr << "cosmicai report: error: " << e.what() << "\n";
      throw CLI::RuntimeError(1);
    }
    const json* s = find_summary(in);
    if (!s) {
      std::cerr << "cosmicai report: error: " << *file
                << ": no Cosmic AI summary in it (expected an object with \"performance\" and \"expected_ranks\")\n";
      throw CLI::RuntimeError(1);
    }
    if (*output == "json") {
      std::cout << s->dump(2) << "\n";
    } else {
      std::cout << cosmic::render_summary(*s);
    }
  });
}});

}  // namespace
}  // namespace cosmicai::cli
