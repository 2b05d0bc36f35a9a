// The real `cosmicai lambda-runtime` behind the Runtime API emulator (tests/peers/lambda), which CTest
// starts by PID before these tests (fixture lambda_emulator). Invocations go through the emulator's
// Invoke API, as Step Functions' lambda:invoke does; results are compared with `cosmicai run`/`infer`
// run locally on the same data.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "support/command.hpp"

namespace fs = std::filesystem;
using cosmicai::dump_compact;
using cosmicai::json;
using cosmicai::testing::read_file;
using cosmicai::testing::run_command;
using cosmicai::testing::shell_quote;

namespace {

const fs::path kSource = COSMICAI_SOURCE_DIR;
const fs::path kLambdaDir = LAMBDA_DIR;
const fs::path kStore = kLambdaDir / "store";
const fs::path kTiny = kSource / "tests/fixtures/astromae/partitions/tiny";
const fs::path kMachine = kSource / "examples/cosmic-ai/cai-state-machine.json";

struct HttpReply {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
};

size_t on_body(char* d, size_t s, size_t n, void* u) {
  static_cast<std::string*>(u)->append(d, s * n);
  return s * n;
}
size_t on_header(char* d, size_t s, size_t n, void* u) {
  std::string line(d, s * n);
  const auto c = line.find(':');
  if (c != std::string::npos) {
    std::string k = line.substr(0, c), v = line.substr(c + 1);
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char ch) { return std::tolower(ch); });
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(v.begin());
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(u))[k] = v;
  }
  return s * n;
}

