// Fuzz target: the `.pt` partition reader (zip container, pickle, tensor validation).
// Input: one flag byte, then the file's bytes. Flag bit 0 set: skip the CRC-32 checks (so
// mutations reach the pickle and tensor checks); bit 1: allow tuple/dict layouts.
// A partition is accepted (with consistent sizes) or rejected with an error message.
#include <cstdio>
#include <cstdlib>

#include "data/partition.hpp"
#include "data/zip_archive.hpp"
#include "fuzz_util.hpp"

using namespace cosmicai;

namespace {
void check(const data::Partition& p) {
  const auto n = static_cast<std::size_t>(p.samples);
  if (p.samples < 0 || p.images.size() != n * data::kImageElements || p.magnitudes.size() != n * data::kMagnitudes ||
      p.redshift.size() != n) {
    std::fprintf(stderr, "accepted partition with inconsistent sizes\n");
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  data::ReadOptions options;
  options.verify_crc = (data[0] & 1) == 0;
  options.allow_plain_layouts = (data[0] & 2) != 0;
  const auto bytes = fuzz::as_view(data + 1, size - 1);

  auto parsed = data::parse_partition(bytes, "fuzz.pt", options);
  if (parsed) {
    check(*parsed);
  } else if (parsed.error().message.empty()) {
    std::fprintf(stderr, "rejected without a message\n");
    std::abort();
  }
  // The streaming path (tensors read straight into reused buffers) must agree.
  data::Partition reused;
  data::MemorySource source(bytes);
  const auto status = data::read_partition_source_into(source, "fuzz.pt", reused, options);
  if (status.ok() != parsed.ok()) {
    std::fprintf(stderr, "parse_partition and read_partition_source_into disagree\n");
    std::abort();
  }
  if (status.ok()) check(reused);
  return 0;
}
