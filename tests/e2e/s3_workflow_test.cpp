// The seeds' state machine and payload, unchanged, with `--store s3://…` against s3rver on
// loopback (through the SigV4-verifying proxy): the predictions equal the file:// run's.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/json.hpp"
#include "storage/s3/s3_store.hpp"
#include "support/command.hpp"

namespace fs = std::filesystem;
using cosmicai::json;
using cosmicai::testing::read_file;
using cosmicai::testing::run_command;
using cosmicai::testing::shell_quote;

namespace {

const fs::path kSource = COSMICAI_SOURCE_DIR;
const fs::path kTiny = kSource / "tests/fixtures/astromae/partitions/tiny";
const fs::path kMachine = kSource / "examples/cosmic-ai/cai-state-machine.json";
const fs::path kPayload = kSource / "examples/cosmic-ai/payloads/world11-100MB.json";

size_t append(char* p, size_t, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, n);
  return n;
}

// The proxy's counters (GET /__stats; `reset`: zero them, so a test counts only its own requests:
// the tests sharing the proxy run one at a time, RESOURCE_LOCK s3peer-buckets).
json proxy_stats(const std::string& endpoint, bool reset = false) {
  std::string body;
  CURL* c = curl_easy_init();
  const std::string url = endpoint + (reset ? "/__stats?reset=1" : "/__stats");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  const auto rc = curl_easy_perform(c);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) return json::object();
  return json::parse(body);
}

// Ports of the peer the s3peer fixture started (tests/peers/s3peer.sh).
bool peer_ports(int& proxy, std::string& why) {
  const char* dir = std::getenv("COSMICAI_S3PEER_STATE");
  if (!dir) {
    why = "COSMICAI_S3PEER_STATE is not set (run through ctest)";
    return false;
  }
  if (fs::exists(fs::path(dir) / "skip")) {
    why = "S3 peer not installed: " + read_file(fs::path(dir) / "skip");
    return false;
  }
  std::istringstream env(read_file(fs::path(dir) / "env"));
  std::string line;
  while (std::getline(env, line)) {
    if (line.rfind("PROXY_PORT=", 0) == 0) proxy = std::stoi(line.substr(11));
  }
  if (proxy <= 0) why = std::string("no S3 peer running (") + dir + "/env)";
  return proxy > 0;
}

