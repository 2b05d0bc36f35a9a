// cosmicai status EXECUTION_ARN --endpoint URL: the live status line of an execution that a
// `cosmicai serve` (or any Step Functions endpoint) runs, from DescribeExecution, ListMapRuns and
// DescribeMapRun; samples/s from the ranks' result files when the store is at hand.
#include <curl/curl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "cli/command.hpp"
#include "cli/cosmic_functions.hpp"
#include "common/json.hpp"
#include "cosmic/payload.hpp"
#include "cosmic/progress.hpp"
#include "report/text_table.hpp"

namespace cosmicai::cli {
namespace {

struct StatusOptions {
  std::string execution_arn;
  std::string endpoint = "http://127.0.0.1:8083";
  bool watch = false;
  double interval_s = 1.0;
  std::string progress = "auto";
  std::string output = "text";
  std::string store;  // "" = file://$PWD/data, as `run`
  std::string s3_endpoint;
};

[[noreturn]] void fail(int code, const std::string& message) {
  std::cerr << "cosmicai status: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::size_t append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

/// One Step Functions API call (AWS JSON 1.0). Exits 1 naming the endpoint and the operation.
json call(const std::string& endpoint, const std::string& operation, const json& body) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) fail(1, "curl_easy_init failed");
  const std::string text = dump_compact(body), target = "X-Amz-Target: AWSStepFunctions." + operation;
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/x-amz-json-1.0");
  headers = curl_slist_append(headers, target.c_str());
  const std::string url = endpoint.ends_with("/") ? endpoint : endpoint + "/";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, text.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(text.size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 30L);
  const CURLcode rc = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) fail(1, fmt::format("{} at {}: {}", operation, endpoint, curl_easy_strerror(rc)));
  json j;
  try {
    j = json::parse(response);
  } catch (const std::exception&) {
    fail(1, fmt::format("{} at {}: HTTP {} with a body that is not JSON", operation, endpoint, status));
  }
  if (status != 200) {
    fail(1, fmt::format("{} at {}: {}: {}", operation, endpoint, j.value("__type", "HTTP " + std::to_string(status)),
                        j.value("message", std::string())));
  }
  return j;
}

/// What the line shows.
struct Snapshot {
  std::string name, status;
  double elapsed_s = 0;
  bool has_map = false;
  std::int64_t done = 0, failed = 0, total = 0;
  double map_elapsed_s = 0;
  std::optional<std::int64_t> samples;  ///< from the ranks' result files

  json to_json() const {
    json j{{"name", name}, {"status", status}, {"elapsedSeconds", elapsed_s}};
    if (has_map) {
      j["ranksDone"] = done;
      j["ranksFailed"] = failed;
      j["ranksTotal"] = total;
      j["ranksPerSecond"] = map_elapsed_s > 0 ? static_cast<double>(done) / map_elapsed_s : 0.0;
      if (status == "RUNNING" && done > 0 && total > done) j["etaSeconds"] = eta();
    }
    if (samples) {
      j["samples"] = *samples;
      j["samplesPerSecond"] = rate();
    }
    return j;
  }
  double rate() const { return map_elapsed_s > 0 && samples ? static_cast<double>(*samples) / map_elapsed_s : 0.0; }
  double eta() const { return map_elapsed_s / static_cast<double>(done) * static_cast<double>(total - done); }

  // The same fields as `cosmicai run`'s status line, after the execution's name and status.
  std::string line() const {
    std::string s = fmt::format("{} {}", name, status);
    if (has_map) {
      s += fmt::format(" · ranks {}/{}", done, total);
      if (failed) s += fmt::format(" ({} failed)", failed);
      if (samples) s += fmt::format(" · {} samples/s", report::format_count(static_cast<long long>(rate())));
    }
    s += fmt::format(" · {} elapsed", cosmic::format_duration(elapsed_s));
    if (has_map && status == "RUNNING" && done > 0 && total > done) {
      s += fmt::format(" · ETA {}", cosmic::format_duration(eta()));
    }
    return s;
  }
};

