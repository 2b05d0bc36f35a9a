#include "mpi/mpi_infer.hpp"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <numeric>
#include <set>
#include <thread>
#include <vector>

#include "cosmic/handlers.hpp"
#include "cosmic/infer.hpp"
#include "cosmic/shard_plan.hpp"
#include "cosmic/summarize.hpp"

namespace cosmicai::mpi {

namespace {

using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

// The plan as process 0 broadcasts it: {"body":[rank dicts]} or {"error": message}.
json make_plan(const cosmic::CosmicConfig& config, const json& in) {
  try {
    if (in.is_array()) return json{{"body", in}};
    if (in.is_object() && in.contains("body") && in.at("body").is_array()) return json{{"body", in.at("body")}};
    if (in.is_object() && in.contains("DATA_PATH")) return json{{"body", json::array({in})}};
    auto planned = cosmic::initialize(*config.store, in);
    if (!planned) return json{{"error", planned.error().message}};
    return json{{"body", planned->at("body")}};
  } catch (const std::exception& e) {
    return json{{"error", e.what()}};
  }
}

// One process's part of the gather: its ranks' outcomes and its own figures.
json run_my_ranks(const cosmic::CosmicConfig& config, const json& body, int me, int processes, double& busy_s) {
  std::vector<std::size_t> mine;
  for (std::size_t r = static_cast<std::size_t>(me); r < body.size(); r += static_cast<std::size_t>(processes)) {
    mine.push_back(r);
  }
  cosmic::CosmicRuntime rt(config);
  // One more worker than compute slots: a rank reads its first partition while another computes.
  const std::size_t workers = std::min<std::size_t>(mine.size(), static_cast<std::size_t>(rt.gate().slots()) + 1);
  std::vector<json> outcomes(mine.size());
  std::atomic<std::size_t> next{0};
  const auto t0 = SteadyClock::now();
  auto work = [&] {
    for (std::size_t i = next++; i < mine.size(); i = next++) {
      const std::size_t r = mine[i];
      json out{{"rank", static_cast<std::int64_t>(r)}};
      try {
        auto ran = cosmic::run_rank(rt.config(), rt.gate(), body.at(r));
        if (ran) {
          out["result"] = std::move(ran->result);
          out["predictions_csv"] = std::move(ran->predictions_csv);
        } else {
          out["error"] = ran.error().message;
        }
      } catch (const std::exception& e) {
        out["error"] = fmt::format("rank {}: {}", r, e.what());
      }
      outcomes[i] = std::move(out);
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  busy_s = seconds_since(t0);
  json ranks = json::array();
  for (auto& o : outcomes) ranks.push_back(std::move(o));
  return ranks;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

}  // namespace

int process_cores(int local_processes) {
  const int node = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int bound = CPU_COUNT(&set);
    if (bound > 0 && bound < node) return bound;
  }
  return std::max(1, node / std::max(1, local_processes));
}

int run_mpi_infer(Communicator& comm, const MpiInferOptions& o) {
  std::ostream& out = o.out ? *o.out : std::cout;
  std::ostream& err = o.err ? *o.err : std::cerr;
  const int me = comm.rank(), processes = comm.size();
  const auto timeout = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(std::max(0.0, o.timeout_seconds)));
  auto deadline = [&] { return SteadyClock::now() + timeout; };
  const auto t_start = SteadyClock::now();
  cosmic::CosmicConfig config = o.config;
  config.progress = nullptr;  // one status line per process would interleave

  json plan;
  // A collective that timed out: say where, let process 0 summarize what the store holds, end the job.
  auto timed_out = [&](const char* phase) -> int {
    err << fmt::format(
        "cosmicai infer --mpi: process {} of {}: waited {:.0f} s in {} without the other processes "
        "(one is stuck or died); ending the job\n",
        me, processes, o.timeout_seconds, phase);
    if (me == 0 && plan.contains("body")) {
      auto s = cosmic::summarize_results(config, plan);  // the finished ranks' files, as `cosmicai summarize`
      if (s) {
        json summary = s->at("body");
        summary["mpi"] = {{"processes", processes},
                          {"timed_out", true},
                          {"timed_out_in", phase},
                          {"timeout_seconds", o.timeout_seconds},
                          {"note", "summarized from the store: some processes did not reach the final collective"}};
        const std::string base = cosmic::trim_result_path(summary.value("result_path", std::string()));
        (void)config.store->put(summary.value("data_bucket", std::string()), base + "/summary.json", summary.dump(2));
        err << cosmic::render_summary(summary);
      } else {
        err << "cosmicai infer --mpi: summarizing from the store failed: " << s.error().message << "\n";
      }
    }
    err.flush();
    comm.abort(kExitTimeout);
    return kExitTimeout;  // not reached
  };

  // === 1. Plan (process 0, as data-parallel-init) and broadcast ===
  const auto t_plan = SteadyClock::now();
  std::string plan_bytes;
  if (me == 0) plan_bytes = make_plan(config, o.input).dump();
  const double plan_s = seconds_since(t_plan);
  const auto t_bcast = SteadyClock::now();
  if (!comm.broadcast(plan_bytes, deadline())) return timed_out("the plan broadcast");
  const double bcast_s = seconds_since(t_bcast);
  plan = json::parse(plan_bytes);
  if (plan.contains("error")) {
    if (me == 0) err << "cosmicai infer --mpi: error: " << plan.at("error").get<std::string>() << "\n";
    return kExitError;
  }
  const json& body = plan.at("body");
  if (body.empty()) {
    if (me == 0) err << "cosmicai infer --mpi: error: the input plans no ranks\n";
    return kExitError;
  }

  // === 2. This process's ranks ===
  const int cores = process_cores(comm.local_size());
  if (config.threads <= 0) config.threads = cores;
  config.cores = cores;
  if (me == 0) {
    err << fmt::format("cosmicai infer --mpi: {} ranks on {} processes ({}), {} intra-op threads per process\n",
                       body.size(), processes, comm.library(), config.threads);
  }
  const auto t_run = SteadyClock::now();
  double busy_s = 0;
  json ranks = run_my_ranks(config, body, me, processes, busy_s);

  // === 3. Wait for every process (sleeping, bounded), then gather the outcomes ===
  const auto t_barrier = SteadyClock::now();
  if (!comm.barrier(deadline())) return timed_out("the final barrier (waiting for slower processes)");
  const double barrier_s = seconds_since(t_barrier);
  const double makespan_s = seconds_since(t_run);
  json mine{{"process", me},
            {"host", comm.host()},
            {"threads", config.threads},
            {"cores", cores},
            {"busy_seconds", busy_s},
            {"barrier_wait_seconds", barrier_s},
            {"ranks", std::move(ranks)}};
  std::vector<std::string> all;
  const auto t_gather = SteadyClock::now();
  if (!comm.gather(mine.dump(), all, deadline())) return timed_out("the gather of the rank results");
  const double gather_s = seconds_since(t_gather);

  // === 4. Process 0 summarizes; everyone leaves with its exit code ===
  std::string code_bytes;
  if (me == 0) {
    int code = kExitOk;
    try {
      std::vector<cosmic::RankReport> reports;
      std::vector<double> busy, waits;
      json per_process = json::array();
      std::set<std::string> hosts;
      for (const auto& bytes : all) {
        json p = json::parse(bytes);
        busy.push_back(p.at("busy_seconds").get<double>());
        waits.push_back(p.at("barrier_wait_seconds").get<double>());
        hosts.insert(p.at("host").get<std::string>());
        json ranks_run = json::array();
        for (auto& r : p.at("ranks")) {
          cosmic::RankReport rep;
          rep.rank = r.at("rank").get<std::int64_t>();
          ranks_run.push_back(rep.rank);
          if (r.contains("error")) {
            rep.error = r.at("error").get<std::string>();
          } else {
            rep.result = std::move(r.at("result"));
            rep.predictions_csv = r.at("predictions_csv").get<std::string>();
          }
          reports.push_back(std::move(rep));
        }
        per_process.push_back({{"process", p.at("process")},
                               {"host", p.at("host")},
                               {"ranks", ranks_run},
                               {"threads", p.at("threads")},
                               {"busy_seconds", p.at("busy_seconds")},
                               {"barrier_wait_seconds", p.at("barrier_wait_seconds")}});
      }
      const double max_busy = busy.empty() ? 0.0 : *std::max_element(busy.begin(), busy.end());
      const double mean_busy = mean(busy);
      json mpi{{"library", comm.library()},
               {"processes", processes},
               {"hosts", json(std::vector<std::string>(hosts.begin(), hosts.end()))},
               {"world_size", static_cast<std::int64_t>(body.size())},
               {"threads_per_process", config.threads},
               {"makespan_seconds", makespan_s},
               {"load_imbalance", mean_busy > 0 ? max_busy / mean_busy : 1.0},
               {"busy_seconds_max", max_busy},
               {"busy_seconds_mean", mean_busy},
               {"barrier_wait_seconds_max", waits.empty() ? 0.0 : *std::max_element(waits.begin(), waits.end())},
               {"plan_seconds", plan_s},
               {"plan_broadcast_seconds", bcast_s},
               {"gather_seconds", gather_s},
               {"collective_seconds", bcast_s + gather_s},
               {"gathered_bytes", std::accumulate(all.begin(), all.end(), std::int64_t{0},
                                                  [](std::int64_t n, const std::string& s) {
                                                    return n + static_cast<std::int64_t>(s.size());
                                                  })},
               {"wall_seconds", seconds_since(t_start)},
               {"per_process", per_process}};
      all.clear();
      auto s = cosmic::summarize_reports(config, plan, std::move(reports), json{{"mpi", std::move(mpi)}});
      if (!s) {
        err << "cosmicai infer --mpi: error: " << s.error().message << "\n";
        code = kExitError;
      } else {
        const json& summary = s->at("body");
        if (o.output == "json") {
          out << summary.dump(2) << "\n";
        } else {
          out << cosmic::render_summary(summary);
          const json& m = summary.at("mpi");
          out << fmt::format(
              "mpi: {} processes, makespan {:.2f} s, load imbalance (max/mean busy) {:.3f}, "
              "collectives {:.3f} s, longest wait for others {:.2f} s\n",
              processes, m.at("makespan_seconds").get<double>(), m.at("load_imbalance").get<double>(),
              m.at("collective_seconds").get<double>(), m.at("barrier_wait_seconds_max").get<double>());
          out << fmt::format("summary: {}/{}\n", summary.value("data_bucket", std::string()),
                             summary.value("summary", std::string()));
        }
        out.flush();
        if (!summary.value("complete", false)) code = kExitFailedRanks;
      }
    } catch (const std::exception& e) {
      err << "cosmicai infer --mpi: error: summarizing the gathered results: " << e.what() << "\n";
      code = kExitError;
    }
    code_bytes = std::to_string(code);
  }
  if (!comm.broadcast(code_bytes, deadline())) return timed_out("the exit-code broadcast");
  return std::stoi(code_bytes);
}

}  // namespace cosmicai::mpi
