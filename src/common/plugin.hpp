#pragma once
/// Opening one of cosmicai's own shared libraries on first use, so that what they link (LibTorch,
/// MPI) stays out of the executable and out of commands that never need it.
#include <string>

#include "common/result.hpp"

namespace cosmicai {

/// Where to find a plug-in library and what to take from it.
struct PluginSpec {
  std::string library_name;  ///< file name, e.g. "libcosmicai_model.so"
  std::string env_var;       ///< a path here is the only place tried, e.g. "COSMICAI_MODEL_LIBRARY"
  std::string entry_symbol;  ///< the function to look up, e.g. "cosmicai_model_entry"
  std::string build_path;    ///< the library in the build tree (may be empty)
  std::string what;          ///< for the error: "the model library"
  int dlopen_flags = 0;      ///< RTLD_NOW | RTLD_LOCAL, or RTLD_GLOBAL where the library dlopens its own parts
};

/// An opened plug-in: the entry symbol's address and the file it came from. The library stays
/// loaded for the life of the process.
struct Plugin {
  void* entry = nullptr;
  std::string path;
};

/// Open the library of `spec`, trying in order: $env_var (alone, when set), beside the executable,
/// ../lib beside it (installed layout), the build tree, then the dynamic loader's search path.
/// The error names every place tried and why each failed.
Result<Plugin> open_plugin(const PluginSpec& spec);

}  // namespace cosmicai
