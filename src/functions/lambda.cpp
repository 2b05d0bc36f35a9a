#include "functions/lambda.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace cosmicai::functions {

namespace {
std::string type_name(const std::type_info& info) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(info.name(), nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(info.name());
}
}  // namespace

json invoke_function(const Registry& registry, std::string_view name_or_arn, const json& event,
                     const InvokeContext& ctx) {
  auto handler = registry.find(name_or_arn);
  if (!handler) {
    // AWS's text names the full function ARN (a bare name is expanded in the caller's region and account).
    const std::string arn = name_or_arn.starts_with("arn:")
                                ? std::string(name_or_arn)
                                : "arn:aws:lambda:us-east-1:123456789012:function:" + std::string(name_or_arn);
    throw ServiceError("Lambda.ResourceNotFoundException",
                       "Function not found: " + arn +
                           " (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: " +
                           ctx.request_id + "; Proxy: null)");
  }
  try {
    return (*handler)(event, ctx);
  } catch (const FunctionError&) {
    throw;
  } catch (const ServiceError&) {
    throw;
  } catch (const std::exception& e) {
    throw FunctionError(type_name(typeid(e)), e.what());
  } catch (...) {
    throw FunctionError("UnknownError", "the function threw a value that is not an exception");
  }
}

std::string function_error_cause(const FunctionError& error) {
  json cause = json::object();
  cause["errorMessage"] = error.error_message();
  cause["errorType"] = error.error_type();
  if (error.extra().is_object()) {
    for (auto it = error.extra().begin(); it != error.extra().end(); ++it) {
      if (!cause.contains(it.key())) cause[it.key()] = it.value();
    }
  }
  return dump_compact(cause);
}

}  // namespace cosmicai::functions
