// ModelRunner::open: loads the LibTorch model library on first use.
//
// Commands that never run a model (validate, run of other state machines, dataset)
// then start in milliseconds instead of paying LibTorch's ~1 s of start-up.
#include <dlfcn.h>
#include <fmt/format.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "model/model_runner.hpp"

namespace cosmicai::model {
namespace {

constexpr const char* kLibraryName = "libcosmicai_model.so";

struct LoadedLibrary {
  OpenModelFn* open = nullptr;
  std::string path;
  std::string error;
};

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(buf, static_cast<std::size_t>(n))).parent_path().string();
}

/// Places to look, in order: $COSMICAI_MODEL_LIBRARY, beside the executable,
/// ../lib beside it (installed layout), the build tree, then the loader's search path.
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("COSMICAI_MODEL_LIBRARY"); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;  // an explicit choice is not second-guessed
  }
  if (const auto dir = executable_dir(); !dir.empty()) {
    out.push_back(dir + "/" + kLibraryName);
    out.push_back(dir + "/../lib/" + kLibraryName);
  }
#ifdef COSMICAI_MODEL_LIBRARY_BUILD_PATH
  out.emplace_back(COSMICAI_MODEL_LIBRARY_BUILD_PATH);
#endif
  out.emplace_back(kLibraryName);
  return out;
}

const LoadedLibrary& library() {
  static LoadedLibrary loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    std::string tried;
    for (const auto& path : candidates()) {
      const bool is_path = path.find('/') != std::string::npos;
      if (is_path && !std::filesystem::exists(path)) {
        tried += fmt::format("\n  {}: not found", path);
        continue;
      }
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) {
        tried += fmt::format("\n  {}: {}", path, dlerror());
        continue;
      }
      using EntryFn = OpenModelFn* (*)();
      auto entry = reinterpret_cast<EntryFn>(dlsym(handle, "cosmicai_model_entry"));
      if (entry == nullptr) {
        tried += fmt::format("\n  {}: no cosmicai_model_entry symbol", path);
        dlclose(handle);
        continue;
      }
      loaded.open = entry();
      loaded.path = path;
      return;  // the library stays loaded for the life of the process
    }
    loaded.error = fmt::format("cannot load the model library {} (set COSMICAI_MODEL_LIBRARY to its path); tried:{}",
                               kLibraryName, tried);
  });
  return loaded;
}

}  // namespace

Result<std::shared_ptr<ModelRunner>> ModelRunner::open(const ModelOptions& options) {
  const auto& lib = library();
  if (lib.open == nullptr) return make_error(ErrorCode::kUnavailable, lib.error);
  return lib.open(options);
}

Result<std::string> model_library_path() {
  const auto& lib = library();
  if (lib.open == nullptr) return make_error(ErrorCode::kUnavailable, lib.error);
  return lib.path;
}

}  // namespace cosmicai::model
