// Map states (INLINE and DISTRIBUTED with inline items) and Parallel states: child runs
// on the worker pool, results in item/branch order.
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
#include "engine/map_io/item_reader.hpp"
#include "engine/map_io/result_writer.hpp"
#include "engine/runtime.hpp"

namespace cosmicai::engine {

using asl::StatesError;

namespace {

/// Resolve an optional integer field given literally or through a path.
std::optional<std::int64_t> resolve_int(const std::optional<std::int64_t>& literal,
                                        const std::optional<std::string>& path, const char* field,
                                        const json& input, const json& context, const json* vars,
                                        const std::optional<asl::JsonataValue>& expr, const json& raw) {
  if (literal) return literal;
  if (expr) return expr->evaluate_integer(asl::EvalEnv{raw, context, vars}, 1);
  if (!path) return std::nullopt;
  return asl::resolve_seconds_path(*path, field, input, context, false, vars);
}

/// The value a MaxConcurrencyPath or ToleratedFailure*Path selects, with a string holding an integer read as that integer
/// (AWS's behaviour as LocalStack reproduces it against its recordings).
json tolerated_failure_value(const std::string& path, const json& input, const json& context, const json* vars) {
  json v = asl::query_path(path, input, context, vars);
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return json(n);
  }
  return v;
}

/// How a rejected value is quoted in AWS's cause: strings as they are, anything else as JSON.
std::string quoted_value(const json& v) { return v.is_string() ? v.get<std::string>() : dump_compact(v); }

/// MaxConcurrency(Path): a non-negative integer (recorded: LocalStack test_max_concurrency_path).
/// The JSONata forms see the Map's state input as $states.input.
std::optional<std::int64_t> resolve_max_concurrency(const asl::MapState& m, const json& input, const json& context,
                                                    const json* vars) {
  if (m.max_concurrency) return m.max_concurrency;
  if (m.max_concurrency_expr) return m.max_concurrency_expr->evaluate_integer(asl::EvalEnv{input, context, vars}, 0);
  if (!m.max_concurrency_path) return std::nullopt;
  const auto& path = *m.max_concurrency_path;
  const json v = tolerated_failure_value(path, input, context, vars);
  if (!v.is_number_integer()) {
    throw StatesError::bare(asl::errors::kRuntime, "The MaxConcurrencyPath field refers to value \"" + quoted_value(v) +
                                                 "\" which is not a valid integer: " + path);
  }
  if (v.get<std::int64_t>() < 0) {
    throw StatesError::bare(asl::errors::kRuntime, "Expected non-negative integer for MaxConcurrency, got '" +
                                                 dump_compact(v) + "' instead.");
  }
  return v.get<std::int64_t>();
}

/// ToleratedFailureCount(Path). Recorded on AWS (LocalStack test_map_state_tolerated_failure_count_path):
/// a non-integer or negative value fails the execution with States.Runtime.
std::optional<std::int64_t> resolve_count(const asl::MapState& m, const json& input, const json& context,
                                          const json* vars) {
  if (m.tolerated_failure_count) return m.tolerated_failure_count;
  if (m.tolerated_failure_count_expr) {
    return m.tolerated_failure_count_expr->evaluate_integer(asl::EvalEnv{input, context, vars}, 0);
  }
  if (!m.tolerated_failure_count_path) return std::nullopt;
  const auto& path = *m.tolerated_failure_count_path;
  const json v = tolerated_failure_value(path, input, context, vars);
  if (!v.is_number_integer()) {
    throw StatesError::bare(asl::errors::kRuntime, "The ToleratedFailureCountPath field refers to value \"" +
                                                 quoted_value(v) + "\" which is not a valid integer: " + path);
  }
  if (v.get<std::int64_t>() < 0) throw StatesError::bare(asl::errors::kRuntime, "ToleratedFailureCount cannot be negative.");
  return v.get<std::int64_t>();
}

/// ToleratedFailurePercentage(Path): a number from 0 to 100 (recorded: ..._percentage_path).
std::optional<double> resolve_percentage(const asl::MapState& m, const json& input, const json& context,
                                         const json* vars) {
  if (m.tolerated_failure_percentage) return m.tolerated_failure_percentage;
  if (m.tolerated_failure_percentage_expr) {
    return m.tolerated_failure_percentage_expr->evaluate_number(asl::EvalEnv{input, context, vars}, 0, 100);
  }
  if (!m.tolerated_failure_percentage_path) return std::nullopt;
  const auto& path = *m.tolerated_failure_percentage_path;
  const json v = tolerated_failure_value(path, input, context, vars);
  if (!v.is_number()) {
    throw StatesError::bare(asl::errors::kRuntime, "The ToleratedFailurePercentagePath field refers to value \"" +
                                                 quoted_value(v) + "\" which is not a valid float: " + path);
  }
  const double pct = v.get<double>();
  if (pct < 0 || pct > 100) {
    throw StatesError::bare(asl::errors::kRuntime, "ToleratedFailurePercentage must be between 0 and 100.");
  }
  return pct;
}

/// Shared bookkeeping of one Map or Parallel run. Guarded by `mu`.
struct Fanout {
  std::mutex mu;
  std::vector<json> results;
  std::vector<char> succeeded;
  std::size_t next = 0;
  std::size_t running = 0;
  std::size_t finished = 0;
  std::size_t failed = 0;
  bool closed = false;
  CancelFlag cancel = std::make_shared<std::atomic<bool>>(false);
  std::vector<map_io::ChildRecord> records;  ///< one per child, only with a ResultWriter
};

/// The children's records when the Map Run ends early: children still running count as failed
/// (aborted), children never started stay pending. Called with fan.mu held.
std::shared_ptr<std::vector<map_io::ChildRecord>> records_at_end(Fanout& fan, Clock::time_point now) {
  auto out = std::make_shared<std::vector<map_io::ChildRecord>>(std::move(fan.records));
  for (std::size_t i = 0; i < out->size() && i < fan.next; ++i) {
    auto& r = (*out)[i];
    if (r.status == map_io::ChildRecord::Status::kPending) {
      r.status = map_io::ChildRecord::Status::kFailed;
      r.cause = "The child execution was aborted because the Map Run failed";
      r.stop = now;
    }
  }
  return out;
}

}  // namespace

