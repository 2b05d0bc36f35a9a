// `cosmicai summarize`, `cosmicai report` and `cosmicai infer` through the binary: outputs and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/json.hpp"
#include "cosmic/payload.hpp"
#include "data/partition.hpp"
#include "data/synthetic.hpp"

namespace cosmicai::cosmic {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int code;
  std::string out;
  std::string err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Run `cosmicai ARGS` (a shell fragment, so `< file` works), capturing stdout, stderr and the exit code.
CommandResult cosmicai(const std::string& args) {
  static int counter = 0;
  const fs::path err_file =
      fs::temp_directory_path() / fmt::format("cosmicai_cosmic_cli_{}_{}.err", ::getpid(), counter++);
  const std::string cmd = std::string(COSMICAI_BINARY) + " " + args + " 2>" + quote(err_file.string());
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  std::ifstream e(err_file);
  std::string err((std::istreambuf_iterator<char>(e)), std::istreambuf_iterator<char>());
  fs::remove(err_file);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err};
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

constexpr const char* kBucket = "b";
constexpr const char* kPath = "res/1";

// A file store in a temporary folder (bucket b) with rank results as infer_rank writes them.
class CosmicCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(COSMICAI_BINARY)) GTEST_SKIP() << "cosmicai binary not built: " COSMICAI_BINARY;
    root_ = fs::temp_directory_path() / fmt::format("cosmicai-cosmic-cli-{}-{}", ::getpid(),
                                                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / kBucket);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string store() const { return "--store " + quote("file://" + root_.string()); }
  fs::path bucket() const { return root_ / kBucket; }

  void put_rank(int rank, int world, const std::vector<std::pair<double, double>>& z_pred) {
    std::string csv = "sample,file,redshift,prediction\n";
    for (std::size_t i = 0; i < z_pred.size(); ++i) {
      csv += fmt::format("{},p/{}.pt,{},{}\n", i, rank + 1, z_pred[i].first, z_pred[i].second);
    }
    write_file(bucket() / rank_predictions_key(kPath, rank), csv);
    const json r = {{"total_cpu_time (seconds)", 2.0},
                    {"rank", rank},
                    {"world_size", world},
                    {"samples", z_pred.size()},
                    {"start_time", 100.0},
                    {"end_time", 102.0},
                    {"model", "m"},
                    {"predictions", rank_predictions_key(kPath, rank)}};
    write_file(bucket() / rank_result_key(kPath, rank), r.dump());
  }
  std::string summarize_args(int world) const {
    return fmt::format("summarize --bucket {} --result-path {} --world-size {} {}", kBucket, kPath, world, store());
  }

  fs::path root_;
};

TEST_F(CosmicCli, SummarizeExitsZeroWhenCompleteAndWritesTheSummary) {
  put_rank(0, 2, {{0.1, 0.1}, {0.2, 0.25}});
  put_rank(1, 2, {{0.3, 0.3}});
  auto r = cosmicai(summarize_args(2) + " -o json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const json s = json::parse(r.out);
  EXPECT_TRUE(s["complete"].get<bool>());
  EXPECT_EQ(s["received_ranks"], 2);
  EXPECT_EQ(s["performance"]["samples"], 3);
  EXPECT_EQ(s["accuracy"]["samples"], 3);
  EXPECT_EQ(json::parse(slurp(bucket() / kPath / "summary.json")), s);

  auto table = cosmicai(summarize_args(2));
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("ranks: 2 of 2 reported"), std::string::npos) << table.out;
}

TEST_F(CosmicCli, SummarizeExitsOneOnErrorsAndThreeWhenRanksAreMissing) {
  put_rank(0, 2, {{0.1, 0.1}});
  auto missing = cosmicai(summarize_args(2));
  EXPECT_EQ(missing.code, 3) << missing.err;
  EXPECT_NE(missing.out.find("missing [1]"), std::string::npos) << missing.out;

  // No way to find the results: a usage mistake the command itself reports, exit 1.
  auto nothing = cosmicai("summarize " + store());
  EXPECT_EQ(nothing.code, 1);
  EXPECT_NE(nothing.err.find("give --input FILE, or --bucket and --result-path"), std::string::npos) << nothing.err;
  // An unreadable rank result fails the summary, naming the file.
  write_file(bucket() / rank_result_key(kPath, 1), "{not json");
  auto corrupt = cosmicai(summarize_args(2));
  EXPECT_EQ(corrupt.code, 1);
  EXPECT_NE(corrupt.err.find(fmt::format("{}/{}", kBucket, rank_result_key(kPath, 1))), std::string::npos)
      << corrupt.err;
  // A bad --input names the file.
  auto bad_input = cosmicai("summarize --input /no/such/event.json " + store());
  EXPECT_EQ(bad_input.code, 1);
  EXPECT_NE(bad_input.err.find("/no/such/event.json"), std::string::npos) << bad_input.err;
}

