#include "asl/states/item_reader.hpp"

#include "asl/path/payload_template.hpp"

namespace cosmicai::asl {

namespace {

std::optional<ItemInputType> input_type_from(std::string_view s) {
  if (s == "JSON") return ItemInputType::kJson;
  if (s == "JSONL") return ItemInputType::kJsonl;
  if (s == "CSV") return ItemInputType::kCsv;
  if (s == "MANIFEST") return ItemInputType::kManifest;
  if (s == "PARQUET") return ItemInputType::kParquet;
  return std::nullopt;
}

std::optional<char> delimiter_from(std::string_view s) {
  if (s == "COMMA") return ',';
  if (s == "PIPE") return '|';
  if (s == "SEMICOLON") return ';';
  if (s == "SPACE") return ' ';
  if (s == "TAB") return '\t';
  return std::nullopt;
}

void parse_reader_config(const json& cfg, const std::string& cp, ItemReader& r, ParseContext& ctx) {
  if (!cfg.is_object()) {
    ctx.error(cp, "must be an object, got " + describe(cfg));
    return;
  }
  ctx.check_fields(cfg, cp,
                   {"InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter", "MaxItems", "MaxItemsPath"});
  if (auto t = ctx.get_string(cfg, cp, "InputType")) {
    if (auto it = input_type_from(*t)) {
      r.input_type = *it;
    } else {
      ctx.error(cp + "/InputType", "must be one of CSV, JSON, JSONL, MANIFEST, PARQUET, got \"" + *t + "\"");
    }
  }
  if (auto h = ctx.get_string(cfg, cp, "CSVHeaderLocation")) {
    if (*h == "FIRST_ROW")
      r.csv_header_location = CsvHeaderLocation::kFirstRow;
    else if (*h == "GIVEN")
      r.csv_header_location = CsvHeaderLocation::kGiven;
    else
      ctx.error(cp + "/CSVHeaderLocation", "must be \"FIRST_ROW\" or \"GIVEN\", got \"" + *h + "\"");
  }
  if (auto it = cfg.find("CSVHeaders"); it != cfg.end()) {
    if (!it->is_array() || it->empty()) {
      ctx.error(cp + "/CSVHeaders", "must be a non-empty array of strings, got " + describe(*it));
    } else {
      for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string()) {
          ctx.error(cp + "/CSVHeaders/" + std::to_string(i), "must be a string, got " + describe((*it)[i]));
        } else {
          r.csv_headers.push_back((*it)[i].get<std::string>());
        }
      }
    }
  }
  if (auto d = ctx.get_string(cfg, cp, "CSVDelimiter")) {
    if (auto c = delimiter_from(*d))
      r.csv_delimiter = *c;
    else
      ctx.error(cp + "/CSVDelimiter", "must be one of COMMA, PIPE, SEMICOLON, SPACE, TAB, got \"" + *d + "\"");
  }
  r.max_items = LiteralOrPath::parse(cfg, cp, "MaxItems", "MaxItemsPath", ctx, [&]() {
    auto n = ctx.get_int(cfg, cp, "MaxItems", false, kMaxItemsLimit);
    return n ? std::optional<json>(*n) : std::nullopt;
  });
  const bool csv = r.input_type == ItemInputType::kCsv;
  if (!csv && (cfg.contains("CSVHeaderLocation") || cfg.contains("CSVHeaders") || cfg.contains("CSVDelimiter"))) {
    ctx.error(cp, "CSVHeaderLocation, CSVHeaders and CSVDelimiter are only allowed with InputType CSV");
  }
  if (csv && !cfg.contains("CSVHeaderLocation"))
    ctx.error(cp, "InputType CSV needs 'CSVHeaderLocation' (FIRST_ROW or GIVEN)");
  if (csv && r.csv_header_location == CsvHeaderLocation::kGiven && !cfg.contains("CSVHeaders")) {
    ctx.error(cp, "CSVHeaderLocation GIVEN needs 'CSVHeaders'");
  }
  if (csv && r.csv_header_location == CsvHeaderLocation::kFirstRow && cfg.contains("CSVHeaders")) {
    ctx.error(cp + "/CSVHeaders", "is only allowed with CSVHeaderLocation GIVEN");
  }
}

}  // namespace

