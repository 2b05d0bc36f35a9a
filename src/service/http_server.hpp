#pragma once
/// The HTTP side of the service: AWS JSON 1.0 over HTTP/1.1 (cpp-httplib), POST / routed on
/// X-Amz-Target, any Host header (SDKs prefix `sync-` for StartSyncExecution), keep-alive, a
/// bounded pool of connection threads. GET serves the console (service/console.hpp).
#include <cstddef>
#include <memory>
#include <string>

#include "service/console.hpp"
#include "service/service.hpp"

namespace cosmicai::service {

class HttpServer {
 public:
  /// `threads`: requests served at once (each connection holds a thread while it is open);
  /// `console`: how the console lays out graphs.
  HttpServer(Service& service, std::size_t threads, ConsoleOptions console = {});
  ~HttpServer();

  /// Bind `host`:`port` (0 = any free port) and return the port. Throws std::runtime_error.
  int bind(const std::string& host, int port);
  /// Serve until stop() (blocks).
  void listen();
  /// Stop serving; listen() returns. Safe from another thread (not from a signal handler).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cosmicai::service
