#include "engine/map_io/s3_task.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>

#include "engine/map_io/s3_errors.hpp"
#include "engine/map_io/store_resolver.hpp"

namespace cosmicai::engine {

using asl::StatesError;
using storage::md5_etag;

namespace {

constexpr const char* kRegion = "us-east-1";

/// A failed SDK call: Step Functions names it SERVICE.CODEException.
struct SdkError {
  std::string name, cause;
};

std::string iso_seconds(std::int64_t unix_seconds) {
  return format_iso8601(
      Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(unix_seconds))));
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80)
      n = 0;
    else if ((c >> 5) == 6)
      n = 1;
    else if ((c >> 4) == 14)
      n = 2;
    else if ((c >> 3) == 30)
      n = 3;
    else
      return false;
    if (i + n >= s.size() && n > 0) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

class S3Call {
 public:
  S3Call(const StoreResolver* stores, std::string action, const json& params, std::string request_id)
      : stores_(stores), action_(std::move(action)), params_(params), request_id_(std::move(request_id)) {}

  json run() {
    if (!params_.is_object()) bad("the parameters must be an object, got " + dump_compact(params_));
    if (action_ == "getObject") return get_object();
    if (action_ == "putObject") return put_object();
    if (action_ == "listObjectsV2") return list_objects_v2();
    if (action_ == "headObject") return head_object();
    if (action_ == "deleteObject") return delete_object();
    if (action_ == "copyObject") return copy_object();
    throw SdkError{std::string(asl::errors::kRuntime),
                   fmt::format("The resource arn:aws:states:::aws-sdk:s3:{} cannot run here: this engine serves the S3 "
                               "actions getObject, putObject, listObjectsV2, headObject, deleteObject and copyObject",
                               action_)};
  }

 private:
  [[noreturn]] void bad(const std::string& what) {
    throw SdkError{"S3.S3Exception", fmt::format("Invalid request for s3:{}: {} (Service: S3, Status Code: 400, "
                                                 "Request ID: {})",
                                                 action_, what, request_id_)};
  }

  std::string str(const char* name, bool required = true) {
    const auto it = params_.find(name);
    if (it == params_.end() || it->is_null()) {
      if (required) bad(fmt::format("missing required parameter '{}'", name));
      return {};
    }
    if (!it->is_string()) bad(fmt::format("parameter '{}' must be a string, got {}", name, dump_compact(*it)));
    return it->get<std::string>();
  }

