// `cosmicai infer --mpi` under mpirun on the tiny reference partitions: the same results as the
// local `cosmicai run` of the same payload, failed ranks reported through the collectives, a stuck
// process bounded by --mpi-timeout, and no MPI at all without --mpi.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/json.hpp"
#include "support/command.hpp"

namespace fs = std::filesystem;
using cosmicai::json;

namespace {

const fs::path kSource = COSMICAI_SOURCE_DIR;
const fs::path kTiny = kSource / "tests/fixtures/astromae/partitions/tiny";
const fs::path kMachine = kSource / "examples/cosmic-ai/cai-state-machine.json";
const std::string kBinary = COSMICAI_BINARY;
const std::string kMpiexec = COSMICAI_MPIEXEC;
const std::string kStallPeer = COSMICAI_MPI_STALL_PEER;

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

using cosmicai::testing::read_file;
constexpr auto quote = cosmicai::testing::shell_quote;

json read_json(const fs::path& p) { return json::parse(read_file(p)); }

// Run a shell command; stdout and stderr captured separately.
Output run(const std::string& command, const fs::path& err_file) {
  Output o;
  const auto t0 = std::chrono::steady_clock::now();
  FILE* p = ::popen((command + " 2>" + quote(err_file.string())).c_str(), "r");
  if (!p) return o;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int status = ::pclose(p);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.err = read_file(err_file);
  return o;
}

// mpirun with N slots whatever the machine has, allowed as root, unbound (concurrent tests share
// the cores) and with a hard limit in case a process hangs.
std::string mpirun_prefix(int processes) {
  return quote(kMpiexec) + " --allow-run-as-root --oversubscribe --bind-to none --timeout 240 -n " +
         std::to_string(processes) + " ";
}

// A temporary store: bucket cosmicai-data with tiny/1.pt … tiny/<files>.pt under "tiny".
class Store {
 public:
  Store(const std::string& name, int files) {
    root_ = fs::temp_directory_path() / ("cosmicai-mpi-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(root_);
    fs::create_directories(root_ / "cosmicai-data" / "tiny");
    for (int i = 1; i <= files; ++i) {
      const auto f = std::to_string(i) + ".pt";
      fs::copy_file(kTiny / f, root_ / "cosmicai-data" / "tiny" / f);
    }
  }
  ~Store() { fs::remove_all(root_); }
  fs::path root() const { return root_; }
  fs::path results(const std::string& result_path) const { return root_ / "cosmicai-data" / result_path; }
  std::string uri() const { return "file://" + root_.string(); }
  // A payload in the seeds' format over this store.
  fs::path payload(const std::string& name, int files, int world, const std::string& result_path) const {
    json p{{"bucket", "cosmicai-data"},  {"file_limit", std::to_string(files)},
           {"batch_size", 16},           {"object_type", "folder"},
           {"S3_object_name", "code"},   {"script", "inference.py"},
           {"result_path", result_path}, {"data_bucket", "cosmicai-data"},
           {"data_prefix", "tiny"},      {"world_size", std::to_string(world)}};
    const fs::path f = root_ / (name + ".json");
    std::ofstream(f) << p.dump(2);
    return f;
  }
  fs::path err(const std::string& name) const { return root_ / (name + ".stderr"); }

 private:
  fs::path root_;
};

bool have_mpi(std::string* why) {
  if (kMpiexec.empty()) {
    *why = "cosmicai was built without MPI (no MPI found at configure time)";
    return false;
  }
  if (!fs::exists(kMpiexec)) {
    *why = "mpiexec not found at " + kMpiexec;
    return false;
  }
  if (!fs::exists(kTiny / "1.pt")) {
    *why = "fixture partitions missing under " + kTiny.string();
    return false;
  }
  return true;
}

#define REQUIRE_MPI()                         \
  do {                                        \
    std::string why;                          \
    if (!have_mpi(&why)) GTEST_SKIP() << why; \
  } while (0)

// The local single-process run of the same payload: the seeds' state machine.
Output run_local(const Store& s, const fs::path& payload, const std::string& name) {
  return run(quote(kBinary) + " run " + quote(kMachine.string()) + " --input " + quote(payload.string()) + " --store " +
                 quote(s.uri()) + " --threads 1",
             s.err(name));
}

Output run_mpi(const Store& s, int processes, const fs::path& input, const std::string& name,
               const std::string& extra = "") {
  return run(mpirun_prefix(processes) + quote(kBinary) + " infer --mpi --input " + quote(input.string()) + " --store " +
                 quote(s.uri()) + " --threads 1 --mpi-timeout 120 " + extra,
             s.err(name));
}

// The MPI run's summary and predictions equal the local run's.
void expect_same_results(const Store& s, const std::string& mpi_path, const std::string& local_path, int world) {
  const json m = read_json(s.results(mpi_path) / "summary.json");
  const json l = read_json(s.results(local_path) / "summary.json");
  std::set<std::string> mk, lk;
  for (auto it = m.begin(); it != m.end(); ++it) mk.insert(it.key());
  for (auto it = l.begin(); it != l.end(); ++it) lk.insert(it.key());
  lk.insert("mpi");
  EXPECT_EQ(mk, lk) << "the summary has the Step Functions run's keys plus \"mpi\"";
  EXPECT_EQ(m["expected_ranks"], world);
  EXPECT_EQ(m["received_ranks"], world);
  EXPECT_EQ(m["complete"], true);
  EXPECT_EQ(m["performance"]["samples"], l["performance"]["samples"]);
  EXPECT_EQ(m["accuracy"], l["accuracy"]);
  EXPECT_EQ(m["duplicate_predictions"], l["duplicate_predictions"]);
  EXPECT_EQ(m["models"], l["models"]);
  for (int r = 0; r < world; ++r) {
    const auto csv = "predictions/" + std::to_string(r) + ".csv";
    EXPECT_EQ(read_file(s.results(mpi_path) / csv), read_file(s.results(local_path) / csv)) << csv;
    const json mr = read_json(s.results(mpi_path) / (std::to_string(r) + ".json"));
    const json lr = read_json(s.results(local_path) / (std::to_string(r) + ".json"));
    EXPECT_EQ(mr["data_path"], lr["data_path"]) << "rank " << r << " planned as data-parallel-init plans it";
    EXPECT_EQ(mr["samples"], lr["samples"]) << "rank " << r;
  }
  const json combined = read_json(s.results(mpi_path) / "combined_data.json");
  ASSERT_TRUE(combined.is_array());
  EXPECT_EQ(combined.size(), static_cast<std::size_t>(world));
}

}  // namespace

TEST(MpiInfer, TwoProcessesMatchTheLocalRun) {
  REQUIRE_MPI();
  Store s("match", 5);
  // 5 files over 3 ranks (2, 2, 1 files) on 2 processes: process 0 runs ranks 0 and 2.
  const Output m = run_mpi(s, 2, s.payload("mpi", 5, 3, "res/mpi"), "mpi");
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  const Output l = run_local(s, s.payload("local", 5, 3, "res/local"), "local");
  ASSERT_EQ(l.exit_code, 0) << l.out << l.err;
  expect_same_results(s, "res/mpi", "res/local", 3);

  const json mpi = read_json(s.results("res/mpi") / "summary.json").at("mpi");
  EXPECT_EQ(mpi["processes"], 2);
  EXPECT_EQ(mpi["world_size"], 3);
  EXPECT_EQ(mpi["per_process"][0]["ranks"], json::parse("[0,2]"));
  EXPECT_EQ(mpi["per_process"][1]["ranks"], json::parse("[1]"));
  EXPECT_GE(mpi["load_imbalance"].get<double>(), 1.0);
  EXPECT_GT(mpi["makespan_seconds"].get<double>(), 0.0);
  EXPECT_GE(mpi["collective_seconds"].get<double>(), 0.0);
  EXPECT_GT(mpi["gathered_bytes"].get<double>(), 0.0);
  EXPECT_NE(m.out.find("ranks: 3 of 3 reported"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("load imbalance"), std::string::npos) << m.out;
}

TEST(MpiInfer, MoreRanksThanFilesAndProcesses) {
  REQUIRE_MPI();
  Store s("oversub", 2);
  // 2 files, 5 ranks (each rank one file, round-robin), 2 processes running 3 and 2 ranks in turn.
  const Output m = run_mpi(s, 2, s.payload("mpi", 2, 5, "res/mpi"), "mpi", "--output json");
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  const json printed = json::parse(m.out);
  EXPECT_EQ(printed["received_ranks"], 5);
  const Output l = run_local(s, s.payload("local", 2, 5, "res/local"), "local");
  ASSERT_EQ(l.exit_code, 0) << l.out << l.err;
  expect_same_results(s, "res/mpi", "res/local", 5);
  EXPECT_GT(printed["duplicate_predictions"].get<int>(), 0);
}

TEST(MpiInfer, CorruptPartitionFailsItsRankAndTheJobCompletes) {
  REQUIRE_MPI();
  Store s("corrupt", 4);
  // 2.pt, rank 1's file (process 1), cut in half: a truncated zip.
  const fs::path bad = s.root() / "cosmicai-data/tiny/2.pt";
  fs::resize_file(bad, fs::file_size(bad) / 2);
  const Output m = run_mpi(s, 2, s.payload("mpi", 4, 4, "res/mpi"), "mpi");
  EXPECT_EQ(m.exit_code, 3) << "exit 3: the job completed with failed ranks\n" << m.out << m.err;
  EXPECT_LT(m.seconds, 100.0) << "no process waits for the failed one";
  const json sum = read_json(s.results("res/mpi") / "summary.json");
  EXPECT_EQ(sum["received_ranks"], 3);
  EXPECT_EQ(sum["missing_ranks"], json::parse("[1]"));
  ASSERT_EQ(sum["failed_ranks"].size(), 1u);
  EXPECT_EQ(sum["failed_ranks"][0]["rank"], 1);
  const std::string error = sum["failed_ranks"][0]["error"].get<std::string>();
  EXPECT_NE(error.find("cosmicai-data/tiny/2.pt"), std::string::npos) << error;
  EXPECT_NE(m.out.find("rank 1 failed"), std::string::npos) << m.out;
  EXPECT_TRUE(fs::exists(s.results("res/mpi") / "errors/1.json")) << "the same failure record as the Map's";
  EXPECT_FALSE(fs::exists(s.results("res/mpi") / "1.json"));
  EXPECT_EQ(read_json(s.results("res/mpi") / "combined_data.json").size(), 3u);
}

TEST(MpiInfer, MissingObjectFailsItsRankOnly) {
  REQUIRE_MPI();
  Store s("missing", 2);
  // Initialize's output given directly, one rank naming an object that is not there.
  json body = json::array();
  for (int r = 0; r < 2; ++r) {
    body.push_back({{"S3_BUCKET", "cosmicai-data"},
                    {"S3_OBJECT_NAME", "code"},
                    {"SCRIPT", "x"},
                    {"S3_OBJECT_TYPE", "folder"},
                    {"WORLD_SIZE", "2"},
                    {"RANK", std::to_string(r)},
                    {"DATA_BUCKET", "cosmicai-data"},
                    {"DATA_PREFIX", "tiny"},
                    {"DATA_PATH", r == 0 ? "tiny/1.pt" : "tiny/99.pt"},
                    {"RESULT_PATH", "res/missing"},
                    {"BATCH_SIZE", 16},
                    {"RUN_ID", "0123456789abcdef"}});
  }
  const fs::path input = s.root() / "init.json";
  std::ofstream(input) << json{{"statusCode", 200}, {"body", body}}.dump(2);
  const Output m = run_mpi(s, 2, input, "mpi", "--output json");
  EXPECT_EQ(m.exit_code, 3) << m.out << m.err;
  const json sum = json::parse(m.out);
  EXPECT_EQ(sum["received_ranks"], 1);
  ASSERT_EQ(sum["failed_ranks"].size(), 1u);
  EXPECT_EQ(sum["failed_ranks"][0]["rank"], 1);
  EXPECT_NE(sum["failed_ranks"][0]["error"].get<std::string>().find("tiny/99.pt"), std::string::npos)
      << sum["failed_ranks"].dump();
}

TEST(MpiInfer, PlanErrorEndsEveryProcess) {
  REQUIRE_MPI();
  Store s("badplan", 2);
  // file_limit beyond the files: process 0's plan fails; the error is broadcast, nobody waits.
  const Output m = run_mpi(s, 2, s.payload("mpi", 5, 2, "res/bad"), "mpi");
  EXPECT_EQ(m.exit_code, 1) << m.out << m.err;
  EXPECT_NE(m.err.find("payload /file_limit: 5 exceeds the 2 .pt files"), std::string::npos) << m.err;
  EXPECT_FALSE(fs::exists(s.results("res/bad")));
}

TEST(MpiInfer, StuckProcessIsBoundedByTheTimeout) {
  REQUIRE_MPI();
  if (kStallPeer.empty()) GTEST_SKIP() << "mpi_stall_peer not built";
  Store s("stuck", 2);
  // Process 1 is a peer that joins the plan broadcast and then hangs: process 0 runs rank 0, waits
  // 3 s at the final barrier, summarizes what the store holds and aborts the job with exit 4.
  const fs::path payload = s.payload("mpi", 2, 2, "res/stuck");
  const std::string cmd = quote(kMpiexec) + " --allow-run-as-root --oversubscribe --bind-to none --timeout 240 -n 1 " +
                          quote(kBinary) + " infer --mpi --input " + quote(payload.string()) + " --store " +
                          quote(s.uri()) + " --threads 1 --mpi-timeout 3 : -n 1 " + quote(kStallPeer);
  const Output m = run(cmd, s.err("stuck"));
  EXPECT_EQ(m.exit_code, 4) << m.out << m.err;
  EXPECT_LT(m.seconds, 120.0) << "bounded by --mpi-timeout, not mpirun's --timeout 240";
  EXPECT_NE(m.err.find("waited 3 s in the final barrier"), std::string::npos) << m.err;
  const json sum = read_json(s.results("res/stuck") / "summary.json");
  EXPECT_EQ(sum["mpi"]["timed_out"], true);
  EXPECT_EQ(sum["received_ranks"], 1);
  EXPECT_EQ(sum["missing_ranks"], json::parse("[1]"));
}

TEST(MpiInfer, StandaloneInferNeverLoadsMpi) {
  if (!fs::exists(kTiny / "1.pt")) GTEST_SKIP() << "fixture partitions missing under " << kTiny;
  Store s("standalone", 1);
  const fs::path payload = s.payload("one", 1, 1, "res/one");
  // LD_DEBUG lists every library the process loads; launcher variables must only warn.
  const Output o = run("env LD_DEBUG=libs OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0 " + quote(kBinary) +
                           " infer --input " + quote(payload.string()) + " --store " + quote(s.uri()) + " --threads 1",
                       s.err("one"));
  ASSERT_EQ(o.exit_code, 0) << o.out << o.err;
  ASSERT_NE(o.err.find("libcosmicai_model.so"), std::string::npos) << "LD_DEBUG lists the libraries loaded";
  EXPECT_EQ(o.err.find("libmpi"), std::string::npos) << "standalone infer loaded an MPI library";
  EXPECT_EQ(o.err.find("cosmicai_mpi_backend"), std::string::npos);
  EXPECT_NE(o.err.find("without --mpi"), std::string::npos) << "a launch by mpirun without --mpi is pointed out";
  // --mpi is the only way in, and names the back end it could not load.
  const Output e = run("env COSMICAI_MPI_LIBRARY=/nonexistent/libcosmicai_mpi_backend.so " + quote(kBinary) +
                           " infer --mpi --input " + quote(payload.string()) + " --store " + quote(s.uri()),
                       s.err("nolib"));
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_TRUE(e.err.find("/nonexistent/libcosmicai_mpi_backend.so") != std::string::npos ||
              e.err.find("built without MPI") != std::string::npos)
      << e.err;
}
