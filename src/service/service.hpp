#pragma once
/// The Step Functions API (AWS JSON 1.0, `AWSStepFunctions.<Operation>`) over the engine and the
/// SQLite store, independent of HTTP: `handle` takes an operation name and its JSON body and
/// returns the status and body to send. Thread-safe.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/json.hpp"
#include "engine/engine.hpp"
#include "service/mock_config.hpp"
#include "service/store.hpp"

namespace cosmicai::service {

struct ServiceOptions {
  std::string db_path;  ///< "" = in memory
  std::string account = "123456789012";
  std::string default_region = "us-east-1";  ///< when a request carries no SigV4 credential scope
  std::size_t max_running = 64;              ///< executions running at once; more wait in a queue (RUNNING)
  bool resume = true;                        ///< resume executions a previous process left RUNNING
  /// Mocked responses (SFN_MOCK_CONFIG), selected by `stateMachineArn#TestCase`; null: none.
  std::shared_ptr<const MockConfig> mocks;
};

/// What to send back.
struct Response {
  int status = 200;
  std::string body;        ///< JSON text ("{}" for operations without output)
  std::string error_type;  ///< set for errors: the __type
};

class Service {
 public:
  /// `engine` runs every execution (its registry holds the Task handlers).
  Service(std::shared_ptr<engine::Engine> engine, ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Answer one request: `target` is the X-Amz-Target header ("AWSStepFunctions.StartExecution"),
  /// `body` the request body, `authorization` the Authorization header (its credential scope names the
  /// region; "" for none).
  Response handle(std::string_view target, std::string_view body, std::string_view authorization = {});

  /// Stop accepting work, abort nothing, and join the runner threads once the queue is empty or
  /// `drain` is false (executions still RUNNING stay so in the database and resume at next start).
  void shutdown(bool drain);

  Store& store() { return store_; }
  /// Executions resumed at start-up.
  std::size_t resumed() const { return resumed_; }

  struct Impl;

 private:
  struct Job;
  void runner_loop();
  void enqueue(std::shared_ptr<Job> job);
  void run_job(Job& job);
  void resume_running();

  friend struct Impl;
  std::shared_ptr<engine::Engine> engine_;
  ServiceOptions options_;
  Store store_;
  std::size_t resumed_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> runners_;
  /// Running or queued executions by ARN: their stop handles.
  std::map<std::string, std::shared_ptr<engine::ExecutionControl>> active_;
};

}  // namespace cosmicai::service
