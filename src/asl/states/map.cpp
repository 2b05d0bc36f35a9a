#include "asl/states/map.hpp"

#include <charconv>

#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
#include "asl/policy/timeouts.hpp"
#include "asl/state_machine.hpp"

namespace cosmicai::asl {

namespace {

std::optional<ItemBatcher> parse_batcher(const json& v, const std::string& p, ParseContext& ctx) {
  if (!v.is_object()) {
    ctx.error(p, "must be an object, got " + describe(v));
    return std::nullopt;
  }
  ctx.check_fields(v, p,
                   {"MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath",
                    "BatchInput"});
  ItemBatcher b;
  if (ctx.jsonata) {
    if (auto it = v.find("BatchInput"); it != v.end()) {
      b.batch_input_expr = JsonataValue::compile(*it, "ItemBatcher/BatchInput", p + "/BatchInput", {}, ctx);
    }
  } else if (auto it = v.find("BatchInput"); it != v.end()) {
    b.batch_input = PayloadTemplate::compile(*it, p + "/BatchInput", ctx.errors());
  }
  b.max_items_per_batch = LiteralOrPath::parse(v, p, "MaxItemsPerBatch", "MaxItemsPerBatchPath", ctx, [&]() {
    auto n = ctx.get_int(v, p, "MaxItemsPerBatch", true);
    return n ? std::optional<json>(*n) : std::nullopt;
  }, false, false);
  b.max_input_bytes_per_batch =
      LiteralOrPath::parse(v, p, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath", ctx, [&]() {
        auto n = ctx.get_int(v, p, "MaxInputBytesPerBatch", true, 262144);
        return n ? std::optional<json>(*n) : std::nullopt;
      }, false, false);
  if (!v.contains("MaxItemsPerBatch") && !v.contains("MaxItemsPerBatchPath") && !v.contains("MaxInputBytesPerBatch") &&
      !v.contains("MaxInputBytesPerBatchPath")) {
    ctx.error(p, "must set MaxItemsPerBatch(Path) or MaxInputBytesPerBatch(Path)");
  }
  return b;
}

}  // namespace

