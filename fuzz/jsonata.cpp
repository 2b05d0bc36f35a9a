// Fuzz target: the JSONata parser and evaluator. Input "EXPRESSION\nJSON-INPUT" (a newline
// inside an expression is written as \r; no JSON: a fixed input). Compiling and evaluating
// throw only jsonata::Error; the default depth limit holds (no stack overflow); steps, time
// and sequence sizes are lowered so a slow expression fails fast with U1001/D2014.
#include <algorithm>
#include <string>

#include "asl/jsonata/jsonata.hpp"
#include "fuzz_util.hpp"

using namespace cosmicai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto [head, rest] = fuzz::split_line(fuzz::as_view(data, size));
  std::string text(head);
  std::replace(text.begin(), text.end(), '\r', '\n');
  static const json fallback = fuzz::sample_input();
  const auto parsed = fuzz::parse_json(rest);
  const json& input = parsed ? *parsed : fallback;

  jsonata::Limits limits;  // default max_depth: the limit production uses must hold
  limits.max_steps = 200'000;
  limits.max_time = std::chrono::milliseconds(2'000);
  limits.max_sequence = 100'000;
  limits.regex_match_limit = 100'000;
  try {
    const auto expression = jsonata::Expression::compile(text);
    jsonata::Bindings bindings;
    bindings.value("v", json{{"x", 1}, {"y", json::array({1, 2, 3})}});
    (void)expression.evaluate(std::optional<json>(input), bindings, limits);
  } catch (const jsonata::Error&) {
  }
  return 0;
}