void map_body(const CallPtr& call, const json& effective, const json& context, BodyDone done) {
  const auto& m = static_cast<const asl::MapState&>(*call->state);
  auto& exec = call->exec();
  const json* vars = call->vars.get();
  const bool distributed = m.mode == asl::MapMode::kDistributed;
  json items_value;
  if (m.item_reader) {
    items_value = json::array();
    for (auto& item : map_io::read_items(*m.item_reader, effective, context, exec.stores)) {
      items_value.push_back(std::move(item));
    }
  } else if (m.jsonata) {
    if (m.items) {
      items_value = m.items->evaluate_array(asl::EvalEnv{call->input, context, vars});
    } else {
      items_value = effective;
      if (!items_value.is_array()) {
        throw StatesError(asl::errors::kQueryEvaluationError,
                          "Map state input must be an array but was: " + dump_compact(items_value));
      }
    }
  } else {
    items_value = m.items_path == "$" ? effective : asl::query_path(m.items_path, effective, context, vars);
  }
  if (!items_value.is_array()) {
    throw StatesError(asl::errors::kRuntime, "Map state input must be an array but was: " + dump_compact(items_value) +
                                                 (m.items_path == "$" ? "" : " (ItemsPath '" + m.items_path + "')"));
  }
  // JSONata fields see the state input ($states.input); JSONPath ones the effective input.
  const json& field_input = m.jsonata ? call->input : effective;
  auto max_conc = resolve_max_concurrency(m, field_input, context, vars);
  std::optional<std::int64_t> tol_count = resolve_count(m, field_input, context, vars);
  std::optional<double> tol_pct = resolve_percentage(m, field_input, context, vars);

  // Item inputs: ItemSelector (or legacy Parameters) sees the Map's effective input and $$.Map.Item.
  auto items = std::make_shared<std::vector<json>>();
  items->reserve(items_value.size());
  for (std::size_t i = 0; i < items_value.size(); ++i) {
    if (m.item_selector || m.item_selector_expr) {
      json ctx = context.is_null() ? json::object() : context;
      ctx["Map"] = json{{"Item", {{"Index", i}, {"Value", items_value[i]}}}};
      if (m.item_selector_expr) {
        items->push_back(m.item_selector_expr->evaluate(asl::EvalEnv{call->input, ctx, vars}));
      } else {
        items->push_back(asl::evaluate_payload_template(*m.item_selector, effective, ctx, vars));
      }
    } else {
      items->push_back(std::move(items_value[i]));
    }
  }
  if (m.item_batcher) {
    const auto& b = *m.item_batcher;
    auto max_items = resolve_int(b.max_items_per_batch, b.max_items_per_batch_path, "MaxItemsPerBatchPath", effective,
                                 context, vars, b.max_items_per_batch_expr, call->input);
    auto max_bytes = resolve_int(b.max_input_bytes_per_batch, b.max_input_bytes_per_batch_path,
                                 "MaxInputBytesPerBatchPath", effective, context, vars,
                                 b.max_input_bytes_per_batch_expr, call->input);
    json batch_input = b.batch_input_expr ? b.batch_input_expr->evaluate(asl::EvalEnv{call->input, context, vars})
                       : b.batch_input    ? asl::evaluate_payload_template(*b.batch_input, effective, context, vars)
                                          : json();
    const bool has_batch_input = b.batch_input || b.batch_input_expr;
    auto batches = std::make_shared<std::vector<json>>();
    json current = json::array();
    std::size_t bytes = 0;
    auto flush = [&] {
      if (current.empty()) return;
      json batch = json::object();
      if (has_batch_input) batch["BatchInput"] = batch_input;
      batch["Items"] = std::move(current);
      batches->push_back(std::move(batch));
      current = json::array();
      bytes = 0;
    };
    for (auto& item : *items) {
      const std::size_t size = max_bytes ? dump_compact(item).size() : 0;
      if (!current.empty() && ((max_items && static_cast<std::int64_t>(current.size()) >= *max_items) ||
                               (max_bytes && static_cast<std::int64_t>(bytes + size) > *max_bytes))) {
        flush();
      }
      bytes += size;
      current.push_back(std::move(item));
    }
    flush();
    items = batches;
  }

  const std::size_t n = items->size();
  const auto started_id = exec.history.enabled() ? call->record("MapStateStarted", json{{"length", n}}) : call->record("");
  auto names = std::make_shared<map_io::MapRunNames>(
      map_io::make_map_run_names(exec.execution_arn, m.label.empty() ? m.name : m.label, exec.uuid()));
  if (distributed && exec.history.enabled()) call->record("MapRunStarted", json{{"mapRunArn", names->map_run_arn}});
  if (distributed && exec.observer) {
    MapRunInfo info;
    info.map_run_arn = names->map_run_arn;
    info.state_name = m.name;
    info.total = items->size();
    info.max_concurrency = max_conc && *max_conc > 0 ? static_cast<std::size_t>(*max_conc) : 0;
    info.tolerated_failure_count = tol_count;
    info.tolerated_failure_percentage = tol_pct;
    exec.observer->map_run_started(info);
  }
  auto fan = std::make_shared<Fanout>();
  fan->results.resize(n);
  fan->succeeded.assign(n, 0);
  const bool writer = m.result_writer.has_value();
  if (writer) {
    fan->records.resize(n);
    for (std::size_t i = 0; i < n; ++i) fan->records[i].input = (*items)[i];  // PENDING entries show theirs too
  }
  // ResultWriter Parameters resolve against the Map's effective input, before any child runs.
  json writer_params = writer && m.result_writer->exports
                           ? asl::evaluate_payload_template(m.result_writer->parameters, effective, context)
                           : json();
  const std::size_t limit = max_conc && *max_conc > 0 ? static_cast<std::size_t>(*max_conc) : n;
  const bool tolerant = distributed && (tol_count || tol_pct);

  auto finish_ok = [call, fan, distributed, done, names, writer_params] {
    const auto& ms = static_cast<const asl::MapState&>(*call->state);
    json out = json::array();
    if (ms.result_writer) {
      try {
        out = ms.result_writer->exports ? map_io::export_results(fan->records, *ms.result_writer, writer_params, *names,
                                                                 call->exec().stores)
                                        : map_io::transform_results(fan->records, *ms.result_writer, *names);
      } catch (const StatesError& e) {
        if (call->exec().history.enabled()) {
          call->record("MapRunFailed", json{{"error", e.name()}, {"cause", e.cause()}});
          call->record("MapStateFailed");
        }
        done(false, nullptr, Failure{e.name(), e.cause()});
        return;
      }
    } else {
      for (std::size_t i = 0; i < fan->results.size(); ++i) {
        if (fan->succeeded[i]) out.push_back(std::move(fan->results[i]));
      }
    }
    if (distributed && call->exec().observer) call->exec().observer->map_run_finished(names->map_run_arn, "SUCCEEDED");
    if (call->exec().history.enabled()) {
      if (distributed) call->record("MapRunSucceeded");
      call->record("MapStateSucceeded");
    }
    done(true, std::move(out), {});
  };
  // On failure an exporting ResultWriter still writes what the Map Run did (FAILED, PENDING, …);
  // the Map fails with the original error.
  auto finish_fail = [call, distributed, done, names, writer_params](
                         Failure f, std::shared_ptr<std::vector<map_io::ChildRecord>> records) {
    const auto& ms = static_cast<const asl::MapState&>(*call->state);
    if (ms.result_writer && ms.result_writer->exports && records) {
      try {
        map_io::export_results(*records, *ms.result_writer, writer_params, *names, call->exec().stores);
      } catch (const StatesError& e) {
        call->exec().note_child_failure("Map state '" + ms.name + "': results not written: " + e.cause());
      }
    }
    if (distributed && call->exec().observer) call->exec().observer->map_run_finished(names->map_run_arn, "FAILED");
    if (call->exec().history.enabled()) {
      if (distributed) call->record("MapRunFailed", json{{"error", f.error.value_or("")}, {"cause", f.cause.value_or("")}});
      call->record("MapStateFailed");
    }
    done(false, nullptr, std::move(f));
  };
  if (n == 0) {
    finish_ok();
    return;
  }

  // launch() starts children while under the concurrency limit. Called with fan->mu held.
  auto launch = std::make_shared<std::function<void()>>();
  *launch = [call, fan, items, limit, started_id, launch_weak = std::weak_ptr<std::function<void()>>(launch), n,
             tolerant, tol_count, tol_pct, finish_ok, finish_fail, names]() {
    const auto& ms = static_cast<const asl::MapState&>(*call->state);
    while (!fan->closed && fan->running < limit && fan->next < n) {
      const std::size_t index = fan->next++;
      fan->running++;
      auto& ex = call->exec();
      std::int64_t iter_id = started_id;
      const bool inline_map = ms.mode == asl::MapMode::kInline;
      if (ex.history.enabled() && inline_map) {
        iter_id = ex.history.add("MapIterationStarted", started_id, json{{"name", ms.name}, {"index", index}});
      } else if (inline_map) {
        iter_id = ex.history.add("", started_id);  // keeps event ids as AWS numbers them
      }
      auto cancel = call->run->cancel_flags();
      cancel.push_back(fan->cancel);
      auto launch_ref = launch_weak.lock();
      if (!fan->records.empty()) {
        auto& rec = fan->records[index];
        rec.name = ex.uuid();
        rec.start = ex.scheduler.clock().now();
      }
      // Resuming: a child that succeeded before is not run again; its result completes it.
      std::optional<json> cached;
      if (!inline_map && ex.observer) cached = ex.observer->completed_child(ms.name, index);
      auto child = std::make_shared<MachineRun>(
          call->run->exec_ptr(), *ms.processor, cached ? json(nullptr) : std::move((*items)[index]), iter_id,
          std::move(cancel),
          [call, fan, index, launch_ref, n, tolerant, tol_count, tol_pct, finish_ok, finish_fail, names](RunOutcome o) {
            std::unique_lock lock(fan->mu);
            auto& st0 = static_cast<const asl::MapState&>(*call->state);
            // A child that succeeded counts for a later redrive or resume even when the Map already ended.
            if (st0.mode == asl::MapMode::kDistributed && call->exec().observer) {
              call->exec().observer->map_child_finished(names->map_run_arn, st0.name, index, o.ok,
                                                        o.ok ? o.output : json());
            }
            if (fan->closed) return;
            fan->running--;
            fan->finished++;
            auto& ex = call->exec();
            const auto& st = static_cast<const asl::MapState&>(*call->state);
            const bool record = ex.history.enabled() && st.mode == asl::MapMode::kInline;
            if (!fan->records.empty()) {
              auto& rec = fan->records[index];
              rec.stop = ex.scheduler.clock().now();
              rec.status = o.ok ? map_io::ChildRecord::Status::kSucceeded : map_io::ChildRecord::Status::kFailed;
              if (o.ok) {
                rec.output = o.output;
              } else {
                rec.error = o.failure.error;
                rec.cause = o.failure.cause;
              }
            }
            if (o.ok) {
              fan->results[index] = std::move(o.output);
              fan->succeeded[index] = 1;
              if (record) {
                ex.history.add("MapIterationSucceeded", call->run->last_event_id(), json{{"name", st.name}, {"index", index}});
              }
            } else {
              fan->failed++;
              if (st.mode == asl::MapMode::kDistributed) {
                ex.note_child_failure(fmt::format("Map state '{}' item {}: {}: {}", st.name, index,
                                                  o.failure.error.value_or("(no error)"),
                                                  o.failure.cause.value_or("(no cause)")));
              }
              if (record) {
                ex.history.add("MapIterationFailed", call->run->last_event_id(), json{{"name", st.name}, {"index", index}});
              }
              bool exceeded = true;
              if (tolerant) {
                const bool count_ok = !tol_count || static_cast<std::int64_t>(fan->failed) <= *tol_count;
                const bool pct_ok = !tol_pct || 100.0 * static_cast<double>(fan->failed) / static_cast<double>(n) <= *tol_pct;
                exceeded = !(count_ok && pct_ok);
              }
              if (exceeded) {
                fan->closed = true;
                fan->cancel->store(true);
                auto records = fan->records.empty() ? nullptr : records_at_end(*fan, ex.scheduler.clock().now());
                lock.unlock();
                if (st.mode == asl::MapMode::kDistributed) {
                  finish_fail(Failure{std::string(asl::errors::kExceedToleratedFailureThreshold),
                                      "The specified tolerated failure threshold was exceeded"},
                              std::move(records));
                } else {
                  finish_fail(std::move(o.failure), std::move(records));
                }
                return;
              }
            }
            if (fan->finished == n) {
              fan->closed = true;
              lock.unlock();
              finish_ok();
              return;
            }
            (*launch_ref)();
          },
          /*own_history=*/!inline_map, call->vars);
      if (cached) {
        ex.post([child, out = std::move(*cached)]() mutable { child->complete_with(std::move(out)); });
        continue;
      }
      child->start();
    }
  };
  std::lock_guard lock(fan->mu);
  (*launch)();
}

