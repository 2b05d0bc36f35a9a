#include "storage/s3/s3_store.hpp"

#include <fmt/format.h>

#include <cstring>

#include "storage/key_check.hpp"

namespace cosmicai::storage::s3 {

namespace {

ErrorCode code_for_status(long status) {
  if (status == 404) return ErrorCode::kNotFound;
  if (status == 403 || status == 401) return ErrorCode::kPermission;
  if (status == 400 || status == 411 || status == 416) return ErrorCode::kInvalidArgument;
  if (status >= 500) return ErrorCode::kUnavailable;
  return ErrorCode::kIo;
}

bool ok_status(long s) { return s >= 200 && s < 300; }

// S3's bucket naming rules (the ones that matter for a request to go anywhere).
std::string s3_bucket_problem(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return "S3 bucket names have 3 to 63 characters";
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      return "S3 bucket names use only lowercase letters, digits, '-' and '.'";
    }
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) return "S3 bucket names start and end with a letter or digit";
  return {};
}

std::string where_bucket(std::string_view uri, std::string_view bucket) {
  return std::string(uri) + ": bucket " + std::string(bucket) + ": ";
}

// A 404 that means the object is missing (not, say, the bucket: NoSuchBucket).
bool missing_object(const Response& r) {
  return r.status == 404 && (r.error_code.empty() || r.error_code == "NoSuchKey");
}

}  // namespace

S3ObjectStore::S3ObjectStore(std::string uri, std::string root_bucket, std::string root_prefix, S3Settings settings)
    : uri_(std::move(uri)),
      root_bucket_(std::move(root_bucket)),
      root_prefix_(std::move(root_prefix)),
      client_(std::move(settings)) {}

Result<S3ObjectStore::Where> S3ObjectStore::locate(std::string_view bucket, std::string_view key,
                                                   bool bucket_only) const {
  if (auto st = check_bucket(uri_, bucket); !st) return st.error();
  if (root_bucket_.empty()) {
    if (auto why = s3_bucket_problem(bucket); !why.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        uri_ + ": bucket '" + std::string(bucket) + "': invalid bucket name: " + why);
    }
  }
  if (!bucket_only) {
    if (auto st = check_key(uri_, bucket, key); !st) return st.error();
  }
  if (root_bucket_.empty()) return Where{std::string(bucket), std::string(key)};
  return Where{root_bucket_, root_prefix_ + std::string(bucket) + "/" + std::string(key)};
}

Error S3ObjectStore::s3_error(std::string_view op, std::string_view bucket, std::string_view key,
                              const Response& r) const {
  std::string msg = key.empty() ? where_bucket(uri_, bucket) : object_where(uri_, bucket, key);
  msg += fmt::format("S3 {} failed: HTTP {}", op, r.status);
  if (!r.error_code.empty()) msg += " " + r.error_code;
  if (!r.error_message.empty()) msg += ": " + r.error_message;
  if (r.attempts > 1) msg += fmt::format(" (after {} attempts)", r.attempts);
  return make_error(code_for_status(r.status), msg);
}

Result<Response> S3ObjectStore::object_call(Call c, std::string_view bucket, std::string_view key) const {
  auto w = locate(bucket, key);
  if (!w) return w.error();
  c.bucket = std::move(w->bucket);
  c.key = std::move(w->key);
  auto r = client_.perform(c);
  if (!r) return make_error(r.error().code, object_where(uri_, bucket, key) + r.error().message);
  return std::move(*r);
}

Error S3ObjectStore::not_found(std::string_view bucket, std::string_view key) const {
  return make_error(ErrorCode::kNotFound, object_where(uri_, bucket, key) + "not found");
}

// === Reads ===