HttpReply http(const std::string& url, const std::string* post_body, const std::vector<std::string>& headers = {}) {
  HttpReply r;
  CURL* c = curl_easy_init();
  curl_slist* h = nullptr;
  for (const auto& x : headers) h = curl_slist_append(h, x.c_str());
  h = curl_slist_append(h, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (post_body) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body->size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) ADD_FAILURE() << url << ": " << curl_easy_strerror(rc);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

std::string emulator() {
  const std::string port = read_file(kLambdaDir / "emu/port");
  if (port.empty())
    ADD_FAILURE() << "no emulator port file in " << kLambdaDir / "emu"
                  << " (fixture not started?)";
  return "127.0.0.1:" + port;
}

// One invocation through the Invoke API.
struct Invoke {
  HttpReply reply;
  json body;
  bool function_error() const { return reply.headers.count("x-amz-function-error") > 0; }
  bool cold() const { return reply.headers.at("x-emulator-cold") == "true"; }
  std::string environment() const { return reply.headers.at("x-emulator-environment"); }
  std::string request_id() const { return reply.headers.at("x-amz-request-id"); }
};

Invoke invoke(const std::string& function, const std::string& event, std::vector<std::string> headers = {}) {
  Invoke i;
  headers.push_back("Content-Type: application/json");
  i.reply = http("http://" + emulator() + "/2015-03-31/functions/" + function + "/invocations", &event, headers);
  EXPECT_EQ(i.reply.status, 200) << function << ": " << i.reply.body;
  try {
    i.body = json::parse(i.reply.body);
  } catch (const std::exception& e) {
    ADD_FAILURE() << function << " answered non-JSON: " << i.reply.body;
  }
  return i;
}

// The emulator's record of a request (or of an init error of `function`).
json record_of(const std::string& key, const std::string& value) {
  const json log = json::parse(http("http://" + emulator() + "/_emulator/log", nullptr).body);
  for (const auto& r : log) {
    if (r.contains(key) && r[key] == value) return r;
  }
  ADD_FAILURE() << "no emulator record with " << key << " = " << value;
  return json::object();
}

// Copy tiny/1.pt … tiny/<files>.pt into `root`/cosmicai-data/<prefix>/ (idempotent, safe in parallel).
void put_partitions(const fs::path& root, const std::string& prefix, int files) {
  ASSERT_TRUE(fs::exists(kTiny / "1.pt")) << "missing fixture partitions in " << kTiny;
  const fs::path dir = root / "cosmicai-data" / prefix;
  fs::create_directories(dir);
  for (int i = 1; i <= files; ++i) {
    const auto name = std::to_string(i) + ".pt";
    if (fs::exists(dir / name)) continue;
    const auto tmp = dir / ("." + name + "." + std::to_string(::getpid()));
    fs::copy_file(kTiny / name, tmp, fs::copy_options::overwrite_existing);
    fs::rename(tmp, dir / name);
  }
}

json payload(const std::string& prefix, const std::string& result_path, int files, int world) {
  return json{{"bucket", "cosmicai-data"},  {"file_limit", std::to_string(files)},
              {"batch_size", 16},           {"object_type", "folder"},
              {"S3_object_name", "code"},   {"script", "unused"},
              {"result_path", result_path}, {"data_bucket", "cosmicai-data"},
              {"data_prefix", prefix},      {"world_size", world}};
}

// === Cold start, warm invocations, each handler ===

TEST(LambdaRuntime, InitializeColdThenWarmWithTheSeedsShardPlan) {
  put_partitions(kStore, "init", 11);
  const std::string event = dump_compact(payload("init", "results/init", 11, 4));
  std::string env;
  for (int i = 0; i < 3; ++i) {
    const Invoke r = invoke("data-parallel-init", event);
    ASSERT_FALSE(r.function_error()) << r.reply.body;
    if (i == 0) {
      env = r.environment();
    } else {
      EXPECT_FALSE(r.cold()) << "invocation " << i << " should reuse the warm environment";
      EXPECT_EQ(r.environment(), env);
    }
    EXPECT_EQ(r.body["statusCode"], 200);
    // 11 files over 4 ranks, numeric order: 3, 3, 3, 2 (hand-derived from the original split).
    const json& body = r.body["body"];
    ASSERT_EQ(body.size(), 4u) << r.reply.body;
    const std::vector<std::vector<std::string>> want = {{"init/1.pt", "init/2.pt", "init/3.pt"},
                                                        {"init/4.pt", "init/5.pt", "init/6.pt"},
                                                        {"init/7.pt", "init/8.pt", "init/9.pt"},
                                                        {"init/10.pt", "init/11.pt"}};
    for (int k = 0; k < 4; ++k) {
      EXPECT_EQ(body[k]["RANK"], std::to_string(k));
      EXPECT_EQ(body[k]["DATA_PATH"].get<std::vector<std::string>>(), want[k]);
    }
    // The runtime propagates Lambda-Runtime-Trace-Id as _X_AMZN_TRACE_ID (its START line reads it back).
    const json rec = record_of("request_id", r.request_id());
    std::string env_name = r.environment();
    env_name.replace(env_name.find('#'), 1, "-");
    const std::string start_line = "START RequestId: " + r.request_id() +
                                   " Version: $LATEST _X_AMZN_TRACE_ID: " + rec["trace_id"].get<std::string>();
    std::string log;
    for (int tries = 0; tries < 50; ++tries) {  // the runtime's stderr reaches the log file asynchronously
      log = read_file(kLambdaDir / "emu" / (env_name + ".log"));
      if (log.find(start_line) != std::string::npos) break;
      ::usleep(100 * 1000);
    }
    EXPECT_NE(log.find(start_line), std::string::npos) << log;
  }
}

TEST(LambdaRuntime, InferAndSummarizeWarmMatchTheLocalCommands) {
  put_partitions(kStore, "infer", 5);
  const Invoke init = invoke("data-parallel-init", dump_compact(payload("infer", "results/infer", 5, 3)));
  ASSERT_EQ(init.body["body"].size(), 3u) << init.reply.body;

  // The same data in a second store for the local commands.
  const fs::path local = fs::temp_directory_path() / ("cosmicai-lambda-local-" + std::to_string(::getpid()));
  fs::remove_all(local);
  put_partitions(local, "infer", 5);

  std::set<std::string> environments;
  int warm = 0;
  for (int rank = 0; rank < 3; ++rank) {
    const json dict = init.body["body"][rank];
    const Invoke r = invoke("cosmic-executor", dump_compact(dict));
    ASSERT_FALSE(r.function_error()) << r.reply.body;
    environments.insert(r.environment());
    warm += r.cold() ? 0 : 1;
    EXPECT_EQ(r.body["statusCode"], 200);
    EXPECT_EQ(r.body["body"]["rank"], rank);
    const fs::path rank_file = local / ("rank" + std::to_string(rank) + ".json");
    std::ofstream(rank_file) << dict.dump();
    const auto o =
        run_command(std::string(COSMICAI_BINARY) + " infer --input " + shell_quote(rank_file.string()) + " --store " +
                    shell_quote("file://" + local.string()) + " --model builtin --threads 1 --output json");
    ASSERT_EQ(o.exit_code, 0) << o.out;
    const std::string key = "cosmicai-data/results/infer/predictions/" + std::to_string(rank) + ".csv";
    const std::string lambda_csv = read_file(kStore / key), local_csv = read_file(local / key);
    EXPECT_GT(lambda_csv.size(), 100u);
    EXPECT_EQ(lambda_csv, local_csv) << "rank " << rank << ": predictions differ from `cosmicai infer`";
  }
  EXPECT_GE(warm, 1) << "three sequential invocations on at most two environments: at least one is warm";

  for (int i = 0; i < 2; ++i) {
    const Invoke s = invoke("resultSummary", dump_compact(init.body));
    ASSERT_FALSE(s.function_error()) << s.reply.body;
    if (i == 1) EXPECT_FALSE(s.cold());
    EXPECT_EQ(s.body["body"]["expected_ranks"], 3);
    EXPECT_EQ(s.body["body"]["received_ranks"], 3);
    EXPECT_TRUE(s.body["body"]["complete"].get<bool>());
    EXPECT_EQ(s.body["body"]["performance"]["samples"], 5 * 32);
  }
  fs::remove_all(local);
}

// === Errors ===

TEST(LambdaRuntime, HandlerErrorIsPostedWithItsTypeAndTheEnvironmentStaysWarm) {
  put_partitions(kStore, "handler-error", 1);
  const Invoke init = invoke("data-parallel-init", dump_compact(payload("handler-error", "results/herr", 1, 1)));
  json dict = init.body["body"][0];
  dict["DATA_PATH"] = "handler-error/404.pt";
  const Invoke r = invoke("infer-handler-error", dump_compact(dict));
  ASSERT_TRUE(r.function_error()) << r.reply.body;
  EXPECT_EQ(r.body["errorType"], "NotFound");
  EXPECT_NE(r.body["errorMessage"].get<std::string>().find("handler-error/404.pt"), std::string::npos) << r.body;
  EXPECT_TRUE(r.body["stackTrace"].is_array());
  const json rec = record_of("request_id", r.request_id());
  EXPECT_EQ(rec["outcome"], "error");
  EXPECT_EQ(rec["error_type_header"], "NotFound") << "Lambda-Runtime-Function-Error-Type header";
  // The same environment serves the next event.
  const Invoke again = invoke("infer-handler-error", dump_compact(init.body["body"][0]));
  EXPECT_FALSE(again.function_error()) << again.reply.body;
  EXPECT_EQ(again.environment(), r.environment());
}

TEST(LambdaRuntime, MalformedEventIsAnUnmarshalError) {
  const Invoke r = invoke("resultSummary", "{\"result_path\": ", {"X-Emulator-Raw: 1"});
  ASSERT_TRUE(r.function_error()) << r.reply.body;
  EXPECT_EQ(r.body["errorType"], "Runtime.UnmarshalError");
  EXPECT_NE(r.body["errorMessage"].get<std::string>().find("is not JSON"), std::string::npos) << r.body;
  EXPECT_EQ(record_of("request_id", r.request_id())["error_type_header"], "Runtime.UnmarshalError");
  const Invoke next = invoke("resultSummary", "{}");
  EXPECT_EQ(next.environment(), r.environment()) << "a bad event does not cost the environment";
  EXPECT_TRUE(next.function_error());
  EXPECT_EQ(next.body["errorType"], "InvalidPayload") << next.body;
}

TEST(LambdaRuntime, ContainerErrorFromTheApiMakesTheRuntimeExit) {
  const Invoke first = invoke("summarize-container-error", "{}");  // a warm environment to lose
  const Invoke r = invoke("summarize-container-error", "{}", {"X-Emulator-Post-Status: 500"});
  ASSERT_TRUE(r.function_error()) << r.reply.body;
  EXPECT_EQ(r.body["errorType"], "Runtime.ExitError") << r.body;
  EXPECT_NE(r.body["errorMessage"].get<std::string>().find("exit status 1"), std::string::npos) << r.body;
  const Invoke next = invoke("summarize-container-error", "{}");
  EXPECT_TRUE(next.cold()) << "a fresh environment replaces the one that exited";
  EXPECT_NE(next.environment(), r.environment());
}

struct InitCase {
  std::string function, error_type, message_part;
};

TEST(LambdaRuntime, InitErrorsArePostedToInitErrorWithANamedType) {
  const std::vector<InitCase> cases = {
      {"infer-no-model", "CosmicAI.ModelNotFound", "empty-task-root/model holds neither model.pt nor a *.ts.pt"},
      {"summarize-s3-no-credentials", "CosmicAI.MissingCredentials", "AWS_ACCESS_KEY_ID"},
      {"unnamed", "Runtime.NoSuchHandler", "missing function name"},
      {"no-such-handler", "Runtime.NoSuchHandler",
       "no handler named 'no-such-handler' (from AWS_LAMBDA_FUNCTION_NAME)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.function);
    const Invoke r = invoke(c.function, "{}");
    ASSERT_TRUE(r.function_error()) << r.reply.body;
    EXPECT_EQ(r.body["errorType"], c.error_type);
    EXPECT_NE(r.body["errorMessage"].get<std::string>().find(c.message_part), std::string::npos) << r.body;
    const json rec = record_of("function", c.function);
    EXPECT_EQ(rec["outcome"], "init_error_posted");
    EXPECT_EQ(rec["error_type_header"], c.error_type);
  }
}

TEST(LambdaRuntime, DeadlineExpiringMidInferenceIsReportedBeforeTheDeadline) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The runtime gives a cancelled handler half the margin (0.5 s) to return; a sanitizer's 3-10x
  // slowdown makes one micro-batch longer than that, so the environment is (rightly) given up.
  GTEST_SKIP() << "timing-bound: a micro-batch under a sanitizer outlasts the 0.5 s grace";
#endif
  put_partitions(kStore, "deadline", 12);
  const Invoke init = invoke("data-parallel-init", dump_compact(payload("deadline", "results/deadline", 12, 1)));
  // One rank of 48 partitions (the 12 listed four times, 1,536 samples) takes seconds on one thread
  // even on a fast machine; the deadline is 2.5 s away and the runtime's margin 1 s, so it must stop
  // mid-inference and say so before Lambda would kill it, leaving the handler half the remaining
  // time (0.5 s, many micro-batches) to notice its cancelled token.
  json rank = init.body["body"][0];
  json paths = json::array();
  for (int copy = 0; copy < 4; ++copy) {
    for (const auto& key : rank["DATA_PATH"]) paths.push_back(key);
  }
  ASSERT_EQ(paths.size(), 48u) << rank.dump();
  rank["DATA_PATH"] = paths;
  const Invoke r = invoke("infer-deadline", dump_compact(rank), {"X-Emulator-Timeout-Ms: 2500"});
  ASSERT_TRUE(r.function_error()) << r.reply.body;
  EXPECT_EQ(r.body["errorType"], "CosmicAI.DeadlineExceeded") << r.body;
  const json rec = record_of("request_id", r.request_id());
  EXPECT_EQ(rec["outcome"], "error") << "posted by the runtime, not a timeout kill by the emulator";
  EXPECT_EQ(rec["error_type_header"], "CosmicAI.DeadlineExceeded");
  EXPECT_FALSE(fs::exists(kStore / "cosmicai-data/results/deadline/0.json")) << "no result for an unfinished rank";
  // The handler stopped when its token was cancelled, so the environment stays warm and serves
  // the next request (a one-partition rank, well within the deadline).
  const Invoke small_init = invoke("data-parallel-init", dump_compact(payload("deadline", "results/deadline-1", 1, 1)));
  const Invoke next =
      invoke("infer-deadline", dump_compact(small_init.body["body"][0]), {"X-Emulator-Timeout-Ms: 60000"});
  ASSERT_FALSE(next.function_error()) << next.reply.body;
  EXPECT_FALSE(next.cold()) << "the runtime exited after the deadline instead of staying warm";
  EXPECT_EQ(next.environment(), r.environment());
  EXPECT_TRUE(fs::exists(kStore / "cosmicai-data/results/deadline-1/0.json"));
}

TEST(LambdaRuntime, UnreachableRuntimeApiAndMissingApiAreNamed) {
  const std::string env = "env -i PATH=/usr/bin:/bin COSMICAI_STORE=file://" + kStore.string() + " ";
  auto o =
      run_command(env + "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 " + COSMICAI_BINARY + " lambda-runtime summarize 2>&1");
  EXPECT_EQ(o.exit_code, 1) << o.out;
  EXPECT_NE(o.out.find("Runtime API 127.0.0.1:1 unreachable"), std::string::npos) << o.out;
  o = run_command(env + COSMICAI_BINARY + " lambda-runtime summarize 2>&1");
  EXPECT_EQ(o.exit_code, 2) << o.out;
  EXPECT_NE(o.out.find("AWS_LAMBDA_RUNTIME_API is not set"), std::string::npos) << o.out;
  o = run_command(env + "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=lots " + COSMICAI_BINARY +
                  " lambda-runtime summarize 2>&1");
  EXPECT_EQ(o.exit_code, 2) << o.out;
  EXPECT_NE(o.out.find("AWS_LAMBDA_FUNCTION_MEMORY_SIZE: 'lots'"), std::string::npos) << o.out;
}

// === Step Functions over Lambda: `cosmicai run` with every Task invoking the runtime ===

// Run `machine` twice on the same 6 partitions in 3 ranks: through the emulator (every Task a Lambda
// invocation; the engine's own store, for an ItemReader, is the functions' store) and locally with
// the built-in handlers; the predictions and the summary must agree.
void expect_same_results_over_lambda(const fs::path& machine, const std::string& prefix) {
  put_partitions(kStore, prefix, 6);
  const fs::path local = fs::temp_directory_path() / ("cosmicai-lambda-" + prefix + "-" + std::to_string(::getpid()));
  fs::remove_all(local);
  put_partitions(local, prefix, 6);
  const fs::path input = local / "payload.json";
  const std::string result_path = "results/" + prefix;
  std::ofstream(input) << payload(prefix, result_path, 6, 3).dump();
  const std::string base = std::string(COSMICAI_BINARY) + " run " + shell_quote(machine.string()) + " --input " +
                           shell_quote(input.string()) + " --time-scale 0 ";
  const std::string ep = "lambda://" + emulator();
  const auto remote = run_command(base + "--store " + shell_quote("file://" + kStore.string()) +
                                  " --function data-parallel-init=" + ep + " --function cosmic-executor=" + ep +
                                  " --function resultSummary=" + ep);
  const auto here =
      run_command(base + "--store " + shell_quote("file://" + local.string()) + " --model builtin --threads 1");
  ASSERT_EQ(remote.exit_code, 0) << remote.out;
  ASSERT_EQ(here.exit_code, 0) << here.out;
  const json a = json::parse(remote.out)["output"]["body"], b = json::parse(here.out)["output"]["body"];
  for (const char* k : {"expected_ranks", "received_ranks", "complete", "missing_ranks", "failed_ranks"}) {
    EXPECT_EQ(a[k], b[k]) << k;
  }
  EXPECT_EQ(a["expected_ranks"], 3);
  EXPECT_TRUE(a["complete"].get<bool>());
  EXPECT_EQ(a["performance"]["samples"], 6 * 32);
  EXPECT_EQ(a["performance"]["samples"], b["performance"]["samples"]);
  for (int rank = 0; rank < 3; ++rank) {
    const std::string key = "cosmicai-data/" + result_path + "/predictions/" + std::to_string(rank) + ".csv";
    EXPECT_EQ(read_file(kStore / key), read_file(local / key)) << "rank " << rank;
    EXPECT_GT(read_file(kStore / key).size(), 100u);
  }
  fs::remove_all(local);
}

TEST(StepFunctionsOverLambda, SeedsMachineGivesTheSameResultsAsTheLocalRun) {
  expect_same_results_over_lambda(kMachine, "machine");
}

TEST(StepFunctionsOverLambda, ItemReaderMachineGivesTheSameResultsAsTheLocalRun) {
  // The deployed variant past the 256 KiB limit: Initialize writes the rank list, the Map reads it.
  expect_same_results_over_lambda(kSource / "examples/cosmic-ai/cai-state-machine-itemreader.json", "itemreader");
  EXPECT_TRUE(fs::exists(kStore / "cosmicai-data/results/itemreader/rank-items.json"));
}

TEST(StepFunctionsOverLambda, FunctionErrorsAndUnknownFunctionsReachTheMachineWithAwsNames) {
  // A Task calling a function the emulator does not have fails with Lambda.ResourceNotFoundException.
  const fs::path dir = fs::temp_directory_path() / ("cosmicai-lambda-errors-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const json machine = {{"StartAt", "T"},
                        {"States",
                         {{"T",
                           {{"Type", "Task"},
                            {"Resource", "arn:aws:states:::lambda:invoke"},
                            {"Parameters", {{"FunctionName", "missing-fn"}, {"Payload.$", "$"}}},
                            {"End", true}}}}}};
  std::ofstream(dir / "m.json") << machine.dump();
  const std::string ep = "lambda://" + emulator();
  auto o = run_command(std::string(COSMICAI_BINARY) + " run " + shell_quote((dir / "m.json").string()) +
                       " --time-scale 0 --function missing-fn=" + ep);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(json::parse(o.out)["error"], "Lambda.ResourceNotFoundException") << o.out;
  // A handler's error type is the Task's error name, as on AWS.
  json m2 = machine;
  m2["States"]["T"]["Parameters"]["FunctionName"] = "arn:aws:lambda:us-east-1:123456789012:function:resultSummary";
  std::ofstream(dir / "m2.json") << m2.dump();
  o = run_command(std::string(COSMICAI_BINARY) + " run " + shell_quote((dir / "m2.json").string()) +
                  " --time-scale 0 --input-json '{}' --function resultSummary=" + ep);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(json::parse(o.out)["error"], "InvalidPayload") << o.out;
  fs::remove_all(dir);
}

}  // namespace
