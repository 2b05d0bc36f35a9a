// Fuzz target: intrinsic function calls ("States.Format('{}', $.a)"). Input "CALL\nJSON-INPUT".
// Checking never throws; evaluation throws only StatesError; a call check_intrinsic
// accepts is one is_intrinsic_call recognises.
#include <cstdio>
#include <cstdlib>

#include "asl/errors.hpp"
#include "asl/intrinsic/intrinsics.hpp"
#include "fuzz_util.hpp"

using namespace cosmicai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [call, rest] = fuzz::split_line(fuzz::as_view(data, size));
  static const json context = fuzz::sample_context();
  static const json fallback = fuzz::sample_input();
  const auto parsed = fuzz::parse_json(rest);
  const json& input = parsed ? *parsed : fallback;

  const bool looks_like_call = asl::is_intrinsic_call(call);
  const auto error = asl::check_intrinsic(call);
  if (!error && !looks_like_call) {
    std::fprintf(stderr, "check_intrinsic accepts what is_intrinsic_call does not recognise\n");
    std::abort();
  }
  try {
    (void)asl::evaluate_intrinsic(call, input, context);
  } catch (const asl::StatesError&) {
  }
  return 0;
}