Result<ListPage> S3ObjectStore::list_page(std::string_view bucket, const ListRequest& request) const {
  auto w = locate(bucket, {}, true);
  if (!w) return w.error();
  const std::string strip = root_bucket_.empty() ? std::string() : w->key;  // "PREFIX/b/"
  Call c;
  c.op = "ListObjectsV2";
  c.method = "GET";
  c.bucket = w->bucket;
  c.query = {{"list-type", "2"}, {"max-keys", std::to_string(std::min<std::size_t>(request.max_keys, 1000))}};
  const std::string prefix = strip + request.prefix;
  if (!prefix.empty()) c.query.push_back({"prefix", prefix});
  if (!request.continuation_token.empty()) c.query.push_back({"continuation-token", request.continuation_token});
  auto r = client_.perform(c);
  if (!r) return make_error(r.error().code, where_bucket(uri_, bucket) + r.error().message);
  if (r->status == 404) {
    return make_error(ErrorCode::kNotFound, where_bucket(uri_, bucket) + "not found (S3 ListObjectsV2: HTTP 404 " +
                                                (r->error_code.empty() ? "NoSuchBucket" : r->error_code) +
                                                (root_bucket_.empty() ? "" : ", S3 bucket " + root_bucket_) + ")");
  }
  if (!ok_status(r->status)) return s3_error(c.op, bucket, {}, *r);
  ListPage page;
  for (auto el : xml_elements(r->body, "Contents")) {
    auto k = xml_text(el, "Key");
    auto size = xml_text(el, "Size");
    if (!k)
      return make_error(ErrorCode::kCorrupt, where_bucket(uri_, bucket) + "ListObjectsV2: an entry without <Key>");
    ObjectInfo o;
    o.key = k->substr(std::min(strip.size(), k->size()));
    try {
      o.size = size ? std::stoull(*size) : 0;
    } catch (...) {
      return make_error(ErrorCode::kCorrupt, where_bucket(uri_, bucket) + "ListObjectsV2: key " + *k +
                                                 ": <Size> is not a number: '" + size.value_or("") + "'");
    }
    o.etag = xml_text(el, "ETag").value_or("");
    o.last_modified = parse_s3_time(xml_text(el, "LastModified").value_or(""));
    page.objects.push_back(std::move(o));
  }
  if (xml_text(r->body, "IsTruncated").value_or("false") == "true") {
    page.next_token = xml_text(r->body, "NextContinuationToken").value_or("");
    if (page.next_token.empty()) {
      return make_error(ErrorCode::kCorrupt,
                        where_bucket(uri_, bucket) + "ListObjectsV2: truncated page without a NextContinuationToken");
    }
  }
  return page;
}

Result<std::string> S3ObjectStore::get(std::string_view bucket, std::string_view key) const {
  Call c;
  c.op = "GetObject";
  c.method = "GET";
  auto r = object_call(c, bucket, key);
  if (!r) return r.error();
  if (missing_object(*r)) return not_found(bucket, key);
  if (!ok_status(r->status)) return s3_error(c.op, bucket, key, *r);
  if (r->content_length && r->body.size() != r->content_length) {
    return make_error(ErrorCode::kCorrupt,
                      object_where(uri_, bucket, key) + fmt::format("GetObject: {} bytes received, Content-Length {}",
                                                                    r->body.size(), r->content_length));
  }
  return std::move(r->body);
}

Result<ObjectInfo> S3ObjectStore::stat(std::string_view bucket, std::string_view key) const {
  Call c;
  c.op = "HeadObject";
  c.method = "HEAD";
  auto r = object_call(c, bucket, key);
  if (!r) return r.error();
  if (r->status == 404) return not_found(bucket, key);
  if (!ok_status(r->status)) return s3_error(c.op, bucket, key, *r);
  ObjectInfo info;
  info.key = std::string(key);
  info.size = r->content_length;
  info.etag = r->etag;
  info.last_modified = parse_s3_time(r->last_modified);
  return info;
}

Result<bool> S3ObjectStore::exists(std::string_view bucket, std::string_view key) const {
  auto s = stat(bucket, key);
  if (s) return true;
  if (s.error().code == ErrorCode::kNotFound) return false;
  return s.error();
}

