#include "aws/invoke_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "functions/lambda.hpp"

namespace cosmicai::aws {

namespace {

size_t collect_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t find_function_error(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  std::string lower = line;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.starts_with("x-amz-function-error:")) {
    std::string v = line.substr(21);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(v.begin());
    *static_cast<std::string*>(user) = v.empty() ? "Unhandled" : v;
  }
  return size * n;
}

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

bool is_invoke_api_uri(std::string_view binding) { return binding.starts_with("lambda://"); }

Result<functions::Handler> make_invoke_api_handler(std::string_view endpoint_uri, std::string function_name) {
  if (!is_invoke_api_uri(endpoint_uri)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("Lambda endpoint '{}': expected lambda://HOST:PORT", endpoint_uri));
  }
  std::string host_port(endpoint_uri.substr(9));
  while (!host_port.empty() && host_port.back() == '/') host_port.pop_back();
  const auto colon = host_port.rfind(':');
  if (host_port.empty() || colon == std::string::npos || colon == 0 || colon + 1 == host_port.size() ||
      host_port.find('/') != std::string::npos ||
      !std::all_of(host_port.begin() + static_cast<long>(colon) + 1, host_port.end(),
                   [](unsigned char c) { return std::isdigit(c); })) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("Lambda endpoint '{}': expected lambda://HOST:PORT", endpoint_uri));
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string url_base = "http://" + host_port + "/2015-03-31/functions/";
  return functions::Handler([url_base, host_port, function_name = std::move(function_name)](
                                const json& event, const functions::InvokeContext& ctx) -> json {
    const std::string url = url_base + url_escape(function_name) + "/invocations" +
                            (ctx.qualifier.empty() ? "" : "?Qualifier=" + url_escape(ctx.qualifier));
    const std::string body = dump_compact(event);
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) throw functions::ServiceError("Lambda.SdkClientException", "curl_easy_init failed");
    std::string response, function_error;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    headers = curl_slist_append(headers, "X-Amz-Invocation-Type: RequestResponse");
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, find_function_error);
    curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &function_error);
    const CURLcode rc = curl_easy_perform(curl.get());
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      throw functions::ServiceError("Lambda.SdkClientException",
                                    fmt::format("Unable to execute HTTP request to {} for function {}: {}", host_port,
                                                function_name, curl_easy_strerror(rc)));
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    auto service_cause = [&](const char* code) {
      return fmt::format("{} (Service: AWSLambda; Status Code: {}; Error Code: {}; Request ID: {}; Proxy: null)",
                         response, status, code, ctx.request_id);
    };
    if (status == 404) {
      throw functions::ServiceError("Lambda.ResourceNotFoundException", service_cause("ResourceNotFoundException"));
    }
    if (status == 429) {
      throw functions::ServiceError("Lambda.TooManyRequestsException", service_cause("TooManyRequestsException"));
    }
    if (status == 413) {
      throw functions::ServiceError("Lambda.RequestTooLargeException", service_cause("RequestTooLargeException"));
    }
    if (status >= 500) throw functions::ServiceError("Lambda.ServiceException", service_cause("ServiceException"));
    if (status < 200 || status >= 300) {
      throw functions::ServiceError("Lambda.AWSLambdaException", service_cause("AWSLambdaException"));
    }
    json parsed;
    bool is_json = true;
    try {
      parsed = json::parse(response);
    } catch (const json::parse_error&) {
      is_json = false;
    }
    if (!function_error.empty()) {
      if (is_json && parsed.is_object() && parsed.contains("errorType") && parsed["errorType"].is_string()) {
        json extra = parsed;
        extra.erase("errorType");
        extra.erase("errorMessage");
        throw functions::FunctionError(parsed["errorType"].get<std::string>(),
                                       parsed.value("errorMessage", std::string()), extra);
      }
      // No error type (a timeout or a crash): Step Functions reports Lambda.Unknown.
      std::string message = response;
      if (is_json && parsed.is_object() && parsed.contains("errorMessage")) {
        message = parsed["errorMessage"].is_string() ? parsed["errorMessage"].get<std::string>()
                                                     : dump_compact(parsed["errorMessage"]);
      }
      throw functions::FunctionError("Lambda.Unknown", message);
    }
    return is_json ? parsed : json(response);
  });
}

}  // namespace cosmicai::aws
