// open_communicator: loads libcosmicai_mpi_backend.so (the only code linked against MPI) on demand.
#include <dlfcn.h>

#include <string>

#include "common/plugin.hpp"
#include "mpi/communicator.hpp"

namespace cosmicai::mpi {
namespace {

constexpr const char* kLibraryName = "libcosmicai_mpi_backend.so";

}  // namespace

Result<std::unique_ptr<Communicator>> open_communicator() {
#ifndef COSMICAI_HAVE_MPI
  return make_error(ErrorCode::kUnavailable,
                    "this cosmicai was built without MPI (install an MPI, e.g. Debian's openmpi-bin libopenmpi-dev, "
                    "and configure with -DCOSMICAI_WITH_MPI=ON)");
#else
  // RTLD_GLOBAL: Open MPI dlopens its own components, which need libmpi's symbols.
  PluginSpec spec{kLibraryName,       "COSMICAI_MPI_LIBRARY", "cosmicai_mpi_entry", COSMICAI_MPI_LIBRARY_BUILD_PATH,
                  "the MPI back end", RTLD_NOW | RTLD_GLOBAL};
  auto plugin = open_plugin(spec);
  if (!plugin) return plugin.error();
  return reinterpret_cast<OpenCommunicatorFn*>(plugin->entry)();
#endif
}

}  // namespace cosmicai::mpi