Result<std::string> S3ObjectStore::get_range(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                             std::uint64_t length) const {
  auto beyond = [&](std::uint64_t size) {
    return make_error(ErrorCode::kInvalidArgument, object_where(uri_, bucket, key) + "range start " +
                                                       std::to_string(offset) + " is beyond the object size " +
                                                       std::to_string(size));
  };
  if (length == 0) {
    auto s = stat(bucket, key);
    if (!s) return s.error();
    if (offset > s->size) return beyond(s->size);
    return std::string();
  }
  Call c;
  c.op = "GetObject";
  c.method = "GET";
  c.headers.emplace_back("range", fmt::format("bytes={}-{}", offset, offset + length - 1));
  auto r = object_call(c, bucket, key);
  if (!r) return r.error();
  if (missing_object(*r)) return not_found(bucket, key);
  if (r->status == 416) {  // start at or past the end
    auto s = stat(bucket, key);
    if (!s) return s.error();
    if (offset > s->size) return beyond(s->size);
    return std::string();
  }
  if (!ok_status(r->status)) return s3_error(c.op, bucket, key, *r);
  if (r->status == 200) {  // the server ignored Range: cut the range out of the whole object
    if (offset > r->body.size()) return beyond(r->body.size());
    return r->body.substr(offset, length);
  }
  return std::move(r->body);
}

Status S3ObjectStore::read_range_into(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                      std::uint64_t length, char* dst,
                                      const std::function<void(const char*, std::size_t)>& on_chunk) const {
  if (length == 0) return {};
  Call c;
  c.op = "GetObject";
  c.method = "GET";
  c.dst = dst;
  c.offset = offset;
  c.length = length;
  c.on_chunk = on_chunk ? &on_chunk : nullptr;
  auto r = object_call(c, bucket, key);
  if (!r) return r.error();
  if (missing_object(*r)) return not_found(bucket, key);
  if (r->status == 416) {
    return make_error(ErrorCode::kCorrupt, object_where(uri_, bucket, key) +
                                               fmt::format("bytes {}-{} are beyond the end of the object (HTTP 416)",
                                                           offset, offset + length - 1));
  }
  if (!ok_status(r->status)) return s3_error(c.op, bucket, key, *r);
  return {};
}

Result<std::uint64_t> S3ObjectStore::read_head(std::string_view bucket, std::string_view key, std::uint64_t length,
                                               char* dst) const {
  if (length == 0) {
    auto info = stat(bucket, key);
    if (!info) return info.error();
    return info->size;
  }
  Call c;
  c.op = "GetObject";
  c.method = "GET";
  c.headers.emplace_back("range", fmt::format("bytes=0-{}", length - 1));
  auto r = object_call(c, bucket, key);
  if (!r) return r.error();
  if (missing_object(*r)) return not_found(bucket, key);
  if (r->status == 416) {  // an empty object has no byte 0
    auto info = stat(bucket, key);
    if (!info) return info.error();
    return info->size;
  }
  if (!ok_status(r->status)) return s3_error(c.op, bucket, key, *r);
  std::uint64_t size = r->body.size();
  if (r->status == 206) {  // "bytes 0-N/TOTAL"
    const auto slash = r->content_range.rfind('/');
    try {
      size = std::stoull(r->content_range.substr(slash + 1));
    } catch (...) {
      return make_error(ErrorCode::kCorrupt, object_where(uri_, bucket, key) + "GetObject: Content-Range '" +
                                                 r->content_range + "' has no object size");
    }
  }
  const std::uint64_t n = std::min<std::uint64_t>(length, r->body.size());
  if (n < std::min(length, size)) {
    return make_error(ErrorCode::kCorrupt,
                      object_where(uri_, bucket, key) +
                          fmt::format("GetObject: {} bytes received, {} expected", n, std::min(length, size)));
  }
  std::memcpy(dst, r->body.data(), n);
  return size;
}

// === Writes ===

