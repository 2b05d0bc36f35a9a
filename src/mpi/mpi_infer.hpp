#pragma once
/// `cosmicai infer --mpi`: the Cosmic AI workflow as one MPI job instead of a state machine.
///
/// Process 0 plans the shards exactly as `data-parallel-init` does and broadcasts the plan; the
/// payload's logical ranks are dealt round-robin over the processes (rank r runs on process
/// r mod P), each process running its ranks with the cosmic-executor code (same `<rank>.json`,
/// `predictions/<rank>.csv` and `errors/<rank>.json` in the store); the ranks' results, predictions
/// and errors are gathered to process 0 with collectives, which writes `combined_data.json` and
/// `summary.json` as Summarize does, plus an "mpi" section (makespan, load imbalance, collective
/// time). Every wait in a collective is bounded by `timeout_seconds`.
#include <iosfwd>
#include <string>

#include "common/json.hpp"
#include "cosmic/runtime.hpp"
#include "mpi/communicator.hpp"

namespace cosmicai::mpi {

/// Exit codes of `cosmicai infer --mpi` (the same on every process).
inline constexpr int kExitOk = 0;           ///< every rank succeeded
inline constexpr int kExitError = 1;        ///< nothing ran or nothing could be summarized (bad payload, store)
inline constexpr int kExitFailedRanks = 3;  ///< the job completed, the summary names failed/missing ranks
inline constexpr int kExitTimeout = 4;      ///< a process waited longer than the timeout; the job was aborted

struct MpiInferOptions {
  cosmic::CosmicConfig config;    ///< store, model, seed, pricing; threads 0 = this process's share of the node
  json input;                     ///< an execution payload, Initialize's output or a list of rank dictionaries
  double timeout_seconds = 1800;  ///< longest wait in one collective (including for slower processes)
  std::string output = "table";   ///< how process 0 prints the summary: "table" or "json"
  std::ostream* out = nullptr;    ///< process 0's summary; null = std::cout
  std::ostream* err = nullptr;    ///< messages; null = std::cerr
};

/// Cores this process should use: the CPUs it is bound to if the launcher bound it to fewer than
/// the node has, else the node's cores / `local_processes` (at least 1).
int process_cores(int local_processes);

/// Run the job on `comm` (every process calls this) and return the exit code. A timed-out
/// collective ends the whole job through Communicator::abort(kExitTimeout), after process 0 (if
/// it is the one waiting) wrote a summary from what the store holds.
int run_mpi_infer(Communicator& comm, const MpiInferOptions& options);

}  // namespace cosmicai::mpi
