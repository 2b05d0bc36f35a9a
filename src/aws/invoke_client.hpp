#pragma once
/// Calling a Lambda function through the Lambda Invoke API (POST /2015-03-31/functions/NAME/invocations),
/// as Step Functions' lambda:invoke does: used by `cosmicai run` and `cosmicai serve` with
/// --function NAME=lambda://HOST:PORT.
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "functions/registry.hpp"

namespace cosmicai::aws {

/// Return true if `binding` is a Lambda Invoke API endpoint ("lambda://HOST:PORT").
bool is_invoke_api_uri(std::string_view binding);

/// Make a handler that invokes `function_name` at `endpoint_uri` ("lambda://HOST:PORT", plain
/// HTTP, unsigned: a Lambda emulator on loopback), synchronously (RequestResponse) with the event
/// as the body. The result is the response body parsed as JSON (a string if it is not JSON).
/// A function error (header X-Amz-Function-Error) throws functions::FunctionError with the body's
/// errorType/errorMessage (errorType "Lambda.Unknown" when the body has none, e.g. a timeout);
/// service failures throw functions::ServiceError as Step Functions names them:
/// 404 Lambda.ResourceNotFoundException, 429 Lambda.TooManyRequestsException,
/// 413 Lambda.RequestTooLargeException, other 4xx Lambda.AWSLambdaException, 5xx
/// Lambda.ServiceException, no connection Lambda.SdkClientException. Thread-safe.
/// Returns an error for a malformed URI.
Result<functions::Handler> make_invoke_api_handler(std::string_view endpoint_uri, std::string function_name);

}  // namespace cosmicai::aws
