#include "storage/s3/client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <thread>

namespace cosmicai::storage::s3 {

namespace {

using SteadyClock = std::chrono::steady_clock;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};
void init_curl_once() { static CurlGlobal g; }

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(name[i]))) {
      return false;
    }
  }
  return true;
}

std::string header_value(std::string_view line, std::size_t name_len) {
  std::string_view v = line.substr(name_len);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  return std::string(v);
}

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const auto semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out += s[i];
      continue;
    }
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out += '&';
    else if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      unsigned long cp = 0;
      try {
        cp = (ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')) ? std::stoul(std::string(ent.substr(2)), nullptr, 16)
                                                                 : std::stoul(std::string(ent.substr(1)));
      } catch (...) {
        out += s.substr(i, semi - i + 1);
        i = semi;
        continue;
      }
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    } else {
      out += s.substr(i, semi - i + 1);
    }
    i = semi;
  }
  return out;
}

bool retryable_status(long status, std::string_view code) {
  return status == 500 || status == 502 || status == 503 || status == 504 || status == 429 ||
         code == "RequestTimeout" || code == "SlowDown" || code == "InternalError";
}

bool retryable_curl(int code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_ABORTED_BY_CALLBACK:  // our stall detector
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_COULDNT_RESOLVE_HOST:
      return true;
    default:
      return false;
  }
}

}  // namespace

// === XML helpers ===

std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  std::string open(1, '<'), close("</");
  open.append(tag);
  close.append(tag).append(1, '>');
  std::size_t pos = 0;
  for (;;) {
    auto b = xml.find(open, pos);
    if (b == std::string_view::npos) break;
    const auto after = b + open.size();
    if (after >= xml.size()) break;
    if (xml[after] != '>' && xml[after] != ' ' && xml[after] != '/') {  // <KeyCount> is not <Key>
      pos = after;
      continue;
    }
    const auto gt = xml.find('>', after);
    if (gt == std::string_view::npos) break;
    if (xml[gt - 1] == '/') {  // <Tag/>
      out.push_back(xml.substr(gt, 0));
      pos = gt + 1;
      continue;
    }
    const auto e = xml.find(close, gt + 1);
    if (e == std::string_view::npos) break;
    out.push_back(xml.substr(gt + 1, e - gt - 1));
    pos = e + close.size();
  }
  return out;
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view tag) {
  auto els = xml_elements(xml, tag);
  if (els.empty()) return std::nullopt;
  return decode_entities(els.front());
}

std::int64_t parse_s3_time(std::string_view text) {
  const std::string t(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) == 6) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return static_cast<std::int64_t>(::timegm(&tm));
  }
  const time_t v = curl_getdate(t.c_str(), nullptr);
  return v < 0 ? 0 : static_cast<std::int64_t>(v);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      case '\n': out += "&#10;"; break;
      default: out += c;
    }
  }
  return out;
}

// === Handles ===

struct Client::Handle {
  CURL* curl = nullptr;
  Handle() { curl = curl_easy_init(); }
  ~Handle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

Client::Client(S3Settings settings) : settings_(std::move(settings)) {
  init_curl_once();
  std::string ep = settings_.endpoint;
  if (ep.empty()) ep = "https://s3." + settings_.region + ".amazonaws.com";
  const auto sep = ep.find("://");
  scheme_ = ep.substr(0, sep);
  host_ = ep.substr(sep + 3);
  // The Host header omits the scheme's default port, as HTTP clients send it.
  if (scheme_ == "http" && host_.ends_with(":80")) host_.resize(host_.size() - 3);
  if (scheme_ == "https" && host_.ends_with(":443")) host_.resize(host_.size() - 4);
}

Client::~Client() = default;

std::unique_ptr<Client::Handle> Client::take_handle() const {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  return std::make_unique<Handle>();
}

void Client::return_handle(std::unique_ptr<Handle> h) const {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 32) idle_.push_back(std::move(h));
}

ClientStats Client::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

bool Client::virtual_hosted(const std::string& bucket) const {
  if (bucket.empty()) return false;
  switch (settings_.addressing) {
    case Addressing::kPath: return false;
    case Addressing::kVirtual: return true;
    case Addressing::kAuto: break;
  }
  // AWS's own endpoints: virtual-hosted when the name is DNS-safe (no dots over TLS).
  if (!settings_.endpoint.empty()) return false;
  return bucket.find('.') == std::string::npos;
}

std::string Client::url_for(const Call& call) const {
  std::string host = host_, path = "/";
  if (virtual_hosted(call.bucket)) {
    host = call.bucket + "." + host_;
    path += uri_encode(call.key, true);
  } else if (!call.bucket.empty()) {
    path += uri_encode(call.bucket, false);
    if (!call.key.empty()) path.append(1, '/').append(uri_encode(call.key, true));
  }
  std::string url = scheme_ + "://" + host + path;
  const std::string q = canonical_query(call.query);
  if (!q.empty()) url += "?" + q;
  return url;
}

