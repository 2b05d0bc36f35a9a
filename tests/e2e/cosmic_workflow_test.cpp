// The seeds' state machine, unchanged, through `cosmicai run` on the reference partitions.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace fs = std::filesystem;
using cosmicai::json;

namespace {

const fs::path kShared = COSMICAI_SHARED_DIR;
const fs::path kSource = COSMICAI_SOURCE_DIR;
const fs::path kTiny = kShared / "reference/astromae/partitions/tiny";
const fs::path kWeights = kShared / "reference/astromae/astromae_seed0.ts.pt";
const fs::path kMachine = kSource / "examples/cosmic-ai/cai-state-machine.json";
const fs::path kTolerant = kSource / "examples/cosmic-ai/cai-state-machine-tolerant.json";

struct Output {
  int exit_code = -1;
  std::string out;
};

// Run a shell command, capturing stdout (stderr goes to the test log).
Output run(const std::string& command) {
  Output o;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return o;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  const int status = ::pclose(p);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json read_json(const fs::path& p) { return json::parse(read_file(p)); }

void write_json(const fs::path& p, const json& j) {
  std::ofstream out(p);
  out << j.dump(2);
}

// A temporary store whose bucket cosmicai-data holds tiny/1.pt … tiny/<files>.pt under `prefix`.
class Store {
 public:
  Store(const std::string& name, const std::string& prefix, int files) {
    root_ = fs::temp_directory_path() / ("cosmicai-e2e-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(root_);
    fs::create_directories(root_ / "cosmicai-data" / prefix);
    for (int i = 1; i <= files; ++i) {
      const auto name_i = std::to_string(i) + ".pt";
      fs::copy_file(kTiny / name_i, root_ / "cosmicai-data" / prefix / name_i);
    }
  }
  ~Store() { fs::remove_all(root_); }
  const fs::path& root() const { return root_; }
  std::string uri() const { return "file://" + root_.string(); }
  fs::path bucket() const { return root_ / "cosmicai-data"; }

 private:
  fs::path root_;
};

json seeds_payload(const std::string& name) { return read_json(kSource / "examples/cosmic-ai/payloads" / name); }

// `cosmicai run` of a machine on a payload; returns the printed result object.
json run_machine(const Store& store, const fs::path& machine, const json& payload, const std::string& extra,
                 int* exit_code = nullptr) {
  const fs::path input = store.root() / "input.json";
  write_json(input, payload);
  const auto o = run(std::string(COSMICAI_BINARY) + " run " + quote(machine.string()) + " --input " +
                     quote(input.string()) + " --store " + quote(store.uri()) + " --time-scale 0 --threads 1 " + extra);
  if (exit_code) *exit_code = o.exit_code;
  try {
    return json::parse(o.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "run printed no JSON: " << e.what() << "\n" << o.out;
    return json::object();
  }
}

// Summarize's body from a run's output (OutputPath $.Payload leaves {statusCode, body}).
const json& summary_of(const json& result) { return result.at("output").at("body"); }

struct CsvRow {
  long sample;
  std::string file;
  double z, pred;
};
std::vector<CsvRow> read_predictions(const fs::path& p) {
  std::vector<CsvRow> rows;
  std::istringstream in(read_file(p));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "sample,file,redshift,prediction");
  while (std::getline(in, line)) {
    const auto c1 = line.find(','), c3 = line.rfind(','), c2 = line.rfind(',', c3 - 1);
    rows.push_back({std::stol(line.substr(0, c1)), line.substr(c1 + 1, c2 - c1 - 1),
                    std::stod(line.substr(c2 + 1, c3 - c2 - 1)), std::stod(line.substr(c3 + 1))});
  }
  return rows;
}

void expect_reference_predictions(const std::vector<CsvRow>& rows) {
  const json expected = read_json(kTiny / "expected.json");
  const auto& want = expected.at("predictions_file1_all");
  ASSERT_EQ(rows.size(), want.size());
  double worst = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].sample, static_cast<long>(i));
    worst = std::max(worst, std::fabs(rows[i].pred - want[i].get<double>()));
  }
  EXPECT_LE(worst, 1e-5) << "max |Δ| against expected.json";
  EXPECT_NEAR(rows[0].z, expected["files"][0]["redshift_first"].get<double>(), 1e-7);
}

