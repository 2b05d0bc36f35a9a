#include "common/plugin.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace cosmicai {
namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(buf, static_cast<std::size_t>(n))).parent_path().string();
}

std::vector<std::string> candidates(const PluginSpec& spec) {
  std::vector<std::string> out;
  if (const char* env = std::getenv(spec.env_var.c_str()); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;  // an explicit choice is not second-guessed
  }
  if (const auto dir = executable_dir(); !dir.empty()) {
    out.push_back(dir + "/" + spec.library_name);
    out.push_back(dir + "/../lib/" + spec.library_name);
  }
  if (!spec.build_path.empty()) out.push_back(spec.build_path);
  out.push_back(spec.library_name);
  return out;
}

}  // namespace

Result<Plugin> open_plugin(const PluginSpec& spec) {
  std::string tried;
  for (const auto& path : candidates(spec)) {
    const bool is_path = path.find('/') != std::string::npos;
    if (is_path && !std::filesystem::exists(path)) {
      tried += fmt::format("\n  {}: not found", path);
      continue;
    }
    void* handle = dlopen(path.c_str(), spec.dlopen_flags);
    if (handle == nullptr) {
      tried += fmt::format("\n  {}: {}", path, dlerror());
      continue;
    }
    void* entry = dlsym(handle, spec.entry_symbol.c_str());
    if (entry == nullptr) {
      tried += fmt::format("\n  {}: no {} symbol", path, spec.entry_symbol);
      dlclose(handle);
      continue;
    }
    return Plugin{entry, path};
  }
  return make_error(ErrorCode::kUnavailable, fmt::format("cannot load {} {} (set {} to its path); tried:{}", spec.what,
                                                         spec.library_name, spec.env_var, tried));
}

}  // namespace cosmicai
