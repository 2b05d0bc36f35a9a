#include "asl/policy/error_matcher.hpp"

namespace cosmicai::asl {

bool error_matches(const std::vector<std::string>& error_equals, const std::optional<std::string>& error) {
  const bool is_runtime = error && *error == errors::kRuntime;
  if (is_runtime) return false;
  // A task result over the payload limit fails the task with States.DataLimitExceeded, which
  // States.ALL catches (recorded on AWS: LocalStack test_states_errors, "catch_state_all_data_limit_
  // exceeded"); States.TaskFailed does not match it. A state *output* over the limit never gets here:
  // it ends the execution.
  const bool is_data_limit = error && *error == errors::kDataLimitExceeded;
  for (const auto& name : error_equals) {
    if (error && name == *error) return true;
    if (name == errors::kAll) return true;
    if (is_data_limit) continue;
    if (name == errors::kTaskFailed && !(error && *error == errors::kTimeout)) return true;
  }
  return false;
}

std::vector<std::string> parse_error_equals(const json& value, const std::string& pointer, bool last,
                                            ParseContext& ctx) {
  std::vector<std::string> out;
  if (!value.is_array() || value.empty()) {
    ctx.error(pointer, "must be a non-empty array of error names, got " + describe(value));
    return out;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) {
      ctx.error(pointer + "/" + std::to_string(i), "must be a string, got " + describe(value[i]));
      continue;
    }
    out.push_back(value[i].get<std::string>());
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] != errors::kAll) continue;
    if (out.size() != 1) {
      ctx.error(pointer + "/" + std::to_string(i), "States.ALL must appear alone in ErrorEquals");
    } else if (!last) {
      ctx.error(pointer + "/" + std::to_string(i), "States.ALL must appear only in the last retrier or catcher");
    }
  }
  return out;
}

}  // namespace cosmicai::asl
