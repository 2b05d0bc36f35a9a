#include "service/service.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <random>
#include <set>

#include "asl/state_machine.hpp"
#include "common/json_limits.hpp"
#include "engine/history.hpp"

namespace cosmicai::service {

namespace {

// === Errors and request members ===

/// A modeled error: HTTP 400 {"__type": type, "message": message}.
struct ApiError {
  std::string type;
  std::string message;
  json extra = json::object();  ///< more members (reason, resourceName)
};

[[noreturn]] void fail(std::string type, std::string message, json extra = json::object()) {
  throw ApiError{std::move(type), std::move(message), std::move(extra)};
}

[[noreturn]] void missing(const std::string& member) {
  fail("ValidationException",
       "1 validation error detected: Value null at '" + member +
           "' failed to satisfy constraint: Member must not be null",
       json{{"reason", "MISSING_REQUIRED_PARAMETER"}});
}

std::optional<std::string> opt_string(const json& body, const char* member) {
  auto it = body.find(member);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail("SerializationException", fmt::format("'{}' must be a string", member));
  return it->get<std::string>();
}

std::string req_string(const json& body, const char* member) {
  auto v = opt_string(body, member);
  if (!v) missing(member);
  return *v;
}

bool opt_bool(const json& body, const char* member, bool fallback) {
  auto it = body.find(member);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail("SerializationException", fmt::format("'{}' must be a boolean", member));
  return it->get<bool>();
}

/// maxResults: 0..1000, 0 or absent = 100.
std::size_t page_size(const json& body) {
  auto it = body.find("maxResults");
  if (it == body.end() || it->is_null()) return 100;
  if (!it->is_number_integer()) fail("SerializationException", "'maxResults' must be an integer");
  const auto v = it->get<std::int64_t>();
  if (v > 1000) {
    fail("ValidationException", fmt::format("1 validation error detected: Value '{}' at 'maxResults' failed to satisfy "
                                            "constraint: Member must have value less than or equal to 1000",
                                            v));
  }
  if (v < 0) {
    fail("ValidationException", fmt::format("1 validation error detected: Value '{}' at 'maxResults' failed to satisfy "
                                            "constraint: Member must have value greater than or equal to 0",
                                            v));
  }
  return v == 0 ? 100 : static_cast<std::size_t>(v);
}

// Paging tokens: "<kind>:<position>:<context hash>" in base64, so that a token only continues the
// listing it came from.
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  std::uint32_t val = 0;
  int bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kB64[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kB64[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

std::optional<std::string> unbase64(std::string_view in) {
  std::string out;
  std::uint32_t val = 0;
  int bits = -8;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::char_traits<char>::find(kB64, 64, c);
    if (!p) return std::nullopt;
    val = (val << 6) + static_cast<std::uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::string make_token(std::string_view kind, std::int64_t position, std::string_view context) {
  return base64(fmt::format("{}:{}:{:x}", kind, position, std::hash<std::string_view>{}(context)));
}

[[noreturn]] void invalid_token() { fail("InvalidToken", "Invalid Token: 'Invalid token'"); }

/// The position a nextToken continues from (nullopt for none). Throws InvalidToken for a token of
/// another listing or not ours.
std::optional<std::int64_t> read_token(const json& body, std::string_view kind, std::string_view context) {
  auto token = opt_string(body, "nextToken");
  if (!token) return std::nullopt;
  if (token->empty() || token->size() > 1024) invalid_token();
  auto text = unbase64(*token);
  if (!text) invalid_token();
  const auto a = text->find(':');
  const auto b = text->rfind(':');
  if (a == std::string::npos || a == b || text->substr(0, a) != kind) invalid_token();
  if (text->substr(b + 1) != fmt::format("{:x}", std::hash<std::string_view>{}(context))) invalid_token();
  try {
    std::size_t used = 0;
    const auto pos = std::stoll(text->substr(a + 1, b - a - 1), &used);
    if (used != b - a - 1) invalid_token();
    return pos;
  } catch (const std::exception&) {
    invalid_token();
  }
}

// === Time, names, ARNs ===

EpochSeconds epoch(Clock::time_point t) {
  const double ms = std::round(std::chrono::duration<double, std::milli>(t.time_since_epoch()).count());
  return ms / 1000.0;
}

EpochSeconds now_epoch() {
  return epoch(std::chrono::time_point_cast<Clock::duration>(std::chrono::system_clock::now()));
}

/// AWS's Name rule: 1..80 characters, none of whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /
/// or control characters.
void check_name(const std::string& name, std::string_view what = "name") {
  bool ok = !name.empty() && name.size() <= 80;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f ||
        std::string_view("<>{}[]?*\"#%\\^|~`$&,;:/").find(static_cast<char>(c)) != std::string_view::npos) {
      ok = false;
    }
  }
  if (!ok) fail("InvalidName", "Invalid Name: '" + name + "'");
  (void)what;
}

/// The parts of arn:PARTITION:states:REGION:ACCOUNT:TYPE:REST.
struct Arn {
  std::string region, account, type, rest;
};

Arn parse_arn(const std::string& arn, std::initializer_list<std::string_view> types) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 6; ++i) {
    const auto colon = arn.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() < 6 || parts[0] != "arn" || parts[2] != "states" || start >= arn.size()) {
    fail("InvalidArn", "Invalid Arn: 'Invalid ARN prefix: " + arn + "'");
  }
  Arn a{parts[3], parts[4], parts[5], arn.substr(start)};
  bool ok = false;
  for (auto t : types) ok = ok || a.type == t;
  if (!ok) fail("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: " + a.type + "'");
  return a;
}

std::string random_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t a = rng(), b = rng();
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                     b & 0xffffffffffffULL);
}

