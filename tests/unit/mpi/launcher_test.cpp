// Launcher detection (before MPI_Init) and the per-process core budget.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>

#include "mpi/launcher.hpp"
#include "mpi/mpi_infer.hpp"

namespace cosmicai::mpi {
namespace {

LaunchInfo detect(const std::map<std::string, std::string>& env) {
  return detect_launch([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(Launcher, NoLauncher) {
  const auto info = detect({});
  EXPECT_EQ(info.launcher, "");
  EXPECT_EQ(info.world_size, 0);
  EXPECT_EQ(launch_warning(info, false, 1), "");
  EXPECT_EQ(launch_warning(info, true, 1), "");
}

TEST(Launcher, OpenMpiMpirun) {
  const auto info = detect({{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_RANK", "3"}, {"PMIX_RANK", "3"}});
  EXPECT_EQ(info.launcher, "mpirun (Open MPI)");
  EXPECT_EQ(info.world_size, 4);
  EXPECT_EQ(info.rank, 3);
  EXPECT_NE(launch_warning(info, false, 1).find("4 processes without --mpi"), std::string::npos);
  EXPECT_EQ(launch_warning(info, true, 4), "");
}

TEST(Launcher, SrunWithPmix) {
  const auto info = detect({{"PMIX_RANK", "1"}, {"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_NTASKS", "16"}});
  EXPECT_EQ(info.launcher, "PMIx");
  EXPECT_EQ(info.rank, 1);
  EXPECT_EQ(info.world_size, 8);
  EXPECT_EQ(info.slurm_tasks, 8);
}

TEST(Launcher, MpichHydra) {
  const auto info = detect({{"PMI_RANK", "0"}, {"PMI_SIZE", "2"}});
  EXPECT_EQ(info.launcher, "PMI");
  EXPECT_EQ(info.world_size, 2);
}

TEST(Launcher, SrunWithoutMpiPluginIsPointedOut) {
  const auto info = detect({{"SLURM_PROCID", "0"}, {"SLURM_STEP_ID", "0"}, {"SLURM_NTASKS", "2"}});
  EXPECT_EQ(info.launcher, "srun");
  EXPECT_EQ(info.world_size, 2);
  // With --mpi, each srun task initialized a world of one: the ranks would all run everywhere.
  EXPECT_NE(launch_warning(info, true, 1).find("srun --mpi=pmix"), std::string::npos);
  EXPECT_NE(launch_warning(info, false, 1).find("without --mpi"), std::string::npos);
}

TEST(Launcher, GarbageIsIgnored) {
  const auto info = detect({{"OMPI_COMM_WORLD_SIZE", "two"}, {"SLURM_PROCID", "0"}});
  EXPECT_EQ(info.launcher, "") << "no SLURM_STEP_ID: not inside an srun step";
}

TEST(ProcessCores, SharesTheNodeAmongItsProcesses) {
  const int node = static_cast<int>(std::thread::hardware_concurrency());
  const int one = process_cores(1);
  EXPECT_GE(one, 1);
  EXPECT_LE(one, node);
  // Never more than the node's share (or the CPUs this process is bound to, if fewer).
  EXPECT_LE(process_cores(node), std::max(1, one));
  EXPECT_EQ(process_cores(node * 4), one < node ? one : 1) << "at least one core each";
}

}  // namespace
}  // namespace cosmicai::mpi
