// cosmicai dataset synth|inspect: make synthetic partition data sets and look inside partition files.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>

#include "cli/command.hpp"
#include "cli/cosmic_functions.hpp"
#include "common/json.hpp"
#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cli {
namespace {

// === synth ===

struct SynthCli {
  std::string root;
  std::string s3_endpoint;
  data::SynthOptions options;
  bool json_output = false;
};

void run_synth(const SynthCli& cli) {
  auto store = open_store(cli.root, cli.s3_endpoint);
  if (!store.ok()) {
    std::cerr << "cosmicai dataset synth: --root " << cli.root << ": " << store.error().message << "\n";
    throw CLI::RuntimeError(2);
  }
  auto plan = data::plan_dataset(cli.options.partition_mb, cli.options.total_mb);
  if (!plan.ok()) {
    std::cerr << "cosmicai dataset synth: " << plan.error().message << "\n";
    throw CLI::RuntimeError(2);
  }
  const bool tty = ::isatty(STDERR_FILENO) && !cli.json_output;
  const std::size_t files = plan->samples.size();
  data::SynthOptions options = cli.options;
  std::size_t done = 0;
  if (tty) {
    options.on_file = [&](const std::string& key, std::uint64_t) {
      ++done;
      std::cerr << fmt::format("\r  {}/{} files ({})   ", done, files, key) << std::flush;
    };
  }
  const auto start = std::chrono::steady_clock::now();
  auto res = data::write_synthetic_dataset(**store, options);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tty) std::cerr << "\r\033[K";
  if (!res.ok()) {
    std::cerr << "cosmicai dataset synth: " << res.error().message << "\n";
    throw CLI::RuntimeError(1);
  }
  const std::string prefix = options.prefix.empty() ? std::to_string(options.partition_mb) + "MB/" : options.prefix;
  if (cli.json_output) {
    json out = {{"store", (*store)->uri()},
                {"bucket", options.bucket},
                {"prefix", prefix},
                {"files", res->files},
                {"samples", res->samples},
                {"bytes", res->bytes},
                {"samples_per_file", plan->samples.front()},
                {"last_file_samples", plan->samples.back()},
                {"seed", options.seed},
                {"seconds", secs}};
    std::cout << out.dump(1) << "\n";
    return;
  }
  std::cout << fmt::format("wrote {} files {}1.pt … {}{}.pt to {} bucket {}\n", res->files, prefix, prefix, res->files,
                           (*store)->uri(), options.bucket);
  std::cout << fmt::format("  {} samples ({} per file, last {}), {:.1f} MiB, seed {}, {:.2f} s ({:.0f} MiB/s)\n",
                           res->samples, plan->samples.front(), plan->samples.back(),
                           static_cast<double>(res->bytes) / (1 << 20), options.seed, secs,
                           static_cast<double>(res->bytes) / (1 << 20) / std::max(secs, 1e-9));
}

// === inspect ===

struct InspectCli {
  std::vector<std::string> files;
  bool no_crc = false;
  bool allow_plain = false;
  bool json_output = false;
};

