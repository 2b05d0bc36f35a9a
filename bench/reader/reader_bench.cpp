// Partition read throughput: cosmicai's reader against `cat FILE > /dev/null` and a
// plain read() loop over the same bytes, on synthetic 25 MB and 100 MB partitions
// (page cache warm). Prints MB/s (10^6 B/s) and the ratio to cat. Not a pass/fail test.
//
//   bench_reader [--reps N] [--dir DIR]
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "data/crc32.hpp"
#include "data/partition.hpp"
#include "data/synthetic.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using cosmicai::data::Partition;
using cosmicai::data::ReadOptions;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Median and best seconds of `reps` runs of `fn` (after one warm-up run). On a
/// shared machine the best run shows what the code can do, the median what it got.
struct Timing {
  double median = 0;
  double best = 0;
  Timing operator/(double k) const { return {median / k, best / k}; }
};
Timing time_runs(int reps, const std::function<void()>& fn) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto start = Clock::now();
    fn();
    t.push_back(seconds_since(start));
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front()};
}

void die(const std::string& what) {
  std::fprintf(stderr, "bench_reader: %s\n", what.c_str());
  std::exit(1);
}

std::uint64_t read_loop(const std::string& path) {
  static std::vector<char> buf(128 * 1024);  // cat's buffer size
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) die("cannot open " + path);
  std::uint64_t total = 0;
  for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) total += static_cast<std::uint64_t>(n);
  ::close(fd);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 9;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc)
      reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_reader [--reps N] [--dir DIR]\n");
      return 2;
    }
  }
  bool own_dir = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/cosmicai-bench-reader-XXXXXX";
    if (!::mkdtemp(tmpl)) die("mkdtemp failed");
    dir = tmpl;
    own_dir = true;
  }

  // CRC-32 alone, in memory: the reader's extra work per byte.
  {
    std::vector<unsigned char> buf(64 << 20);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<unsigned char>(i * 2654435761u >> 13);
    std::uint32_t sink = 0;
    const Timing fast = time_runs(5, [&] { sink ^= cosmicai::data::crc32_update(0, buf.data(), buf.size()); });
    const Timing zlib = time_runs(5, [&] { sink ^= static_cast<std::uint32_t>(::crc32(0, buf.data(), buf.size())); });
    std::printf("CRC-32 of 64 MiB in memory (best run): cosmicai %.0f MB/s (%s), zlib %.0f MB/s  [%08x]\n",
                buf.size() / fast.best / 1e6,
                cosmicai::data::crc32_is_accelerated() ? "carry-less multiply" : "zlib fallback",
                buf.size() / zlib.best / 1e6, sink);
  }

  std::printf("%-7s %-44s %12s %9s %10s %9s\n", "file", "method", "median MB/s", "vs cat", "best MB/s", "vs cat");
  for (const int mb : {25, 100}) {
    const std::int64_t samples = cosmicai::data::samples_per_partition(mb);
    const std::string path = dir + "/" + std::to_string(mb) + "MB.pt";
    {
      const std::string bytes = cosmicai::data::serialize_partition(cosmicai::data::synthesize_partition(samples, 1),
                                                                    std::to_string(mb) + "MB");
      std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    const double size = static_cast<double>(std::filesystem::file_size(path));
    read_loop(path);  // page cache warm

    // cat: one process reading the file 10 times, so process start-up is amortised.
    constexpr int kCatCopies = 10;
    std::string cat_cmd = "cat";
    for (int k = 0; k < kCatCopies; ++k) cat_cmd += " '" + path + "'";
    cat_cmd += " > /dev/null";
    const Timing cat_s = time_runs(reps,
                                   [&] {
                                     if (std::system(cat_cmd.c_str()) != 0) die("cat failed");
                                   }) /
                         kCatCopies;
    const std::string label = std::to_string(mb) + " MB";
    auto report = [&](const char* method, Timing secs) {
      const double median = size / secs.median / 1e6, best = size / secs.best / 1e6;
      std::printf("%-7s %-44s %12.0f %8.2fx %10.0f %8.2fx\n", label.c_str(), method, median,
                  secs.median > 0 ? cat_s.median / secs.median : 0.0, best, cat_s.best / secs.best);
    };
    report("cat FILE > /dev/null", cat_s);
    report("read() loop, 128 KiB buffer", time_runs(reps, [&] { read_loop(path); }));

    auto fresh = [&](ReadOptions opt) {
      return time_runs(reps, [&, opt] {
        auto p = cosmicai::data::read_partition_file(path, opt);
        if (!p.ok()) die(p.error().message);
      });
    };
    auto reused = [&](ReadOptions opt) {
      Partition part;
      return time_runs(reps, [&, opt] {
        auto st = cosmicai::data::read_partition_file_into(path, part, opt);
        if (!st.ok()) die(st.error().message);
      });
    };
    ReadOptions crc, nocrc, mmap_crc;
    nocrc.verify_crc = false;
    mmap_crc.use_mmap = true;
    report("read_partition_file_into (reused buffers)", reused(crc));
    report("read_partition_file_into, no CRC", reused(nocrc));
    report("read_partition_file_into, mmap", reused(mmap_crc));
    report("read_partition_file (fresh buffers)", fresh(crc));
    report("read_partition_file, mmap (fresh buffers)", fresh(mmap_crc));
  }
  if (own_dir) std::filesystem::remove_all(dir);
  return 0;
}
