#include "service/store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace cosmicai::service {

namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS cosmicai_meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
INSERT OR IGNORE INTO cosmicai_meta VALUES('schema', '1');
CREATE TABLE IF NOT EXISTS state_machines(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
  definition TEXT NOT NULL, role_arn TEXT NOT NULL, type TEXT NOT NULL, created REAL NOT NULL,
  updated REAL, revision_id TEXT NOT NULL, description TEXT NOT NULL, logging TEXT, tracing TEXT);
CREATE TABLE IF NOT EXISTS executions(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT UNIQUE NOT NULL, sm_arn TEXT NOT NULL,
  sm_name TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL,
  definition TEXT NOT NULL, role_arn TEXT NOT NULL, output TEXT, error TEXT, cause TEXT, started REAL NOT NULL,
  stopped REAL, redrive_count INTEGER NOT NULL DEFAULT 0, redrive_date REAL, event_base INTEGER NOT NULL DEFAULT 0,
  test_case TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions(sm_arn, seq);
CREATE INDEX IF NOT EXISTS executions_by_status ON executions(status);
CREATE TABLE IF NOT EXISTS events(
  exec_arn TEXT NOT NULL, id INTEGER NOT NULL, previous_id INTEGER NOT NULL, ts REAL NOT NULL,
  type TEXT NOT NULL, details TEXT NOT NULL, PRIMARY KEY(exec_arn, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS map_runs(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, arn TEXT UNIQUE NOT NULL, exec_arn TEXT NOT NULL,
  state_name TEXT NOT NULL, status TEXT NOT NULL, started REAL NOT NULL, stopped REAL,
  total INTEGER NOT NULL, max_concurrency INTEGER NOT NULL, tol_count INTEGER, tol_pct REAL);
CREATE INDEX IF NOT EXISTS map_runs_by_execution ON map_runs(exec_arn, seq);
CREATE TABLE IF NOT EXISTS map_children(
  exec_arn TEXT NOT NULL, key TEXT NOT NULL, idx INTEGER NOT NULL, map_run_arn TEXT NOT NULL,
  ok INTEGER NOT NULL, output TEXT NOT NULL, PRIMARY KEY(exec_arn, key, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS map_children_by_run ON map_children(map_run_arn);
CREATE TABLE IF NOT EXISTS tags(arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY(arn, key)) WITHOUT ROWID;
)SQL";

}  // namespace

/// A prepared statement, reset on destruction. Columns are read by index.
class Store::Stmt {
 public:
  Stmt(Store& store, const char* sql) : store_(store) {
    auto& cache = statements();
    auto it = cache.find(sql);
    if (it == cache.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(store.db_, sql, -1, &s, nullptr) != SQLITE_OK) store.fail("prepare");
      it = cache.emplace(sql, s).first;
    }
    stmt_ = it->second;
  }
  ~Stmt() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const char* v) { return bind(i, std::string(v)); }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  template <class T>
  Stmt& bind(int i, const std::optional<T>& v) {
    if (v) return bind(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  /// Step; true while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (rc == SQLITE_CONSTRAINT) {
      constraint_ = true;
      return false;
    }
    store_.fail("step");
  }
  bool constraint_failed() const { return constraint_; }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string();
  }
  std::optional<std::string> opt_text(int c) const {
    if (sqlite3_column_type(stmt_, c) == SQLITE_NULL) return std::nullopt;
    return text(c);
  }
  std::int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  double real(int c) const { return sqlite3_column_double(stmt_, c); }
  std::optional<double> opt_real(int c) const {
    if (sqlite3_column_type(stmt_, c) == SQLITE_NULL) return std::nullopt;
    return real(c);
  }
  std::optional<std::int64_t> opt_i64(int c) const {
    if (sqlite3_column_type(stmt_, c) == SQLITE_NULL) return std::nullopt;
    return i64(c);
  }

 private:
  std::unordered_map<const char*, sqlite3_stmt*>& statements() { return store_.statements_; }
  Store& store_;
  sqlite3_stmt* stmt_ = nullptr;
  bool constraint_ = false;
};