std::string region_of(std::string_view authorization, const std::string& fallback) {
  // Credential=AKID/DATE/REGION/states/aws4_request
  const auto p = authorization.find("Credential=");
  if (p == std::string_view::npos) return fallback;
  auto rest = authorization.substr(p + 11);
  rest = rest.substr(0, rest.find_first_of(", "));
  std::vector<std::string_view> parts;
  while (true) {
    const auto slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (parts.size() >= 3 && !parts[2].empty()) return std::string(parts[2]);
  return fallback;
}

// === Definitions ===

/// Parse and check a definition; throws InvalidDefinition with every problem.
std::shared_ptr<const asl::StateMachine> parse_definition(const std::string& text, std::vector<json>* diagnostics) {
  json def;
  try {
    def = parse_json(text);
  } catch (const json::exception& e) {
    const std::string msg = std::string("INVALID_JSON_DESCRIPTION: ") + e.what();
    if (diagnostics) {
      diagnostics->push_back(json{{"severity", "ERROR"}, {"code", "INVALID_JSON_DESCRIPTION"}, {"message", e.what()}});
      return nullptr;
    }
    fail("InvalidDefinition", "Invalid State Machine Definition: '" + msg + "'");
  }
  std::vector<asl::ValidationError> errors;
  auto machine = asl::StateMachine::parse(def, errors);
  std::vector<std::pair<std::string, asl::ValidationError>> problems;
  for (auto& e : errors) problems.emplace_back("SCHEMA_VALIDATION_FAILED", e);
  if (machine) {
    for (auto& e : asl::check_supported(*machine)) problems.emplace_back("UNSUPPORTED_FEATURE", e);
  }
  if (problems.empty()) return machine;
  if (diagnostics) {
    for (auto& [code, e] : problems) {
      diagnostics->push_back(json{{"severity", "ERROR"},
                                  {"code", code},
                                  {"message", e.message},
                                  {"location", e.pointer.empty() ? "/" : e.pointer}});
    }
    return nullptr;
  }
  std::string msg;
  for (auto& [code, e] : problems) {
    if (!msg.empty()) msg += ", ";
    msg += code + ": " + e.message + " at " + (e.pointer.empty() ? "/" : e.pointer);
  }
  fail("InvalidDefinition", "Invalid State Machine Definition: '" + msg + "'");
}

json logging_or_default(const json& j) {
  return j.is_null() ? json{{"level", "OFF"}, {"includeExecutionData", false}} : j;
}
json tracing_or_default(const json& j) { return j.is_null() ? json{{"enabled", false}} : j; }

json tags_json(const std::vector<std::pair<std::string, std::string>>& tags) {
  json out = json::array();
  for (auto& [k, v] : tags) out.push_back(json{{"key", k}, {"value", v}});
  return out;
}

std::vector<std::pair<std::string, std::string>> read_tags(const json& body) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = body.find("tags");
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) fail("SerializationException", "'tags' must be a list");
  for (const auto& t : *it) {
    if (!t.is_object()) fail("SerializationException", "'tags' entries must be objects");
    const auto key = opt_string(t, "key").value_or("");
    const auto value = opt_string(t, "value").value_or("");
    if (key.empty() || key.size() > 128 || value.size() > 256) {
      fail("ValidationException",
           "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member "
           "must have key length between 1 and 128 and value length at most 256");
    }
    out.emplace_back(key, value);
  }
  if (out.size() > 50) {
    fail("TooManyTags", "Too many tags: a resource has at most 50", json{{"resourceName", ""}});
  }
  return out;
}

json execution_item(const ExecutionRecord& r) {
  json j{{"executionArn", r.arn},
         {"stateMachineArn", r.state_machine_arn},
         {"name", r.name},
         {"status", r.status},
         {"startDate", r.started}};
  if (r.stopped) j["stopDate"] = *r.stopped;
  j["redriveCount"] = r.redrive_count;
  if (r.redrive_date) j["redriveDate"] = *r.redrive_date;
  return j;
}

bool valid_status(const std::string& s) {
  static const std::set<std::string> kStatuses{"RUNNING",   "SUCCEEDED", "FAILED",
                                               "TIMED_OUT", "ABORTED",   "PENDING_REDRIVE"};
  return kStatuses.count(s) > 0;
}

}  // namespace

// === Persisting observer ===

namespace {

/// Answers Lambda Task invocations from the mock config's test case, counting per state name
/// across the execution (Map iterations and retries included), as Step Functions Local does.
class MockingObserver : public engine::ExecutionObserver {
 public:
  MockingObserver(std::shared_ptr<const MockConfig> mocks, std::string machine, std::string test_case)
      : mocks_(std::move(mocks)), machine_(std::move(machine)), case_(std::move(test_case)) {}

  std::optional<engine::MockedResponse> mocked_task(const std::string& state) override {
    if (!mocks_ || case_.empty() || !mocks_->mocks_state(machine_, case_, state)) return std::nullopt;
    std::int64_t n;
    {
      std::lock_guard lock(count_mu_);
      n = counts_[state]++;
    }
    return mocks_->response(machine_, case_, state, n);
  }

