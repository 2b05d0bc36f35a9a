#include "aws/runtime_api_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

namespace cosmicai::aws {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t collect_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Header names are case-insensitive: keep them lowercase.
size_t collect_header(char* data, size_t size, size_t n, void* user) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(user);
  const std::string line(data, size * n);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    headers[trim(name)] = trim(line.substr(colon + 1));
  }
  return size * n;
}

}  // namespace

json ErrorReport::to_json() const {
  return json{{"errorMessage", error_message}, {"errorType", error_type}, {"stackTrace", stack_trace}};
}

RuntimeApiClient::RuntimeApiClient(std::string endpoint)
    : endpoint_(std::move(endpoint)), base_("http://" + endpoint_ + "/2018-06-01") {
  global_init();
  curl_ = curl_easy_init();
}

RuntimeApiClient::~RuntimeApiClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<Invocation> RuntimeApiClient::next() {
  auto* curl = static_cast<CURL*>(curl_);
  if (!curl) return make_error(ErrorCode::kInternal, "Runtime API client: curl_easy_init failed");
  std::string body;
  std::map<std::string, std::string> headers;
  const std::string url = base_ + "/runtime/invocation/next";
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 0L);  // the API may hold the request while the environment is frozen
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("Runtime API {} unreachable: GET {}: {}", endpoint_, url, curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("Runtime API {}: GET {} answered HTTP {}: {}", endpoint_, url, status, body));
  }
  Invocation inv;
  inv.request_id = headers["lambda-runtime-aws-request-id"];
  if (inv.request_id.empty()) {
    return make_error(
        ErrorCode::kUnavailable,
        fmt::format("Runtime API {}: GET {} gave no Lambda-Runtime-Aws-Request-Id header", endpoint_, url));
  }
  if (auto it = headers.find("lambda-runtime-deadline-ms"); it != headers.end() && !it->second.empty()) {
    try {
      inv.deadline_ms = std::stoll(it->second);
    } catch (const std::exception&) {
      return make_error(ErrorCode::kUnavailable, fmt::format("Runtime API {}: Lambda-Runtime-Deadline-Ms '{}' is not "
                                                             "a number",
                                                             endpoint_, it->second));
    }
  }
  inv.function_arn = headers["lambda-runtime-invoked-function-arn"];
  inv.trace_id = headers["lambda-runtime-trace-id"];
  inv.body = std::move(body);
  return inv;
}

Result<PostReply> RuntimeApiClient::post(const std::string& path, const std::string& body,
                                         const std::string& error_type) {
  auto* curl = static_cast<CURL*>(curl_);
  if (!curl) return make_error(ErrorCode::kInternal, "Runtime API client: curl_easy_init failed");
  const std::string url = base_ + path;
  PostReply reply;
  curl_easy_reset(curl);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  const std::string type_header = "Lambda-Runtime-Function-Error-Type: " + error_type;
  if (!error_type.empty()) headers = curl_slist_append(headers, type_header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60000L);  // large bodies on loopback; not aws-lambda-cpp's 100 ms
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return make_error(ErrorCode::kUnavailable,
                      fmt::format("Runtime API {} unreachable: POST {}: {}", endpoint_, url, curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Result<PostReply> RuntimeApiClient::post_response(const std::string& request_id, const std::string& body) {
  return post("/runtime/invocation/" + request_id + "/response", body, "");
}

Result<PostReply> RuntimeApiClient::post_error(const std::string& request_id, const ErrorReport& error) {
  return post("/runtime/invocation/" + request_id + "/error", dump_compact(error.to_json()), error.error_type);
}

Result<PostReply> RuntimeApiClient::post_init_error(const ErrorReport& error) {
  return post("/runtime/init/error", dump_compact(error.to_json()), error.error_type);
}

}  // namespace cosmicai::aws
