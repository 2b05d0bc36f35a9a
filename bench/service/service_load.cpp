// Load test of the Step Functions service on loopback: N StartExecution calls of a small machine
// (Pass → Lambda Task → Pass) from C concurrent keep-alive HTTP clients against an in-process
// `cosmicai serve` (the same Service + HttpServer, SQLite in WAL mode in a temporary file).
// Reports StartExecution calls/s, executions completed/s, latency p50/p99/max, and checks that
// nothing was lost: every execution is listed (ListExecutions, paged) as SUCCEEDED.
//
//   bench_service [--count 10000] [--clients 32] [--memory] [--max-running 64] [--workers N]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "asl/state_machine.hpp"
#include "engine/engine.hpp"
#include "functions/registry.hpp"
#include "service/http_server.hpp"
#include "service/service.hpp"

using namespace cosmicai;
using WallClock = std::chrono::steady_clock;

namespace {

struct Args {
  int count = 10000;
  int clients = 32;
  bool memory = false;
  std::size_t max_running = 64;
  std::size_t workers = std::max(4u, std::thread::hardware_concurrency());
};

json post(httplib::Client& c, const std::string& op, const json& body, int* status = nullptr) {
  httplib::Headers h{{"X-Amz-Target", "AWSStepFunctions." + op}};
  auto r = c.Post("/", h, body.dump(), "application/x-amz-json-1.0");
  if (!r) {
    std::cerr << op << ": connection error " << httplib::to_string(r.error()) << "\n";
    std::exit(1);
  }
  if (status) *status = r->status;
  return json::parse(r->body);
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) {
        std::cerr << s << " needs a value\n";
        std::exit(2);
      }
      return std::string(argv[++i]);
    };
    if (s == "--count")
      a.count = std::stoi(next());
    else if (s == "--clients")
      a.clients = std::stoi(next());
    else if (s == "--memory")
      a.memory = true;
    else if (s == "--max-running")
      a.max_running = std::stoul(next());
    else if (s == "--workers")
      a.workers = std::stoul(next());
    else {
      std::cerr << "usage: bench_service [--count N] [--clients C] [--memory] [--max-running N] [--workers N]\n";
      return 2;
    }
  }
  const auto dir = std::filesystem::temp_directory_path() / ("cosmicai-bench-service-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  auto registry = std::make_shared<functions::Registry>();
  functions::add_stub_functions(*registry);
  engine::EngineOptions eo;
  eo.workers = a.workers;
  auto engine = std::make_shared<engine::Engine>(registry, eo);
  service::ServiceOptions so;
  so.db_path = a.memory ? "" : (dir / "bench.sqlite").string();
  so.max_running = a.max_running;
  service::Service svc(engine, so);
  service::HttpServer http(svc, static_cast<std::size_t>(a.clients) + 8);
  const int port = http.bind("127.0.0.1", 0);
  std::thread server([&] { http.listen(); });

  httplib::Client admin("127.0.0.1", port);
  admin.set_tcp_nodelay(true);
  const json def = {
      {"StartAt", "Prepare"},
      {"States",
       {{"Prepare", {{"Type", "Pass"}, {"Parameters", {{"n.$", "$.n"}, {"tag", "bench"}}}, {"Next", "Work"}}},
        {"Work",
         {{"Type", "Task"},
          {"Resource", "arn:aws:lambda:us-east-1:123456789012:function:sfn_stub_identity"},
          {"ResultPath", "$.echo"},
          {"Next", "Done"}}},
        {"Done", {{"Type", "Pass"}, {"End", true}}}}}};
  const std::string sm = post(admin, "CreateStateMachine",
                              {{"name", "bench"}, {"definition", def.dump()}, {"roleArn", "arn:aws:iam::1:role/r"}})
                             .at("stateMachineArn");

  std::printf("service load: %d StartExecution from %d clients, database %s, %zu engine workers, %zu running at most\n",
              a.count, a.clients, a.memory ? "in memory" : "SQLite WAL file", a.workers, a.max_running);
  std::atomic<int> next{0}, errors{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(a.clients));
  const auto t0 = WallClock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < a.clients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      while (true) {
        const int i = next.fetch_add(1);
        if (i >= a.count) break;
        const auto s = WallClock::now();
        int status = 0;
        post(cli, "StartExecution",
             {{"stateMachineArn", sm}, {"name", "e" + std::to_string(i)}, {"input", json{{"n", i}}.dump()}}, &status);
        lat[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(WallClock::now() - s).count());
        if (status != 200) errors++;
      }
    });
  }
  for (auto& t : clients) t.join();
  const double start_s = std::chrono::duration<double>(WallClock::now() - t0).count();

  // Wait until none is RUNNING, then page through every execution.
  while (svc.store().count_executions("RUNNING") > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double done_s = std::chrono::duration<double>(WallClock::now() - t0).count();
  std::int64_t listed = 0, succeeded = 0;
  json token;
  do {
    json body{{"stateMachineArn", sm}, {"maxResults", 1000}};
    if (!token.is_null()) body["nextToken"] = token;
    auto page = post(admin, "ListExecutions", body);
    for (auto& e : page["executions"]) {
      listed++;
      if (e["status"] == "SUCCEEDED") succeeded++;
    }
    token = page.value("nextToken", json());
  } while (!token.is_null());

  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  const double mx = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  std::printf("StartExecution: %.0f calls/s (%.2f s), latency p50 %.2f ms, p99 %.2f ms, max %.2f ms, errors %d\n",
              a.count / start_s, start_s, percentile(all, 0.5), percentile(all, 0.99), mx, errors.load());
  std::printf("executions: %.0f completed/s (all %d done after %.2f s)\n", a.count / done_s, a.count, done_s);
  std::printf("listed %lld executions, %lld SUCCEEDED, lost %lld\n", static_cast<long long>(listed),
              static_cast<long long>(succeeded), static_cast<long long>(a.count - succeeded));
  http.stop();
  server.join();
  svc.shutdown(false);

  // Baseline in the same run: the same executions on the same engine called directly from as many
  // threads (no HTTP, no SQLite, no history), i.e. what the service layer costs.
  auto machine = [&] {
    std::vector<asl::ValidationError> errs;
    return asl::StateMachine::parse(def, errs);
  }();
  std::atomic<int> bnext{0};
  const auto b0 = WallClock::now();
  std::vector<std::thread> direct;
  for (int c = 0; c < a.clients; ++c) {
    direct.emplace_back([&] {
      while (true) {
        const int i = bnext.fetch_add(1);
        if (i >= a.count) break;
        engine::ExecutionOptions x;
        x.name = "b" + std::to_string(i);
        engine->run(machine, json{{"n", i}}, x);
      }
    });
  }
  for (auto& t : direct) t.join();
  const double base_s = std::chrono::duration<double>(WallClock::now() - b0).count();
  std::printf("baseline (Engine::run from %d threads, no HTTP/SQLite): %.0f executions/s; service/baseline = %.2f\n",
              a.clients, a.count / base_s, (a.count / done_s) / (a.count / base_s));
  std::filesystem::remove_all(dir);
  return (succeeded == a.count && errors == 0) ? 0 : 1;
}