// === One attempt ===

namespace {

struct Transfer {
  const Call* call = nullptr;
  Response* resp = nullptr;
  CURL* curl = nullptr;
  std::uint64_t resume_at = 0;  // bytes of dst already filled by earlier attempts
  bool overflow = false;
  // Upload
  std::string_view body;
  std::size_t sent = 0;
  // Stall detection
  SteadyClock::time_point last_progress = SteadyClock::now();
  curl_off_t last_dl = -1, last_ul = -1;
  std::chrono::milliseconds stall_timeout{0};
  bool stalled = false;
};

bool streaming(const Transfer& t) {
  if (!t.call->dst) return false;
  long code = 0;
  curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &code);
  return code >= 200 && code < 300;
}

size_t on_write(char* data, size_t, size_t n, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  if (!streaming(t)) {
    t.resp->body.append(data, n);
    return n;
  }
  const std::uint64_t at = t.resume_at + t.resp->streamed;
  if (at + n > t.call->length) {
    t.overflow = true;
    return 0;  // more bytes than asked for: abort the transfer
  }
  char* dst = t.call->dst + at;
  std::memcpy(dst, data, n);
  t.resp->streamed += n;
  if (t.call->on_chunk && *t.call->on_chunk) (*t.call->on_chunk)(dst, n);
  return n;
}

size_t on_header(char* data, size_t, size_t n, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue or a redirect): start over
    t.resp->etag.clear();
    t.resp->content_range.clear();
    t.resp->content_length = 0;
  } else if (iequals_prefix(line, "etag:")) {
    t.resp->etag = header_value(line, 5);
  } else if (iequals_prefix(line, "last-modified:")) {
    t.resp->last_modified = header_value(line, 14);
  } else if (iequals_prefix(line, "content-range:")) {
    t.resp->content_range = header_value(line, 14);
  } else if (iequals_prefix(line, "content-length:")) {
    try {
      t.resp->content_length = std::stoull(header_value(line, 15));
    } catch (...) {
    }
  }
  return n;
}

size_t on_read(char* buf, size_t size, size_t nitems, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t n = std::min(size * nitems, t.body.size() - t.sent);
  std::memcpy(buf, t.body.data() + t.sent, n);
  t.sent += n;
  return n;
}

int on_seek(void* user, curl_off_t offset, int origin) {
  auto& t = *static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > t.body.size()) return CURL_SEEKFUNC_FAIL;
  t.sent = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto& t = *static_cast<Transfer*>(user);
  const auto now = SteadyClock::now();
  if (dlnow != t.last_dl || ulnow != t.last_ul) {
    t.last_dl = dlnow;
    t.last_ul = ulnow;
    t.last_progress = now;
    return 0;
  }
  if (now - t.last_progress > t.stall_timeout) {
    t.stalled = true;
    return 1;
  }
  return 0;
}

}  // namespace