 private:
  std::shared_ptr<const MockConfig> mocks_;
  std::string machine_, case_;
  std::mutex count_mu_;
  std::map<std::string, std::int64_t> counts_;
};

/// Writes an execution's events and Map Runs to the store as the engine records them; supplies
/// the results of Map children that succeeded before a restart.
class PersistingObserver : public MockingObserver {
 public:
  /// `event_base`/`redrive_count`: a redriven attempt's events follow the `event_base` events of the
  /// attempts before, and its ExecutionStarted is recorded as ExecutionRedriven.
  PersistingObserver(Store& store, std::string arn, std::int64_t event_base, std::int64_t redrive_count,
                     std::shared_ptr<const MockConfig> mocks, std::string machine, std::string test_case)
      : MockingObserver(std::move(mocks), std::move(machine), std::move(test_case)),
        store_(store),
        arn_(std::move(arn)),
        base_(event_base),
        redrive_count_(redrive_count) {}

  void event(const engine::HistoryEvent& e) override {
    if (base_ > 0 && e.type == "ExecutionStarted") {
      store_.add_event(arn_, EventRecord{base_ + e.id, base_, epoch(e.timestamp), "ExecutionRedriven",
                                         dump_compact(json{{"redriveCount", redrive_count_}})});
      return;
    }
    store_.add_event(
        arn_, EventRecord{base_ + e.id, e.previous_id == 0 ? base_ : base_ + e.previous_id, epoch(e.timestamp), e.type,
                          e.details.is_null() ? std::string() : dump_compact(e.details)});
  }
  void map_run_started(const engine::MapRunInfo& info) override {
    std::string key;
    {
      std::lock_guard lock(mu_);
      key = fmt::format("{}#{}", info.state_name, ++visits_[info.state_name]);
      current_[info.state_name] = key;
      run_keys_[info.map_run_arn] = key;
    }
    MapRunRecord r;
    r.arn = info.map_run_arn;
    r.execution_arn = arn_;
    r.state_name = info.state_name;
    r.status = "RUNNING";
    r.started = now_epoch();
    r.total = static_cast<std::int64_t>(info.total);
    r.max_concurrency = static_cast<std::int64_t>(info.max_concurrency);
    r.tolerated_failure_count = info.tolerated_failure_count;
    r.tolerated_failure_percentage = info.tolerated_failure_percentage;
    store_.insert_map_run(r);
  }
  void map_child_finished(const std::string& map_run_arn, const std::string&, std::size_t index, bool ok,
                          const json& output) override {
    std::string key;
    {
      std::lock_guard lock(mu_);
      key = run_keys_[map_run_arn];
    }
    store_.add_map_child(arn_, key, static_cast<std::int64_t>(index), map_run_arn, ok,
                         ok ? dump_compact(output) : std::string());
  }
  void map_run_finished(const std::string& map_run_arn, const std::string& status) override {
    store_.finish_map_run(map_run_arn, status, now_epoch());
  }
  std::optional<json> completed_child(const std::string& state_name, std::size_t index) override {
    std::string key;
    {
      std::lock_guard lock(mu_);
      key = current_[state_name];
    }
    auto out = store_.succeeded_map_child(arn_, key, static_cast<std::int64_t>(index));
    if (!out) return std::nullopt;
    return json::parse(*out);
  }

 private:
  Store& store_;
  std::string arn_;
  std::int64_t base_ = 0, redrive_count_ = 0;
  std::mutex mu_;
  std::map<std::string, int> visits_;            // Map state → Map Runs started so far
  std::map<std::string, std::string> current_;   // Map state → key of its latest visit
  std::map<std::string, std::string> run_keys_;  // Map Run ARN → key
};

}  // namespace

// === Service ===

struct Service::Job {
  ExecutionRecord record;
  std::shared_ptr<const asl::StateMachine> machine;
  json input;
  std::shared_ptr<engine::ExecutionControl> control;
};

Service::Service(std::shared_ptr<engine::Engine> engine, ServiceOptions options)
    : engine_(std::move(engine)), options_(std::move(options)), store_(options_.db_path) {
  if (options_.resume) resume_running();
  const std::size_t n = std::max<std::size_t>(1, options_.max_running);
  for (std::size_t i = 0; i < n; ++i) runners_.emplace_back([this] { runner_loop(); });
}

Service::~Service() { shutdown(false); }

void Service::shutdown(bool drain) {
  {
    std::unique_lock lock(mu_);
    if (stopping_ && runners_.empty()) return;
    if (drain) cv_.wait(lock, [&] { return queue_.empty(); });
    stopping_ = true;
    // Abort nothing: queued executions stay RUNNING in the database and resume at next start.
    queue_.clear();
  }
  cv_.notify_all();
  // Running executions finish on their own; joining waits for them.
  for (auto& t : runners_) t.join();
  runners_.clear();
}

void Service::resume_running() {
  for (auto& rec : store_.running_executions()) {
    std::vector<asl::ValidationError> errors;
    std::shared_ptr<const asl::StateMachine> machine;
    json input;
    try {
      machine = asl::StateMachine::parse(json::parse(rec.definition), errors);
      input = json::parse(rec.input);
    } catch (const std::exception&) {
      machine = nullptr;
    }
    if (!machine) {
      store_.finish_execution(rec.arn, "FAILED", std::nullopt, std::string("States.Runtime"),
                              std::string("The execution could not be resumed: its definition no longer parses"),
                              now_epoch());
      continue;
    }
    // The execution runs again from the start; its history is recorded afresh (ids from 1, no
    // gaps), and Distributed Map children that succeeded before are not run again.
    store_.reset_execution_progress(rec.arn, rec.event_base);
    auto job = std::make_shared<Job>(Job{rec, machine, std::move(input), std::make_shared<engine::ExecutionControl>()});
    active_[rec.arn] = job->control;
    queue_.push_back(std::move(job));
    ++resumed_;
  }
}

