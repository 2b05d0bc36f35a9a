#pragma once
/// What `cosmicai run` and `cosmicai serve` share: the Task handlers (stubs, every registered
/// function provider, --function NAME=COMMAND or NAME=lambda://HOST:PORT) and the store for
/// ItemReader/ResultWriter/aws-sdk:s3.
#include <memory>
#include <string>
#include <vector>

#include "engine/map_io/store_resolver.hpp"
#include "functions/registry.hpp"

namespace cosmicai::cli {

/// Build the registry: the conformance stubs, every function provider's handlers (their options
/// already parsed) and one handler per binding: a process handler for NAME=COMMAND, a Lambda
/// Invoke API handler for NAME=lambda://HOST:PORT. Throws std::invalid_argument naming a
/// malformed binding.
std::shared_ptr<functions::Registry> make_function_registry(const std::vector<std::string>& bindings);

/// The first store a function provider offers (its --store), as the engine's bucket resolver;
/// null when none does.
std::shared_ptr<const engine::StoreResolver> provider_store_resolver();

}  // namespace cosmicai::cli
