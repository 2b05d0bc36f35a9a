// `cosmicai infer`: run one rank of the Cosmic AI workflow directly (the cosmic-executor handler).
#include <fmt/format.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/cosmic_functions.hpp"
#include "cosmic/handlers.hpp"
#include "cosmic/payload.hpp"
#include "mpi/launcher.hpp"
#include "mpi/mpi_infer.hpp"
#include "report/text_table.hpp"

namespace cosmicai::cli {
namespace {

struct InferArgs {
  std::string input;
  std::int64_t rank = -1;
  std::string output = "table";
  bool mpi = false;
  double mpi_timeout = 1800;
  CosmicOptions cosmic;
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "cosmicai infer: error: " << message << "\n";
  throw CLI::RuntimeError(1);
}

// Pick the rank dictionary out of whatever the input holds.
json select_rank_dict(cosmic::CosmicRuntime& rt, const json& in, std::int64_t rank) {
  if (in.is_object() && in.contains("DATA_PATH")) return in;
  json body;
  if (in.is_array()) {
    body = in;
  } else if (in.is_object() && in.contains("body") && in.at("body").is_array()) {
    body = in.at("body");
  } else {
    json plan = in;
    if (plan.is_object()) plan.erase("items_key");  // plan in memory: write no item file
    auto planned = rt.initialize(plan);  // an execution payload: plan it (nothing is written)
    if (!planned) fail(planned.error().message);
    body = planned->at("body");
  }
  if (body.empty()) fail("the input plans no ranks");
  if (rank < 0) {
    if (body.size() == 1) return body[0];
    fail(fmt::format("the input plans {} ranks: choose one with --rank 0..{}", body.size(), body.size() - 1));
  }
  if (rank >= static_cast<std::int64_t>(body.size())) {
    fail(fmt::format("--rank {}: the input plans only {} ranks", rank, body.size()));
  }
  return body[static_cast<std::size_t>(rank)];
}

// `--mpi`: every process of the MPI job runs this; process 0 prints the summary.
void run_mpi(const InferArgs& a) {
  if (a.rank >= 0) fail("--rank and --mpi do not go together: --mpi runs every rank of the input");
  const auto launch = mpi::detect_launch();  // before MPI_Init, which adds variables of its own
  json in;
  try {
    in = read_json_input(a.input);
  } catch (const std::exception& e) {
    fail(e.what());
  }
  mpi::MpiInferOptions o;
  o.config = make_cosmic_config(a.cosmic, nullptr);
  o.input = std::move(in);
  o.timeout_seconds = a.mpi_timeout;
  o.output = a.output;
  auto comm = mpi::open_communicator();
  if (!comm) fail(comm.error().message);
  if (const auto w = mpi::launch_warning(launch, true, (*comm)->size()); !w.empty() && (*comm)->rank() == 0) {
    std::cerr << "cosmicai infer: warning: " << w << "\n";
  }
  const int code = mpi::run_mpi_infer(**comm, o);
  comm->reset();  // MPI_Finalize before leaving
  if (code != 0) throw CLI::RuntimeError(code);
}

void run_infer(const InferArgs& a) {
  if (a.mpi) return run_mpi(a);
  if (const auto w = mpi::launch_warning(mpi::detect_launch(), false, 1); !w.empty()) {
    std::cerr << "cosmicai infer: warning: " << w << "\n";
  }
  auto progress = make_progress(a.cosmic);
  cosmic::CosmicRuntime rt(make_cosmic_config(a.cosmic, progress));
  json in;
  try {
    in = read_json_input(a.input);
  } catch (const std::exception& e) {
    fail(e.what());
  }
  const json dict = select_rank_dict(rt, in, a.rank);
  progress->expect_ranks(1);
  auto r = rt.infer(dict);
  progress->stop();
  if (!r) fail(r.error().message);
  const json& body = r->at("body");
  const std::string key = body.at("result").get<std::string>();
  const std::string bucket = dict.at("DATA_BUCKET").get<std::string>();
  auto text = rt.config().store->get(bucket, key);
  if (!text) fail(text.error().message);
  const json result = parse_json_text(*text, key);
  if (a.output == "json") {
    std::cout << result.dump(2) << "\n";
    return;
  }
  report::TextTable t;
  t.column("rank", report::Align::kRight)
      .column("samples")
      .column("batches")
      .column("wall (s)")
      .column("load (s)")
      .column("compute (s)")
      .column("write (s)")
      .column("samples/s")
      .column("peak RSS (MB)");
  t.row({std::to_string(result.value("rank", 0)), report::format_count(result.value("samples", 0LL)),
         std::to_string(result.value("num_batches", 0)), report::format_fixed(result.value("wall_seconds", 0.0), 2),
         report::format_fixed(result.value("load_seconds", 0.0), 2),
         report::format_fixed(result.value("compute_seconds", 0.0), 2),
         report::format_fixed(result.value("write_seconds", 0.0), 3),
         report::format_fixed(result.value("sample_persec", 0.0), 1),
         report::format_fixed(result.value("peak_rss_mb", 0.0), 0)});
  std::cout << t.render();
  std::cout << fmt::format("model: {}\nresult: {}/{}\npredictions: {}/{}\n", result.value("model", std::string()),
                           bucket, key, bucket, body.at("predictions").get<std::string>());
}

const bool kRegistered = register_command(Command{"infer", [](CLI::App& app) {
  auto args = std::make_shared<InferArgs>();
  auto* sub = app.add_subcommand("infer", "Run one rank of the Cosmic AI workflow (the cosmic-executor handler)");
  sub->footer(
      "Example:\n"
      "  cosmicai infer --input rank.json --store file://$PWD/data --output json\n"
      "  cosmicai infer --input examples/cosmic-ai/payloads/world11-100MB.json --rank 3\n"
      "The input is a rank dictionary, Initialize's output ({\"body\":[...]}) or an execution payload\n"
      "(planned as Initialize would, without writing anything).\n"
      "\n"
      "MPI (every rank of the input, spread over the job's processes; process 0 plans, gathers and\n"
      "writes combined_data.json and summary.json with an \"mpi\" section):\n"
      "  mpirun -np 4 --bind-to none cosmicai infer --mpi --input PAYLOAD.json --store file:///shared/data\n"
      "  srun --mpi=pmix cosmicai infer --mpi --input PAYLOAD.json\n"
      "Exit codes with --mpi: 0 every rank succeeded, 3 some ranks failed (named in the summary),\n"
      "4 a process waited longer than --mpi-timeout and the job was aborted, 1 nothing ran.");
  sub->add_option("--input,-i", args->input, "JSON file (or - for stdin)")->required();
  sub->add_option("--rank", args->rank, "Rank to run when the input plans several")->check(CLI::NonNegativeNumber);
  sub->add_option("--output,-o", args->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  sub->add_flag("--mpi", args->mpi,
                "Run every rank of the input as one MPI job (start with mpirun/srun); without it MPI is never "
                "loaded");
  sub->add_option("--mpi-timeout", args->mpi_timeout,
                  "With --mpi: longest wait in a collective, including for slower processes, in seconds")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_cosmic_options(*sub, args->cosmic);
  sub->callback([args] { run_infer(*args); });
}});

}  // namespace
}  // namespace cosmicai::cli
