#pragma once
/// Subcommands register themselves here; main.cpp builds the CLI from the list.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "functions/registry.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cli {

/// A subcommand: `setup` adds it (with its options and callback) to the app.
/// Callbacks signal their exit code by throwing CLI::RuntimeError(code).
struct Command {
  std::string name;
  std::function<void(CLI::App& app)> setup;
};

/// Register a subcommand; call from a static initialiser in the command's file.
bool register_command(Command command);
/// Return every registered subcommand, sorted by name.
std::vector<Command>& commands();

/// A source of Task handlers for `cosmicai run` and friends (e.g. the Cosmic AI
/// workflow's data-parallel-init / cosmic-executor / resultSummary).
/// `add_options` adds the provider's options to a subcommand; `install` binds its
/// handlers once options are parsed; `store` (optional, called after `install`) returns the object
/// store those handlers use, which `run` also gives the engine for ItemReader, ResultWriter and
/// aws-sdk:s3 tasks.
struct FunctionProvider {
  std::string name;
  std::function<void(CLI::App& sub)> add_options;
  std::function<void(functions::Registry& registry)> install;
  std::function<std::shared_ptr<storage::ObjectStore>()> store;
};

/// Register a provider; call from a static initialiser.
bool register_function_provider(FunctionProvider provider);
/// Return every registered provider.
std::vector<FunctionProvider>& function_providers();

}  // namespace cosmicai::cli