TEST_F(CosmicCli, SummarizeNamesARankWhosePredictionsAreMissing) {
  put_rank(0, 2, {{0.1, 0.1}});
  put_rank(1, 2, {{0.2, 0.2}});
  fs::remove(bucket() / rank_predictions_key(kPath, 1));
  auto r = cosmicai(summarize_args(2));
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("rank 1 failed: rank 1: predictions b/res/1/predictions/1.csv"), std::string::npos) << r.out;
}

TEST_F(CosmicCli, ReportReadsSummaryJsonARunsOutputOrStdin) {
  put_rank(0, 1, {{0.1, 0.1}, {0.2, 0.3}});
  ASSERT_EQ(cosmicai(summarize_args(1) + " -o json").code, 0);
  const fs::path summary_file = bucket() / kPath / "summary.json";
  const json summary = json::parse(slurp(summary_file));

  auto table = cosmicai("report " + quote(summary_file.string()));
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("ranks: 1 of 1 reported"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("accuracy over 2 samples"), std::string::npos) << table.out;

  auto as_json = cosmicai("report " + quote(summary_file.string()) + " -o json");
  ASSERT_EQ(as_json.code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out), summary);

  // `cosmicai run`'s output holds the summary under output.body; read from stdin.
  const fs::path run_out = root_ / "run.json";
  write_file(run_out, json{{"status", "SUCCEEDED"}, {"output", {{"statusCode", 200}, {"body", summary}}}}.dump());
  auto from_stdin = cosmicai("report - -o json < " + quote(run_out.string()));
  ASSERT_EQ(from_stdin.code, 0) << from_stdin.err;
  EXPECT_EQ(json::parse(from_stdin.out), summary);
}

TEST_F(CosmicCli, ReportWithoutASummaryExitsOneNamingTheFile) {
  const fs::path other = root_ / "other.json";
  write_file(other, R"({"status":"FAILED","error":"E","cause":"C"})");
  auto r = cosmicai("report " + quote(other.string()));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(other.string() + ": no Cosmic AI summary in it"), std::string::npos) << r.err;
  auto absent = cosmicai("report " + quote((root_ / "absent.json").string()));
  EXPECT_EQ(absent.code, 1);
  EXPECT_NE(absent.err.find("absent.json"), std::string::npos) << absent.err;
  auto malformed = cosmicai("report - < /dev/null");
  EXPECT_EQ(malformed.code, 1);
  EXPECT_NE(malformed.err.find("<stdin>"), std::string::npos) << malformed.err;
  EXPECT_EQ(cosmicai("report").code, 2);  // the file is required
}

TEST_F(CosmicCli, InferExitCodes) {
  write_file(bucket() / "p/1.pt", data::serialize_partition(data::synthesize_partition(4, 1), "1"));
  write_file(bucket() / "p/2.pt", "PK\x03\x04 not really a zip");
  auto rank = [&](const json& paths) {
    return json{{"S3_BUCKET", "code"}, {"S3_OBJECT_NAME", "none"}, {"WORLD_SIZE", "2"},
                {"RANK", "0"},         {"DATA_BUCKET", kBucket},   {"DATA_PREFIX", "p"},
                {"DATA_PATH", paths},  {"RESULT_PATH", kPath},     {"BATCH_SIZE", 4}};
  };
  const fs::path good = root_ / "good.json", bad = root_ / "bad.json", plan = root_ / "plan.json";
  write_file(good, rank("p/1.pt").dump());
  write_file(bad, rank(json::array({"p/1.pt", "p/2.pt"})).dump());
  write_file(plan, json{{"statusCode", 200}, {"body", {rank("p/1.pt"), rank("p/1.pt")}}}.dump());

  auto ok = cosmicai("infer --input " + quote(good.string()) + " -o json --threads 1 " + store());
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(json::parse(ok.out)["samples"], 4);

  // A corrupt partition: exit 1, the partition named by bucket/key, the failure recorded for Summarize.
  auto corrupt = cosmicai("infer --input " + quote(bad.string()) + " --threads 1 " + store());
  EXPECT_EQ(corrupt.code, 1);
  EXPECT_TRUE(corrupt.out.empty()) << corrupt.out;
  EXPECT_NE(corrupt.err.find("cosmicai infer: error: rank 0: partition b/p/2.pt"), std::string::npos) << corrupt.err;
  EXPECT_TRUE(fs::exists(bucket() / rank_error_key(kPath, 0)));

  // A rank the input does not plan, several ranks without --rank, an unreadable input: exit 1.
  auto out_of_range = cosmicai("infer --input " + quote(plan.string()) + " --rank 2 " + store());
  EXPECT_EQ(out_of_range.code, 1);
  EXPECT_NE(out_of_range.err.find("--rank 2: the input plans only 2 ranks"), std::string::npos) << out_of_range.err;
  auto ambiguous = cosmicai("infer --input " + quote(plan.string()) + " " + store());
  EXPECT_EQ(ambiguous.code, 1);
  EXPECT_NE(ambiguous.err.find("choose one with --rank 0..1"), std::string::npos) << ambiguous.err;
  auto no_file = cosmicai("infer --input /no/such/rank.json " + store());
  EXPECT_EQ(no_file.code, 1);
  EXPECT_NE(no_file.err.find("/no/such/rank.json"), std::string::npos) << no_file.err;

  // Usage mistakes: exit 2.
  EXPECT_EQ(cosmicai("infer " + store()).code, 2);
  EXPECT_EQ(cosmicai("infer --input " + quote(good.string()) + " -o xml " + store()).code, 2);
}

