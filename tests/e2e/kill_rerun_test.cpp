// kill -9 of `cosmicai run` in the middle of the Cosmic AI workflow, then a rerun: the ranks that
// finished before the kill left whole, valid results; nothing half-written is visible as a result;
// the rerun's summary is complete. Synthetic data (`cosmicai dataset synth`), no shared files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/json.hpp"

namespace fs = std::filesystem;
using cosmicai::json;

namespace {

const fs::path kSource = COSMICAI_SOURCE_DIR;
const fs::path kMachine = kSource / "examples/cosmic-ai/cai-state-machine.json";
constexpr const char* kTempPrefix = ".cosmicai-tmp-";  // the file store's temporary names
constexpr int kRanks = 16;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool is_rank_result(const fs::path& p) {
  const std::string name = p.filename().string();
  if (p.extension() != ".json" || name.rfind(kTempPrefix, 0) == 0) return false;
  const std::string stem = p.stem().string();
  return !stem.empty() && stem.find_first_not_of("0123456789") == std::string::npos;
}

int count_rank_results(const fs::path& dir) {
  int n = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_rank_result(it->path())) ++n;
  }
  return n;
}

/// Start `command` through /bin/sh (which execs it); return its pid.
pid_t spawn(const std::string& command) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TEST(KillRerun, AKilledRunLeavesOnlyWholeResultsAndTheRerunCompletes) {
  const fs::path root = fs::temp_directory_path() / ("cosmicai-e2e-kill-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  const std::string bin = COSMICAI_BINARY;
  // 16 partitions of 1 MB (about 50 samples each).
  ASSERT_EQ(std::system((bin + " dataset synth --root " + quote(root.string()) +
                         " --bucket cosmicai-data --partition-mb 1 --total-mb 16 --prefix small/ --seed 5 >/dev/null")
                            .c_str()),
            0);
  const json payload = {{"bucket", "cosmicai-data"},   {"file_limit", std::to_string(kRanks)},
                        {"batch_size", 16},            {"object_type", "folder"},
                        {"S3_object_name", "none"},    {"script", "inference.py"},
                        {"result_path", "res/kill"},   {"data_bucket", "cosmicai-data"},
                        {"data_prefix", "small"},      {"world_size", kRanks}};
  const fs::path input = root / "input.json";
  std::ofstream(input) << payload.dump();
  const std::string command = bin + " run " + quote(kMachine.string()) + " --input " + quote(input.string()) +
                              " --store " + quote("file://" + root.string()) + " --time-scale 0 --threads 1";
  const fs::path results = root / "cosmicai-data/res/kill";

  // 1. Kill -9 as soon as the first rank has finished.
  const pid_t pid = spawn(command + " > " + quote((root / "first.json").string()) + " 2>/dev/null");
  ASSERT_GT(pid, 0);
  int finished_at_kill = 0;
  for (int i = 0; i < 120000 && finished_at_kill == 0; ++i) {
    finished_at_kill = count_rank_results(results);
    if (finished_at_kill == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_exit(pid), -SIGKILL) << "the run ended before it could be killed";
  ASSERT_GT(finished_at_kill, 0) << "no rank finished within 120 s";

  // 2. What the killed run left: every visible result is whole and valid, with its predictions.
  const int left = count_rank_results(results);
  EXPECT_LT(left, kRanks) << "every rank had finished: the kill did not interrupt the run";
  int temporaries = 0;
  for (const auto& e : fs::recursive_directory_iterator(results)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.rfind(kTempPrefix, 0) == 0) {
      ++temporaries;  // an interrupted atomic put: never listed, never read
      continue;
    }
    if (!is_rank_result(e.path())) continue;
    json r;
    ASSERT_NO_THROW(r = json::parse(read_file(e.path()))) << e.path() << " is not whole JSON";
    const fs::path csv = results / "predictions" / (e.path().stem().string() + ".csv");
    ASSERT_TRUE(fs::exists(csv)) << "result " << e.path() << " without its predictions";
    const std::string text = read_file(csv);
    const auto lines = std::count(text.begin(), text.end(), '\n');
    EXPECT_EQ(lines, r.at("samples").get<long>() + 1) << csv;
    EXPECT_GT(r.at("samples").get<long>(), 0);
  }
  std::printf("[ killed ] %d of %d ranks had finished; %d temporary file(s) left\n", left, kRanks, temporaries);

  // 3. The rerun completes and its summary accounts for every rank.
  const fs::path second = root / "second.json";
  const int code = wait_exit(spawn(command + " > " + quote(second.string())));
  ASSERT_EQ(code, 0) << read_file(second);
  const json out = json::parse(read_file(second));
  ASSERT_EQ(out.value("status", ""), "SUCCEEDED") << out.dump(2);
  const json& s = out.at("output").at("body");
  EXPECT_EQ(s["expected_ranks"], kRanks);
  EXPECT_EQ(s["received_ranks"], kRanks);
  EXPECT_TRUE(s["complete"].get<bool>()) << s.dump(2);
  EXPECT_EQ(s.value("missing_ranks", json::array()).size(), 0u) << s.dump(2);
  EXPECT_EQ(s.value("failed_ranks", json::array()).size(), 0u) << s.dump(2);
  EXPECT_EQ(count_rank_results(results), kRanks);
  fs::remove_all(root);
}

}  // namespace
