// Fuzz target: JSONPath and reference paths. Input "PATH\nJSON-INPUT" (no JSON: a fixed input).
// Checking never throws; evaluating throws only StatesError; a path check_path accepts
// evaluates; ResultPath applies only reference paths.
#include <cstdio>
#include <cstdlib>

#include "asl/errors.hpp"
#include "asl/path/json_path.hpp"
#include "fuzz_util.hpp"

using namespace cosmicai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [path, rest] = fuzz::split_line(fuzz::as_view(data, size));
  static const json context = fuzz::sample_context();
  static const json fallback = fuzz::sample_input();
  const auto parsed = fuzz::parse_json(rest);
  const json& input = parsed ? *parsed : fallback;

  const auto path_error = asl::check_path(path);
  const auto reference_error = asl::check_reference_path(path);
  (void)asl::is_definite_path(path);
  if (!reference_error && path_error) {
    std::fprintf(stderr, "a reference path that is not a path: %s\n", path_error->c_str());
    std::abort();
  }
  try {
    (void)asl::query_path(path, input, context);
  } catch (const asl::StatesError&) {
  }
  try {
    (void)asl::try_query_path(path, input, context);
  } catch (const asl::StatesError&) {
  }
  try {
    (void)asl::query_field_path(path, "value.$", input, context);
  } catch (const asl::StatesError&) {
  }
  if (!reference_error && !path.starts_with("$$")) {
    try {
      (void)asl::apply_result_path(input, path, json{{"r", 1}});
    } catch (const asl::StatesError&) {
    }
  }
  return 0;
}
