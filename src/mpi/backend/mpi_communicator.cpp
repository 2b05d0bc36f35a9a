// The Communicator over a real MPI (Open MPI or MPICH, C API only). Built into
// libcosmicai_mpi_backend.so, the only part of cosmicai that includes <mpi.h> or links libmpi.
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "mpi/communicator.hpp"

namespace cosmicai::mpi {
namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw std::runtime_error(fmt::format("{}: {}", what, std::string(text, static_cast<std::size_t>(len))));
}

// Poll a request until it completes or the deadline passes. The short sleep keeps a waiting
// process off the core (MPI's blocking calls busy-poll), at ≤ 1 ms of added latency.
bool wait(MPI_Request& request, Deadline deadline, const char* what) {
  int spins = 0;
  for (;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
    if (done) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (++spins > 50) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    MPI_Comm node;
    check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    check(MPI_Comm_size(node, &local_size_), "MPI_Comm_size");
    MPI_Comm_free(&node);
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    MPI_Get_processor_name(name, &len);
    host_.assign(name, static_cast<std::size_t>(len));
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    MPI_Get_library_version(version, &len);
    library_.assign(version, static_cast<std::size_t>(len));
    library_ = library_.substr(0, library_.find_first_of("\n,"));
  }

  ~MpiCommunicator() override {
    MPI_Comm_free(&comm_);
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const override { return local_size_; }
  std::string host() const override { return host_; }
  std::string library() const override { return library_; }

  bool broadcast(std::string& bytes, Deadline deadline) override {
    std::int64_t n = rank_ == 0 ? static_cast<std::int64_t>(bytes.size()) : 0;
    MPI_Request req;
    check(MPI_Ibcast(&n, 1, MPI_INT64_T, 0, comm_, &req), "MPI_Ibcast");
    if (!wait(req, deadline, "MPI_Ibcast")) return false;
    if (rank_ != 0) bytes.assign(static_cast<std::size_t>(n), '\0');
    for (std::int64_t off = 0; off < n; off += INT_MAX) {
      const int count = static_cast<int>(std::min<std::int64_t>(INT_MAX, n - off));
      check(MPI_Ibcast(bytes.data() + off, count, MPI_CHAR, 0, comm_, &req), "MPI_Ibcast");
      if (!wait(req, deadline, "MPI_Ibcast")) return false;
    }
    return true;
  }

  bool barrier(Deadline deadline) override {
    MPI_Request req;
    check(MPI_Ibarrier(comm_, &req), "MPI_Ibarrier");
    return wait(req, deadline, "MPI_Ibarrier");
  }

  bool gather(const std::string& mine, std::vector<std::string>& all, Deadline deadline) override {
    // Every length at the root, and the longest everywhere (the number of rounds).
    const std::int64_t len = static_cast<std::int64_t>(mine.size());
    std::vector<std::int64_t> lens(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
    std::int64_t longest = 0;
    MPI_Request reqs[2];
    check(MPI_Igather(&len, 1, MPI_INT64_T, lens.data(), 1, MPI_INT64_T, 0, comm_, &reqs[0]), "MPI_Igather");
    check(MPI_Iallreduce(&len, &longest, 1, MPI_INT64_T, MPI_MAX, comm_, &reqs[1]), "MPI_Iallreduce");
    if (!wait(reqs[0], deadline, "MPI_Igather") || !wait(reqs[1], deadline, "MPI_Iallreduce")) return false;
    all.clear();
    if (rank_ == 0) {
      all.resize(static_cast<std::size_t>(size_));
      for (int p = 0; p < size_; ++p) all[p].resize(static_cast<std::size_t>(lens[p]));
    }
    // Rounds of at most `chunk` bytes per process, so that counts and displacements fit in int.
    const std::int64_t chunk = std::max<std::int64_t>(1, (INT_MAX - 1) / size_);
    std::vector<int> counts(rank_ == 0 ? static_cast<std::size_t>(size_) : 0), displs(counts.size());
    std::string buffer;
    for (std::int64_t off = 0; off < longest; off += chunk) {
      const int mine_count = static_cast<int>(std::clamp<std::int64_t>(len - off, 0, chunk));
      if (rank_ == 0) {
        int total = 0;
        for (int p = 0; p < size_; ++p) {
          counts[p] = static_cast<int>(std::clamp<std::int64_t>(lens[p] - off, 0, chunk));
          displs[p] = total;
          total += counts[p];
        }
        buffer.resize(static_cast<std::size_t>(total));
      }
      MPI_Request req;
      check(MPI_Igatherv(mine.data() + std::min(off, len), mine_count, MPI_CHAR, buffer.data(), counts.data(),
                         displs.data(), MPI_CHAR, 0, comm_, &req),
            "MPI_Igatherv");
      if (!wait(req, deadline, "MPI_Igatherv")) return false;
      if (rank_ == 0) {
        for (int p = 0; p < size_; ++p) {
          std::copy_n(buffer.data() + displs[p], counts[p], all[p].data() + off);
        }
      }
    }
    return true;
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, local_size_ = 1;
  std::string host_, library_;
};

}  // namespace
}  // namespace cosmicai::mpi

extern "C" __attribute__((visibility("default"))) cosmicai::Result<std::unique_ptr<cosmicai::mpi::Communicator>>
cosmicai_mpi_entry() {
  try {
    return std::unique_ptr<cosmicai::mpi::Communicator>(new cosmicai::mpi::MpiCommunicator());
  } catch (const std::exception& e) {
    return cosmicai::make_error(cosmicai::ErrorCode::kUnavailable, fmt::format("MPI: {}", e.what()));
  }
}
