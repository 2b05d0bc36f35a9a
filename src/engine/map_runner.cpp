// Map states (INLINE and DISTRIBUTED with inline items) and Parallel states: child runs
// on the worker pool, results in item/branch order.
#include <cmath>

#include <fmt/format.h>

#include "engine/map_io/item_reader.hpp"
#include "engine/map_io/result_writer.hpp"
#include "engine/runtime.hpp"

namespace cosmicai::engine {

using asl::StatesError;

namespace {

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

void map_body(const CallPtr& call, const json& effective, const asl::ContextRef& context, BodyDone done) {
  const auto& m = static_cast<const asl::MapState&>(*call->state);
  auto& exec = call->exec();
  const asl::Variables* vars = call->vars.get();
  const bool distributed = m.mode == asl::MapMode::kDistributed;
  // Every field resolves through the state (asl/states/map.hpp): JSONata sees the state input as
  // $states.input, JSONPath the effective input.
  const asl::EvalEnv env{call->input, context, vars};
  json items_value;
  if (m.item_reader) {
    items_value = json::array();
    for (auto& item : map_io::read_items(*m.item_reader, env, effective, exec.stores)) {
      items_value.push_back(std::move(item));
    }
  } else {
    items_value = m.items_of(env, effective);
  }
  const asl::MapLimits limits = m.limits(env, effective);
  const auto& max_conc = limits.max_concurrency;
  const auto& tol_count = limits.tolerated_failure_count;
  const auto& tol_pct = limits.tolerated_failure_percentage;

  // Item inputs: ItemSelector (or legacy Parameters) sees the Map's effective input and $$.Map.Item.
  auto items = std::make_shared<std::vector<json>>();
  items->reserve(items_value.size());
  // The state's context (a view: the execution input is not copied) with its Map member set per item.
  json map_part;
  asl::ContextRef item_ctx = context;
  if (m.has_item_selector()) item_ctx.set("Map", map_part);
  for (std::size_t i = 0; i < items_value.size(); ++i) {
    if (m.has_item_selector()) {
      map_part = json{{"Item", {{"Index", i}, {"Value", items_value[i]}}}};
      items->push_back(m.select_item(env, effective, item_ctx));
    } else {
      items->push_back(std::move(items_value[i]));
    }
  }
  if (m.item_batcher) {
    const asl::Batching batching = m.batching(env, effective);
    const auto& max_items = batching.max_items;
    const auto& max_bytes = batching.max_bytes;
    const json batch_input = batching.batch_input.value_or(json());
    const bool has_batch_input = batching.batch_input.has_value();
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
  const auto started_id = call->run->history().enabled() ? call->record("MapStateStarted", json{{"length", n}}) : call->record("");
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
  // ResultWriter Parameters/Arguments resolve against the Map's input, before any child runs.
  json writer_params = writer && m.result_writer->exports ? m.result_writer->arguments_of(env, effective) : json();
  const std::size_t limit = max_conc && *max_conc > 0 ? static_cast<std::size_t>(*max_conc) : n;
  const bool tolerant = distributed && (tol_count || tol_pct);

  auto finish_ok_fn = [call, fan, distributed, done, names, writer_params] {
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
  auto finish_fail_fn = [call, distributed, done, names, writer_params](
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
  // Shared by every child's completion (one copy, not one per child).
  using FinishFail = std::function<void(Failure, std::shared_ptr<std::vector<map_io::ChildRecord>>)>;
  auto finish_ok = std::make_shared<const std::function<void()>>(std::move(finish_ok_fn));
  auto finish_fail = std::make_shared<const FinishFail>(std::move(finish_fail_fn));
  if (n == 0) {
    (*finish_ok)();
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
                  (*finish_fail)(Failure{std::string(asl::errors::kExceedToleratedFailureThreshold),
                                      "The specified tolerated failure threshold was exceeded"},
                              std::move(records));
                } else {
                  (*finish_fail)(std::move(o.failure), std::move(records));
                }
                return;
              }
            }
            if (fan->finished == n) {
              fan->closed = true;
              lock.unlock();
              (*finish_ok)();
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

void parallel_body(const CallPtr& call, const json& effective, const asl::ContextRef&, BodyDone done) {
  const auto& p = static_cast<const asl::ParallelState&>(*call->state);
  const auto started_id = call->run->history().enabled() ? call->record("ParallelStateStarted") : call->record("");
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