// The seeds' 12 tiny partitions in a file:// store (ROOT/files) and under s3://cosmicai-e2e/PREFIX
// (store bucket cosmicai-data = S3 folder PREFIX/cosmicai-data/, so the payload stays the seeds').
class SeedsDataInS3 : public ::testing::Test {
 protected:
  // Returns false (and sets skip_) when the peer or the fixtures are missing.
  void prepare(const std::string& prefix) {
    int proxy = 0;
    if (!peer_ports(proxy, skip_)) return;
    if (!fs::exists(kTiny / "1.pt")) {
      skip_ = "tiny reference partitions missing: " + kTiny.string();
      return;
    }
    endpoint_ = "http://127.0.0.1:" + std::to_string(proxy);
    // An earlier test may have left rejected requests on purpose (wrong credentials).
    proxy_stats(endpoint_, /*reset=*/true);
    root_ = fs::temp_directory_path() / ("cosmicai-e2e-" + prefix + "-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "files/cosmicai-data/100MB");
    cosmicai::storage::s3::S3Settings settings;
    settings.endpoint = endpoint_;
    settings.credentials = {"S3RVER", "S3RVER", ""};
    s3_ = std::static_pointer_cast<cosmicai::storage::s3::S3ObjectStore>(
        cosmicai::storage::s3::open_s3_store("s3://cosmicai-e2e/" + prefix, settings).value());
    auto direct = std::static_pointer_cast<cosmicai::storage::s3::S3ObjectStore>(
        cosmicai::storage::s3::open_s3_store("s3://", settings).value());
    ASSERT_TRUE(direct->create_bucket("cosmicai-e2e").ok());
    std::vector<std::string> old;
    // The listing is kept in a variable: a range-for over a temporary's value() would read it after
    // the temporary is gone (found by AddressSanitizer).
    const auto listed = direct->list_all("cosmicai-e2e", prefix + "/");
    ASSERT_TRUE(listed.ok()) << listed.error().message;
    for (const auto& o : *listed) old.push_back(o.key);
    ASSERT_TRUE(direct->remove_many("cosmicai-e2e", old).ok());
    for (int i = 1; i <= 12; ++i) {
      const std::string name = std::to_string(i) + ".pt";
      fs::copy_file(kTiny / name, root_ / "files/cosmicai-data/100MB" / name);
      ASSERT_TRUE(s3_->put("cosmicai-data", "100MB/" + name, read_file(kTiny / name)).ok());
    }
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  // Every rank's predictions in S3 equal the file:// run's, byte for byte, and the summary is there.
  void expect_same_predictions(int ranks) {
    const std::string results = "result-partition-100MB/1GB/1";
    for (int rank = 0; rank < ranks; ++rank) {
      const std::string key = results + "/predictions/" + std::to_string(rank) + ".csv";
      auto from_s3 = s3_->get("cosmicai-data", key);
      ASSERT_TRUE(from_s3.ok()) << key << ": " << from_s3.error().message;
      EXPECT_EQ(*from_s3, read_file(root_ / "files/cosmicai-data" / key)) << key;
    }
    EXPECT_TRUE(s3_->exists("cosmicai-data", results + "/summary.json").value());
  }
  std::string skip_, endpoint_;
  fs::path root_;
  std::shared_ptr<cosmicai::storage::s3::S3ObjectStore> s3_;
};

#define PREPARE_OR_SKIP(prefix)                \
  do {                                         \
    prepare(prefix);                           \
    if (HasFatalFailure()) return;             \
    if (!skip_.empty()) GTEST_SKIP() << skip_; \
  } while (0)

TEST_F(SeedsDataInS3, SeedsMachineWithAnS3StoreMatchesTheFileStoreRun) {
  PREPARE_OR_SKIP("run");
  const fs::path& root = root_;
  const std::string& endpoint = endpoint_;
  const std::string common = "run " + shell_quote(kMachine.string()) + " --input " + shell_quote(kPayload.string()) +
                             " --time-scale 0 --threads 1 --model builtin ";
  const auto file_run = run_command(std::string(COSMICAI_BINARY) + " " + common + "--store " +
                                    shell_quote("file://" + (root / "files").string()));
  ASSERT_EQ(file_run.exit_code, 0) << file_run.out;
  const auto s3_run = run_command("AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 " +
                                  std::string(COSMICAI_BINARY) + " " + common +
                                  "--store s3://cosmicai-e2e/run --s3-endpoint " + endpoint);
  ASSERT_EQ(s3_run.exit_code, 0) << s3_run.out;
  const json fr = json::parse(file_run.out), sr = json::parse(s3_run.out);
  ASSERT_EQ(sr.value("status", ""), "SUCCEEDED") << sr.dump(2);
  const json& body = sr.at("output").at("body");
  EXPECT_EQ(body["received_ranks"], 11);
  EXPECT_EQ(body["performance"]["samples"], 11 * 32);
  EXPECT_EQ(body["accuracy"], fr.at("output").at("body")["accuracy"]);

  expect_same_predictions(11);
  // Every request of the run carried a signature the reference signer accepts.
  const json stats = proxy_stats(endpoint);
  EXPECT_EQ(stats.value("sigv4_fail", -1), 0) << stats.dump();
  EXPECT_GT(stats.value("sigv4_ok", 0), 11 * 5) << stats.dump();
}

// The deployed code path, offline: `cosmicai run` plays Step Functions and every Task invokes the
// real `cosmicai lambda-runtime` through the Runtime API emulator (tests/peers/lambda); the functions
// read partitions from and write results to s3rver through the SigV4-checking proxy, with
// credentials and endpoint from their environment, as on AWS. The results must equal a local run's.
TEST_F(SeedsDataInS3, SeedsMachineOverTheLambdaEmulatorAndS3MatchesTheLocalRun) {
  if (run_command("command -v node >/dev/null").exit_code != 0) GTEST_SKIP() << "node is not installed";
  PREPARE_OR_SKIP("lambda");
  const fs::path& root = root_;
  const std::string& endpoint = endpoint_;

  // The three functions, each its own runtime process with the execution role's environment.
  const json env = {{"COSMICAI_STORE", "s3://cosmicai-e2e/lambda"},
                    {"AWS_ENDPOINT_URL_S3", endpoint},
                    {"AWS_ACCESS_KEY_ID", "S3RVER"},
                    {"AWS_SECRET_ACCESS_KEY", "S3RVER"},
                    {"AWS_SESSION_TOKEN", ""},
                    {"COSMICAI_MODEL", "builtin"},
                    {"COSMICAI_THREADS", "1"}};
  json functions = json::object();
  for (const auto& [name, handler] : {std::pair{"data-parallel-init", "initialize"},
                                      std::pair{"cosmic-executor", "infer"}, std::pair{"resultSummary", "summarize"}}) {
    functions[name] = {{"command", {COSMICAI_BINARY, "lambda-runtime", handler}},
                       {"env", env},
                       {"max_environments", 2},
                       {"timeout_ms", 120000}};
  }
  std::ofstream(root / "emulator.json") << json{{"functions", functions}}.dump(2);
  const std::string ctl = "sh " + shell_quote((kSource / "tests/peers/lambda/emulator_ctl.sh").string()) + " ";
  const std::string emu_dir = shell_quote((root / "emu").string());
  struct StopEmulator {  // also when an assertion returns early
    std::string command;
    void now() {
      if (!command.empty()) run_command(command);
      command.clear();
    }
    ~StopEmulator() { now(); }
  } stop{ctl + "stop " + emu_dir + " >/dev/null 2>&1"};
  const auto started =
      run_command(ctl + "start " + emu_dir + " " + shell_quote((root / "emulator.json").string()) + " 2>&1");
  ASSERT_EQ(started.exit_code, 0) << started.out;
  const std::string lambda = "lambda://127.0.0.1:" + read_file(root / "emu/port");

  const std::string common =
      "run " + shell_quote(kMachine.string()) + " --input " + shell_quote(kPayload.string()) + " --time-scale 0 ";
  const auto over_lambda = run_command(
      "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER " + std::string(COSMICAI_BINARY) + " " + common +
      "--store s3://cosmicai-e2e/lambda --s3-endpoint " + endpoint + " --function data-parallel-init=" + lambda +
      " --function cosmic-executor=" + lambda + " --function resultSummary=" + lambda);
  const auto local = run_command(std::string(COSMICAI_BINARY) + " " + common + "--threads 1 --model builtin --store " +
                                 shell_quote("file://" + (root / "files").string()));
  ASSERT_EQ(over_lambda.exit_code, 0) << over_lambda.out << "\nemulator log:\n" << read_file(root / "emu/emulator.log");
  ASSERT_EQ(local.exit_code, 0) << local.out;
  const json remote_body = json::parse(over_lambda.out).at("output").at("body");
  const json local_body = json::parse(local.out).at("output").at("body");
  EXPECT_EQ(remote_body["received_ranks"], 11);
  EXPECT_TRUE(remote_body["complete"].get<bool>());
  EXPECT_EQ(remote_body["performance"]["samples"], 11 * 32);
  EXPECT_EQ(remote_body["accuracy"], local_body["accuracy"]);
  expect_same_predictions(11);
  // The runtimes' requests were signed with the environment's credentials and verified.
  const json stats = proxy_stats(endpoint);
  EXPECT_EQ(stats.value("sigv4_fail", -1), 0) << stats.dump();
  stop.now();
}

// Bad input through the CLI: each fails the run with the S3 error named, before any rank runs.
TEST(CosmicWorkflowS3, MissingBucketWrongCredentialsAndNonPartitionKeysAreNamed) {
  int proxy = 0;
  std::string why;
  if (!peer_ports(proxy, why)) GTEST_SKIP() << why;
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(proxy);
  cosmicai::storage::s3::S3Settings settings;
  settings.endpoint = endpoint;
  settings.credentials = {"S3RVER", "S3RVER", ""};
  auto direct = std::static_pointer_cast<cosmicai::storage::s3::S3ObjectStore>(
      cosmicai::storage::s3::open_s3_store("s3://", settings).value());
  ASSERT_TRUE(direct->create_bucket("cosmicai-e2e").ok());
  // A data folder with objects, none of them partitions.
  ASSERT_TRUE(direct->put("cosmicai-e2e", "bad/cosmicai-data/100MB/notes.txt", "x").ok());
  ASSERT_TRUE(direct->put("cosmicai-e2e", "bad/cosmicai-data/100MB/1.json", "{}").ok());

  const std::string base = std::string(COSMICAI_BINARY) + " run " + shell_quote(kMachine.string()) + " --input " +
                           shell_quote(kPayload.string()) +
                           " --time-scale 0 --threads 1 --model builtin --s3-endpoint " + endpoint + " --store ";
  const std::string creds = "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER ";
  auto failed_with = [](const cosmicai::testing::CommandOutput& o, const std::string& text) {
    EXPECT_EQ(o.exit_code, 1) << o.out;
    json r;
    try {
      r = json::parse(o.out);
    } catch (...) {
      ADD_FAILURE() << "no JSON: " << o.out;
      return;
    }
    EXPECT_EQ(r.value("status", ""), "FAILED") << r.dump(2);
    EXPECT_NE(r.value("cause", "").find(text), std::string::npos) << r.dump(2);
  };
  // Only non-.pt keys under the data prefix.
  failed_with(run_command(creds + base + "s3://cosmicai-e2e/bad"),
              "initialize: no .pt files under cosmicai-data/100MB/ in store s3://cosmicai-e2e/bad");
  // The S3 bucket does not exist.
  failed_with(
      run_command(creds + base + "s3://cosmicai-missing-e2e"),
      "bucket cosmicai-data: not found (S3 ListObjectsV2: HTTP 404 NoSuchBucket, S3 bucket cosmicai-missing-e2e)");
  // Wrong credentials: the verifier rejects the signature at once.
  failed_with(run_command("AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=wrong " + base + "s3://cosmicai-e2e/bad"),
              "S3 ListObjectsV2 failed: HTTP 403 SignatureDoesNotMatch");
}

}  // namespace
