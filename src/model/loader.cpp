// ModelRunner::open: loads the LibTorch model library on first use.
//
// Commands that never run a model (validate, run of other state machines, dataset)
// then start in milliseconds instead of paying LibTorch's ~1 s of start-up.
#include <dlfcn.h>

#include <mutex>
#include <string>

#include "common/plugin.hpp"
#include "model/model_runner.hpp"

namespace cosmicai::model {
namespace {

constexpr const char* kLibraryName = "libcosmicai_model.so";

struct LoadedLibrary {
  OpenModelFn* open = nullptr;
  std::string path;
  std::string error;
};

const LoadedLibrary& library() {
  static LoadedLibrary loaded;
  static std::once_flag once;
  std::call_once(once, [] {
    PluginSpec spec{kLibraryName, "COSMICAI_MODEL_LIBRARY", "cosmicai_model_entry",
                    "",           "the model library",      RTLD_NOW | RTLD_LOCAL};
#ifdef COSMICAI_MODEL_LIBRARY_BUILD_PATH
    spec.build_path = COSMICAI_MODEL_LIBRARY_BUILD_PATH;
#endif
    auto plugin = open_plugin(spec);
    if (!plugin) {
      loaded.error = plugin.error().message;
      return;
    }
    using EntryFn = OpenModelFn* (*)();
    loaded.open = reinterpret_cast<EntryFn>(plugin->entry)();
    loaded.path = plugin->path;
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
