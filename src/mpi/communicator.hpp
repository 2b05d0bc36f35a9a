#pragma once
/// The MPI operations the distributed driver needs, behind an MPI-free interface. The Open MPI /
/// MPICH implementation lives in `backend/` and is built as the shared library
/// `libcosmicai_mpi_backend.so`, loaded only when `--mpi` asks for it (see open_communicator), so that no
/// other command links, loads or initializes MPI.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace cosmicai::mpi {

using Deadline = std::chrono::steady_clock::time_point;

/// One MPI job's communicator (a duplicate of MPI_COMM_WORLD). Every collective is non-blocking
/// underneath and polled (test, then a short sleep) until it completes or `deadline` passes, so a
/// waiting process neither spins a core nor waits forever. A collective that times out cannot be
/// cancelled: the caller must end the job with abort(). Call from the thread that created it
/// (MPI_THREAD_FUNNELED). Errors of the MPI library throw std::runtime_error.
class Communicator {
 public:
  virtual ~Communicator() = default;
  /// This process's rank in the job, 0 ≤ rank < size.
  virtual int rank() const = 0;
  /// Processes in the job.
  virtual int size() const = 0;
  /// Processes of this job on this node (MPI_COMM_TYPE_SHARED).
  virtual int local_size() const = 0;
  /// The node's name (MPI_Get_processor_name).
  virtual std::string host() const = 0;
  /// The MPI library's version string, first line.
  virtual std::string library() const = 0;

  /// Broadcast root 0's `bytes` to every process (others' `bytes` are replaced). False on timeout.
  virtual bool broadcast(std::string& bytes, Deadline deadline) = 0;
  /// Wait until every process has arrived. False on timeout.
  virtual bool barrier(Deadline deadline) = 0;
  /// Gather every process's `mine` at root 0 into `all` (index = process; others' `all` is left
  /// empty). Any size: large gathers go in rounds below MPI's int counts. False on timeout.
  virtual bool gather(const std::string& mine, std::vector<std::string>& all, Deadline deadline) = 0;
  /// End every process of the job with `code` (MPI_Abort); for timeouts only.
  [[noreturn]] virtual void abort(int code) = 0;
};

/// The entry point libcosmicai_mpi_backend.so exports as `cosmicai_mpi_entry`: initializes MPI
/// (MPI_Init_thread, FUNNELED) and returns the job's communicator; MPI is finalized when it is
/// destroyed.
using OpenCommunicatorFn = Result<std::unique_ptr<Communicator>>();

/// Load libcosmicai_mpi_backend.so ($COSMICAI_MPI_LIBRARY, beside the executable, ../lib, the build tree,
/// then the loader's path) and initialize MPI. Errors say the build has no MPI or what failed.
Result<std::unique_ptr<Communicator>> open_communicator();

}  // namespace cosmicai::mpi