  void allow(std::initializer_list<std::string_view> names) {
    for (auto it = params_.begin(); it != params_.end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) {
        bad(fmt::format("parameter '{}' is not supported here (supported: {})", it.key(), fmt::join(names, ", ")));
      }
    }
  }

  storage::ObjectStore& store(const std::string& bucket) {
    if (!stores_) {
      throw SdkError{"S3.S3Exception", fmt::format("No object store is configured for s3:{} ({}): run with --store "
                                                   "(Service: S3, Status Code: 503, Request ID: {})",
                                                   action_, map_io::where(bucket, ""), request_id_)};
    }
    auto s = stores_->store_for(bucket);
    if (!s) {
      throw SdkError{"S3.NoSuchBucketException",
                     fmt::format("The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: {}) "
                                 "{} [{}]",
                                 request_id_, map_io::where(bucket, ""), s.error().message)};
    }
    holder_ = *s;
    return *holder_;
  }

  [[noreturn]] void failed(const Error& e, storage::ObjectStore& st, const std::string& bucket, const std::string& key,
                           bool key_op) {
    const auto f = map_io::classify_s3_error(e, st, bucket, key_op);
    const std::string name = f.code == "NoSuchKey" || f.code == "NoSuchBucket" ? "S3." + f.code + "Exception"
                                                                               : std::string("S3.S3Exception");
    throw SdkError{name, fmt::format("{} (Service: S3, Status Code: {}, Request ID: {}) {} [{}]", f.message, f.status,
                                     request_id_, map_io::where(bucket, key), f.detail)};
  }

  /// The listed record of `key`, if the object exists.
  std::optional<storage::ObjectInfo> find(storage::ObjectStore& st, const std::string& bucket, const std::string& key) {
    storage::ListRequest req;
    req.prefix = key;
    req.max_keys = 1;
    auto page = st.list_page(bucket, req);
    if (!page) failed(page.error(), st, bucket, key, false);
    if (page->objects.empty() || page->objects[0].key != key) return std::nullopt;
    return page->objects[0];
  }

  json get_object() {
    allow({"Bucket", "Key", "Range"});
    const std::string bucket = str("Bucket"), key = str("Key"), range = str("Range", false);
    auto& st = store(bucket);
    Result<std::string> data = std::string();
    if (!range.empty()) {
      std::uint64_t first = 0, last = 0;
      if (std::sscanf(range.c_str(), "bytes=%lu-%lu", &first, &last) != 2 || last < first) {
        bad("Range must be 'bytes=FIRST-LAST', got '" + range + "'");
      }
      data = st.get_range(bucket, key, first, last - first + 1);
    } else {
      data = st.get(bucket, key);
    }
    if (!data) failed(data.error(), st, bucket, key, true);
    if (!valid_utf8(*data)) {
      throw SdkError{std::string(asl::errors::kRuntime),
                     fmt::format("The object {} is not UTF-8 text; s3:getObject returns the body as a string",
                                 map_io::where(bucket, key))};
    }
    json r = json::object();
    r["AcceptRanges"] = "bytes";
    r["Body"] = *data;
    r["ContentLength"] = data->size();
    r["ContentType"] = "binary/octet-stream";
    r["ETag"] = md5_etag(*data);
    r["Metadata"] = json::object();
    return r;
  }

  json put_object() {
    allow({"Bucket", "Key", "Body", "ContentType"});
    const std::string bucket = str("Bucket"), key = str("Key");
    std::string body;
    if (auto it = params_.find("Body"); it != params_.end())
      body = it->is_string() ? it->get<std::string>() : dump_compact(*it);
    auto& st = store(bucket);
    if (auto s = st.put(bucket, key, body); !s) failed(s.error(), st, bucket, key, true);
    return json{{"ETag", md5_etag(body)}};
  }

  json list_objects_v2() {
    allow({"Bucket", "Prefix", "MaxKeys", "ContinuationToken", "StartAfter"});
    const std::string bucket = str("Bucket"), prefix = str("Prefix", false);
    const std::string token = str("ContinuationToken", false), start_after = str("StartAfter", false);
    std::int64_t max_keys = 1000;
    if (auto it = params_.find("MaxKeys"); it != params_.end()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 0) bad("MaxKeys must be a non-negative integer");
      max_keys = std::min<std::int64_t>(it->get<std::int64_t>(), 1000);
    }
    auto& st = store(bucket);
    storage::ListRequest req;
    req.prefix = prefix;
    req.max_keys = static_cast<std::size_t>(max_keys);
    req.continuation_token = !token.empty() ? token : start_after;
    auto page = st.list_page(bucket, req);
    if (!page) failed(page.error(), st, bucket, "", false);
    json contents = json::array();
    for (const auto& o : page->objects) {
      json e = json::object();
      if (!o.etag.empty()) e["ETag"] = o.etag;
      e["Key"] = o.key;
      e["LastModified"] = iso_seconds(o.last_modified);
      e["Size"] = o.size;
      e["StorageClass"] = "STANDARD";
      contents.push_back(std::move(e));
    }
    json r = json::object();
    if (!contents.empty()) r["Contents"] = std::move(contents);
    if (!token.empty()) r["ContinuationToken"] = token;
    r["IsTruncated"] = !page->next_token.empty();
    r["KeyCount"] = page->objects.size();
    r["MaxKeys"] = max_keys;
    r["Name"] = bucket;
    if (!page->next_token.empty()) r["NextContinuationToken"] = page->next_token;
    r["Prefix"] = prefix;
    if (!start_after.empty()) r["StartAfter"] = start_after;
    return r;
  }

  json head_object() {
    allow({"Bucket", "Key"});
    const std::string bucket = str("Bucket"), key = str("Key");
    auto& st = store(bucket);
    auto info = find(st, bucket, key);
    if (!info) failed(make_error(ErrorCode::kNotFound, "no object " + bucket + "/" + key), st, bucket, key, true);
    json r = json::object();
    r["AcceptRanges"] = "bytes";
    r["ContentLength"] = info->size;
    r["ContentType"] = "binary/octet-stream";
    if (!info->etag.empty()) r["ETag"] = info->etag;
    r["LastModified"] = iso_seconds(info->last_modified);
    r["Metadata"] = json::object();
    return r;
  }

  json delete_object() {
    allow({"Bucket", "Key"});
    const std::string bucket = str("Bucket"), key = str("Key");
    auto& st = store(bucket);
    if (auto s = st.remove(bucket, key); !s) failed(s.error(), st, bucket, key, true);
    return json::object();
  }

  json copy_object() {
    allow({"Bucket", "Key", "CopySource"});
    const std::string bucket = str("Bucket"), key = str("Key");
    std::string source = str("CopySource");
    if (!source.empty() && source[0] == '/') source.erase(0, 1);
    const auto slash = source.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == source.size()) {
      bad("CopySource must be 'BUCKET/KEY', got '" + source + "'");
    }
    const std::string src_bucket = source.substr(0, slash), src_key = source.substr(slash + 1);
    auto& src = store(src_bucket);
    auto src_holder = holder_;
    auto data = src.get(src_bucket, src_key);
    if (!data) failed(data.error(), src, src_bucket, src_key, true);
    auto& dst = store(bucket);
    if (auto s = dst.put(bucket, key, *data); !s) failed(s.error(), dst, bucket, key, true);
    return json{{"CopyObjectResult", {{"ETag", md5_etag(*data)}, {"LastModified", iso_seconds(std::time(nullptr))}}}};
  }

  const StoreResolver* stores_;
  std::string action_;
  const json& params_;
  std::string request_id_;
  std::shared_ptr<storage::ObjectStore> holder_;
};

}  // namespace

