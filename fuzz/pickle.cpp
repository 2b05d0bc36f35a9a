// Fuzz target: the pickle decoder on its own (the protocol-2 subset torch.save writes).
// Decodes pickles one after another until the input ends or one is rejected; an error
// names an offset, and decoding never runs past the input.
#include <cstdio>
#include <cstdlib>

#include "data/pickle.hpp"
#include "fuzz_util.hpp"

using namespace cosmicai;

namespace {
std::size_t walk(const data::pickle::Value& v, int depth) {
  if (depth > 100000) std::abort();
  std::size_t n = 1;
  (void)v.describe();
  if (v.kind == data::pickle::Value::Kind::kStorage) (void)data::pickle::storage_dtype(v.storage_type);
  if (depth < 64) {
    for (const auto& item : v.items) {
      if (item) n += walk(*item, depth + 1);
    }
  }
  return n;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = fuzz::as_view(data, size);
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const std::size_t before = pos;
    auto value = data::pickle::unpickle(bytes, pos);
    if (!value) {
      if (value.error().message.empty()) std::abort();
      break;
    }
    if (pos <= before || pos > bytes.size()) {
      std::fprintf(stderr, "unpickle moved from %zu to %zu of %zu\n", before, pos, bytes.size());
      std::abort();
    }
    if (*value) (void)walk(**value, 0);
  }
  return 0;
}
