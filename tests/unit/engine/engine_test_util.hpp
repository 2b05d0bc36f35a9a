#pragma once
// Helpers for engine tests: parse a definition from text and run it at time scale 0.
#include <gtest/gtest.h>

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

/// Run `definition` on `input` with a fresh engine (time scale 0).
inline ExecutionResult run(const std::string& definition, const json& input,
                           std::shared_ptr<functions::Registry> registry = stub_registry(), std::size_t workers = 4,
                           bool history = false) {
  auto m = parse_machine(definition);
  if (!m) return ExecutionResult{"INVALID", nullptr, std::nullopt, std::nullopt, nullptr, 0};
  Engine engine(registry, {.workers = workers, .time_scale = 0.0});
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
