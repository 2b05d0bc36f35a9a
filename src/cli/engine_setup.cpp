#include "cli/engine_setup.hpp"

#include <stdexcept>

#include "aws/invoke_client.hpp"
#include "cli/command.hpp"

namespace cosmicai::cli {

std::shared_ptr<functions::Registry> make_function_registry(const std::vector<std::string>& bindings) {
  auto registry = std::make_shared<functions::Registry>();
  functions::add_stub_functions(*registry);
  for (auto& p : function_providers()) {
    if (p.install) p.install(*registry);
  }
  for (const auto& binding : bindings) {
    const auto eq = binding.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == binding.size()) {
      throw std::invalid_argument("--function expects NAME=COMMAND or NAME=lambda://HOST:PORT, got '" + binding + "'");
    }
    const std::string name = binding.substr(0, eq), target = binding.substr(eq + 1);
    if (aws::is_invoke_api_uri(target)) {
      auto handler = aws::make_invoke_api_handler(target, functions::parse_function_ref(name).name);
      if (!handler) throw std::invalid_argument("--function " + binding + ": " + handler.error().message);
      registry->add(name, std::move(*handler));
    } else {
      registry->add(name, functions::make_process_handler(target));
    }
  }
  return registry;
}

std::shared_ptr<const engine::StoreResolver> provider_store_resolver() {
  for (auto& p : function_providers()) {
    if (!p.store) continue;
    if (auto store = p.store()) return engine::single_store_resolver(std::move(store));
  }
  return nullptr;
}

}  // namespace cosmicai::cli
