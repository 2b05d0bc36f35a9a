// cosmicai serve: the Step Functions API (AWS JSON 1.0) on loopback, executions on the engine,
// everything kept in SQLite.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include <pthread.h>
#include <unistd.h>

#include "cli/command.hpp"
#include "cli/engine_setup.hpp"
#include "cli/graphviz.hpp"
#include "engine/engine.hpp"
#include "service/http_server.hpp"
#include "service/service.hpp"

namespace cosmicai::cli {
namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8083;
  std::string db;
  std::string port_file;
  double time_scale = 1.0;
  std::vector<std::string> function_bindings;
  std::size_t workers = std::max(4u, std::thread::hardware_concurrency());
  std::size_t max_running = 64;
  std::size_t http_threads = 64;
  std::string account = "123456789012";
  std::string region = "us-east-1";
  bool no_resume = false;
  std::string mock_config;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "cosmicai serve: " << message << "\n";
  throw CLI::RuntimeError(2);
}

void run_serve(const ServeOptions& opts) {
  // SIGINT/SIGTERM are taken by one thread (sigwait), never by a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::shared_ptr<functions::Registry> registry;
  try {
    registry = make_function_registry(opts.function_bindings);
  } catch (const std::invalid_argument& e) {
    usage_error(e.what());
  }
  engine::EngineOptions eopts;
  eopts.workers = opts.workers;
  eopts.time_scale = opts.time_scale;
  eopts.stores = provider_store_resolver();
  auto engine = std::make_shared<engine::Engine>(registry, eopts);

  service::ServiceOptions sopts;
  sopts.db_path = opts.db;
  sopts.account = opts.account;
  sopts.default_region = opts.region;
  sopts.max_running = opts.max_running;
  sopts.resume = !opts.no_resume;
  std::string mock_path = opts.mock_config;
  if (mock_path.empty()) {
    if (const char* env = std::getenv("SFN_MOCK_CONFIG"); env && *env) mock_path = env;
  }
  if (!mock_path.empty()) {
    try {
      sopts.mocks = std::make_shared<const service::MockConfig>(service::MockConfig::load(mock_path));
    } catch (const std::exception& e) {
      std::cerr << "cosmicai serve: " << e.what() << "\n";
      throw CLI::RuntimeError(2);
    }
  }
  std::unique_ptr<service::Service> svc;
  try {
    svc = std::make_unique<service::Service>(engine, sopts);
  } catch (const std::exception& e) {
    std::cerr << "cosmicai serve: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  }
  service::ConsoleOptions console;
  if (have_dot()) {
    console.layout = [](const std::string& dot) {
      std::string why;
      return run_dot(dot, why);  // "" (the built-in layout) when dot fails
    };
  }
  service::HttpServer http(*svc, opts.http_threads, std::move(console));
  int port = 0;
  try {
    port = http.bind(opts.host, opts.port);
  } catch (const std::exception& e) {
    std::cerr << "cosmicai serve: " << e.what() << "\n";
    throw CLI::RuntimeError(1);
  }
  if (!opts.port_file.empty()) {
    const std::string tmp = opts.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), opts.port_file.c_str());
  }
  std::cout << "cosmicai serve: listening on http://" << opts.host << ":" << port << " (console at /, database "
            << (opts.db.empty() ? std::string("in memory") : opts.db) << ", " << svc->resumed()
            << " executions resumed)" << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    http.stop();
  });
  waiter.detach();
  http.listen();
  // Every change is already committed: executions still running stay RUNNING in the database and
  // resume at the next start, exactly as after a crash. Leave without waiting for them.
  std::cout << "cosmicai serve: stopped" << std::endl;
  std::fflush(nullptr);
  _exit(0);
}

const bool kRegistered = register_command(Command{
    "serve", [](CLI::App& app) {
      auto opts = std::make_shared<ServeOptions>();
      auto* sub =
          app.add_subcommand("serve", "Serve the AWS Step Functions API (AWS JSON 1.0) for SDKs and the AWS CLI");
      sub->add_option("--port", opts->port, "TCP port (0 = any free port)")
          ->capture_default_str()
          ->check(CLI::Range(0, 65535));
      sub->add_option("--host", opts->host, "address to listen on")->capture_default_str();
      sub->add_option("--db", opts->db,
                      "SQLite database for state machines, executions and history (default: in memory)");
      sub->add_option("--port-file", opts->port_file, "write the bound port here once listening");
      sub->add_option("--time-scale", opts->time_scale, "1 = real time, 0 = skip waits and back-off")
          ->check(CLI::NonNegativeNumber);
      sub->add_option("--function", opts->function_bindings,
                      "bind a Lambda function name to a local command: NAME=COMMAND (event JSON on stdin, result JSON "
                      "on stdout), or to a Lambda Invoke API endpoint: NAME=lambda://HOST:PORT; repeatable");
      sub->add_option("--workers", opts->workers, "engine worker threads")->check(CLI::PositiveNumber);
      sub->add_option("--max-running", opts->max_running, "executions running at once (more wait, RUNNING, in a queue)")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      sub->add_option("--http-threads", opts->http_threads, "requests served at once")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      sub->add_option("--account", opts->account, "account id in ARNs")->capture_default_str();
      sub->add_option("--region", opts->region, "region in ARNs when a request is unsigned")->capture_default_str();
      sub->add_option("--mock-config", opts->mock_config,
                      "mocked service responses (Step Functions Local format), chosen by stateMachineArn#TestCase "
                      "(default: $SFN_MOCK_CONFIG)");
      sub->add_flag("--no-resume", opts->no_resume, "leave executions a previous server left RUNNING as they are");
      for (auto& p : function_providers()) {
        if (p.add_options) p.add_options(*sub);
      }
      sub->footer(
          "Console: open http://127.0.0.1:PORT/ in a browser (executions, graph, events, Map Runs, Stop, Redrive).\n"
          "Clients: any AWS SDK or the AWS CLI with --endpoint-url http://127.0.0.1:PORT and any credentials.\n"
          "StartSyncExecution: SDKs prefix the host with 'sync-'; use disableHostPrefix (JS SDK),\n"
          "AWS_DISABLE_HOST_PREFIX_INJECTION=true (botocore, CLI v1) or a hosts entry for sync-NAME (CLI v2).\n"
          "SIGINT/SIGTERM stop the server; running executions resume at the next start on the same --db.");
      sub->callback([opts] { run_serve(*opts); });
    }});

}  // namespace
}  // namespace cosmicai::cli