void Service::enqueue(std::shared_ptr<Job> job) {
  {
    std::lock_guard lock(mu_);
    active_[job->record.arn] = job->control;
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Service::runner_loop() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();  // a draining shutdown waits for an empty queue
    run_job(*job);
    std::lock_guard lock(mu_);
    active_.erase(job->record.arn);
  }
}

void Service::run_job(Job& job) {
  engine::ExecutionOptions x;
  x.name = job.record.name;
  x.state_machine_name = job.record.state_machine_name;
  x.execution_arn = job.record.arn;
  x.state_machine_arn = job.record.state_machine_arn;
  x.role_arn = job.record.role_arn;
  x.redrive_count = job.record.redrive_count;
  x.record_history = true;
  x.observer =
      std::make_shared<PersistingObserver>(store_, job.record.arn, job.record.event_base, job.record.redrive_count,
                                           options_.mocks, job.record.state_machine_name, job.record.test_case);
  x.control = job.control;
  engine::ExecutionResult r;
  try {
    r = engine_->run(job.machine, job.input, x);
  } catch (const std::exception& e) {
    r.status = "FAILED";
    r.error = "States.Runtime";
    r.cause = std::string("internal error: ") + e.what();
  }
  std::optional<std::string> output;
  if (r.status == "SUCCEEDED") output = dump_compact(r.output);
  store_.finish_execution(job.record.arn, r.status, output, r.error, r.cause, now_epoch());
}

// === Operations ===

struct Service::Impl {
  Service& s;
  std::string region;

  std::string sm_arn(const std::string& name) const {
    return fmt::format("arn:aws:states:{}:{}:stateMachine:{}", region, s.options_.account, name);
  }

  StateMachineRecord need_machine(const std::string& arn) {
    auto a = parse_arn(arn, {"stateMachine"});
    if (a.rest.find('/') != std::string::npos) {
      fail("ValidationException", "Labelled state machine ARNs are not supported by this operation",
           json{{"reason", "API_DOES_NOT_SUPPORT_LABELED_ARNS"}});
    }
    auto r = s.store_.state_machine(arn);
    if (!r) fail("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
    return *r;
  }

  ExecutionRecord need_execution(const std::string& arn) {
    parse_arn(arn, {"execution"});
    auto r = s.store_.execution(arn);
    if (!r) fail("ExecutionDoesNotExist", "Execution Does Not Exist: '" + arn + "'");
    return *r;
  }

  json create_state_machine(const json& b) {
    const auto name = req_string(b, "name");
    const auto definition = req_string(b, "definition");
    const auto role = req_string(b, "roleArn");
    const auto type = opt_string(b, "type").value_or("STANDARD");
    check_name(name);
    if (type != "STANDARD" && type != "EXPRESS") {
      fail("ValidationException", "1 validation error detected: Value '" + type +
                                      "' at 'type' failed to satisfy constraint: Member must satisfy enum value set: "
                                      "[STANDARD, EXPRESS]");
    }
    if (definition.size() > 1048576) {
      fail("ValidationException",
           "1 validation error detected: Value at 'definition' failed to satisfy constraint: "
           "Member must have length less than or equal to 1048576");
    }
    if (b.contains("versionDescription") && !opt_bool(b, "publish", false)) {
      fail("ValidationException", "Version description can only be set when publish is true");
    }
    parse_definition(definition, nullptr);
    auto tags = read_tags(b);
    StateMachineRecord r;
    r.arn = sm_arn(name);
    r.name = name;
    r.definition = definition;
    r.role_arn = role;
    r.type = type;
    r.created = now_epoch();
    r.revision_id = random_uuid();
    r.logging = b.value("loggingConfiguration", json());
    r.tracing = b.value("tracingConfiguration", json());
    if (!s.store_.insert_state_machine(r)) {
      // Idempotent: the same definition, type and configuration return the existing machine.
      auto existing = s.store_.state_machine(r.arn);
      if (!existing || existing->definition != definition || existing->type != type ||
          logging_or_default(existing->logging) != logging_or_default(r.logging) ||
          tracing_or_default(existing->tracing) != tracing_or_default(r.tracing)) {
        fail("StateMachineAlreadyExists", "State Machine Already Exists: '" + r.arn + "'");
      }
      return json{{"stateMachineArn", existing->arn}, {"creationDate", existing->created}};
    }
    if (!tags.empty()) s.store_.set_tags(r.arn, tags);
    return json{{"stateMachineArn", r.arn}, {"creationDate", r.created}};
  }

  json describe_state_machine(const json& b) {
    auto r = need_machine(req_string(b, "stateMachineArn"));
    json j{{"stateMachineArn", r.arn},
           {"name", r.name},
           {"status", "ACTIVE"},
           {"definition", r.definition},
           {"roleArn", r.role_arn},
           {"type", r.type},
           {"creationDate", r.created},
           {"loggingConfiguration", logging_or_default(r.logging)},
           {"tracingConfiguration", tracing_or_default(r.tracing)}};
    if (r.updated) j["revisionId"] = r.revision_id;
    return j;
  }

  json list_state_machines(const json& b) {
    const auto limit = page_size(b);
    Page p{limit, read_token(b, "sm", "")};
    auto rows = s.store_.list_state_machines(Page{limit + 1, p.after});
    json out = json::array();
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
      out.push_back(json{{"stateMachineArn", rows[i].arn},
                         {"name", rows[i].name},
                         {"type", rows[i].type},
                         {"creationDate", rows[i].created}});
    }
    json j{{"stateMachines", std::move(out)}};
    if (rows.size() > limit) j["nextToken"] = make_token("sm", rows[limit - 1].seq, "");
    return j;
  }

