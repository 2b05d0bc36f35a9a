#include "mpi/launcher.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace cosmicai::mpi {

namespace {

std::optional<std::int64_t> number(const char* s) {
  if (s == nullptr || *s == '\0') return std::nullopt;
  const std::string_view v(s);
  std::int64_t out = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return out;
}

}  // namespace

LaunchInfo detect_launch(const std::function<const char*(const char*)>& env) {
  LaunchInfo info;
  if (auto tasks = number(env("SLURM_STEP_NUM_TASKS"))) {
    info.slurm_tasks = *tasks;
  } else if (auto ntasks = number(env("SLURM_NTASKS"))) {
    info.slurm_tasks = *ntasks;
  }
  if (auto size = number(env("OMPI_COMM_WORLD_SIZE"))) {
    info.launcher = "mpirun (Open MPI)";
    info.world_size = *size;
    info.rank = number(env("OMPI_COMM_WORLD_RANK")).value_or(-1);
  } else if (auto rank = number(env("PMIX_RANK"))) {
    info.launcher = "PMIx";
    info.rank = *rank;
    info.world_size = info.slurm_tasks;  // PMIx itself exports no size variable
  } else if (auto prank = number(env("PMI_RANK"))) {
    info.launcher = "PMI";
    info.rank = *prank;
    info.world_size = number(env("PMI_SIZE")).value_or(0);
  } else if (auto procid = number(env("SLURM_PROCID")); procid && env("SLURM_STEP_ID") != nullptr) {
    info.launcher = "srun";
    info.rank = *procid;
    info.world_size = info.slurm_tasks;
  }
  return info;
}

LaunchInfo detect_launch() {
  return detect_launch([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

std::string launch_warning(const LaunchInfo& info, bool mpi_requested, int mpi_world_size) {
  if (!mpi_requested && !info.launcher.empty() && info.world_size > 1) {
    return fmt::format(
        "started by {} as one of {} processes without --mpi: this process runs the command on "
        "its own, as does every other one (add --mpi to split the ranks over the processes)",
        info.launcher, info.world_size);
  }
  if (mpi_requested && mpi_world_size == 1 && info.slurm_tasks > 1) {
    return fmt::format(
        "SLURM says {} tasks but the MPI world has 1 process: srun started independent copies "
        "(use srun --mpi=pmix, or mpirun inside the allocation)",
        info.slurm_tasks);
  }
  return {};
}

}  // namespace cosmicai::mpi
