// `cosmicai run` with a local command that hangs: the Task's TimeoutSeconds ends it promptly.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/clock.hpp"
#include "common/json.hpp"

namespace cosmicai {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int code = -1;
  std::string out;
};

Ran run_cli(const std::string& args) {
  const std::string cmd = std::string(COSMICAI_BINARY) + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  Ran r;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CliTimeout, AHangingCommandIsStoppedAtTheTaskTimeout) {
  const fs::path def = fs::temp_directory_path() / ("cosmicai_cli_timeout_" + std::to_string(::getpid()) + ".json");
  std::ofstream(def) << R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","TimeoutSeconds":2,"End":true}}})";
  for (const char* scale : {"1", "0"}) {
    Clock wall(1.0);
    const auto t0 = wall.now();
    const Ran r = run_cli("run " + def.string() + " --time-scale " + scale + " --function slow='sleep 30'");
    const double seconds = std::chrono::duration<double>(wall.now() - t0).count();
    EXPECT_EQ(r.code, 1) << r.out;
    const json out = json::parse(r.out);
    EXPECT_EQ(out["status"], "FAILED");
    EXPECT_EQ(out["error"], "States.Timeout");
    // The process holds a worker, so even at time scale 0 the 2 s pass in real time; then it is
    // stopped (SIGTERM) and the run ends, not after the 30 s of the sleep.
    EXPECT_LT(seconds, 2.0 + 1.0) << "time scale " << scale;
    std::printf("[ timing ] time scale %s: run ended %.3f s after start (timeout 2 s)\n", scale, seconds);
  }
  fs::remove(def);
}

}  // namespace
}  // namespace cosmicai