Status S3ObjectStore::put(std::string_view bucket, std::string_view key, std::string_view data) {
  auto w = locate(bucket, key);
  if (!w) return w.error();
  if (data.size() > client_.settings().multipart_threshold) return put_multipart(*w, bucket, key, data);
  Call c;
  c.op = "PutObject";
  c.method = "PUT";
  c.bucket = w->bucket;
  c.key = w->key;
  c.body = data;
  auto r = client_.perform(c);
  if (!r) return make_error(r.error().code, object_where(uri_, bucket, key) + r.error().message);
  if (!ok_status(r->status)) return s3_error(c.op, bucket, key, *r);
  return {};
}

Status S3ObjectStore::put_multipart(const Where& w, std::string_view bucket, std::string_view key,
                                    std::string_view data) {
  const std::string where = object_where(uri_, bucket, key);
  Call create;
  create.op = "CreateMultipartUpload";
  create.method = "POST";
  create.bucket = w.bucket;
  create.key = w.key;
  create.query = {{"uploads", ""}};
  auto r = client_.perform(create);
  if (!r) return make_error(r.error().code, where + r.error().message);
  if (!ok_status(r->status)) return s3_error(create.op, bucket, key, *r);
  const std::string upload_id = xml_text(r->body, "UploadId").value_or("");
  if (upload_id.empty())
    return make_error(ErrorCode::kCorrupt, where + "CreateMultipartUpload: no <UploadId> in the answer");

  auto abort = [&](Error e) -> Status {
    Call a;
    a.op = "AbortMultipartUpload";
    a.method = "DELETE";
    a.bucket = w.bucket;
    a.key = w.key;
    a.query = {{"uploadId", upload_id}};
    auto ar = client_.perform(a);
    if (!ar)
      e.message += "; AbortMultipartUpload failed too: " + ar.error().message;
    else if (!ok_status(ar->status)) {
      e.message += fmt::format("; AbortMultipartUpload failed too: HTTP {} {}", ar->status, ar->error_code);
    } else {
      e.message += "; the multipart upload was aborted";
    }
    return e;
  };

  const std::uint64_t part = std::max<std::uint64_t>(client_.settings().part_size, 1);
  std::string complete = "<CompleteMultipartUpload>";
  int n = 0;
  for (std::uint64_t off = 0; off < data.size(); off += part) {
    ++n;
    Call p;
    p.op = "UploadPart";
    p.method = "PUT";
    p.bucket = w.bucket;
    p.key = w.key;
    p.query = {{"partNumber", std::to_string(n)}, {"uploadId", upload_id}};
    p.body = data.substr(off, std::min<std::uint64_t>(part, data.size() - off));
    auto pr = client_.perform(p);
    if (!pr) return abort(make_error(pr.error().code, where + fmt::format("part {}: ", n) + pr.error().message));
    if (!ok_status(pr->status)) return abort(s3_error(fmt::format("UploadPart {}", n), bucket, key, *pr));
    if (pr->etag.empty())
      return abort(make_error(ErrorCode::kCorrupt, where + fmt::format("UploadPart {}: no ETag", n)));
    complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", n, xml_escape(pr->etag));
  }
  complete += "</CompleteMultipartUpload>";
  Call done;
  done.op = "CompleteMultipartUpload";
  done.method = "POST";
  done.bucket = w.bucket;
  done.key = w.key;
  done.query = {{"uploadId", upload_id}};
  done.headers.emplace_back("content-type", "application/xml");
  done.body = complete;
  auto dr = client_.perform(done);
  if (!dr) return abort(make_error(dr.error().code, where + dr.error().message));
  // S3 may answer 200 and still carry an <Error> in the body.
  if (ok_status(dr->status) && dr->body.find("<Error>") != std::string::npos) {
    dr->error_code = xml_text(dr->body, "Code").value_or("");
    dr->error_message = xml_text(dr->body, "Message").value_or("");
    dr->status = 500;
  }
  if (!ok_status(dr->status)) return abort(s3_error(done.op, bucket, key, *dr));
  return {};
}