/// A write: joins the open transaction (or begins one). Durable writes commit before returning,
/// with every lazy write before them; lazy ones (history events, Map Run progress) are committed
/// by the next durable write or within kLazyCommit by the flusher, so that one commit carries many.
class Store::Write {
 public:
  Write(Store& s, bool durable) : s_(s), lock_(s.mu_), durable_(durable) {
    if (!s_.in_txn_) {
      s_.exec_sql("BEGIN");
      s_.in_txn_ = true;
      s_.txn_start_ = std::chrono::steady_clock::now();
    }
  }
  ~Write() {
    try {
      if (durable_ || std::chrono::steady_clock::now() - s_.txn_start_ > kLazyCommit) s_.commit_locked();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "cosmicai serve: %s\n", e.what());
    }
  }

 private:
  Store& s_;
  std::lock_guard<std::mutex> lock_;
  bool durable_;
};

void Store::commit_locked() {
  if (!in_txn_) return;
  in_txn_ = false;
  exec_sql("COMMIT");
}

void Store::flush() {
  std::lock_guard lock(mu_);
  commit_locked();
}

void Store::flusher_loop() {
  std::unique_lock lock(mu_);
  while (!stop_flusher_) {
    flusher_cv_.wait_for(lock, kLazyCommit);
    if (in_txn_ && std::chrono::steady_clock::now() - txn_start_ >= kLazyCommit) {
      try {
        commit_locked();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "cosmicai serve: %s\n", e.what());
      }
    }
  }
}

[[noreturn]] void Store::fail(const char* what) {
  throw std::runtime_error("database " + (path_.empty() ? std::string(":memory:") : path_) + ": " + what + ": " +
                           sqlite3_errmsg(db_));
}

void Store::exec_sql(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("database " + (path_.empty() ? std::string(":memory:") : path_) + ": " + msg);
  }
}

