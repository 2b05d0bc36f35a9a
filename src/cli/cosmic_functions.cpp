// Function provider: binds the Cosmic AI handlers (data-parallel-init, cosmic-executor,
// resultSummary) for `cosmicai run`, with their options.
#include "cli/cosmic_functions.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "cosmic/handlers.hpp"
#include "model/model_runner.hpp"

namespace cosmicai::cli {

void add_cosmic_options(CLI::App& app, CosmicOptions& o, bool with_progress) {
  app.add_option("--store", o.store,
                 "Object store for data, code folders and results (file:///ROOT, DIR, mem://, s3:// or "
                 "s3://BUCKET[/PREFIX])")
      ->default_str("file://<cwd>/data");
  app.add_option("--s3-endpoint", o.s3_endpoint,
                 "S3 endpoint URL for s3:// stores (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's "
                 "endpoint_url, else AWS)");
  app.add_option("--model", o.model,
                 "Model for every rank unless the payload names one: builtin, builtin:WEIGHTS or a TorchScript file "
                 "(default: a model file in the code folder S3_BUCKET/S3_OBJECT_NAME, else builtin)");
  app.add_option("--threads", o.threads,
                 "Intra-op threads per inference (0 = every core); concurrent ranks are "
                 "limited so that ranks × threads ≤ cores")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--model-seed", o.seed, "Seed of the built-in model's (untrained) weights")->capture_default_str();
  app.add_option("--precision", o.precision,
                 "Dense layers of the built-in model: fp32 (default, within 1e-5 of PyTorch), bf16 or int8 "
                 "(opt-in reduced precision; accuracy and speed in bench/README.md)")
      ->check(CLI::IsMember(std::vector<std::string>(model::kPrecisions.begin(), model::kPrecisions.end())))
      ->capture_default_str();
  app.add_option("--lambda-memory-mb", o.lambda_memory_mb, "Configured Lambda memory for the cost model")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--lambda-gb-second-usd", o.usd_per_gb_second, "Lambda price per GB-second for the cost model")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  if (!with_progress) {
    o.progress = "off";
    return;
  }
  app.add_option("--progress", o.progress,
                 "Status line (ranks done, samples/s, ETA) on stderr: auto (line on a terminal, else off), line "
                 "(redrawn in place), plain (one line per update, for logs), off")
      ->check(CLI::IsMember({"auto", "line", "plain", "off"}))
      ->capture_default_str();
}

std::shared_ptr<cosmic::Progress> make_progress(const CosmicOptions& o) {
  const auto mode = cosmic::parse_progress_mode(o.progress, cosmic::stderr_is_terminal());
  if (!mode) throw std::invalid_argument("--progress " + o.progress + ": expected auto, line, plain or off");
  return std::make_shared<cosmic::Progress>(*mode, stderr);
}

Result<std::shared_ptr<storage::ObjectStore>> open_store(const std::string& uri, const std::string& s3_endpoint) {
  storage::StoreOptions options;
  options.s3_endpoint = s3_endpoint;  // the environment is read here, at the CLI boundary
  return storage::open_object_store(uri, options);
}

std::string default_store_uri() { return "file://" + (std::filesystem::current_path() / "data").string(); }

cosmic::CosmicConfig make_cosmic_config(const CosmicOptions& o, std::shared_ptr<cosmic::Progress> progress) {
  const std::string uri = o.store.empty() ? default_store_uri() : o.store;
  auto store = open_store(uri, o.s3_endpoint);
  if (!store) throw std::runtime_error(fmt::format("--store {}: {}", uri, store.error().message));
  cosmic::CosmicConfig c;
  c.store = *store;
  c.model = o.model;
  c.threads = o.threads;
  c.seed = o.seed;
  c.precision = o.precision;
  c.pricing.memory_mb = o.lambda_memory_mb;
  c.pricing.usd_per_gb_second = o.usd_per_gb_second;
  c.progress = std::move(progress);
  return c;
}

json read_json_input(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    return parse_json_text(ss.str(), "<stdin>");
  }
  return read_json_file(path);
}

namespace {

CosmicOptions& provider_options() {
  static CosmicOptions options;
  return options;
}

/// The store the installed handlers use (set by install).
std::shared_ptr<storage::ObjectStore>& provider_store() {
  static std::shared_ptr<storage::ObjectStore> store;
  return store;
}

const bool kRegistered = register_function_provider(
    FunctionProvider{"cosmic",
                     // A server runs many executions at once: one status line cannot describe them (`cosmicai
                     // status` and the console show each one), so `serve` has no --progress.
                     [](CLI::App& sub) { add_cosmic_options(sub, provider_options(), sub.get_name() != "serve"); },
                     [](functions::Registry& registry) {
                       auto progress = make_progress(provider_options());
                       auto config = make_cosmic_config(provider_options(), progress);
                       provider_store() = config.store;
                       auto runtime = std::make_shared<cosmic::CosmicRuntime>(std::move(config));
                       cosmic::register_cosmic_handlers(registry, std::move(runtime));
                     },
                     [] { return provider_store(); }});

}  // namespace
}  // namespace cosmicai::cli
