// Fuzz target: payload templates ("Parameters", "ResultSelector"): the validator and the
// evaluator. Input: a JSON document; [TEMPLATE, INPUT] gives both, anything else is the
// template with a fixed input. Evaluation throws only StatesError.
#include "asl/errors.hpp"
#include "asl/path/payload_template.hpp"
#include "fuzz_util.hpp"

using namespace cosmicai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const json context = fuzz::sample_context();
  static const json fallback = fuzz::sample_input();
  const auto doc = fuzz::parse_json(fuzz::as_view(data, size));
  if (!doc) return 0;
  const bool pair = doc->is_array() && doc->size() == 2;
  const json& tmpl = pair ? (*doc)[0] : *doc;
  const json& input = pair ? (*doc)[1] : fallback;

  std::vector<asl::ValidationError> errors;
  asl::validate_payload_template(tmpl, "/States/S/Parameters", errors);
  try {
    (void)asl::evaluate_payload_template(tmpl, input, context);
  } catch (const asl::StatesError&) {
  }
  return 0;
}