std::optional<ItemReader> ItemReader::from_json(const json& v, const std::string& p, ParseContext& ctx) {
  if (!v.is_object()) {
    ctx.error(p, "must be an object, got " + describe(v));
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  ctx.check_fields(v, p, {"Resource", "Parameters", "Arguments", "ReaderConfig"});
  ItemReader r;
  if (auto res = ctx.get_string(v, p, "Resource")) {
    r.resource_arn = *res;
    if (*res == "arn:aws:states:::s3:listObjectsV2") {
      r.resource = ItemReaderResource::kListObjectsV2;
    } else if (*res == "arn:aws:states:::s3:getObject") {
      r.resource = ItemReaderResource::kGetObject;
    } else {
      ctx.error(p + "/Resource",
                "must be arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2, got \"" + *res + "\"");
    }
  } else if (!v.contains("Resource")) {
    ctx.error(p, "missing required field 'Resource'");
  }
  const char* field = ctx.jsonata ? "Arguments" : "Parameters";
  if (auto it = v.find(field); it != v.end()) {
    if (ctx.jsonata) {
      if (!it->is_object() && !(it->is_string() && is_jsonata_string(it->get_ref<const std::string&>()))) {
        ctx.error(p + "/Arguments", "must be an object or a JSONata expression, got " + describe(*it));
      }
      r.arguments = JsonataValue::compile(*it, "Arguments", p + "/Arguments", {}, ctx);
    } else {
      if (!it->is_object()) ctx.error(p + "/Parameters", "must be an object, got " + describe(*it));
      r.parameters = PayloadTemplate::compile(*it, p + "/Parameters", ctx.errors());
    }
  } else if (!v.contains("Parameters") && !v.contains("Arguments")) {
    ctx.error(p, std::string("missing required field '") + field + "' (the bucket and key or prefix)");
  }
  if (auto it = v.find("ReaderConfig"); it != v.end()) parse_reader_config(*it, p + "/ReaderConfig", r, ctx);
  if (r.resource == ItemReaderResource::kGetObject && r.input_type == ItemInputType::kNone && !r.resource_arn.empty()) {
    ctx.error(p, "arn:aws:states:::s3:getObject needs 'ReaderConfig' with 'InputType'");
  }
  if (r.resource == ItemReaderResource::kListObjectsV2 && r.input_type != ItemInputType::kNone) {
    ctx.error(p + "/ReaderConfig/InputType", "is not allowed with arn:aws:states:::s3:listObjectsV2");
  }
  // (JSONata Arguments may compute the whole object, so only their literal object form is checked.)
  if (auto it = v.find(field); it != v.end() && it->is_object()) {
    auto has = [&](const char* k) { return it->contains(k) || (!ctx.jsonata && it->contains(std::string(k) + ".$")); };
    const std::string fp = p + "/" + field;
    if (!has("Bucket")) ctx.error(fp, "missing required field 'Bucket'");
    if (r.resource == ItemReaderResource::kGetObject && !has("Key")) ctx.error(fp, "missing required field 'Key'");
  }
  if (ctx.error_count() != before) return std::nullopt;
  return r;
}

namespace {

std::int64_t max_items_path(const std::optional<json>& value, const LiteralOrPath& field, const json& input,
                            const EvalEnv& env) {
  const json v = value ? *value : field.path_query(input, env.context, env.vars);  // the latter throws
  if (!v.is_number_integer()) {
    throw StatesError(errors::kItemReaderFailed, "The MaxItemsPath field refers to value '" +
                                                     (v.is_string() ? v.get<std::string>() : dump_compact(v)) +
                                                     "' which is not a valid integer: " + field.path_text());
  }
  if (v.get<std::int64_t>() < 0) throw StatesError(errors::kItemReaderFailed, "field MaxItems must be positive");
  return v.get<std::int64_t>();
}

}  // namespace

json ItemReader::arguments_of(const EvalEnv& env, const json& effective) const {
  return arguments ? arguments->evaluate(env) : parameters.evaluate(effective, env.context, env.vars);
}

std::size_t ItemReader::item_limit(const EvalEnv& env, const json& effective) const {
  std::int64_t v = max_items.integer(env, effective, 0, max_items_path).value_or(0);
  if (v == 0 || v > kMaxItemsLimit) v = kMaxItemsLimit;
  return static_cast<std::size_t>(v);
}

}  // namespace cosmicai::asl