  json update_state_machine(const json& b) {
    auto r = need_machine(req_string(b, "stateMachineArn"));
    const auto definition = opt_string(b, "definition");
    const auto role = opt_string(b, "roleArn");
    const bool has_logging = b.contains("loggingConfiguration") && !b["loggingConfiguration"].is_null();
    const bool has_tracing = b.contains("tracingConfiguration") && !b["tracingConfiguration"].is_null();
    if (!definition && !role && !has_logging && !has_tracing) {
      fail("MissingRequiredParameter",
           "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be "
           "specified");
    }
    if (definition) {
      parse_definition(*definition, nullptr);
      r.definition = *definition;
    }
    if (role) r.role_arn = *role;
    if (has_logging) r.logging = b["loggingConfiguration"];
    if (has_tracing) r.tracing = b["tracingConfiguration"];
    r.updated = now_epoch();
    r.revision_id = random_uuid();
    if (!s.store_.update_state_machine(r))
      fail("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + r.arn + "'");
    return json{{"updateDate", *r.updated}, {"revisionId", r.revision_id}};
  }

  json delete_state_machine(const json& b) {
    const auto arn = req_string(b, "stateMachineArn");
    auto a = parse_arn(arn, {"stateMachine"});
    if (a.rest.find('/') != std::string::npos) {
      fail("ValidationException", "Labelled state machine ARNs are not supported by this operation",
           json{{"reason", "API_DOES_NOT_SUPPORT_LABELED_ARNS"}});
    }
    // AWS deletes asynchronously and succeeds for a machine that is already gone.
    s.store_.delete_state_machine(arn);
    return json::object();
  }

  json validate_definition(const json& b) {
    const auto definition = req_string(b, "definition");
    const auto type = opt_string(b, "type").value_or("STANDARD");
    if (type != "STANDARD" && type != "EXPRESS") {
      fail("ValidationException", "1 validation error detected: Value '" + type +
                                      "' at 'type' failed to satisfy constraint: Member must satisfy enum value set: "
                                      "[STANDARD, EXPRESS]");
    }
    const auto limit = page_size(b);
    std::vector<json> diags;
    parse_definition(definition, &diags);
    json list = json::array();
    for (std::size_t i = 0; i < diags.size() && i < limit; ++i) list.push_back(diags[i]);
    return json{{"result", diags.empty() ? "OK" : "FAIL"}, {"diagnostics", list}, {"truncated", diags.size() > limit}};
  }

  /// The input member: JSON text, "{}" when absent.
  std::pair<std::string, json> read_input(const json& b) {
    std::string text = opt_string(b, "input").value_or("{}");
    if (text.size() > engine::kPayloadLimitBytes) {
      fail("ValidationException",
           fmt::format("1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have "
                       "length less than or equal to {}",
                       engine::kPayloadLimitBytes));
    }
    try {
      return {text, parse_json(text)};
    } catch (const json::exception& e) {
      fail("InvalidExecutionInput", std::string("Invalid State Machine Execution Input: '") + e.what() + "'");
    }
  }

  /// Split `arn#TestCase` (mock config) and check that the case exists.
  std::pair<std::string, std::string> machine_and_case(const std::string& arn) {
    const auto hash = arn.find('#');
    if (hash == std::string::npos) return {arn, ""};
    const std::string sm = arn.substr(0, hash), tc = arn.substr(hash + 1);
    const auto name = sm.substr(sm.rfind(':') + 1);
    if (!s.options_.mocks || !s.options_.mocks->has_case(name, tc)) {
      fail("InvalidName", "Invalid mock test case name '" + tc + "' for state machine '" + name +
                              "'.Either the test case is not defined or the mock configuration file could not be "
                              "loaded. See logs for details.");
    }
    return {sm, tc};
  }

  json start_execution(const json& b) {
    const auto [sm, test_case] = machine_and_case(req_string(b, "stateMachineArn"));
    auto machine_rec = need_machine(sm);
    const auto name = opt_string(b, "name").value_or(random_uuid());
    check_name(name);
    auto [text, input] = read_input(b);
    auto machine = parse_definition(machine_rec.definition, nullptr);
    ExecutionRecord r;
    if (machine_rec.type == "EXPRESS") {
      r.arn = fmt::format("arn:aws:states:{}:{}:express:{}:{}:{}", region, s.options_.account, machine_rec.name, name,
                          random_uuid());
    } else {
      r.arn = fmt::format("arn:aws:states:{}:{}:execution:{}:{}", region, s.options_.account, machine_rec.name, name);
    }
    r.state_machine_arn = machine_rec.arn;
    r.state_machine_name = machine_rec.name;
    r.name = name;
    r.status = "RUNNING";
    r.input = text;
    r.definition = machine_rec.definition;
    r.role_arn = machine_rec.role_arn;
    r.test_case = test_case;
    r.started = now_epoch();
    if (!s.store_.insert_execution(r)) {
      // Idempotent for a RUNNING execution with the same input; otherwise the name is taken.
      auto existing = s.store_.execution(r.arn);
      if (existing && existing->status == "RUNNING" && existing->input == text) {
        return json{{"executionArn", existing->arn}, {"startDate", existing->started}};
      }
      fail("ExecutionAlreadyExists", "Execution Already Exists: '" + r.arn + "'");
    }
    json reply{{"executionArn", r.arn}, {"startDate", r.started}};
    s.enqueue(std::make_shared<Job>(
        Job{std::move(r), machine, std::move(input), std::make_shared<engine::ExecutionControl>()}));
    return reply;
  }

  json start_sync_execution(const json& b) {
    const auto [sm, test_case] = machine_and_case(req_string(b, "stateMachineArn"));
    auto machine_rec = need_machine(sm);
    if (machine_rec.type != "EXPRESS") {
      fail("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine");
    }
    const auto name = opt_string(b, "name").value_or(random_uuid());
    check_name(name);
    auto [text, input] = read_input(b);
    auto machine = parse_definition(machine_rec.definition, nullptr);
    const auto arn = fmt::format("arn:aws:states:{}:{}:express:{}:{}:{}", region, s.options_.account, machine_rec.name,
                                 name, random_uuid());
    engine::ExecutionOptions x;
    x.name = name;
    x.state_machine_name = machine_rec.name;
    x.execution_arn = arn;
    x.state_machine_arn = machine_rec.arn;
    x.role_arn = machine_rec.role_arn;
    if (!test_case.empty())
      x.observer = std::make_shared<MockingObserver>(s.options_.mocks, machine_rec.name, test_case);
    const auto started = now_epoch();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = s.engine_->run(machine, input, x);
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    json j{{"executionArn", arn},
           {"stateMachineArn", machine_rec.arn},
           {"name", name},
           {"startDate", started},
           {"stopDate", now_epoch()},
           {"status", r.status},
           {"input", text},
           {"inputDetails", {{"included", true}}}};
    if (r.status == "SUCCEEDED") {
      j["output"] = dump_compact(r.output);
      j["outputDetails"] = json{{"included", true}};
    } else {
      if (r.error) j["error"] = *r.error;
      if (r.cause) j["cause"] = *r.cause;
    }
    // Express billing: 64 MB, duration rounded up to 100 ms.
    j["billingDetails"] =
        json{{"billedMemoryUsedInMB", 64},
             {"billedDurationInMilliseconds", static_cast<std::int64_t>(std::ceil(ms / 100.0) * 100)}};
    return j;
  }

  json describe_execution(const json& b) {
    auto r = need_execution(req_string(b, "executionArn"));
    json j{{"executionArn", r.arn},
           {"stateMachineArn", r.state_machine_arn},
           {"name", r.name},
           {"status", r.status},
           {"startDate", r.started}};
    if (r.stopped) j["stopDate"] = *r.stopped;
    j["input"] = r.input;
    j["inputDetails"] = json{{"included", true}};
    if (r.status == "SUCCEEDED" && r.output) {
      j["output"] = *r.output;
      j["outputDetails"] = json{{"included", true}};
    }
    if (r.error) j["error"] = *r.error;
    if (r.cause) j["cause"] = *r.cause;
    j["redriveCount"] = r.redrive_count;
    if (r.redrive_date) j["redriveDate"] = *r.redrive_date;
    const bool redrivable = r.status == "FAILED" || r.status == "TIMED_OUT" || r.status == "ABORTED";
    j["redriveStatus"] = redrivable ? "REDRIVABLE" : "NOT_REDRIVABLE";
    if (!redrivable) j["redriveStatusReason"] = "Execution is " + r.status + " and cannot be redriven";
    return j;
  }

  json list_executions(const json& b) {
    auto sm = opt_string(b, "stateMachineArn");
    if (!sm) {
      if (opt_string(b, "mapRunArn")) {
        fail("ValidationException",
             "Listing the child executions of a Map Run (mapRunArn) is not supported by this "
             "server; use DescribeMapRun for their counts");
      }
      missing("stateMachineArn");
    }
    auto machine = need_machine(*sm);
    const auto status = opt_string(b, "statusFilter").value_or("");
    if (!status.empty() && !valid_status(status)) {
      fail("ValidationException", "1 validation error detected: Value '" + status +
                                      "' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum "
                                      "value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]");
    }
    if (machine.type == "EXPRESS") {
      fail("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine");
    }
    const auto limit = page_size(b);
    const std::string context = machine.arn + "|" + status;
    auto after = read_token(b, "ex", context);
    auto rows = s.store_.list_executions(machine.arn, status, Page{limit + 1, after});
    json out = json::array();
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) out.push_back(execution_item(rows[i]));
    json j{{"executions", std::move(out)}};
    if (rows.size() > limit) j["nextToken"] = make_token("ex", rows[limit - 1].seq, context);
    return j;
  }

