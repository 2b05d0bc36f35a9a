#pragma once
/// Every States.* error name once, and the runtime error thrown inside evaluation.
#include <stdexcept>
#include <string>
#include <string_view>

namespace cosmicai::asl {

namespace errors {
inline constexpr std::string_view kAll = "States.ALL";
inline constexpr std::string_view kHeartbeatTimeout = "States.HeartbeatTimeout";
inline constexpr std::string_view kTimeout = "States.Timeout";
inline constexpr std::string_view kTaskFailed = "States.TaskFailed";
inline constexpr std::string_view kPermissions = "States.Permissions";
inline constexpr std::string_view kResultPathMatchFailure = "States.ResultPathMatchFailure";
inline constexpr std::string_view kParameterPathFailure = "States.ParameterPathFailure";
inline constexpr std::string_view kQueryEvaluationError = "States.QueryEvaluationError";
inline constexpr std::string_view kBranchFailed = "States.BranchFailed";
inline constexpr std::string_view kNoChoiceMatched = "States.NoChoiceMatched";
inline constexpr std::string_view kIntrinsicFailure = "States.IntrinsicFailure";
inline constexpr std::string_view kExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold";
inline constexpr std::string_view kItemReaderFailed = "States.ItemReaderFailed";
inline constexpr std::string_view kResultWriterFailed = "States.ResultWriterFailed";
inline constexpr std::string_view kRuntime = "States.Runtime";
inline constexpr std::string_view kDataLimitExceeded = "States.DataLimitExceeded";
}  // namespace errors

/// An ASL runtime error (tier 3): thrown inside evaluation, caught only by the
/// state's Retry/Catch loop, and otherwise the execution's Error/Cause.
class StatesError : public std::runtime_error {
 public:
  StatesError(std::string name, std::string cause)
      : std::runtime_error(name + ": " + cause), name_(std::move(name)), cause_(std::move(cause)) {}
  StatesError(std::string_view name, std::string cause) : StatesError(std::string(name), std::move(cause)) {}
  const std::string& name() const { return name_; }
  const std::string& cause() const { return cause_; }

  /// An error whose cause AWS reports as it is, without the "An error occurred while executing
  /// the state '…' (entered at the event id #…)." preamble the engine adds to other runtime
  /// errors (e.g. an invalid MaxConcurrencyPath or ToleratedFailure*Path value).
  static StatesError bare(std::string_view name, std::string cause) {
    StatesError e(name, std::move(cause));
    e.bare_ = true;
    return e;
  }
  bool is_bare() const { return bare_; }

  /// A States.QueryEvaluationError of the field at `location` ("Output/result", "Items",
  /// "Timestamp"): the history's EvaluationFailed event names it.
  static StatesError query_evaluation(std::string location, std::string cause) {
    StatesError e(errors::kQueryEvaluationError, std::move(cause));
    e.location_ = std::move(location);
    return e;
  }
  /// The field whose evaluation failed; empty for errors that are not about one field.
  const std::string& location() const { return location_; }

 private:
  std::string name_;
  std::string cause_;
  std::string location_;
  bool bare_ = false;
};

/// A problem found while validating a definition, located by JSON pointer.
struct ValidationError {
  std::string pointer;  ///< e.g. "/States/Fetch/Retry/0/MaxAttempts"
  std::string message;  ///< e.g. "must be a non-negative integer, got -1"
  std::string to_string() const { return pointer + ": " + message; }
};

}  // namespace cosmicai::asl