std::unique_ptr<State> parse_map(const json& obj, const std::string& pointer, ParseContext& ctx) {
  auto s = std::make_unique<MapState>();
  s->type = StateType::kMap;
  s->pointer = pointer;
  ctx.check_fields(obj, pointer,
                   {"Type", "Comment", "QueryLanguage", "Next", "End", "InputPath", "OutputPath", "Parameters",
                    "ResultSelector", "ResultPath", "Retry", "Catch", "ItemProcessor", "Iterator", "ItemsPath",
                    "ItemSelector", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage",
                    "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label",
                    "ItemBatcher", "ItemReader", "ResultWriter", "Assign", "Output", "Items"});
  parse_common_fields(obj,
                      {.parameters = true, .result_path = true, .result_selector = true, .retry_catch = true,
                       .has_result = true},
                      *s, ctx);
  const bool jsonata = ctx.jsonata;
  if (jsonata) {
    if (auto it = obj.find("Items"); it != obj.end()) {
      if (!it->is_array() && !(it->is_string() && is_jsonata_string(it->get_ref<const std::string&>()))) {
        ctx.error(pointer + "/Items", "must be an array or a JSONata expression \"{% ... %}\", got " + describe(*it));
      } else {
        s->items = JsonataValue::compile(*it, "Items", pointer + "/Items", {}, ctx);
      }
    }
    if (auto it = obj.find("ItemSelector"); it != obj.end()) {
      s->item_selector_expr = JsonataValue::compile(*it, "ItemSelector", pointer + "/ItemSelector", {}, ctx);
    }
  }
  if (auto p = ctx.get_string(obj, pointer, "ItemsPath")) {
    std::string problem;
    auto path = JsonPath::compile(*p, problem);
    if (!path) ctx.error(pointer + "/ItemsPath", "invalid JSONPath '" + *p + "': " + problem);
    else if (!path->definite()) ctx.error(pointer + "/ItemsPath", "must be a reference path, got '" + *p + "'");
    else if (!path->is_root()) s->items_path = std::move(path);
  }
  if (auto it = obj.find("ItemSelector"); it != obj.end() && jsonata) {
    // compiled above
  } else if (it != obj.end()) {
    if (!it->is_object()) ctx.error(pointer + "/ItemSelector", "must be an object, got " + describe(*it));
    s->item_selector = PayloadTemplate::compile(*it, pointer + "/ItemSelector", ctx.errors());
    if (obj.contains("Parameters")) ctx.error(pointer, "ItemSelector and Parameters are mutually exclusive");
  } else if (s->flow.parameters) {
    s->item_selector = s->flow.parameters;  // legacy name of ItemSelector
  }
  const bool has_proc = obj.contains("ItemProcessor");
  const bool has_iter = obj.contains("Iterator");
  if (has_proc && has_iter) ctx.error(pointer, "ItemProcessor and Iterator are mutually exclusive");
  if (!has_proc && !has_iter) ctx.error(pointer, "missing required field 'ItemProcessor'");
  const char* proc_key = has_proc ? "ItemProcessor" : "Iterator";
  if (has_proc || has_iter) {
    const json& proc = obj[proc_key];
    const std::string pp = pointer + "/" + proc_key;
    s->processor = StateMachine::parse_sub(proc, pp, MachineKind::kItemProcessor, ctx);
    ctx.jsonata = jsonata;
    if (proc.is_object()) {
      if (auto cfg = proc.find("ProcessorConfig"); cfg != proc.end()) {
        const std::string cp = pp + "/ProcessorConfig";
        if (!cfg->is_object()) {
          ctx.error(cp, "must be an object, got " + describe(*cfg));
        } else {
          ctx.check_fields(*cfg, cp, {"Mode", "ExecutionType"});
          if (auto m = ctx.get_string(*cfg, cp, "Mode")) {
            if (*m == "DISTRIBUTED") s->mode = MapMode::kDistributed;
            else if (*m != "INLINE") ctx.error(cp + "/Mode", "must be \"INLINE\" or \"DISTRIBUTED\", got \"" + *m + "\"");
          }
          if (auto e = ctx.get_string(*cfg, cp, "ExecutionType")) {
            if (*e != "STANDARD" && *e != "EXPRESS") {
              ctx.error(cp + "/ExecutionType", "must be \"STANDARD\" or \"EXPRESS\", got \"" + *e + "\"");
            }
            s->execution_type = *e;
          }
          if (s->mode == MapMode::kDistributed && !cfg->contains("ExecutionType")) {
            ctx.error(cp, "a DISTRIBUTED processor needs 'ExecutionType' (STANDARD or EXPRESS)");
          }
        }
      }
    }
  }
  s->max_concurrency = LiteralOrPath::parse(obj, pointer, "MaxConcurrency", "MaxConcurrencyPath", ctx, [&]() {
    auto v = ctx.get_int(obj, pointer, "MaxConcurrency", false);
    return v ? std::optional<json>(*v) : std::nullopt;
  });
  s->tolerated_failure_percentage = LiteralOrPath::parse(
      obj, pointer, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", ctx, [&]() -> std::optional<json> {
        const json& v = obj["ToleratedFailurePercentage"];
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 100) {
          ctx.error(pointer + "/ToleratedFailurePercentage", "must be a number between 0 and 100, got " + describe(v));
          return std::nullopt;
        }
        return json(v.get<double>());
      });
  s->tolerated_failure_count =
      LiteralOrPath::parse(obj, pointer, "ToleratedFailureCount", "ToleratedFailureCountPath", ctx, [&]() {
        auto v = ctx.get_int(obj, pointer, "ToleratedFailureCount", false);
        return v ? std::optional<json>(*v) : std::nullopt;
      });
  if (auto l = ctx.get_string(obj, pointer, "Label")) {
    if (l->size() > 40) ctx.error(pointer + "/Label", "must be at most 40 characters long");
    s->label = *l;
  }
  if (auto it = obj.find("ItemBatcher"); it != obj.end()) s->item_batcher = parse_batcher(*it, pointer + "/ItemBatcher", ctx);
  if (auto it = obj.find("ItemReader"); it != obj.end()) {
    s->item_reader = ItemReader::from_json(*it, pointer + "/ItemReader", ctx);
  }
  if (auto it = obj.find("ResultWriter"); it != obj.end()) {
    s->result_writer = ResultWriter::from_json(*it, pointer + "/ResultWriter", ctx);
  }
  if (s->mode == MapMode::kInline) {
    // AWS accepts ToleratedFailure* on an INLINE Map (recorded: LocalStack's evaluate_jsonata base_map
    // cases); an inline Map still fails on its first failed iteration.
    for (const char* k : {"Label", "ItemBatcher", "ItemReader", "ResultWriter"}) {
      if (obj.contains(k)) ctx.error(pointer + "/" + k, "is only allowed in a DISTRIBUTED Map");
    }
  }
  return s;
}