template <class T>
double sum_f64(const std::vector<T>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

std::string shape_text(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

/// Print one file; return false if it is not a valid partition.
bool inspect_one(const std::string& path, const InspectCli& cli, json& all) {
  data::ReadOptions opt;
  opt.verify_crc = !cli.no_crc;
  opt.allow_plain_layouts = cli.allow_plain;
  auto info = data::describe_partition_file(path, opt);
  auto p = info.ok() ? data::read_partition_file(path, opt) : Result<data::Partition>(info.error());
  if (!p.ok()) {
    if (cli.json_output) {
      all.push_back({{"file", path}, {"valid", false}, {"error", p.error().message}});
    } else {
      std::cerr << "cosmicai dataset inspect: " << p.error().message << "\n";
    }
    return false;
  }
  const auto& part = *p;
  const auto first = [](const auto& v, std::size_t n) {
    json a = json::array();
    for (std::size_t i = 0; i < std::min(n, v.size()); ++i) a.push_back(static_cast<double>(v[i]));
    return a;
  };
  if (cli.json_output) {
    json t = json::array();
    for (const auto& ti : info->tensors) t.push_back({{"name", ti.name}, {"dtype", ti.dtype}, {"shape", ti.shape}});
    all.push_back({{"file", path},
                   {"valid", true},
                   {"format", info->format},
                   {"layout", info->layout},
                   {"bytes", info->bytes},
                   {"crc_checked", opt.verify_crc && info->format == "zip"},
                   {"samples", part.samples},
                   {"tensors", t},
                   {"images_sum_f64", sum_f64(part.images)},
                   {"magnitudes_sum_f64", sum_f64(part.magnitudes)},
                   {"redshift_sum_f64", sum_f64(part.redshift)},
                   {"images_first4_flat", first(part.images, 4)},
                   {"magnitudes_first_row", first(part.magnitudes, 5)},
                   {"redshift_first", part.redshift.empty() ? json(nullptr) : json(part.redshift[0])}});
    return true;
  }
  const std::string crc = info->format != "zip" ? "no CRCs in this format"
                          : opt.verify_crc      ? "CRC-32 ok"
                                                : "CRC-32 not checked";
  std::cout << fmt::format("{}: {} {}, {} bytes, {}\n", path, info->format, info->layout, info->bytes, crc);
  std::cout << fmt::format("  samples     {}\n", part.samples);
  const auto row = [&](const data::TensorInfo& ti, double sum, const json& head) {
    std::string h;
    for (const auto& v : head) h += fmt::format(" {:.6g}", v.get<double>());
    std::cout << fmt::format("  {:<11} {:<7} {:<14} sum {:<18.10g} first{}\n", ti.name, ti.dtype, shape_text(ti.shape),
                             sum, h);
  };
  row(info->tensors[0], sum_f64(part.images), first(part.images, 4));
  row(info->tensors[1], sum_f64(part.magnitudes), first(part.magnitudes, 5));
  row(info->tensors[2], sum_f64(part.redshift), first(part.redshift, 4));
  return true;
}

void run_inspect(const InspectCli& cli) {
  json all = json::array();
  bool ok = true;
  for (const auto& f : cli.files) ok = inspect_one(f, cli, all) && ok;
  if (cli.json_output) std::cout << all.dump(1) << "\n";
  if (!ok) throw CLI::RuntimeError(1);
}

const bool kRegistered = register_command(Command{
    "dataset", [](CLI::App& app) {
      auto* ds = app.add_subcommand("dataset", "Make synthetic partition data sets and inspect partition files");
      ds->require_subcommand(1);

      auto synth = std::make_shared<SynthCli>();
      auto* s =
          ds->add_subcommand("synth", "Write a deterministic synthetic data set in the original partition format");
      s->add_option("--root", synth->root, "Object store root: a directory, file:///DIR, mem:// or s3://")->required();
      s->add_option("--s3-endpoint", synth->s3_endpoint, "S3 endpoint URL for an s3:// root");
      s->add_option("--bucket", synth->options.bucket, "Bucket (a directory under the root)")->capture_default_str();
      s->add_option("--partition-mb", synth->options.partition_mb,
                    "Partition size in MB; sets the samples per file (25: 1278, 50: 2556, 75: 3834, 100: 5113, "
                    "else round(MB × 51.13))")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      s->add_option("--total-mb", synth->options.total_mb,
                    "Data set size in MB: ceil(total / partition) files, the last holding the remainder")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
      s->add_option("--seed", synth->options.seed, "Seed; the same seed always gives the same bytes")
          ->capture_default_str();
      s->add_option("--prefix", synth->options.prefix, "Key prefix (default: <partition-mb>MB/)");
      s->add_option("--threads", synth->options.threads, "Files generated in parallel (0: up to 4)")
          ->check(CLI::NonNegativeNumber)
          ->capture_default_str();
      s->add_flag("--json", synth->json_output, "Print a JSON summary instead of text");
      s->footer(
          "Exit status: 0 written, 1 a write failed, 2 bad arguments.\n\n"
          "Example:\n"
          "  cosmicai dataset synth --root ./data --bucket cosmicai-data --partition-mb 25 --total-mb 1024\n"
          "  # writes data/cosmicai-data/25MB/1.pt … 41.pt (40 × 1278 samples + 1227), readable by torch.load");
      s->callback([synth] { run_synth(*synth); });

      auto inspect = std::make_shared<InspectCli>();
      auto* i = ds->add_subcommand("inspect", "Read partition files and print samples, shapes, dtypes and sums");
      i->add_option("files", inspect->files, "partition files (.pt)")->required();
      i->add_flag("--no-crc", inspect->no_crc, "Do not verify the CRC-32 of zip records");
      i->add_flag("--allow-plain-layouts", inspect->allow_plain,
                  "Also accept a tuple or dict {images, magnitudes, redshift} instead of a TensorDataset");
      i->add_flag("--json", inspect->json_output, "Print JSON (one object per file)");
      i->footer(
          "Exit status: 0 every file valid, 1 some file invalid (the reason goes to stderr), 2 bad arguments.\n\n"
          "Example:\n"
          "  cosmicai dataset inspect data/cosmicai-data/25MB/1.pt\n"
          "  # data/cosmicai-data/25MB/1.pt: zip TensorDataset, 26231549 bytes, CRC-32 ok\n"
          "  #   samples     1278\n"
          "  #   images      float32 [1278,5,32,32] sum … first …");
      i->callback([inspect] { run_inspect(*inspect); });
    }});

}  // namespace
}  // namespace cosmicai::cli