  json stop_execution(const json& b) {
    const auto arn = req_string(b, "executionArn");
    auto a = parse_arn(arn, {"execution", "express"});
    if (a.type == "express") fail("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'");
    auto r = need_execution(arn);
    auto error = opt_string(b, "error");
    auto cause = opt_string(b, "cause");
    if (error && error->size() > 256) {
      fail("ValidationException",
           "1 validation error detected: Value at 'error' failed to satisfy constraint: Member "
           "must have length less than or equal to 256");
    }
    if (cause && cause->size() > 32768) {
      fail("ValidationException",
           "1 validation error detected: Value at 'cause' failed to satisfy constraint: Member "
           "must have length less than or equal to 32768");
    }
    if (r.status != "RUNNING") return json{{"stopDate", r.stopped.value_or(r.started)}};
    std::shared_ptr<engine::ExecutionControl> control;
    {
      std::lock_guard lock(s.mu_);
      auto it = s.active_.find(arn);
      if (it != s.active_.end()) control = it->second;
    }
    const auto stopped = now_epoch();
    if (control && control->abort(error, cause)) {
      // Visible at once; the runner writes the same end when the engine returns.
      s.store_.finish_execution(arn, "ABORTED", std::nullopt, error, cause, stopped);
      return json{{"stopDate", stopped}};
    }
    auto again = s.store_.execution(arn);
    return json{{"stopDate", again && again->stopped ? *again->stopped : stopped}};
  }

