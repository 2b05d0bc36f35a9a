#include "functions/registry.hpp"

#include <vector>

namespace cosmicai::functions {

FunctionRef parse_function_ref(std::string_view ref) {
  // Split on ':' and find the "function" marker of an ARN or partial ARN.
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = ref.find(':', start);
    parts.push_back(ref.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "function") {
      FunctionRef out{std::string(parts[i + 1]), "$LATEST"};
      if (i + 2 < parts.size()) out.qualifier = std::string(parts[i + 2]);
      return out;
    }
  }
  if (parts.size() == 2) return {std::string(parts[0]), std::string(parts[1])};
  return {std::string(ref), "$LATEST"};
}

void Registry::add(std::string name, Handler handler) {
  std::lock_guard lock(mu_);
  handlers_[std::move(name)] = std::make_shared<const Handler>(std::move(handler));
}

std::shared_ptr<const Handler> Registry::find(std::string_view name_or_arn) const {
  const auto ref = parse_function_ref(name_or_arn);
  std::lock_guard lock(mu_);
  if (auto it = handlers_.find(ref.name); it != handlers_.end()) return it->second;
  return nullptr;
}

std::vector<std::string> Registry::names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, _] : handlers_) out.push_back(name);
  return out;
}

void add_stub_functions(Registry& registry) {
  registry.add("sfn_stub_identity", [](const json& event, const InvokeContext&) { return event; });
  registry.add("sfn_stub_raise", [](const json&, const InvokeContext&) -> json {
    throw FunctionError("Exception", "Some exception was raised.");
  });
}

}  // namespace cosmicai::functions
