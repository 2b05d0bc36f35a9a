#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "cli/command.hpp"

namespace cosmicai::cli {

std::vector<Command>& commands() {
  static std::vector<Command> list;
  return list;
}

bool register_command(Command command) {
  commands().push_back(std::move(command));
  return true;
}

std::vector<FunctionProvider>& function_providers() {
  static std::vector<FunctionProvider> list;
  return list;
}

bool register_function_provider(FunctionProvider provider) {
  function_providers().push_back(std::move(provider));
  return true;
}

}  // namespace cosmicai::cli

int main(int argc, char** argv) {
  using namespace cosmicai::cli;
  CLI::App app{"cosmicai: data-parallel AI inference over astronomy datasets as a state-machine workflow"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cosmicai 0.1.0");
  auto& list = commands();
  std::sort(list.begin(), list.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  for (auto& c : list) c.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    // A subcommand's own failure carries its exit code.
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; usage errors exit 2.
    if (e.get_exit_code() == 0) return app.exit(e);
    app.exit(e);
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cosmicai: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