/// Reads the ranks' result files (`RESULT_PATH/<rank>.json`) of a Cosmic AI payload; each file is
/// read once, when it appears.
class SampleCounter {
 public:
  SampleCounter(std::shared_ptr<storage::ObjectStore> store, cosmic::InitPayload payload)
      : store_(std::move(store)), payload_(std::move(payload)) {}

  std::int64_t count(std::int64_t ranks) {
    for (std::int64_t r = 0; r < ranks; ++r) {
      if (seen_.count(r)) continue;
      auto text = store_->get(payload_.data_bucket, cosmic::rank_result_key(payload_.result_path, r));
      if (!text) continue;
      try {
        const json j = json::parse(*text);
        if (j.contains("samples") && j.at("samples").is_number_integer())
          seen_[r] = j.at("samples").get<std::int64_t>();
      } catch (const std::exception&) {
        // a result being written or not a rank result: not counted
      }
    }
    std::int64_t n = 0;
    for (const auto& [rank, samples] : seen_) n += samples;
    return n;
  }

 private:
  std::shared_ptr<storage::ObjectStore> store_;
  cosmic::InitPayload payload_;
  std::map<std::int64_t, std::int64_t> seen_;
};

double now_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Snapshot snapshot(const StatusOptions& o, SampleCounter* samples) {
  const json x = call(o.endpoint, "DescribeExecution", json{{"executionArn", o.execution_arn}});
  Snapshot s;
  s.name = x.value("name", std::string());
  s.status = x.value("status", std::string());
  const double start = x.value("startDate", 0.0);
  const double end = x.contains("stopDate") ? x.at("stopDate").get<double>() : now_epoch();
  s.elapsed_s = std::max(0.0, end - start);
  // The newest Map Run is the current one (a redrive starts another).
  json newest;
  json token;
  do {
    json req{{"executionArn", o.execution_arn}, {"maxResults", 1000}};
    if (!token.is_null()) req["nextToken"] = token;
    const json page = call(o.endpoint, "ListMapRuns", req);
    for (const auto& m : page.value("mapRuns", json::array())) {
      if (newest.is_null() || m.value("startDate", 0.0) >= newest.value("startDate", 0.0)) newest = m;
    }
    token = page.contains("nextToken") ? page.at("nextToken") : json();
  } while (!token.is_null());
  if (!newest.is_null()) {
    const json m = call(o.endpoint, "DescribeMapRun", json{{"mapRunArn", newest.at("mapRunArn")}});
    const json& c = m.at("itemCounts");
    s.has_map = true;
    s.failed = c.value("failed", 0) + c.value("timedOut", 0) + c.value("aborted", 0);
    s.done = c.value("succeeded", 0) + s.failed;
    s.total = c.value("total", 0);
    const double mend = m.contains("stopDate") ? m.at("stopDate").get<double>() : now_epoch();
    s.map_elapsed_s = std::max(0.0, mend - m.value("startDate", start));
    if (samples) s.samples = samples->count(s.total);
  }
  return s;
}

int exit_code_of(const std::string& status) { return status == "SUCCEEDED" || status == "RUNNING" ? 0 : 1; }

