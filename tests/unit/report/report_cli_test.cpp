// `cosmicai report --html` and `cosmicai plan` through the binary: a 1,000-rank result directory,
// a tiny real run rendered in headless Chromium (skipped, with the reason, when it is absent).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/json.hpp"
#include "support/command.hpp"

namespace fs = std::filesystem;
using cosmicai::json;

namespace {

const fs::path kSource = COSMICAI_SOURCE_DIR;
const fs::path kBinary = COSMICAI_BINARY;

using Output = cosmicai::testing::CommandOutput;
constexpr auto run = cosmicai::testing::run_command;

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fmt_name(const std::string& name) { return "cosmicai-" + name + "-" + std::to_string(::getpid()); }

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / fmt_name(name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

namespace {

TEST(ReportCli, ThousandRankResultDirectory) {
  const fs::path tmp = fresh_dir("report1000");
  const fs::path dir = tmp / "store" / "cosmicai-data" / "res" / "big";
  fs::create_directories(dir / "predictions");
  fs::create_directories(dir / "errors");
  for (int r = 0; r < 1000; ++r) {
    if (r % 200 == 7) {
      std::ofstream(dir / "errors" / (std::to_string(r) + ".json")) << json{
          {"rank", r},
          {"world_size", 1000},
          {"error", "rank " + std::to_string(r) + ": injected failure"}}.dump();
      continue;
    }
    const double start = 1.8e9 + r * 0.01;
    json res{{"total_cpu_time (seconds)", 6.0},
             {"total_cpu_memory (MB)", 900.0},
             {"samples", 50},
             {"wall_seconds", 6.0},
             {"gate_wait_seconds", 0.1},
             {"model_seconds", 0.4},
             {"load_seconds", 0.3},
             {"compute_seconds", 5.0},
             {"write_seconds", 0.05},
             {"peak_rss_mb", 900.0},
             {"input_bits", 50 * 164160.0},
             {"start_time", start},
             {"end_time", start + 6.0},
             {"batch_size", 512},
             {"data_path", "25MB/" + std::to_string(r + 1) + ".pt"}};
    std::ofstream(dir / (std::to_string(r) + ".json")) << res.dump();
    std::ofstream csv(dir / "predictions" / (std::to_string(r) + ".csv"));
    csv << "sample,file,redshift,prediction\n";
    for (int i = 0; i < 50; ++i)
      csv << i << ",25MB/" << r + 1 << ".pt," << 0.1 + i * 0.01 << "," << 0.11 + i * 0.01 << "\n";
  }
  const auto s =
      run(q(kBinary) + " summarize --store file://" + (tmp / "store").string() +
          " --bucket cosmicai-data --result-path res/big --data-prefix 25MB --world-size 1000 -o json >/dev/null");
  ASSERT_TRUE(s.exit_code == 0 || s.exit_code == 3) << s.exit_code;  // 3: ranks missing (the failed ones)
  const fs::path html = tmp / "big.html";
  const auto r = run(q(kBinary) + " report " + q(dir) + " --html " + q(html) + " --layout builtin 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string page = slurp(html);
  std::printf("1,000-rank report from files: %zu bytes\n", page.size());
  EXPECT_LT(page.size(), 2u * 1024 * 1024);
  EXPECT_NE(page.find("rank 7: injected failure"), std::string::npos);
  EXPECT_NE(page.find("995 of 1000 ranks reported"), std::string::npos);
  EXPECT_NE(page.find("Density of 49,750 predictions"), std::string::npos);
  // Bad input is named.
  const auto bad = run(q(kBinary) + " report " + q(tmp) + " --html " + q(tmp / "x.html") + " 2>&1");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("no summary.json"), std::string::npos) << bad.out;
  fs::remove_all(tmp);
}

TEST(PlanCli, TablesRecommendationAndErrors) {
  const auto r = run(q(kBinary) + " plan --data-size 12.6GB --deadline 60s --memory-mb 3008,10240 --calibration " +
                     q(kSource / "examples/cosmic-ai/calibration-original-lambda.json") + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Assumptions:"), std::string::npos);
  EXPECT_NE(r.out.find("By cost:"), std::string::npos);
  EXPECT_NE(r.out.find("By time:"), std::string::npos);
  EXPECT_NE(r.out.find("Recommended: 25MB × 516 ranks at 3,008 MB"), std::string::npos) << r.out;
  const auto none =
      run(q(kBinary) + " plan --data-size 1GB --calibration " + q(fs::temp_directory_path() / "nope.json") + " 2>&1");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.out.find("cosmicai plan --calibrate"), std::string::npos) << none.out;
  const auto j = run(q(kBinary) + " plan --data-size 1GB -o json --calibration " +
                     q(kSource / "examples/cosmic-ai/calibration-original-lambda.json"));
  ASSERT_EQ(j.exit_code, 0);
  const json out = json::parse(j.out);
  EXPECT_EQ(out["rows"].size(), 4u);
  EXPECT_TRUE(out["recommended"].is_object());
}

bool have(const char* program) { return run(std::string("command -v ") + program + " >/dev/null 2>&1").exit_code == 0; }

std::string chromium(const fs::path& profile) {
  return std::string(
             "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--user-data-dir=") +
         q(profile);
}

TEST(ReportCli, TinyRunRendersInHeadlessChromium) {
  if (!have("chromium"))
    GTEST_SKIP() << "chromium is not installed (Debian package chromium; scripts/setup.sh adds it)";
  const fs::path tmp = fresh_dir("reporttiny");
  const fs::path data = tmp / "data";
  ASSERT_EQ(
      run(q(kBinary) + " dataset synth --root " + q(data) + " --partition-mb 1 --total-mb 2 >/dev/null").exit_code, 0);
  std::ofstream(tmp / "payload.json")
      << R"({"bucket":"cosmicai-data","file_limit":"2","batch_size":32,"object_type":"folder",
    "S3_object_name":"Anomaly Detection","script":"x","result_path":"res/tiny/1","data_bucket":"cosmicai-data",
    "data_prefix":"1MB"})";
  const fs::path machine = kSource / "examples/cosmic-ai/cai-state-machine.json";
  const auto ran =
      run(q(kBinary) + " run " + q(machine) + " --input " + q(tmp / "payload.json") + " --store file://" +
          data.string() + " --threads 1 --history " + q(tmp / "history.json") + " > " + q(tmp / "run.json"));
  ASSERT_EQ(ran.exit_code, 0) << slurp(tmp / "run.json");
  const fs::path html = tmp / "report.html";
  const auto rep =
      run(q(kBinary) + " report " + q(tmp / "run.json") + " --store file://" + data.string() + " --history " +
          q(tmp / "history.json") + " --definition " + q(machine) + " --html " + q(html) + " 2>&1");
  ASSERT_EQ(rep.exit_code, 0) << rep.out;

  const auto dom = run(chromium(tmp / "profile1") + " --dump-dom file://" + html.string() + " 2>/dev/null");
  ASSERT_EQ(dom.exit_code, 0) << "chromium --dump-dom failed";
  for (const char* id : {"overview", "graph", "timeline", "scaling", "accuracy", "performance", "parameters"}) {
    EXPECT_NE(dom.out.find(std::string("<section id=\"") + id + "\""), std::string::npos) << "section " << id;
  }
  EXPECT_NE(dom.out.find("Model Inference"), std::string::npos);  // the Map's inner machine
  EXPECT_NE(dom.out.find("2 invocations"), std::string::npos);

  const fs::path artifacts = kBinary.parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  const fs::path shot = artifacts / "report-tiny.png";
  fs::remove(shot);
  const auto log = run(chromium(tmp / "profile2") +
                       " --enable-logging=stderr --v=0 --window-size=1200,2600 "
                       "--screenshot=" +
                       q(shot) + " file://" + html.string() + " 2>&1");
  ASSERT_EQ(log.exit_code, 0) << log.out;
  ASSERT_TRUE(fs::exists(shot)) << log.out;
  EXPECT_GT(fs::file_size(shot), 20000u);
  EXPECT_EQ(log.out.find("CONSOLE"), std::string::npos) << "console message:\n" << log.out;
  EXPECT_EQ(log.out.find("net::ERR_"), std::string::npos) << "a resource failed to load:\n" << log.out;
  std::printf("screenshot kept at %s\n", shot.string().c_str());
  fs::remove_all(tmp);
}

}  // namespace