TEST(CosmicWorkflow, SeedsMachineOnTinyPartitionsMatchesTheReferencePredictions) {
  Store store("reference", "100MB", 12);
  const json result = run_machine(store, kMachine, seeds_payload("world11-100MB.json"),
                                  "--model " + quote("builtin:" + kWeights.string()));
  ASSERT_EQ(result.value("status", ""), "SUCCEEDED") << result.dump(2);
  const json& s = summary_of(result);
  EXPECT_EQ(s["expected_ranks"], 11);
  EXPECT_EQ(s["received_ranks"], 11);
  EXPECT_TRUE(s["complete"].get<bool>());
  EXPECT_EQ(s["performance"]["partition"], "100MB");
  EXPECT_EQ(s["performance"]["samples"], 11 * 32);  // files 1..11, numeric order (not 1, 10, 11, 12, 2…)
  EXPECT_EQ(s["accuracy"]["samples"], 11 * 32);

  const fs::path results = store.bucket() / "result-partition-100MB/1GB/1";
  expect_reference_predictions(read_predictions(results / "predictions/0.csv"));
  const auto last = read_predictions(results / "predictions/10.csv");
  ASSERT_EQ(last.size(), 32u);
  EXPECT_EQ(last[0].file, "100MB/11.pt");

  const json r0 = read_json(results / "0.json");
  for (const char* k : {"total_cpu_time (seconds)", "total_cpu_memory (MB)", "execution_time (seconds/batch)",
                        "num_batches", "batch_size", "device", "throughput_bps", "sample_persec", "result_path",
                        "data_path", "rank", "world_size", "samples", "load_seconds", "compute_seconds",
                        "write_seconds"}) {
    EXPECT_TRUE(r0.contains(k)) << k;
  }
  EXPECT_EQ(r0["data_path"], "100MB/1.pt");
  EXPECT_EQ(r0["num_batches"], 1);
  EXPECT_EQ(r0["samples"], 32);
  EXPECT_GT(r0["sample_persec"].get<double>(), 0);
  const json combined = read_json(results / "combined_data.json");
  ASSERT_TRUE(combined.is_array());
  EXPECT_EQ(combined.size(), 11u);
  EXPECT_TRUE(fs::exists(results / "summary.json"));
  EXPECT_FALSE(fs::exists(store.bucket() / "payload.json"));  // no global side file

  // `cosmicai report` renders the run's output as the performance table.
  const fs::path out = store.root() / "run.json";
  write_json(out, result);
  const auto rep = run(std::string(COSMICAI_BINARY) + " report " + quote(out.string()));
  EXPECT_EQ(rep.exit_code, 0);
  EXPECT_NE(rep.out.find("Partition"), std::string::npos) << rep.out;
  EXPECT_NE(rep.out.find("100MB"), std::string::npos);
  EXPECT_NE(rep.out.find("11 of 11 reported"), std::string::npos) << rep.out;
}

TEST(CosmicWorkflow, InferCommandWithTheTorchScriptModel) {
  Store store("torchscript", "100MB", 2);
  json payload = seeds_payload("world11-100MB.json");
  payload["file_limit"] = "2";
  const fs::path input = store.root() / "payload.json";
  write_json(input, payload);
  const auto o = run(std::string(COSMICAI_BINARY) + " infer --input " + quote(input.string()) +
                     " --rank 0 --output json --threads 1 --store " + quote(store.uri()) + " --model " +
                     quote(kWeights.string()));
  ASSERT_EQ(o.exit_code, 0) << o.out;
  const json r = json::parse(o.out);
  EXPECT_EQ(r["rank"], 0);
  EXPECT_EQ(r["samples"], 32);
  expect_reference_predictions(read_predictions(store.bucket() / "result-partition-100MB/1GB/1/predictions/0.csv"));
}

TEST(CosmicWorkflow, CorruptPartitionFailsOnlyItsRank) {
  Store store("corrupt", "100MB", 6);
  fs::copy_file(kShared / "reference/astromae/partitions/corrupt/crc_mismatch.pt", store.bucket() / "100MB/4.pt",
                fs::copy_options::overwrite_existing);
  json payload = seeds_payload("world11-100MB.json");
  payload["file_limit"] = "6";

  // The seeds' machine has no Catch and a distributed Map tolerates no failure by default: the
  // execution fails as on AWS, and the rank's named error is kept beside the results.
  int code = 0;
  const json failed = run_machine(store, kMachine, payload, "", &code);
  EXPECT_EQ(code, 1);
  ASSERT_EQ(failed.value("status", ""), "FAILED") << failed.dump(2);
  EXPECT_EQ(failed.value("error", ""), "States.ExceedToleratedFailureThreshold") << failed.dump(2);
  const fs::path record = store.bucket() / "result-partition-100MB/1GB/1/errors/3.json";
  ASSERT_TRUE(fs::exists(record));
  const std::string cause = read_json(record).value("error", "");
  EXPECT_NE(cause.find("rank 3: partition cosmicai-data/100MB/4.pt: "), std::string::npos) << cause;

  // With a Map that tolerates failures, Summarize reports the failed rank and the others are intact.
  payload["result_path"] = "tolerant/1";
  const json ok = run_machine(store, kTolerant, payload, "");
  ASSERT_EQ(ok.value("status", ""), "SUCCEEDED") << ok.dump(2);
  const json& s = summary_of(ok);
  EXPECT_EQ(s["expected_ranks"], 6);
  EXPECT_EQ(s["received_ranks"], 5);
  EXPECT_EQ(s["missing_ranks"], json({3}));
  ASSERT_EQ(s["failed_ranks"].size(), 1u);
  const std::string err = s["failed_ranks"][0]["error"];
  EXPECT_NE(err.find("rank 3"), std::string::npos) << err;
  EXPECT_NE(err.find("100MB/4.pt"), std::string::npos) << err;
  EXPECT_EQ(s["performance"]["samples"], 5 * 32);
  const fs::path results = store.bucket() / "tolerant/1";
  for (int r : {0, 1, 2, 4, 5}) {
    EXPECT_TRUE(fs::exists(results / (std::to_string(r) + ".json"))) << r;
    EXPECT_EQ(read_predictions(results / "predictions" / (std::to_string(r) + ".csv")).size(), 32u) << r;
  }
  EXPECT_FALSE(fs::exists(results / "3.json"));
  EXPECT_EQ(read_json(results / "combined_data.json").size(), 5u);

  // `cosmicai summarize` over the same results names the missing rank and exits 3.
  const auto sum = run(std::string(COSMICAI_BINARY) + " summarize --bucket cosmicai-data --result-path tolerant/1 " +
                       "--world-size 6 --data-prefix 100MB --store " + quote(store.uri()));
  EXPECT_EQ(sum.exit_code, 3);
  EXPECT_NE(sum.out.find("missing [3]"), std::string::npos) << sum.out;
}

