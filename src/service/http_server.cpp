#include "service/http_server.hpp"

#include <httplib.h>

#include <atomic>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

namespace cosmicai::service {

namespace {
constexpr const char* kContentType = "application/x-amz-json-1.0";

std::string request_id() {
  static std::atomic<std::uint64_t> counter{0};
  static const std::uint64_t salt = std::random_device{}();
  const auto n = counter.fetch_add(1) ^ (salt << 20);
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", static_cast<std::uint32_t>(salt),
                     static_cast<std::uint16_t>(salt >> 32), (n >> 48) & 0xfff, (n >> 36) & 0xfff,
                     n & 0xffffffffffffULL);
}
}  // namespace

struct HttpServer::Impl {
  Service& service;
  Console console;
  httplib::Server server;
  Impl(Service& s, ConsoleOptions c) : service(s), console(s, std::move(c)) {}
};

HttpServer::HttpServer(Service& service, std::size_t threads, ConsoleOptions console)
    : impl_(std::make_unique<Impl>(service, std::move(console))) {
  auto& srv = impl_->server;
  const std::size_t n = std::max<std::size_t>(2, threads);
  srv.new_task_queue = [n] { return new httplib::ThreadPool(n); };
  // A definition is at most 1 MiB of JSON text inside a JSON string (escaped: up to ~2x).
  srv.set_payload_max_length(8u << 20);
  srv.set_keep_alive_max_count(100000);
  srv.set_read_timeout(30, 0);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms
  // to every keep-alive request.
  srv.set_tcp_nodelay(true);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    const auto target = req.get_header_value("X-Amz-Target");
    const auto auth = req.get_header_value("Authorization");
    Response r = impl_->service.handle(target, req.body, auth);
    res.status = r.status;
    res.set_header("x-amzn-RequestId", request_id());
    if (!r.error_type.empty()) res.set_header("x-amzn-ErrorType", r.error_type);
    res.set_content(r.body, kContentType);
  };
  srv.Post("/", handler);
  // The absolute form (RFC 9112 §3.2.2) that clients send through an HTTP proxy: pointing a
  // client's HTTP_PROXY here lets the AWS CLI v2, which cannot turn off the `sync-` host prefix,
  // reach StartSyncExecution without a hosts entry.
  srv.Post(R"(https?://[^/]+/)", handler);
  auto not_found = [](const httplib::Request& req, httplib::Response& res) {
    res.status = 404;
    res.set_header("x-amzn-ErrorType", "UnknownOperationException");
    res.set_content(
        fmt::format(
            R"({{"__type":"UnknownOperationException","message":"No operation at {} {}; the API is POST / with X-Amz-Target"}})",
            req.method, req.path),
        kContentType);
  };
  // The console: its page and files, and the graph of an execution.
  srv.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    std::multimap<std::string, std::string> params(req.params.begin(), req.params.end());
    auto page = impl_->console.get(req.path, params);
    res.status = page.status;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(page.body, page.content_type);
  });
  srv.Put(".*", not_found);
  srv.Delete(".*", not_found);
}

HttpServer::~HttpServer() { stop(); }

int HttpServer::bind(const std::string& host, int port) {
  auto& srv = impl_->server;
  int bound = port;
  if (port == 0) {
    bound = srv.bind_to_any_port(host);
  } else if (!srv.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound < 0) throw std::runtime_error(fmt::format("cannot listen on {}:{}", host, port));
  return bound;
}

void HttpServer::listen() { impl_->server.listen_after_bind(); }

void HttpServer::stop() {
  if (impl_->server.is_running()) impl_->server.stop();
}

}  // namespace cosmicai::service
