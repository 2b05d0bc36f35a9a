// Partition read throughput through the s3:// store from s3rver on loopback, against plain
// `curl` downloading the same objects from the same server in the same run, and against the
// file:// reader on the same partitions (page cache warm). The server is the shared limit, so
// the ratio to curl measures our client. Prints MB/s (10^6 B/s) and ratios; not a pass/fail test.
//
//   bench_s3 [--partitions N] [--partition-mb MB] [--rounds R] [--endpoint URL]
//
// Without --endpoint it starts s3rver itself with tests/peers/s3peer.sh (needs `npm ci` in
// tests/peers) and stops it at the end; curl talks to s3rver directly (not the test proxy).
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "data/partition.hpp"
#include "data/partition_pool.hpp"
#include "data/store_source.hpp"
#include "data/synthetic.hpp"
#include "storage/s3/s3_store.hpp"

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;
using namespace cosmicai;

double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int shell(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  int partitions = 4, partition_mb = 50, rounds = 5;
  std::string endpoint;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--partitions") partitions = std::atoi(argv[i + 1]);
    else if (a == "--partition-mb") partition_mb = std::atoi(argv[i + 1]);
    else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (a == "--endpoint") endpoint = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const fs::path work = fs::temp_directory_path() / ("cosmicai-bench-s3-" + std::to_string(::getpid()));
  fs::create_directories(work / "files/cosmicai-data/bench");
  const std::string peer_script = std::string(COSMICAI_SOURCE_DIR) + "/tests/peers/s3peer.sh";
  const std::string state = (work / "peer").string();
  bool own_peer = false;
  if (endpoint.empty()) {
    if (shell("'" + peer_script + "' start '" + state + "' >/dev/null") != 0) {
      std::fprintf(stderr, "bench_s3: could not start s3rver (%s); run npm ci in tests/peers\n",
                   read_text(state + "/skip").c_str());
      return 1;
    }
    own_peer = true;
    std::istringstream env(read_text(state + "/env"));
    std::string line;
    while (std::getline(env, line)) {
      if (line.rfind("S3RVER_PORT=", 0) == 0) endpoint = "http://127.0.0.1:" + line.substr(12);
    }
  }
  auto cleanup = [&] {
    if (own_peer) shell("'" + peer_script + "' stop '" + state + "' >/dev/null");
    fs::remove_all(work);
  };

  storage::s3::S3Settings settings;
  settings.endpoint = endpoint;
  settings.credentials = {"S3RVER", "S3RVER", ""};
  auto opened = storage::s3::open_s3_store("s3://", settings);
  auto& store = static_cast<storage::s3::S3ObjectStore&>(**opened);
  if (auto st = store.create_bucket("cosmicai-bench"); !st) {
    std::fprintf(stderr, "bench_s3: %s\n", st.error().message.c_str());
    cleanup();
    return 1;
  }
  std::vector<std::string> keys;
  std::uint64_t total = 0;
  const auto samples = data::samples_per_partition(partition_mb);
  for (int i = 1; i <= partitions; ++i) {
    const auto p = data::synthesize_partition(samples, 2025, (i - 1) * samples);
    const std::string bytes = data::serialize_partition(p, std::to_string(i));
    const std::string key = "bench/" + std::to_string(i) + ".pt";
    if (auto st = store.put("cosmicai-bench", key, bytes); !st) {
      std::fprintf(stderr, "bench_s3: %s\n", st.error().message.c_str());
      cleanup();
      return 1;
    }
    std::ofstream(work / "files/cosmicai-data" / key, std::ios::binary) << bytes;
    keys.push_back(key);
    total += bytes.size();
  }
  const double mb = total / 1e6;

  // curl: one process fetching every object over one kept-alive connection, body to /dev/null.
  std::string curl = "curl -sS --fail --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER "
                     "-H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'";
  for (const auto& k : keys) curl += " -o /dev/null '" + endpoint + "/cosmicai-bench/" + k + "'";

  data::PartitionPool pool(2);
  std::vector<char> raw;
  auto ours_reader = [&] {  // the infer handler's path: ranged GETs into pooled partitions
    for (const auto& k : keys) {
      auto part = pool.acquire();
      if (auto st = data::read_partition_from_store_into(store, "cosmicai-bench", k, *part); !st) {
        std::fprintf(stderr, "bench_s3: %s\n", st.error().message.c_str());
        std::exit(1);
      }
    }
  };
  auto ours_reader_nocrc = [&] {  // same, CRC-32 checks off: what the checksum costs
    data::ReadOptions o;
    o.verify_crc = false;
    for (const auto& k : keys) {
      auto part = pool.acquire();
      if (auto st = data::read_partition_from_store_into(store, "cosmicai-bench", k, *part, o); !st) std::exit(1);
    }
  };
  auto ours_raw = [&] {  // the client alone: whole objects streamed into one reused buffer
    for (const auto& k : keys) {
      const auto size = store.stat("cosmicai-bench", k).value().size;
      raw.resize(size);
      store.read_range_into("cosmicai-bench", k, 0, size, raw.data()).value();
    }
  };
  auto file_reader = [&] {
    for (const auto& k : keys) {
      auto part = pool.acquire();
      data::read_partition_file_into((work / "files/cosmicai-data" / k).string(), *part).value();
    }
  };
  auto curl_run = [&] {
    if (shell(curl) != 0) {
      std::fprintf(stderr, "bench_s3: curl failed\n");
      std::exit(1);
    }
  };
  struct Case {
    const char* name;
    std::function<void()> fn;
    std::vector<double> secs;
  };
  std::vector<Case> cases = {{"curl (one process, -o /dev/null)", curl_run, {}},
                             {"cosmicai s3:// partition reader", ours_reader, {}},
                             {"cosmicai s3:// reader, CRC off", ours_reader_nocrc, {}},
                             {"cosmicai s3:// client, whole objects", ours_raw, {}},
                             {"cosmicai file:// partition reader", file_reader, {}}};
  for (auto& c : cases) c.fn();  // warm-up: connections, page cache, pooled buffers
  const auto before = store.stats().requests;
  ours_reader();
  const double reader_requests = double(store.stats().requests - before) / keys.size();
  // Interleaved rounds, so load from other processes hits every case alike.
  for (int r = 0; r < rounds; ++r) {
    for (auto& c : cases) {
      const auto t = SteadyClock::now();
      c.fn();
      c.secs.push_back(seconds_since(t));
    }
  }
  const double curl_mbps = mb / median(cases[0].secs);
  std::printf("s3rver 3.7.1 on loopback (%s), %d partitions × %d MB (%.1f MB), median of %d rounds\n",
              endpoint.c_str(), partitions, partition_mb, mb, rounds);
  std::printf("HTTP requests per partition: partition reader %.1f, whole-object client 2 (HEAD + GET), curl 1\n",
              reader_requests);
  std::printf("%-40s %10s %10s %12s\n", "case", "MB/s", "best MB/s", "vs curl");
  for (auto& c : cases) {
    const double m = mb / median(c.secs);
    const double best = mb / *std::min_element(c.secs.begin(), c.secs.end());
    std::printf("%-40s %10.1f %10.1f %11.2fx\n", c.name, m, best, m / curl_mbps);
  }
  cleanup();
  return 0;
}
