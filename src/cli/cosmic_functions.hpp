#pragma once
/// Options shared by `run` (through the function provider), `infer` and `summarize`.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "cosmic/progress.hpp"
#include "cosmic/runtime.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cli {

/// The Cosmic AI handlers' settings as given on the command line.
struct CosmicOptions {
  std::string store;                        ///< --store URI; empty = file://<cwd>/data
  std::string s3_endpoint;                  ///< --s3-endpoint URL for s3:// stores
  std::string model;                        ///< --model source; empty = payload/code folder/builtin
  int threads = 0;                          ///< --threads per inference (0 = every core)
  std::uint64_t seed = 0;                   ///< --model-seed
  std::string precision = "fp32";           ///< --precision: fp32, bf16, int8
  double lambda_memory_mb = 10240;          ///< --lambda-memory-mb
  double usd_per_gb_second = 0.0000166667;  ///< --lambda-gb-second-usd
  std::string progress = "auto";            ///< --progress: auto, line, plain, off
};

/// The progress display `options.progress` asks for, on stderr.
std::shared_ptr<cosmic::Progress> make_progress(const CosmicOptions& options);

/// Add --store, --model, --threads, --model-seed, --precision, --lambda-memory-mb, --lambda-gb-second-usd and, for a
/// command that runs one job at a time, --progress to `app` (without it progress is off).
void add_cosmic_options(CLI::App& app, CosmicOptions& options, bool with_progress = true);

/// Open the store and build the handlers' configuration; `progress` may be null.
/// Throws std::runtime_error naming the store URI if it cannot be opened.
cosmic::CosmicConfig make_cosmic_config(const CosmicOptions& options, std::shared_ptr<cosmic::Progress> progress);

/// Open `uri` (s3:// settings from the environment, ~/.aws and `s3_endpoint`).
Result<std::shared_ptr<storage::ObjectStore>> open_store(const std::string& uri, const std::string& s3_endpoint);

/// Return the default store URI: file://<current directory>/data.
std::string default_store_uri();

/// Read a JSON document from a file, or from stdin when `path` is "-".
json read_json_input(const std::string& path);

}  // namespace cosmicai::cli