void run_status(const StatusOptions& o) {
  // The line goes to stdout (it is this command's output): auto = redrawn on a terminal, else plain.
  const auto mode = o.progress == "auto" ? std::optional(::isatty(STDOUT_FILENO) == 1 ? cosmic::ProgressMode::kLine
                                                                                      : cosmic::ProgressMode::kPlain)
                                         : cosmic::parse_progress_mode(o.progress, false);
  if (!mode) fail(2, "--progress " + o.progress + ": expected auto, line, plain or off");
  // samples/s: the payload of a Cosmic AI execution names where the ranks write their results.
  std::unique_ptr<SampleCounter> samples;
  {
    const json x = call(o.endpoint, "DescribeExecution", json{{"executionArn", o.execution_arn}});
    json input;
    try {
      input = json::parse(x.value("input", std::string("{}")));
    } catch (const std::exception&) {
    }
    if (auto payload = cosmic::parse_init_payload(input); payload && !payload->result_path.empty()) {
      const std::string uri = o.store.empty() ? default_store_uri() : o.store;
      if (auto store = open_store(uri, o.s3_endpoint)) {
        samples = std::make_unique<SampleCounter>(*store, *payload);
      } else {
        std::cerr << "cosmicai status: --store " << uri << ": " << store.error().message << " (no samples/s)\n";
      }
    }
  }
  const auto interval = std::chrono::duration<double>(o.interval_s);
  std::string last;
  for (;;) {
    const Snapshot s = snapshot(o, samples.get());
    const bool final = !o.watch || s.status != "RUNNING";
    if (o.output == "json") {
      if (final) std::cout << dump_compact(s.to_json()) << std::endl;
    } else {
      const std::string line = s.line();
      if (final) {
        if (*mode == cosmic::ProgressMode::kLine && !last.empty()) std::cout << "\r\033[K";
        std::cout << line << std::endl;
      } else if (*mode == cosmic::ProgressMode::kLine) {
        std::cout << "\r\033[K" << line << std::flush;
        last = line;
      } else if (*mode == cosmic::ProgressMode::kPlain) {
        // One line when the counts change (as `run --progress plain`), not on every poll.
        const std::string counts = fmt::format("{}/{}/{}/{}", s.status, s.done, s.failed, s.total);
        if (counts != last) std::cout << line << std::endl;
        last = counts;
      }
    }
    if (final) {
      if (const int code = exit_code_of(s.status); code != 0) throw CLI::RuntimeError(code);
      return;
    }
    std::this_thread::sleep_for(interval);
  }
}

const bool kRegistered = register_command(Command{
    "status", [](CLI::App& app) {
      auto o = std::make_shared<StatusOptions>();
      auto* sub = app.add_subcommand(
          "status", "Show an execution's status line (ranks done, samples/s, ETA) from a Step Functions endpoint");
      sub->add_option("execution_arn", o->execution_arn, "the execution's ARN")->required();
      sub->add_option("--endpoint", o->endpoint, "the Step Functions endpoint (e.g. cosmicai serve)")
          ->capture_default_str();
      sub->add_flag("--watch,-w", o->watch, "follow the execution until it ends");
      sub->add_option("--interval", o->interval_s, "seconds between polls with --watch")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      sub->add_option(
             "--progress", o->progress,
             "with --watch: line (redrawn in place), plain (one line per change, for logs), off (the last line "
             "only); auto = line on a terminal, else plain")
          ->check(CLI::IsMember({"auto", "line", "plain", "off"}))
          ->capture_default_str();
      sub->add_option("-o,--output", o->output, "text or json (the last snapshot as one object)")
          ->check(CLI::IsMember({"text", "json"}))
          ->capture_default_str();
      sub->add_option(
          "--store", o->store,
          "the store the ranks write to, for samples/s (as `run`/`serve` --store; default file://<cwd>/data)");
      sub->add_option("--s3-endpoint", o->s3_endpoint, "S3 endpoint URL for an s3:// store");
      sub->footer(
          "Ranks are the items of the execution's newest Map Run (DescribeMapRun); samples/s and ETA count from the\n"
          "Map Run's start. Exit status: 0 RUNNING or SUCCEEDED, 1 FAILED, TIMED_OUT, ABORTED or an API error.\n\n"
          "Example:\n"
          "  cosmicai status arn:aws:states:us-east-1:123456789012:execution:cosmic:run-1 \\\n"
          "      --endpoint http://127.0.0.1:8083 --watch --progress plain");
      sub->callback([o] { run_status(*o); });
    }});

}  // namespace
}  // namespace cosmicai::cli