// Every seeds' payload, unchanged but for a scaled-down file_limit, on partitions under its prefix.
struct PayloadCase {
  const char* file;
  const char* prefix;
  const char* file_limit;
  const char* result_path;
};

class SeedsPayloads : public ::testing::TestWithParam<PayloadCase> {};

TEST_P(SeedsPayloads, RunsAndListsEveryRank) {
  const auto& c = GetParam();
  Store store(std::string("payload-") + c.prefix, c.prefix, 12);
  json payload = seeds_payload(c.file);
  ASSERT_EQ(payload["data_prefix"], c.prefix);
  ASSERT_EQ(payload["result_path"], c.result_path);
  payload["file_limit"] = c.file_limit;
  const json result = run_machine(store, kMachine, payload, "");
  ASSERT_EQ(result.value("status", ""), "SUCCEEDED") << result.dump(2);
  const json& s = summary_of(result);
  const int n = std::stoi(c.file_limit);
  EXPECT_EQ(s["expected_ranks"], n);
  EXPECT_EQ(s["received_ranks"], n);
  EXPECT_EQ(s["missing_ranks"], json::array());
  EXPECT_EQ(s["performance"]["partition"], c.prefix);
  EXPECT_EQ(s["performance"]["requests"], n);
  EXPECT_EQ(read_json(store.bucket() / c.result_path / "combined_data.json").size(), static_cast<std::size_t>(n));
  EXPECT_TRUE(fs::exists(store.bucket() / c.result_path / "summary.json"));
}

INSTANTIATE_TEST_SUITE_P(
    CosmicWorkflow, SeedsPayloads,
    ::testing::Values(PayloadCase{"world11-100MB.json", "100MB", "11", "result-partition-100MB/1GB/1"},
                      PayloadCase{"world90-100MB.json", "100MB", "9", "scaling/result-partition-100MB/9GB/2"},
                      PayloadCase{"world163-50MB.json", "50MB", "8", "scaling/result-partition-50MB/8GB/2"},
                      PayloadCase{"world516-25MB.json", "25MB", "12", "scaling/result-partition-25MB/12.6GB/2"}),
    [](const auto& info) { return std::string(info.param.prefix) + "_" + info.param.file_limit; });

}  // namespace

TEST(CosmicWorkflow, ItemReaderMachineReadsAndWritesThroughTheRunStore) {
  // `cosmicai run --store` gives the engine the handlers' store: Initialize writes the rank items there,
  // the Map's ItemReader reads them and its ResultWriter exports beside the results; the predictions
  // match the seeds' machine's.
  Store store("itemreader", "100MB", 3);
  json payload = seeds_payload("world11-100MB.json");
  payload["file_limit"] = "3";
  const json result = run_machine(store, kSource / "examples/cosmic-ai/cai-state-machine-itemreader.json", payload,
                                  "--model " + quote("builtin:" + kWeights.string()));
  ASSERT_EQ(result.value("status", ""), "SUCCEEDED") << result.dump(2);
  const json& s = summary_of(result);
  EXPECT_EQ(s["expected_ranks"], 3);
  EXPECT_EQ(s["received_ranks"], 3);
  const fs::path results = store.bucket() / "result-partition-100MB/1GB/1";
  expect_reference_predictions(read_predictions(results / "predictions/0.csv"));
  EXPECT_EQ(read_json(results / "rank-items.json").size(), 3u);
  std::size_t manifests = 0;
  for (const auto& e : fs::recursive_directory_iterator(results / "map-runs")) {
    if (e.path().filename() == "manifest.json") ++manifests;
  }
  EXPECT_EQ(manifests, 1u);
}