Status S3ObjectStore::remove(std::string_view bucket, std::string_view key) {
  Call c;
  c.op = "DeleteObject";
  c.method = "DELETE";
  auto r = object_call(c, bucket, key);
  if (!r) return r.error();
  if (r->status == 404 && r->error_code == "NoSuchKey") return {};
  if (!ok_status(r->status)) return s3_error(c.op, bucket, key, *r);
  return {};
}

Status S3ObjectStore::remove_many(std::string_view bucket, const std::vector<std::string>& keys) {
  for (std::size_t start = 0; start < keys.size(); start += 1000) {
    const std::size_t end = std::min(keys.size(), start + 1000);
    std::string body = "<Delete><Quiet>true</Quiet>";
    std::string s3_bucket;
    for (std::size_t i = start; i < end; ++i) {
      auto w = locate(bucket, keys[i]);
      if (!w) return w.error();
      s3_bucket = w->bucket;
      body += "<Object><Key>" + xml_escape(w->key) + "</Key></Object>";
    }
    body += "</Delete>";
    Call c;
    c.op = "DeleteObjects";
    c.method = "POST";
    c.bucket = s3_bucket;
    c.query = {{"delete", ""}};
    c.headers = {{"content-md5", md5_base64(body)}, {"content-type", "application/xml"}};
    c.body = body;
    auto r = client_.perform(c);
    if (!r) return make_error(r.error().code, where_bucket(uri_, bucket) + r.error().message);
    if (!ok_status(r->status)) return s3_error(c.op, bucket, {}, *r);
    auto errors = xml_elements(r->body, "Error");
    if (!errors.empty()) {
      const auto k = xml_text(errors.front(), "Key").value_or("?");
      return make_error(ErrorCode::kIo,
                        where_bucket(uri_, bucket) +
                            fmt::format("S3 DeleteObjects: {} of {} keys not deleted; first: key {}: {} {}",
                                        errors.size(), end - start, k, xml_text(errors.front(), "Code").value_or(""),
                                        xml_text(errors.front(), "Message").value_or("")));
    }
  }
  return {};
}

Status S3ObjectStore::create_bucket(std::string_view bucket) {
  auto w = locate(bucket, {}, true);
  if (!w) return w.error();
  Call c;
  c.op = "CreateBucket";
  c.method = "PUT";
  c.bucket = w->bucket;
  std::string body;
  if (client_.settings().region != "us-east-1") {
    body = "<CreateBucketConfiguration><LocationConstraint>" + xml_escape(client_.settings().region) +
           "</LocationConstraint></CreateBucketConfiguration>";
    c.body = body;
  }
  auto r = client_.perform(c);
  if (!r) return make_error(r.error().code, where_bucket(uri_, bucket) + r.error().message);
  if (r->status == 409 && (r->error_code == "BucketAlreadyOwnedByYou" || r->error_code == "BucketAlreadyExists")) {
    return {};
  }
  if (!ok_status(r->status)) return s3_error(c.op, bucket, {}, *r);
  return {};
}

Result<std::shared_ptr<ObjectStore>> open_s3_store(std::string_view uri, S3Settings settings) {
  const auto sep = uri.find("://");
  std::string rest(sep == std::string_view::npos ? uri : uri.substr(sep + 3));
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  std::string root_bucket, root_prefix;
  if (!rest.empty()) {
    const auto slash = rest.find('/');
    root_bucket = rest.substr(0, slash);
    if (slash != std::string::npos) root_prefix = rest.substr(slash + 1) + "/";
    if (auto why = s3_bucket_problem(root_bucket); !why.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "object store URI '" + std::string(uri) + "': bucket '" + root_bucket + "': " + why);
    }
    if (root_prefix.find("//") != std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "object store URI '" + std::string(uri) + "': the prefix has an empty segment ('//')");
    }
  }
  return std::shared_ptr<ObjectStore>(std::make_shared<S3ObjectStore>("s3://" + rest, std::move(root_bucket),
                                                                      std::move(root_prefix), std::move(settings)));
}

}  // namespace cosmicai::storage::s3
