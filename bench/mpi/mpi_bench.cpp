// MPI overhead: the same payload (the seeds' world11-100MB: 11 ranks over a synthetic 1 GB set)
// run in one process with `cosmicai run` (the state machine, the baseline) and as an MPI job with
// `mpirun -n N cosmicai infer --mpi`, alternating within each round so that load from other
// processes hits both alike. Not a pass/fail test.
//
//   bench_mpi [--cosmicai PATH] [--mpiexec PATH] [--dir DIR] [--np 2] [--rounds 3]
//             [--total-mb 1024] [--partition-mb 100] [--json FILE]
//
// Figures (printed with the numbers):
//   wall W       from starting the command to its exit (process and MPI start-up, planning,
//                every rank, the gather and the summary).
//   overhead     W_mpi / W_single − 1 on the medians: the price of running the workflow as an MPI job
//                instead of one process on the same cores (goal ≤ 5% at np 2).
//   Σcompute     Σ compute_seconds over ranks (ModelRunner::predict only).
//   load         the 1-minute load average before each run (the machine is shared).
// The single process uses every core for one model at a time (threads 0); each MPI process gets
// cores / N threads (--bind-to none, the default share), so both use every core.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/json.hpp"

namespace fs = std::filesystem;
using cosmicai::json;

namespace {

using SteadyClock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::cerr << "bench_mpi: " << what << "\n";
  std::exit(1);
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Run a shell command; die with its log unless it exits 0.
void run_or_die(const std::string& cmd, const fs::path& log) {
  const int rc = std::system((cmd + " >" + quote(log.string()) + " 2>&1").c_str());
  if (rc != 0) die(fmt::format("command failed (status {}): {}\n{}", rc, cmd, slurp(log)));
}

json read_json(const fs::path& p) {
  try {
    return json::parse(slurp(p));
  } catch (const std::exception& e) {
    die(fmt::format("{}: {}", p.string(), e.what()));
  }
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double loadavg() {
  std::ifstream in("/proc/loadavg");
  double l = 0;
  in >> l;
  return l;
}

struct Options {
  std::string cosmicai;
  std::string mpiexec = "mpiexec";
  std::string dir;
  int np = 2;
  int rounds = 3;
  int total_mb = 1024;
  int partition_mb = 100;
  std::string json_out;
};

Options parse_args(int argc, char** argv) {
  Options o;
  o.cosmicai = (fs::absolute(argv[0]).parent_path() / ".." / "cosmicai").lexically_normal().string();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--cosmicai")
      o.cosmicai = value();
    else if (a == "--mpiexec")
      o.mpiexec = value();
    else if (a == "--dir")
      o.dir = value();
    else if (a == "--np")
      o.np = std::max(1, std::stoi(value()));
    else if (a == "--rounds")
      o.rounds = std::max(1, std::stoi(value()));
    else if (a == "--total-mb")
      o.total_mb = std::stoi(value());
    else if (a == "--partition-mb")
      o.partition_mb = std::stoi(value());
    else if (a == "--json")
      o.json_out = value();
    else if (a == "--help" || a == "-h") {
      std::cout << "bench_mpi [--cosmicai PATH] [--mpiexec PATH] [--dir DIR] [--np 2] [--rounds 3] [--total-mb 1024] "
                   "[--partition-mb 100] [--json FILE]\n";
      std::exit(0);
    } else {
      die("unknown argument " + a);
    }
  }
  if (!fs::exists(o.cosmicai)) die("cosmicai binary not found at " + o.cosmicai + " (use --cosmicai)");
  return o;
}

struct Run {
  double wall = 0, compute = 0, load_before = 0;
  std::int64_t samples = 0;
  json mpi;  // the summary's "mpi" section (MPI runs)
};

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_args(argc, argv);
  if (std::system((quote(opt.mpiexec) + " --version >/dev/null 2>&1").c_str()) != 0) {
    die(opt.mpiexec + " not found or not working (install openmpi-bin, or --mpiexec PATH)");
  }
  const fs::path src = COSMICAI_SOURCE_DIR;
  const fs::path machine = src / "examples/cosmic-ai/cai-state-machine.json";
  const json base = read_json(src / "examples/cosmic-ai/payloads/world11-100MB.json");
  const bool own_dir = opt.dir.empty();
  const fs::path dir =
      own_dir ? fs::temp_directory_path() / fmt::format("cosmicai-bench-mpi-{}", ::getpid()) : fs::path(opt.dir);
  fs::create_directories(dir);
  const std::string bucket = base.at("data_bucket").get<std::string>();
  const std::string prefix = fmt::format("{}MB", opt.partition_mb);
  const int files = (opt.total_mb + opt.partition_mb - 1) / opt.partition_mb;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!fs::exists(dir / bucket / prefix / fmt::format("{}.pt", files))) {
    std::cout << fmt::format("synthesizing {} MB as {} MB partitions…\n", opt.total_mb, opt.partition_mb) << std::flush;
    run_or_die(fmt::format("{} dataset synth --root {} --bucket {} --partition-mb {} --total-mb {}",
                           quote(opt.cosmicai), quote(dir.string()), quote(bucket), opt.partition_mb, opt.total_mb),
               dir / "synth.log");
  }
  std::cout << fmt::format(
                   "cosmicai: {}\nstore: file://{}\ncores: {}; single process: 1 model × {} threads; MPI: {} "
                   "processes × {} threads\n",
                   opt.cosmicai, dir.string(), cores, cores, opt.np, std::max(1, cores / opt.np))
            << std::flush;

  auto one = [&](bool mpi, int round) -> Run {
    json payload = base;
    payload["data_prefix"] = prefix;
    payload["file_limit"] = std::to_string(files);
    const std::string result_path = fmt::format("bench-mpi/{}/round{}", mpi ? "mpi" : "single", round);
    payload["result_path"] = result_path;
    fs::remove_all(dir / bucket / result_path);
    const fs::path payload_file = dir / "payload.json";
    std::ofstream(payload_file) << payload.dump(2);
    const std::string store = quote("file://" + dir.string());
    const std::string cmd =
        mpi ? fmt::format(
                  "{} --allow-run-as-root --oversubscribe --bind-to none -n {} {} infer --mpi --input {} "
                  "--store {}",
                  quote(opt.mpiexec), opt.np, quote(opt.cosmicai), quote(payload_file.string()), store)
            : fmt::format("{} run {} --input {} --store {}", quote(opt.cosmicai), quote(machine.string()),
                          quote(payload_file.string()), store);
    Run r;
    r.load_before = loadavg();
    const auto t0 = SteadyClock::now();
    run_or_die(cmd, dir / "run.log");
    r.wall = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    const json summary = read_json(dir / bucket / result_path / "summary.json");
    if (!summary.value("complete", false)) die("incomplete run: " + summary.dump(2));
    r.samples = summary.at("performance").at("samples").get<std::int64_t>();
    for (const auto& rank : read_json(dir / bucket / result_path / "combined_data.json")) {
      r.compute += rank.at("compute_seconds").get<double>();
    }
    if (summary.contains("mpi")) r.mpi = summary.at("mpi");
    std::cout << fmt::format("round {} {:>6}: wall {:7.2f} s, Σcompute {:7.2f} s, {:6.1f} samples/s, load {:.1f}{}\n",
                             round, mpi ? "mpi" : "single", r.wall, r.compute, static_cast<double>(r.samples) / r.wall,
                             r.load_before,
                             mpi ? fmt::format(", makespan {:.2f} s, imbalance {:.3f}, collectives {:.3f} s",
                                               r.mpi.value("makespan_seconds", 0.0), r.mpi.value("load_imbalance", 0.0),
                                               r.mpi.value("collective_seconds", 0.0))
                                 : std::string())
              << std::flush;
    fs::remove_all(dir / bucket / result_path);
    return r;
  };

  std::vector<Run> single, mpi;
  for (int round = 1; round <= opt.rounds; ++round) {
    // Alternate which goes first, so that a trend in the machine's load favours neither.
    if (round % 2) {
      single.push_back(one(false, round));
      mpi.push_back(one(true, round));
    } else {
      mpi.push_back(one(true, round));
      single.push_back(one(false, round));
    }
  }
  auto med = [](const std::vector<Run>& v, auto field) {
    std::vector<double> x;
    for (const auto& r : v) x.push_back(field(r));
    return median(x);
  };
  const double ws = med(single, [](const Run& r) { return r.wall; });
  const double wm = med(mpi, [](const Run& r) { return r.wall; });
  const double cs = med(single, [](const Run& r) { return r.compute; });
  const double cm = med(mpi, [](const Run& r) { return r.compute; });
  std::vector<double> ratios;
  for (std::size_t i = 0; i < single.size(); ++i) ratios.push_back(mpi[i].wall / single[i].wall - 1);
  const double overhead = wm / ws - 1;
  const double coll = med(mpi, [](const Run& r) { return r.mpi.value("collective_seconds", 0.0); });
  const double imb = med(mpi, [](const Run& r) { return r.mpi.value("load_imbalance", 0.0); });
  const double wait = med(mpi, [](const Run& r) { return r.mpi.value("barrier_wait_seconds_max", 0.0); });
  const double l0 = med(single, [](const Run& r) { return r.load_before; });
  const double l1 = med(mpi, [](const Run& r) { return r.load_before; });
  std::cout << fmt::format(
      "\n== {} files × {} MB, {} samples, median of {} rounds, np {} ==\n"
      "wall, single process (cosmicai run)              {:8.2f} s   Σcompute {:8.2f} s\n"
      "wall, MPI (mpirun -n {} cosmicai infer --mpi)     {:8.2f} s   Σcompute {:8.2f} s\n"
      "MPI overhead W_mpi / W_single − 1                {:+7.2f} %   goal ≤ 5%: {}   (per round: {})\n"
      "  MPI collectives (plan broadcast + gather)      {:8.3f} s\n"
      "  load imbalance (max/mean process busy time)    {:8.3f}   longest wait for others {:.2f} s\n"
      "  load average before the runs (median): single {:.1f}, MPI {:.1f}\n",
      files, opt.partition_mb, single.front().samples, opt.rounds, opt.np, ws, cs, opt.np, wm, cm, 100 * overhead,
      overhead <= 0.05 ? "met" : "NOT met",
      [&] {
        std::string s;
        for (double r : ratios) s += fmt::format("{}{:+.1f}%", s.empty() ? "" : ", ", 100 * r);
        return s;
      }(),
      coll, imb, wait, l0, l1);
  if (!opt.json_out.empty()) {
    json rounds = json::array();
    for (std::size_t i = 0; i < single.size(); ++i) {
      rounds.push_back({{"single_wall_s", single[i].wall},
                        {"single_compute_sum_s", single[i].compute},
                        {"single_load_before", single[i].load_before},
                        {"mpi_wall_s", mpi[i].wall},
                        {"mpi_compute_sum_s", mpi[i].compute},
                        {"mpi_load_before", mpi[i].load_before},
                        {"mpi", mpi[i].mpi}});
    }
    std::ofstream(opt.json_out) << json{{"files", files},
                                        {"partition_mb", opt.partition_mb},
                                        {"cores", cores},
                                        {"np", opt.np},
                                        {"samples", single.front().samples},
                                        {"median_single_wall_s", ws},
                                        {"median_mpi_wall_s", wm},
                                        {"overhead", overhead},
                                        {"rounds", rounds}}
                                       .dump(2)
                                << "\n";
  }
  if (own_dir) fs::remove_all(dir);
  return 0;
}