// `--precision`: the opt-in reduced precisions reach the model, and the result says which ran.
TEST_F(CosmicCli, InferRunsTheBuiltInModelAtTheChosenPrecision) {
  write_file(bucket() / "p/1.pt", data::serialize_partition(data::synthesize_partition(8, 1), "1"));
  const fs::path input = root_ / "rank.json";
  write_file(input, json{{"S3_BUCKET", "code"}, {"S3_OBJECT_NAME", "none"}, {"WORLD_SIZE", "1"}, {"RANK", "0"},
                         {"DATA_BUCKET", kBucket}, {"DATA_PREFIX", "p"}, {"DATA_PATH", "p/1.pt"},
                         {"RESULT_PATH", kPath}, {"BATCH_SIZE", 8}}
                        .dump());
  for (const std::string precision : {"fp32", "int8"}) {
    auto r = cosmicai("infer --input " + quote(input.string()) + " -o json --threads 1 --precision " + precision +
                      " " + store());
    ASSERT_EQ(r.code, 0) << r.err;
    const json out = json::parse(r.out);
    EXPECT_EQ(out["samples"], 8);
    EXPECT_NE(out["model"].get<std::string>().find(", " + precision + " "), std::string::npos) << out["model"];
  }
  EXPECT_EQ(cosmicai("infer --input " + quote(input.string()) + " --precision fp16 " + store()).code, 2);
}

// `run --progress plain`: the status line for logs, one line per update, no carriage return.
TEST_F(CosmicCli, RunProgressPlainWritesLinesForLogs) {
  ASSERT_EQ(
      cosmicai("dataset synth --root " + quote(root_.string()) + " --bucket b --partition-mb 1 --total-mb 3").code, 0);
  const fs::path payload = root_ / "payload.json";
  write_file(payload, R"({"bucket":"b","file_limit":"3","batch_size":64,"object_type":"folder",
    "S3_object_name":"none","script":"x","result_path":"res/plain","data_bucket":"b","data_prefix":"1MB"})");
  const auto machine = std::string(COSMICAI_SOURCE_DIR) + "/examples/cosmic-ai/cai-state-machine.json";
  auto r = cosmicai("run " + quote(machine) + " --input " + quote(payload.string()) + " --threads 1 --progress plain " +
                    store());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\033'), std::string::npos) << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.err);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("ranks ")) lines.push_back(line);
  }
  ASSERT_FALSE(lines.empty()) << r.err;
  // The last line: every rank done, as many as Initialize planned (the summary's world size).
  const auto world = json::parse(slurp(bucket() / "res/plain/summary.json"))["expected_ranks"];
  EXPECT_TRUE(lines.back().starts_with(fmt::format("ranks {}/{} · ", world.dump(), world.dump()))) << r.err;

  // The same run with --progress off (and by default, stderr not being a terminal) writes none.
  auto quiet = cosmicai("run " + quote(machine) + " --input " + quote(payload.string()) + " --threads 1 " + store());
  ASSERT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("ranks "), std::string::npos) << quiet.err;
  EXPECT_EQ(cosmicai("run " + quote(machine) + " --progress loud " + store()).code, 2);
}

// `serve` runs many executions at once; one status line cannot describe them, so it has no
// --progress (`cosmicai status` and the console show each execution's progress).
TEST_F(CosmicCli, ServeHasNoProgressOption) {
  const auto r = cosmicai("serve --port 0 --progress plain");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--progress"), std::string::npos) << r.err;
  EXPECT_EQ(cosmicai("serve --help").out.find("--progress"), std::string::npos);
  EXPECT_NE(cosmicai("run --help").out.find("--progress"), std::string::npos);
}

}  // namespace
}  // namespace cosmicai::cosmic
