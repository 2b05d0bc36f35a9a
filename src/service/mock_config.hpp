#pragma once
/// Mocked service responses in AWS Step Functions Local's format (the file named by
/// SFN_MOCK_CONFIG): StateMachines.<machine>.TestCases.<case>.<state> → a MockedResponses entry
/// whose keys are invocation numbers ("0") or inclusive ranges ("1-2") of that state, each holding
/// exactly one of Return (the service's raw result) or Throw {Error, Cause}. An execution selects a
/// case with `stateMachineArn#CaseName`. Validated strictly on load, as LocalStack does (consecutive
/// numbering from 0).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "engine/observer.hpp"

namespace cosmicai::service {

class MockConfig {
 public:
  /// Parse and validate `text` (read from `path`, which errors name). Throws std::runtime_error
  /// naming the file and the JSON pointer of the first problem.
  static MockConfig parse(const std::string& text, const std::string& path);
  /// Read and parse the file.
  static MockConfig load(const std::string& path);

  bool has_case(const std::string& machine, const std::string& test_case) const;
  /// Whether the case mocks `state` at all.
  bool mocks_state(const std::string& machine, const std::string& test_case, const std::string& state) const;
  /// The response for `invocation` (0-based) of `state`; a States.Runtime failure when the
  /// response has no entry for that number. Requires mocks_state().
  engine::MockedResponse response(const std::string& machine, const std::string& test_case, const std::string& state,
                                  std::int64_t invocation) const;

 private:
  struct Entry {
    std::int64_t first = 0, last = 0;
    engine::MockedResponse response;
  };
  // machine → case → state → response name
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> cases_;
  std::map<std::string, std::vector<Entry>> responses_;
};

}  // namespace cosmicai::service