namespace {

/// The value a MaxConcurrencyPath or ToleratedFailure*Path selects, with a string holding an integer
/// read as that integer (AWS's behaviour as LocalStack reproduces it against its recordings).
json limit_value(const std::optional<json>& value, const LiteralOrPath& field, const json& input, const EvalEnv& env) {
  json v = value ? *value : field.path_query(input, env.context, env.vars);  // the latter throws
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

// MaxConcurrencyPath: a non-negative integer (recorded: LocalStack test_max_concurrency_path).
std::int64_t max_concurrency_path(const std::optional<json>& value, const LiteralOrPath& field, const json& input, const EvalEnv& env) {
  const json v = limit_value(value, field, input, env);
  if (!v.is_number_integer()) {
    throw StatesError::bare(errors::kRuntime, "The MaxConcurrencyPath field refers to value \"" + quoted_value(v) +
                                                  "\" which is not a valid integer: " + field.path_text());
  }
  if (v.get<std::int64_t>() < 0) {
    throw StatesError::bare(errors::kRuntime, "Expected non-negative integer for MaxConcurrency, got '" +
                                                  dump_compact(v) + "' instead.");
  }
  return v.get<std::int64_t>();
}

// ToleratedFailureCountPath. Recorded on AWS (LocalStack test_map_state_tolerated_failure_count_path):
// a non-integer or negative value fails the execution with States.Runtime.
std::int64_t tolerated_count_path(const std::optional<json>& value, const LiteralOrPath& field, const json& input, const EvalEnv& env) {
  const json v = limit_value(value, field, input, env);
  if (!v.is_number_integer()) {
    throw StatesError::bare(errors::kRuntime, "The ToleratedFailureCountPath field refers to value \"" +
                                                  quoted_value(v) + "\" which is not a valid integer: " +
                                                  field.path_text());
  }
  if (v.get<std::int64_t>() < 0) throw StatesError::bare(errors::kRuntime, "ToleratedFailureCount cannot be negative.");
  return v.get<std::int64_t>();
}

// ToleratedFailurePercentagePath: a number from 0 to 100 (recorded: ..._percentage_path).
double tolerated_percentage_path(const std::optional<json>& value, const LiteralOrPath& field, const json& input, const EvalEnv& env) {
  const json v = limit_value(value, field, input, env);
  if (!v.is_number()) {
    throw StatesError::bare(errors::kRuntime, "The ToleratedFailurePercentagePath field refers to value \"" +
                                                  quoted_value(v) + "\" which is not a valid float: " +
                                                  field.path_text());
  }
  const double pct = v.get<double>();
  if (pct < 0 || pct > 100) {
    throw StatesError::bare(errors::kRuntime, "ToleratedFailurePercentage must be between 0 and 100.");
  }
  return pct;
}

}  // namespace

json MapState::items_of(const EvalEnv& env, const json& effective) const {
  json value;
  if (jsonata) {
    if (items) return items->evaluate_array(env);
    if (!effective.is_array()) {
      throw StatesError::query_evaluation("Items",
                        "Map state input must be an array but was: " + dump_compact(effective));
    }
    return effective;
  }
  value = items_path ? items_path->query(effective, env.context, env.vars) : effective;
  if (!value.is_array()) {
    throw StatesError(errors::kRuntime, "Map state input must be an array but was: " + dump_compact(value) +
                                            (items_path ? " (ItemsPath '" + items_path->text() + "')" : ""));
  }
  return value;
}

MapLimits MapState::limits(const EvalEnv& env, const json& effective) const {
  MapLimits l;
  l.max_concurrency = max_concurrency.integer(env, effective, 0, max_concurrency_path);
  l.tolerated_failure_count = tolerated_failure_count.integer(env, effective, 0, tolerated_count_path);
  l.tolerated_failure_percentage =
      tolerated_failure_percentage.number(env, effective, 0, 100, tolerated_percentage_path);
  return l;
}

json MapState::select_item(const EvalEnv& env, const json& effective, const ContextRef& item_context) const {
  if (item_selector_expr) return item_selector_expr->evaluate(EvalEnv{env.input, item_context, env.vars});
  if (item_selector) return item_selector->evaluate(effective, item_context, env.vars);
  const json* map = item_context.find("Map");
  return map ? map->at("Item").at("Value") : json();
}

Batching MapState::batching(const EvalEnv& env, const json& effective) const {
  Batching out;
  const ItemBatcher& b = *item_batcher;
  // JSONata limits must be positive integers (>= 1); paths non-negative as AWS reports them.
  out.max_items = b.max_items_per_batch.integer(env, effective, 1, non_negative_path);
  out.max_bytes = b.max_input_bytes_per_batch.integer(env, effective, 1, non_negative_path);
  if (b.batch_input_expr) out.batch_input = b.batch_input_expr->evaluate(env);
  else if (b.batch_input) out.batch_input = b.batch_input->evaluate(effective, env.context, env.vars);
  return out;
}

}  // namespace cosmicai::asl
