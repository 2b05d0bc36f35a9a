#pragma once
/// What launched this process, read from the environment before anything initializes MPI
/// (a singleton MPI_Init adds PMIX_* variables of its own).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace cosmicai::mpi {

struct LaunchInfo {
  std::string launcher;          ///< "mpirun (Open MPI)", "PMIx", "PMI", "srun" or "" (none)
  std::int64_t world_size = 0;   ///< processes the launcher started; 0 = unknown
  std::int64_t rank = -1;        ///< this process's rank; -1 = unknown
  std::int64_t slurm_tasks = 0;  ///< SLURM_STEP_NUM_TASKS / SLURM_NTASKS; 0 = not under SLURM
};

/// Read the launcher's variables: OMPI_COMM_WORLD_SIZE/RANK (Open MPI's mpirun), PMIX_RANK
/// (PMIx launchers such as `srun --mpi=pmix`), PMI_SIZE/PMI_RANK (MPICH's hydra, srun's pmi2),
/// SLURM_PROCID with SLURM_STEP_ID (srun). `getenv` is injectable for tests.
LaunchInfo detect_launch(const std::function<const char*(const char*)>& getenv);
LaunchInfo detect_launch();

/// A warning for a launch that will not do what the user expects, or "": several processes
/// started without `--mpi` (`mpi_requested` false: each runs the whole input on its own), or
/// SLURM tasks > 1 with an MPI world of 1 (srun without a working `--mpi=pmix`).
std::string launch_warning(const LaunchInfo& info, bool mpi_requested, int mpi_world_size);

}  // namespace cosmicai::mpi