void aws_sdk_task_body(const CallPtr& call, const json& effective, const asl::ContextRef&, BodyDone done) {
  const auto& t = static_cast<const asl::TaskState&>(*call->state);
  auto& exec = call->exec();
  const auto sdk = asl::parse_aws_sdk_resource(t.resource);  // kAwsSdk guarantees a value
  const std::string resource_type = "aws-sdk:" + sdk->service;
  const bool history = exec.history.enabled();
  if (history) {
    call->record("TaskScheduled", json{{"resourceType", resource_type},
                                       {"resource", sdk->action},
                                       {"region", kRegion},
                                       {"parameters", dump_compact(effective)}});
    call->record("TaskStarted", json{{"resourceType", resource_type}, {"resource", sdk->action}});
  } else {
    call->record("");
    call->record("");
  }
  json result;
  try {
    if (sdk->service != "s3") {
      throw SdkError{
          std::string(asl::errors::kRuntime),
          fmt::format("The resource {} cannot run here: this engine serves only aws-sdk:s3 actions", t.resource)};
    }
    result = S3Call(exec.stores, sdk->action, effective, exec.uuid()).run();
    check_payload_size(result, t.name);
  } catch (const SdkError& e) {
    if (history) {
      call->record(
          "TaskFailed",
          json{{"resourceType", resource_type}, {"resource", sdk->action}, {"error", e.name}, {"cause", e.cause}});
    }
    done(false, nullptr, Failure{e.name, e.cause});
    return;
  } catch (const StatesError& e) {
    done(false, nullptr, Failure{e.name(), e.cause()});
    return;
  }
  if (history) {
    call->record("TaskSucceeded", json{{"resourceType", resource_type},
                                       {"resource", sdk->action},
                                       {"output", dump_compact(result)},
                                       {"outputDetails", {{"truncated", false}}}});
  }
  done(true, std::move(result), {});
}

}  // namespace cosmicai::engine