  json redrive_execution(const json& b) {
    const auto arn = req_string(b, "executionArn");
    auto a = parse_arn(arn, {"execution", "express"});
    if (a.type == "express") fail("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'");
    auto r = need_execution(arn);
    {
      std::lock_guard lock(s.mu_);
      if (s.active_.count(arn)) {
        fail("ExecutionNotRedrivable", "Execution is still " +
                                           std::string(r.status == "RUNNING" ? "running" : "stopping") +
                                           " and cannot be redriven: '" + arn + "'");
      }
    }
    std::vector<asl::ValidationError> errors;
    auto machine = asl::StateMachine::parse(json::parse(r.definition), errors);
    const auto date = now_epoch();
    if (!machine || !s.store_.redrive_execution(arn, date)) {
      auto now = s.store_.execution(arn);
      fail("ExecutionNotRedrivable",
           "Execution is " + (now ? now->status : r.status) + " and cannot be redriven: '" + arn + "'");
    }
    auto rec = s.store_.execution(arn);
    // The attempt runs the machine again; Distributed Map children that succeeded before are not
    // run again (their results come from the store), so only the unsuccessful ones are.
    s.enqueue(std::make_shared<Job>(
        Job{*rec, machine, json::parse(rec->input), std::make_shared<engine::ExecutionControl>()}));
    return json{{"redriveDate", date}};
  }

  json get_execution_history(const json& b) {
    auto r = need_execution(req_string(b, "executionArn"));
    const bool reverse = opt_bool(b, "reverseOrder", false);
    const bool include_data = opt_bool(b, "includeExecutionData", true);
    const auto limit = page_size(b);
    const std::string context = r.arn + (reverse ? "|r" : "|f");
    auto after = read_token(b, "ev", context);
    auto rows = s.store_.events(r.arn, reverse, Page{limit + 1, after});
    json events = json::array();
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
      const auto& e = rows[i];
      json j{{"timestamp", e.timestamp}, {"type", e.type}, {"id", e.id}, {"previousEventId", e.previous_id}};
      if (!e.details.empty()) {
        json d = json::parse(e.details);
        if (!include_data && d.is_object()) {
          d.erase("input");
          d.erase("output");
        }
        j[engine::details_key(e.type)] = std::move(d);
      }
      events.push_back(std::move(j));
    }
    json j{{"events", std::move(events)}};
    if (rows.size() > limit) j["nextToken"] = make_token("ev", rows[limit - 1].id, context);
    return j;
  }

  json map_run_counts(const MapRunRecord& m) {
    const std::int64_t done = m.succeeded + m.failed;
    std::int64_t remaining = std::max<std::int64_t>(0, m.total - done);
    std::int64_t running = 0, aborted = 0;
    if (m.status == "RUNNING") {
      running = m.max_concurrency > 0 ? std::min(remaining, m.max_concurrency) : remaining;
    } else if (m.status != "SUCCEEDED") {
      aborted = remaining;  // children that never finished when the run ended
    }
    const std::int64_t pending = m.status == "RUNNING" ? remaining - running : 0;
    return json{{"pending", pending},
                {"running", running},
                {"succeeded", m.succeeded},
                {"failed", m.failed},
                {"timedOut", 0},
                {"aborted", aborted},
                {"total", m.total},
                {"resultsWritten", m.succeeded + m.failed},
                {"failuresNotRedrivable", 0},
                {"pendingRedrive", 0}};
  }

  MapRunRecord need_map_run(const std::string& arn) {
    parse_arn(arn, {"mapRun"});
    auto m = s.store_.map_run(arn);
    if (!m) fail("ResourceNotFound", "Resource not found: '" + arn + "'", json{{"resourceName", arn}});
    return *m;
  }

  json describe_map_run(const json& b) {
    auto m = need_map_run(req_string(b, "mapRunArn"));
    auto counts = map_run_counts(m);
    json j{{"mapRunArn", m.arn}, {"executionArn", m.execution_arn}, {"status", m.status}, {"startDate", m.started}};
    if (m.stopped) j["stopDate"] = *m.stopped;
    j["maxConcurrency"] = m.max_concurrency;
    j["toleratedFailurePercentage"] = m.tolerated_failure_percentage.value_or(0.0);
    j["toleratedFailureCount"] = m.tolerated_failure_count.value_or(0);
    j["itemCounts"] = counts;
    j["executionCounts"] = counts;
    j["redriveCount"] = 0;
    return j;
  }

  json list_map_runs(const json& b) {
    auto r = need_execution(req_string(b, "executionArn"));
    const auto limit = page_size(b);
    auto after = read_token(b, "mr", r.arn);
    auto rows = s.store_.list_map_runs(r.arn, Page{limit + 1, after});
    json out = json::array();
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
      // …:mapRun:MACHINE/LABEL:UUID → the children's machine …:stateMachine:MACHINE/LABEL
      std::string sm = rows[i].arn;
      sm.replace(sm.find(":mapRun:"), 8, ":stateMachine:");
      sm = sm.substr(0, sm.rfind(':'));
      json item{
          {"executionArn", r.arn}, {"mapRunArn", rows[i].arn}, {"stateMachineArn", sm}, {"startDate", rows[i].started}};
      if (rows[i].stopped) item["stopDate"] = *rows[i].stopped;
      out.push_back(std::move(item));
    }
    json j{{"mapRuns", std::move(out)}};
    if (rows.size() > limit) j["nextToken"] = make_token("mr", rows[limit - 1].seq, r.arn);
    return j;
  }

  std::string need_taggable(const json& b) {
    const auto arn = req_string(b, "resourceArn");
    parse_arn(arn, {"stateMachine", "activity"});
    if (!s.store_.state_machine(arn)) {
      fail("ResourceNotFound", "Resource not found: '" + arn + "'", json{{"resourceName", arn}});
    }
    return arn;
  }

  json tag_resource(const json& b) {
    const auto arn = need_taggable(b);
    if (!b.contains("tags")) missing("tags");
    auto tags = read_tags(b);
    auto existing = s.store_.tags(arn);
    std::set<std::string> keys;
    for (auto& [k, v] : existing) keys.insert(k);
    for (auto& [k, v] : tags) keys.insert(k);
    if (keys.size() > 50) fail("TooManyTags", "Too many tags: a resource has at most 50", json{{"resourceName", arn}});
    s.store_.set_tags(arn, tags);
    return json::object();
  }

  json untag_resource(const json& b) {
    const auto arn = need_taggable(b);
    auto it = b.find("tagKeys");
    if (it == b.end() || !it->is_array()) missing("tagKeys");
    std::vector<std::string> keys;
    for (const auto& k : *it) {
      if (!k.is_string()) fail("SerializationException", "'tagKeys' entries must be strings");
      keys.push_back(k.get<std::string>());
    }
    s.store_.remove_tags(arn, keys);
    return json::object();
  }

  json list_tags(const json& b) {
    const auto arn = need_taggable(b);
    return json{{"tags", tags_json(s.store_.tags(arn))}};
  }
};

