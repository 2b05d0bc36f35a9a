#include "asl/states/map.hpp"

#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
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
  b.max_items_per_batch_expr = jsonata_field(v, p, "MaxItemsPerBatch", ctx);
  b.max_input_bytes_per_batch_expr = jsonata_field(v, p, "MaxInputBytesPerBatch", ctx);
  if (ctx.jsonata) {
    if (auto it = v.find("BatchInput"); it != v.end()) {
      b.batch_input_expr = JsonataValue::compile(*it, "ItemBatcher/BatchInput", p + "/BatchInput", {}, ctx);
    }
  }
  if (!b.max_items_per_batch_expr) b.max_items_per_batch = ctx.get_int(v, p, "MaxItemsPerBatch", true);
  b.max_items_per_batch_path = ctx.get_path(v, p, "MaxItemsPerBatchPath");
  if (!b.max_input_bytes_per_batch_expr) {
    b.max_input_bytes_per_batch = ctx.get_int(v, p, "MaxInputBytesPerBatch", true, 262144);
  }
  b.max_input_bytes_per_batch_path = ctx.get_path(v, p, "MaxInputBytesPerBatchPath");
  if (auto it = v.find("BatchInput"); it != v.end() && !ctx.jsonata) {
    validate_payload_template(*it, p + "/BatchInput", ctx.errors());
    b.batch_input = *it;
  }
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
    s->max_concurrency_expr = jsonata_field(obj, pointer, "MaxConcurrency", ctx);
    s->tolerated_failure_percentage_expr = jsonata_field(obj, pointer, "ToleratedFailurePercentage", ctx);
    s->tolerated_failure_count_expr = jsonata_field(obj, pointer, "ToleratedFailureCount", ctx);
  }
  if (auto p = ctx.get_path(obj, pointer, "ItemsPath")) {
    if (!is_definite_path(*p)) ctx.error(pointer + "/ItemsPath", "must be a reference path, got '" + *p + "'");
    s->items_path = *p;
  }
  if (auto it = obj.find("ItemSelector"); it != obj.end() && jsonata) {
    // compiled above
  } else if (it != obj.end()) {
    if (!it->is_object()) ctx.error(pointer + "/ItemSelector", "must be an object, got " + describe(*it));
    validate_payload_template(*it, pointer + "/ItemSelector", ctx.errors());
    s->item_selector = *it;
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
  if (!s->max_concurrency_expr) s->max_concurrency = ctx.get_int(obj, pointer, "MaxConcurrency", false);
  s->max_concurrency_path = ctx.get_path(obj, pointer, "MaxConcurrencyPath");
  if (auto it = obj.find("ToleratedFailurePercentage"); it != obj.end() && !s->tolerated_failure_percentage_expr) {
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 100) {
      ctx.error(pointer + "/ToleratedFailurePercentage", "must be a number between 0 and 100, got " + describe(*it));
    } else {
      s->tolerated_failure_percentage = it->get<double>();
    }
  }
  s->tolerated_failure_percentage_path = ctx.get_path(obj, pointer, "ToleratedFailurePercentagePath");
  if (!s->tolerated_failure_count_expr) {
    s->tolerated_failure_count = ctx.get_int(obj, pointer, "ToleratedFailureCount", false);
  }
  s->tolerated_failure_count_path = ctx.get_path(obj, pointer, "ToleratedFailureCountPath");
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
  auto exclusive = [&](const char* a, const char* b) {
    if (obj.contains(a) && obj.contains(b)) ctx.error(pointer, std::string(a) + " and " + b + " are mutually exclusive");
  };
  exclusive("MaxConcurrency", "MaxConcurrencyPath");
  exclusive("ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
  exclusive("ToleratedFailureCount", "ToleratedFailureCountPath");
  if (s->mode == MapMode::kInline) {
    // AWS accepts ToleratedFailure* on an INLINE Map (recorded: LocalStack's evaluate_jsonata base_map
    // cases); an inline Map still fails on its first failed iteration.
    for (const char* k : {"Label", "ItemBatcher", "ItemReader", "ResultWriter"}) {
      if (obj.contains(k)) ctx.error(pointer + "/" + k, "is only allowed in a DISTRIBUTED Map");
    }
  }
  return s;
}

}  // namespace cosmicai::asl