Result<Response> Client::attempt(Handle& h, const Call& call, std::uint64_t resume_at, const std::string& if_match,
                                 AttemptInfo& info) const {
  CURL* c = h.curl;
  curl_easy_reset(c);  // keeps the connection cache
  Response resp;
  Transfer t;
  t.call = &call;
  t.resp = &resp;
  t.curl = c;
  t.resume_at = resume_at;
  t.body = call.body;
  t.stall_timeout = settings_.stall_timeout;

  const std::string url = url_for(call);
  std::string host = host_;
  if (virtual_hosted(call.bucket)) host = call.bucket + "." + host_;
  const auto q_start = url.find('?');
  const auto path_start = url.find('/', scheme_.size() + 3);
  SignInput in;
  in.method = call.method;
  in.canonical_uri = url.substr(path_start, q_start == std::string::npos ? std::string::npos : q_start - path_start);
  in.canonical_query = q_start == std::string::npos ? std::string() : url.substr(q_start + 1);
  in.payload_hash = call.body.empty() ? std::string(kEmptyPayloadHash) : sha256_hex(call.body);
  in.amz_date = amz_date(std::chrono::system_clock::now());
  in.region = settings_.region;
  in.headers = {{"host", host}, {"x-amz-date", in.amz_date}, {"x-amz-content-sha256", in.payload_hash}};
  if (!settings_.credentials.session_token.empty()) {
    in.headers.emplace_back("x-amz-security-token", settings_.credentials.session_token);
  }
  for (const auto& hv : call.headers) in.headers.push_back(hv);
  if (call.dst) {
    const std::uint64_t first = call.offset + resume_at, last = call.offset + call.length - 1;
    in.headers.emplace_back("range", "bytes=" + std::to_string(first) + "-" + std::to_string(last));
    if (!if_match.empty()) in.headers.emplace_back("if-match", if_match);
  }

  curl_slist* list = nullptr;
  for (const auto& [name, value] : in.headers) {
    if (name == "host") continue;  // curl sends Host from the URL (the same value)
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  list = curl_slist_append(list, ("Authorization: " + authorization(in, settings_.credentials)).c_str());
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip (not signed: we sign, not curl)

  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (call.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (call.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (call.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  } else if (call.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  {
    std::lock_guard lock(mutex_);
    ++stats_.requests;
  }
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(list);
  info.curl_code = rc;
  info.stalled = t.stalled;
  info.streamed = resp.streamed;
  info.etag = resp.etag;
  const bool stalled = t.stalled;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  if (t.overflow) {
    return make_error(ErrorCode::kCorrupt, "S3 " + call.op + ": the server sent more than the " +
                                               std::to_string(call.length) + " bytes asked for (Range ignored?)");
  }
  if (rc != CURLE_OK) {
    std::string what = stalled ? "no data for " + std::to_string(settings_.stall_timeout.count()) + " ms (stalled)"
                               : std::string(curl_easy_strerror(rc));
    return make_error(ErrorCode::kUnavailable, what);
  }
  if (resp.status >= 300 && !resp.body.empty()) {
    resp.error_code = xml_text(resp.body, "Code").value_or("");
    resp.error_message = xml_text(resp.body, "Message").value_or("");
  }
  return resp;
}

// === Retries ===

Result<Response> Client::perform(const Call& call) const {
  const int max_attempts = std::max(1, settings_.retry.max_attempts);
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   static_cast<std::uint64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  auto handle = take_handle();
  std::uint64_t resumed = 0;  // dst bytes already filled
  std::string if_match;
  std::string last_problem;
  int attempt_no = 0;
  for (; attempt_no < max_attempts; ++attempt_no) {
    if (attempt_no > 0) {
      // Full jitter: uniform in [0, min(max, base * 2^(attempt-1))].
      const auto cap = std::min<std::int64_t>(settings_.retry.max_delay.count(),
                                              settings_.retry.base_delay.count() << std::min(attempt_no - 1, 20));
      const std::chrono::milliseconds d(std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(cap, 0))(rng));
      if (settings_.clock) {
        const auto real = settings_.clock->real_delay(d);
        if (real.count() > 0) std::this_thread::sleep_for(real);
        settings_.clock->advance(d);
      } else {
        std::this_thread::sleep_for(d);
      }
      std::lock_guard lock(mutex_);
      ++stats_.retries;
      stats_.backoff += d;
    }
    AttemptInfo info;
    auto r = attempt(*handle, call, resumed, if_match, info);
    if (!r.ok()) {
      if (r.error().code == ErrorCode::kCorrupt || !retryable_curl(info.curl_code)) {
        return_handle(std::move(handle));
        return make_error(r.error().code, "S3 " + call.op + ": " + r.error().message + " (" + url_for(call) + ")");
      }
      last_problem = r.error().message;
      // Bytes a streamed read already delivered stay delivered: the next attempt resumes after them.
      resumed += info.streamed;
      if (if_match.empty() && info.streamed > 0) if_match = info.etag;
      continue;
    } else {
      Response& resp = *r;
      resp.attempts = attempt_no + 1;
      if (!retryable_status(resp.status, resp.error_code)) {
        if (call.dst && resp.status >= 200 && resp.status < 300) {
          if (!resp.etag.empty() && if_match.empty()) if_match = resp.etag;
          resumed += resp.streamed;
          resp.streamed = resumed;
          if (resumed < call.length) {  // a complete answer with fewer bytes: the object ends early
            return_handle(std::move(handle));
            return make_error(ErrorCode::kCorrupt,
                              "S3 " + call.op + ": bytes " + std::to_string(call.offset) + "-" +
                                  std::to_string(call.offset + call.length - 1) + " wanted, the object ends after " +
                                  std::to_string(call.offset + resumed) + " (" + url_for(call) + ")");
          }
        }
        return_handle(std::move(handle));
        return std::move(resp);
      }
      last_problem = "HTTP " + std::to_string(resp.status) + (resp.error_code.empty() ? "" : " " + resp.error_code) +
                     (resp.error_message.empty() ? "" : ": " + resp.error_message);
      continue;
    }
  }
  return_handle(std::move(handle));
  return make_error(ErrorCode::kUnavailable, "S3 " + call.op + " failed after " + std::to_string(attempt_no) +
                                                 " attempts: " + last_problem + " (" + url_for(call) + ")");
}

}  // namespace cosmicai::storage::s3