void parallel_body(const CallPtr& call, const json& effective, const json&, BodyDone done) {
  const auto& p = static_cast<const asl::ParallelState&>(*call->state);
  auto& exec = call->exec();
  const auto started_id = exec.history.enabled() ? call->record("ParallelStateStarted") : call->record("");
  const std::size_t n = p.branches.size();
  auto fan = std::make_shared<Fanout>();
  fan->results.resize(n);
  std::lock_guard lock(fan->mu);
  for (std::size_t i = 0; i < n; ++i) {
    auto cancel = call->run->cancel_flags();
    cancel.push_back(fan->cancel);
    auto child = std::make_shared<MachineRun>(
        call->run->exec_ptr(), *p.branches[i], effective, started_id, std::move(cancel),
        [call, fan, i, n, done](RunOutcome o) {
          std::unique_lock lk(fan->mu);
          if (fan->closed) return;
          if (!o.ok) {
            fan->closed = true;
            fan->cancel->store(true);
            lk.unlock();
            if (call->exec().history.enabled()) call->record("ParallelStateFailed");
            done(false, nullptr, std::move(o.failure));
            return;
          }
          fan->results[i] = std::move(o.output);
          if (++fan->finished == n) {
            fan->closed = true;
            json out = json::array();
            for (auto& r : fan->results) out.push_back(std::move(r));
            lk.unlock();
            if (call->exec().history.enabled()) call->record("ParallelStateSucceeded");
            done(true, std::move(out), {});
          }
        },
        /*own_history=*/false, call->vars);
    child->start();
  }
}

}  // namespace cosmicai::engine