Response Service::handle(std::string_view target, std::string_view body, std::string_view authorization) {
  auto error = [](int status, const std::string& type, const std::string& message, const json& extra = json::object()) {
    json j{{"__type", type}, {"message", message}};
    for (auto& [k, v] : extra.items()) j[k] = v;
    return Response{status, dump_compact(j), type};
  };
  constexpr std::string_view kPrefix = "AWSStepFunctions.";
  if (target.substr(0, kPrefix.size()) != kPrefix) {
    return error(400, "UnknownOperationException",
                 target.empty() ? "Missing X-Amz-Target header" : "Unknown operation: " + std::string(target));
  }
  const std::string op(target.substr(kPrefix.size()));
  json b = json::object();
  if (!body.empty()) {
    try {
      b = parse_json(body);
    } catch (const json::exception& e) {
      return error(400, "SerializationException", std::string("Malformed JSON request body: ") + e.what());
    }
    if (!b.is_object()) return error(400, "SerializationException", "The request body must be a JSON object");
  }
  Impl impl{*this, region_of(authorization, options_.default_region)};
  using Handler = json (Impl::*)(const json&);
  static const std::map<std::string, Handler, std::less<>> kOps{
      {"CreateStateMachine", &Impl::create_state_machine},
      {"DescribeStateMachine", &Impl::describe_state_machine},
      {"ListStateMachines", &Impl::list_state_machines},
      {"UpdateStateMachine", &Impl::update_state_machine},
      {"DeleteStateMachine", &Impl::delete_state_machine},
      {"ValidateStateMachineDefinition", &Impl::validate_definition},
      {"StartExecution", &Impl::start_execution},
      {"StartSyncExecution", &Impl::start_sync_execution},
      {"DescribeExecution", &Impl::describe_execution},
      {"ListExecutions", &Impl::list_executions},
      {"StopExecution", &Impl::stop_execution},
      {"RedriveExecution", &Impl::redrive_execution},
      {"GetExecutionHistory", &Impl::get_execution_history},
      {"DescribeMapRun", &Impl::describe_map_run},
      {"ListMapRuns", &Impl::list_map_runs},
      {"TagResource", &Impl::tag_resource},
      {"UntagResource", &Impl::untag_resource},
      {"ListTagsForResource", &Impl::list_tags},
  };
  auto it = kOps.find(op);
  if (it == kOps.end()) return error(400, "UnknownOperationException", "Unknown operation: " + std::string(target));
  try {
    json out = (impl.*(it->second))(b);
    return Response{200, dump_compact(out), {}};
  } catch (const ApiError& e) {
    return error(400, e.type, e.message, e.extra);
  } catch (const std::exception& e) {
    return error(500, "InternalFailure", std::string("internal error: ") + e.what());
  }
}

}  // namespace cosmicai::service
