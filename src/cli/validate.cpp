// cosmicai validate DEF.json: list every problem of a state machine definition.
#include <iostream>

#include "asl/state_machine.hpp"
#include "cli/command.hpp"
#include "common/json.hpp"

namespace cosmicai::cli {
namespace {

struct ValidateOptions {
  std::string definition;
};

void run_validate(const ValidateOptions& opts) {
  json def;
  try {
    def = read_json_file(opts.definition);
  } catch (const std::exception& e) {
    std::cerr << "cosmicai validate: " << e.what() << "\n";
    throw CLI::RuntimeError(2);
  }
  auto errors = asl::validate_definition(def);
  if (errors.empty()) {
    std::cout << opts.definition << ": valid\n";
    return;
  }
  for (const auto& e : errors) std::cout << opts.definition << ": " << e.to_string() << "\n";
  std::cout << opts.definition << ": invalid (" << errors.size() << (errors.size() == 1 ? " error" : " errors")
            << ")\n";
  throw CLI::RuntimeError(2);
}

const bool kRegistered = register_command(Command{"validate", [](CLI::App& app) {
  auto opts = std::make_shared<ValidateOptions>();
  auto* sub = app.add_subcommand("validate", "Check an Amazon States Language definition and list every problem");
  sub->add_option("definition", opts->definition, "state machine definition (JSON)")->required();
  sub->footer(
      "Exit status: 0 valid, 2 invalid or unreadable.\n\n"
      "Example:\n"
      "  cosmicai validate examples/cosmic-ai/cai-state-machine.json\n"
      "  # prints \"valid\", or one line per problem with its JSON pointer:\n"
      "  # def.json: /States/Fetch/Retry/0/MaxAttempts: must be a non-negative integer, got -1");
  sub->callback([opts] { run_validate(*opts); });
}});

}  // namespace
}  // namespace cosmicai::cli
