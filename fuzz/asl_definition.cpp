// Fuzz target: a state-machine definition (JSON text) through the parser and the validator.
// Any definition must parse to a machine or to a list of errors with pointers, never crash,
// and the parser and validate_definition must agree.
#include <cstdlib>
#include <cstdio>

#include "asl/state_machine.hpp"
#include "fuzz_util.hpp"

using namespace cosmicai;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto definition = fuzz::parse_json(fuzz::as_view(data, size));
  if (!definition) return 0;
  std::vector<asl::ValidationError> errors;
  const auto machine = asl::StateMachine::parse(*definition, errors);
  const auto problems = asl::validate_definition(*definition);
  if ((machine != nullptr) != problems.empty()) {
    std::fprintf(stderr, "parse and validate_definition disagree: machine %s, %zu problems\n",
                 machine ? "parsed" : "rejected", problems.size());
    std::abort();
  }
  if (!machine) {
    if (errors.empty()) {
      std::fprintf(stderr, "a rejected definition came without errors\n");
      std::abort();
    }
    return 0;
  }
  (void)asl::check_supported(*machine);
  std::size_t states = 0;
  machine->for_each_state([&](const asl::State& s) {
    ++states;
    (void)s.name;
  });
  if (machine->start() == nullptr) std::abort();
  return 0;
}
