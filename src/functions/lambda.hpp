#pragma once
/// Calling a registered function the way the Lambda service does.
#include <stdexcept>
#include <string>
#include <string_view>

#include "functions/registry.hpp"

namespace cosmicai::functions {

/// A failure of the (emulated) Lambda service itself, not of the function:
/// e.g. Lambda.ResourceNotFoundException for an unknown function. `name` is the
/// ASL error name, `cause` the Cause text.
class ServiceError : public std::runtime_error {
 public:
  ServiceError(std::string name, std::string cause)
      : std::runtime_error(name + ": " + cause), name_(std::move(name)), cause_(std::move(cause)) {}
  const std::string& name() const { return name_; }
  const std::string& cause() const { return cause_; }

 private:
  std::string name_;
  std::string cause_;
};

/// Call the function named by `name_or_arn` with `event`. Returns its result.
/// Throws FunctionError when the function fails (any exception a handler throws is
/// turned into one; other types are named by their C++ type) and ServiceError when
/// no function of that name is bound. Thread-safe.
json invoke_function(const Registry& registry, std::string_view name_or_arn, const json& event,
                     const InvokeContext& ctx);

/// Return the Cause text AWS records for a function error:
/// {"errorMessage":…,"errorType":…} plus the error's extra fields, as compact JSON.
std::string function_error_cause(const FunctionError& error);

}  // namespace cosmicai::functions
