// open_communicator: loads libcosmicai_mpi_backend.so (the only code linked against MPI) on demand.
#include <dlfcn.h>
#include <fmt/format.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "mpi/communicator.hpp"

namespace cosmicai::mpi {
namespace {

constexpr const char* kLibraryName = "libcosmicai_mpi_backend.so";

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return {};
  return std::filesystem::path(std::string(buf, static_cast<std::size_t>(n))).parent_path().string();
}

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("COSMICAI_MPI_LIBRARY"); env != nullptr && *env != '\0') {
    out.emplace_back(env);
    return out;
  }
  if (const auto dir = executable_dir(); !dir.empty()) {
    out.push_back(dir + "/" + kLibraryName);
    out.push_back(dir + "/../lib/" + kLibraryName);
  }
#ifdef COSMICAI_MPI_LIBRARY_BUILD_PATH
  out.emplace_back(COSMICAI_MPI_LIBRARY_BUILD_PATH);
#endif
  out.emplace_back(kLibraryName);
  return out;
}

}  // namespace

Result<std::unique_ptr<Communicator>> open_communicator() {
#ifndef COSMICAI_HAVE_MPI
  return make_error(ErrorCode::kUnavailable,
                    "this cosmicai was built without MPI (install an MPI, e.g. Debian's openmpi-bin libopenmpi-dev, "
                    "and configure with -DCOSMICAI_WITH_MPI=ON)");
#else
  std::string tried;
  for (const auto& path : candidates()) {
    const bool is_path = path.find('/') != std::string::npos;
    if (is_path && !std::filesystem::exists(path)) {
      tried += fmt::format("\n  {}: not found", path);
      continue;
    }
    // RTLD_GLOBAL: Open MPI dlopens its own components, which need libmpi's symbols.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (handle == nullptr) {
      tried += fmt::format("\n  {}: {}", path, dlerror());
      continue;
    }
    auto entry = reinterpret_cast<OpenCommunicatorFn*>(dlsym(handle, "cosmicai_mpi_entry"));
    if (entry == nullptr) {
      tried += fmt::format("\n  {}: no cosmicai_mpi_entry symbol", path);
      dlclose(handle);
      continue;
    }
    return entry();  // the library stays loaded for the life of the process
  }
  return make_error(ErrorCode::kUnavailable,
                    fmt::format("cannot load the MPI back end {} (set COSMICAI_MPI_LIBRARY to its path); tried:{}",
                                kLibraryName, tried));
#endif
}

}  // namespace cosmicai::mpi
