// A stand-in for a stuck `cosmicai infer --mpi` process, for the timeout test: it joins the job
// (MPI_Init, the communicator set-up and the plan broadcast, the same collectives in the same
// order as MpiCommunicator and run_mpi_infer), then never reaches the final barrier, as a
// process hung on a dead file system would. Started beside cosmicai with mpirun's MPMD syntax:
//   mpirun -np 1 cosmicai infer --mpi … : -np 1 mpi_stall_peer
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <string>

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm comm, node;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  // Non-blocking, as cosmicai's (blocking and non-blocking collectives do not match each other).
  MPI_Request req;
  std::int64_t n = 0;
  MPI_Ibcast(&n, 1, MPI_INT64_T, 0, comm, &req);
  MPI_Wait(&req, MPI_STATUS_IGNORE);
  std::string plan(static_cast<std::size_t>(n), '\0');
  MPI_Ibcast(plan.data(), static_cast<int>(n), MPI_CHAR, 0, comm, &req);
  MPI_Wait(&req, MPI_STATUS_IGNORE);
  for (;;) pause();  // stuck until mpirun ends the job
}
