#pragma once
// Helpers for engine tests: parse a definition from text and run it at time scale 0.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "asl/state_machine.hpp"
#include "engine/engine.hpp"
#include "functions/registry.hpp"

namespace cosmicai::engine::testing {

inline std::shared_ptr<const asl::StateMachine> parse_machine(const std::string& text) {
  std::vector<asl::ValidationError> errors;
  auto m = asl::StateMachine::parse(json::parse(text), errors);
  for (const auto& e : errors) ADD_FAILURE() << e.to_string();
  return m;
}

/// A registry with the stubs plus whatever the test adds.
inline std::shared_ptr<functions::Registry> stub_registry() {
  auto r = std::make_shared<functions::Registry>();
  functions::add_stub_functions(*r);
  return r;
}

/// The worker count of tests that do not choose one: COSMICAI_TEST_WORKERS when set (to sweep the
/// suite over 1, 2, 4, 8 workers, e.g. under ThreadSanitizer), else `fallback`.
inline std::size_t test_workers(std::size_t fallback) {
  const char* env = std::getenv("COSMICAI_TEST_WORKERS");
  const long n = env ? std::strtol(env, nullptr, 10) : 0;
  return n > 0 ? static_cast<std::size_t>(n) : fallback;
}

/// Run `definition` on `input` with a fresh engine (time scale 0) and `workers` workers
/// (0: test_workers(4)).
inline ExecutionResult run(const std::string& definition, const json& input,
                           std::shared_ptr<functions::Registry> registry = stub_registry(), std::size_t workers = 0,
                           bool history = false) {
  auto m = parse_machine(definition);
  if (!m) return ExecutionResult{"INVALID", nullptr, std::nullopt, std::nullopt, {}, 0};
  Engine engine(registry, {.workers = workers ? workers : test_workers(4), .time_scale = 0.0});
  ExecutionOptions opts;
  opts.record_history = history;
  return engine.run(m, input, opts);
}

/// The cause of a failed run; a run without one is a test failure (and gives text no check matches).
inline std::string cause_of(const ExecutionResult& r) {
  if (!r.cause) {
    ADD_FAILURE() << "expected a cause, got " << r.to_json().dump();
    return "<no cause>";
  }
  return *r.cause;
}

inline std::vector<std::string> messages(const std::string& definition) {
  std::vector<std::string> out;
  for (const auto& e : asl::validate_definition(json::parse(definition))) out.push_back(e.to_string());
  return out;
}

inline bool contains(const std::vector<std::string>& list, const std::string& text) {
  for (const auto& s : list) {
    if (s.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace cosmicai::engine::testing