Store::Store(const std::string& path) : path_(path) {
  const std::string target = path.empty() ? ":memory:" : path;
  if (sqlite3_open_v2(target.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open database " + target + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    // WAL: a commit is one append; synchronous=NORMAL keeps every committed transaction across a
    // process crash (kill -9), which is what the service promises.
    if (!path.empty()) exec_sql("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    exec_sql(kSchema);
    flusher_ = std::thread([this] { flusher_loop(); });
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Store::~Store() {
  {
    std::lock_guard lock(mu_);
    stop_flusher_ = true;
  }
  flusher_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  try {
    flush();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cosmicai serve: %s\n", e.what());
  }
  for (auto& [sql, s] : statements_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

// === state machines ===

namespace {
constexpr const char* kSmColumns =
    "seq, arn, name, definition, role_arn, type, created, updated, revision_id, description, logging, tracing";
}

static StateMachineRecord read_sm(const auto& s) {
  StateMachineRecord r;
  r.seq = s.i64(0);
  r.arn = s.text(1);
  r.name = s.text(2);
  r.definition = s.text(3);
  r.role_arn = s.text(4);
  r.type = s.text(5);
  r.created = s.real(6);
  r.updated = s.opt_real(7);
  r.revision_id = s.text(8);
  r.description = s.text(9);
  if (auto l = s.opt_text(10)) r.logging = json::parse(*l);
  if (auto t = s.opt_text(11)) r.tracing = json::parse(*t);
  return r;
}

static std::optional<std::string> opt_dump(const json& j) {
  if (j.is_null()) return std::nullopt;
  return dump_compact(j);
}

bool Store::insert_state_machine(const StateMachineRecord& r) {
  Write w(*this, true);
  Stmt s(*this,
         "INSERT INTO state_machines(arn, name, definition, role_arn, type, created, updated, revision_id, "
         "description, logging, tracing) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.arn).bind(2, r.name).bind(3, r.definition).bind(4, r.role_arn).bind(5, r.type).bind(6, r.created);
  s.bind(7, r.updated).bind(8, r.revision_id).bind(9, r.description).bind(10, opt_dump(r.logging));
  s.bind(11, opt_dump(r.tracing));
  s.step();
  return !s.constraint_failed();
}

std::optional<StateMachineRecord> Store::state_machine(const std::string& arn) {
  std::lock_guard lock(mu_);
  static const std::string sql = std::string("SELECT ") + kSmColumns + " FROM state_machines WHERE arn = ?";
  Stmt s(*this, sql.c_str());
  s.bind(1, arn);
  if (!s.step()) return std::nullopt;
  return read_sm(s);
}

bool Store::update_state_machine(const StateMachineRecord& r) {
  Write w(*this, true);
  Stmt s(*this,
         "UPDATE state_machines SET definition = ?, role_arn = ?, updated = ?, revision_id = ?, logging = ?, "
         "tracing = ? WHERE arn = ?");
  s.bind(1, r.definition).bind(2, r.role_arn).bind(3, r.updated).bind(4, r.revision_id);
  s.bind(5, opt_dump(r.logging)).bind(6, opt_dump(r.tracing)).bind(7, r.arn);
  s.step();
  return sqlite3_changes(db_) > 0;
}

bool Store::delete_state_machine(const std::string& arn) {
  Write w(*this, true);
  Stmt s(*this, "DELETE FROM state_machines WHERE arn = ?");
  s.bind(1, arn);
  s.step();
  const bool deleted = sqlite3_changes(db_) > 0;
  Stmt t(*this, "DELETE FROM tags WHERE arn = ?");
  t.bind(1, arn);
  t.step();
  return deleted;
}

std::vector<StateMachineRecord> Store::list_state_machines(const Page& page) {
  std::lock_guard lock(mu_);
  static const std::string sql =
      std::string("SELECT ") + kSmColumns + " FROM state_machines WHERE seq > ? ORDER BY seq LIMIT ?";
  Stmt s(*this, sql.c_str());
  s.bind(1, page.after.value_or(0)).bind(2, static_cast<std::int64_t>(page.limit));
  std::vector<StateMachineRecord> out;
  while (s.step()) out.push_back(read_sm(s));
  return out;
}

// === executions ===

namespace {
constexpr const char* kExecColumns =
    "seq, arn, sm_arn, sm_name, name, status, input, definition, output, error, cause, started, stopped, role_arn, "
    "redrive_count, redrive_date, event_base, test_case";
}

static ExecutionRecord read_exec(const auto& s) {
  ExecutionRecord r;
  r.seq = s.i64(0);
  r.arn = s.text(1);
  r.state_machine_arn = s.text(2);
  r.state_machine_name = s.text(3);
  r.name = s.text(4);
  r.status = s.text(5);
  r.input = s.text(6);
  r.definition = s.text(7);
  r.output = s.opt_text(8);
  r.error = s.opt_text(9);
  r.cause = s.opt_text(10);
  r.started = s.real(11);
  r.stopped = s.opt_real(12);
  r.role_arn = s.text(13);
  r.redrive_count = s.i64(14);
  r.redrive_date = s.opt_real(15);
  r.event_base = s.i64(16);
  r.test_case = s.text(17);
  return r;
}

bool Store::insert_execution(const ExecutionRecord& r) {
  Write w(*this, true);
  Stmt s(*this,
         "INSERT INTO executions(arn, sm_arn, sm_name, name, status, input, definition, started, role_arn, test_case) "
         "VALUES(?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.arn).bind(2, r.state_machine_arn).bind(3, r.state_machine_name).bind(4, r.name).bind(5, r.status);
  s.bind(6, r.input).bind(7, r.definition).bind(8, r.started).bind(9, r.role_arn).bind(10, r.test_case);
  s.step();
  return !s.constraint_failed();
}

std::optional<ExecutionRecord> Store::execution(const std::string& arn) {
  std::lock_guard lock(mu_);
  static const std::string sql = std::string("SELECT ") + kExecColumns + " FROM executions WHERE arn = ?";
  Stmt s(*this, sql.c_str());
  s.bind(1, arn);
  if (!s.step()) return std::nullopt;
  return read_exec(s);
}

void Store::finish_execution(const std::string& arn, const std::string& status,
                             const std::optional<std::string>& output, const std::optional<std::string>& error,
                             const std::optional<std::string>& cause, EpochSeconds stopped) {
  Write w(*this, true);
  Stmt s(*this, "UPDATE executions SET status = ?, output = ?, error = ?, cause = ?, stopped = ? WHERE arn = ?");
  s.bind(1, status).bind(2, output).bind(3, error).bind(4, cause).bind(5, stopped).bind(6, arn);
  s.step();
}

std::vector<ExecutionRecord> Store::list_executions(const std::string& sm_arn, const std::string& status,
                                                    const Page& page) {
  std::lock_guard lock(mu_);
  static const std::string sql = std::string("SELECT ") + kExecColumns +
                                 " FROM executions WHERE sm_arn = ? AND (? = '' OR status = ?) AND seq < ? "
                                 "ORDER BY seq DESC LIMIT ?";
  Stmt s(*this, sql.c_str());
  s.bind(1, sm_arn).bind(2, status).bind(3, status);
  s.bind(4, page.after.value_or(std::numeric_limits<std::int64_t>::max()));
  s.bind(5, static_cast<std::int64_t>(page.limit));
  std::vector<ExecutionRecord> out;
  while (s.step()) out.push_back(read_exec(s));
  return out;
}

std::vector<ExecutionRecord> Store::running_executions() {
  std::lock_guard lock(mu_);
  static const std::string sql =
      std::string("SELECT ") + kExecColumns + " FROM executions WHERE status = 'RUNNING' ORDER BY seq";
  Stmt s(*this, sql.c_str());
  std::vector<ExecutionRecord> out;
  while (s.step()) out.push_back(read_exec(s));
  return out;
}

std::int64_t Store::count_executions(const std::string& status) {
  std::lock_guard lock(mu_);
  Stmt s(*this, "SELECT COUNT(*) FROM executions WHERE (? = '' OR status = ?)");
  s.bind(1, status).bind(2, status);
  s.step();
  return s.i64(0);
}

// === history ===

void Store::add_event(const std::string& execution_arn, const EventRecord& e) {
  Write w(*this, false);
  Stmt s(*this, "INSERT OR REPLACE INTO events(exec_arn, id, previous_id, ts, type, details) VALUES(?,?,?,?,?,?)");
  s.bind(1, execution_arn).bind(2, e.id).bind(3, e.previous_id).bind(4, e.timestamp).bind(5, e.type);
  s.bind(6, e.details);
  s.step();
}

std::vector<EventRecord> Store::events(const std::string& execution_arn, bool reverse, const Page& page) {
  std::lock_guard lock(mu_);
  std::vector<EventRecord> out;
  auto read = [&](Stmt& s) {
    while (s.step()) {
      EventRecord e;
      e.id = s.i64(0);
      e.previous_id = s.i64(1);
      e.timestamp = s.real(2);
      e.type = s.text(3);
      e.details = s.text(4);
      out.push_back(std::move(e));
    }
  };
  if (reverse) {
    Stmt s(*this,
           "SELECT id, previous_id, ts, type, details FROM events WHERE exec_arn = ? AND id < ? "
           "ORDER BY id DESC LIMIT ?");
    s.bind(1, execution_arn).bind(2, page.after.value_or(std::numeric_limits<std::int64_t>::max()));
    s.bind(3, static_cast<std::int64_t>(page.limit));
    read(s);
  } else {
    Stmt s(*this,
           "SELECT id, previous_id, ts, type, details FROM events WHERE exec_arn = ? AND id > ? "
           "ORDER BY id LIMIT ?");
    s.bind(1, execution_arn).bind(2, page.after.value_or(0)).bind(3, static_cast<std::int64_t>(page.limit));
    read(s);
  }
  return out;
}

void Store::reset_execution_progress(const std::string& execution_arn, std::int64_t event_base) {
  Write w(*this, true);
  {
    Stmt s(*this, "DELETE FROM events WHERE exec_arn = ? AND id > ?");
    s.bind(1, execution_arn).bind(2, event_base);
    s.step();
  }
  {
    // Map Runs of the current attempt: those named by its MapRunStarted events are gone now.
    Stmt s(*this,
           "DELETE FROM map_runs WHERE exec_arn = ? AND arn NOT IN (SELECT json_extract(details, '$.mapRunArn') "
           "FROM events WHERE exec_arn = ? AND type = 'MapRunStarted')");
    s.bind(1, execution_arn).bind(2, execution_arn);
    s.step();
  }
}

bool Store::redrive_execution(const std::string& arn, EpochSeconds date) {
  Write w(*this, true);
  Stmt s(*this,
         "UPDATE executions SET status = 'RUNNING', redrive_count = redrive_count + 1, redrive_date = ?, "
         "stopped = NULL, error = NULL, cause = NULL, output = NULL, "
         "event_base = (SELECT COALESCE(MAX(id), 0) FROM events WHERE exec_arn = ?) "
         "WHERE arn = ? AND status IN ('FAILED', 'TIMED_OUT', 'ABORTED')");
  s.bind(1, date).bind(2, arn).bind(3, arn);
  s.step();
  return sqlite3_changes(db_) > 0;
}

// === Map Runs ===

void Store::insert_map_run(const MapRunRecord& r) {
  Write w(*this, false);
  Stmt s(*this,
         "INSERT OR REPLACE INTO map_runs(arn, exec_arn, state_name, status, started, total, max_concurrency, "
         "tol_count, tol_pct) VALUES(?,?,?,?,?,?,?,?,?)");
  s.bind(1, r.arn).bind(2, r.execution_arn).bind(3, r.state_name).bind(4, r.status).bind(5, r.started);
  s.bind(6, r.total).bind(7, r.max_concurrency).bind(8, r.tolerated_failure_count);
  s.bind(9, r.tolerated_failure_percentage);
  s.step();
}

void Store::finish_map_run(const std::string& arn, const std::string& status, EpochSeconds stopped) {
  Write w(*this, false);
  Stmt s(*this, "UPDATE map_runs SET status = ?, stopped = ? WHERE arn = ?");
  s.bind(1, status).bind(2, stopped).bind(3, arn);
  s.step();
}

namespace {
constexpr const char* kMapRunSelect =
    "SELECT m.seq, m.arn, m.exec_arn, m.state_name, m.status, m.started, m.stopped, m.total, m.max_concurrency, "
    "m.tol_count, m.tol_pct, "
    "(SELECT COUNT(*) FROM map_children c WHERE c.map_run_arn = m.arn AND c.ok = 1), "
    "(SELECT COUNT(*) FROM map_children c WHERE c.map_run_arn = m.arn AND c.ok = 0) FROM map_runs m ";
}

static MapRunRecord read_map_run(const auto& s) {
  MapRunRecord r;
  r.seq = s.i64(0);
  r.arn = s.text(1);
  r.execution_arn = s.text(2);
  r.state_name = s.text(3);
  r.status = s.text(4);
  r.started = s.real(5);
  r.stopped = s.opt_real(6);
  r.total = s.i64(7);
  r.max_concurrency = s.i64(8);
  r.tolerated_failure_count = s.opt_i64(9);
  r.tolerated_failure_percentage = s.opt_real(10);
  r.succeeded = s.i64(11);
  r.failed = s.i64(12);
  return r;
}

std::optional<MapRunRecord> Store::map_run(const std::string& arn) {
  std::lock_guard lock(mu_);
  static const std::string sql = std::string(kMapRunSelect) + "WHERE m.arn = ?";
  Stmt s(*this, sql.c_str());
  s.bind(1, arn);
  if (!s.step()) return std::nullopt;
  return read_map_run(s);
}

std::vector<MapRunRecord> Store::list_map_runs(const std::string& execution_arn, const Page& page) {
  std::lock_guard lock(mu_);
  static const std::string sql =
      std::string(kMapRunSelect) + "WHERE m.exec_arn = ? AND m.seq > ? ORDER BY m.seq LIMIT ?";
  Stmt s(*this, sql.c_str());
  s.bind(1, execution_arn).bind(2, page.after.value_or(0)).bind(3, static_cast<std::int64_t>(page.limit));
  std::vector<MapRunRecord> out;
  while (s.step()) out.push_back(read_map_run(s));
  return out;
}

void Store::add_map_child(const std::string& execution_arn, const std::string& key, std::int64_t index,
                          const std::string& map_run_arn, bool ok, const std::string& output) {
  Write w(*this, true);
  Stmt s(*this, "INSERT OR REPLACE INTO map_children(exec_arn, key, idx, map_run_arn, ok, output) VALUES(?,?,?,?,?,?)");
  s.bind(1, execution_arn).bind(2, key).bind(3, index).bind(4, map_run_arn).bind(5, std::int64_t{ok ? 1 : 0});
  s.bind(6, output);
  s.step();
}

std::optional<std::string> Store::succeeded_map_child(const std::string& execution_arn, const std::string& key,
                                                      std::int64_t index) {
  std::lock_guard lock(mu_);
  Stmt s(*this, "SELECT output FROM map_children WHERE exec_arn = ? AND key = ? AND idx = ? AND ok = 1");
  s.bind(1, execution_arn).bind(2, key).bind(3, index);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

// === tags ===

void Store::set_tags(const std::string& arn, const std::vector<std::pair<std::string, std::string>>& tags) {
  Write w(*this, true);
  for (const auto& [k, v] : tags) {
    Stmt s(*this, "INSERT OR REPLACE INTO tags(arn, key, value) VALUES(?,?,?)");
    s.bind(1, arn).bind(2, k).bind(3, v);
    s.step();
  }
}

void Store::remove_tags(const std::string& arn, const std::vector<std::string>& keys) {
  Write w(*this, true);
  for (const auto& k : keys) {
    Stmt s(*this, "DELETE FROM tags WHERE arn = ? AND key = ?");
    s.bind(1, arn).bind(2, k);
    s.step();
  }
}

std::vector<std::pair<std::string, std::string>> Store::tags(const std::string& arn) {
  std::lock_guard lock(mu_);
  Stmt s(*this, "SELECT key, value FROM tags WHERE arn = ? ORDER BY key");
  s.bind(1, arn);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  return out;
}

}  // namespace cosmicai::service
