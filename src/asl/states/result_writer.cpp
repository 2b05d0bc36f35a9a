#include "asl/states/result_writer.hpp"

#include "asl/path/payload_template.hpp"

namespace cosmicai::asl {

std::optional<ResultWriter> ResultWriter::from_json(const json& v, const std::string& p, ParseContext& ctx) {
  if (!v.is_object()) {
    ctx.error(p, "must be an object, got " + describe(v));
    return std::nullopt;
  }
  const auto before = ctx.error_count();
  ctx.check_fields(v, p, {"Resource", "Parameters", "Arguments", "WriterConfig"});
  ResultWriter w;
  const char* field = ctx.jsonata ? "Arguments" : "Parameters";
  const bool has_resource = v.contains("Resource");
  const bool has_parameters = v.contains(field);
  if (auto res = ctx.get_string(v, p, "Resource")) {
    if (*res != "arn:aws:states:::s3:putObject") {
      ctx.error(p + "/Resource", "must be arn:aws:states:::s3:putObject, got \"" + *res + "\"");
    }
  }
  if (auto it = v.find(field); it != v.end()) {
    const std::string fp = p + "/" + field;
    if (ctx.jsonata) {
      // (JSONata Arguments may compute the whole object, so only their literal object form is checked.)
      if (!it->is_object() && !(it->is_string() && is_jsonata_string(it->get_ref<const std::string&>()))) {
        ctx.error(fp, "must be an object or a JSONata expression, got " + describe(*it));
      } else if (it->is_object() && !it->contains("Bucket")) {
        ctx.error(fp, "missing required field 'Bucket'");
      }
      w.arguments = JsonataValue::compile(*it, "Arguments", fp, {}, ctx);
    } else if (!it->is_object()) {
      ctx.error(fp, "must be an object, got " + describe(*it));
    } else {
      w.parameters = PayloadTemplate::compile(*it, fp, ctx.errors());
      if (!it->contains("Bucket") && !it->contains("Bucket.$")) ctx.error(fp, "missing required field 'Bucket'");
    }
  }
  // "The ResultWriter field cannot be empty. You must specify one of these sets of sub-fields":
  // WriterConfig; Resource and Parameters (Arguments in JSONata); or all three.
  if (has_resource != has_parameters) ctx.error(p, std::string("Resource and ") + field + " must be given together");
  if (!has_resource && !has_parameters && !v.contains("WriterConfig")) {
    ctx.error(p, std::string("must set Resource and ") + field + ", WriterConfig, or all three");
  }
  w.exports = has_resource && has_parameters;
  w.transformation = w.exports ? ResultTransformation::kNone : ResultTransformation::kCompact;
  if (auto it = v.find("WriterConfig"); it != v.end()) {
    const std::string cp = p + "/WriterConfig";
    w.has_writer_config = true;
    if (!it->is_object()) {
      ctx.error(cp, "must be an object, got " + describe(*it));
    } else {
      ctx.check_fields(*it, cp, {"Transformation", "OutputType"});
      if (auto t = ctx.get_string(*it, cp, "Transformation")) {
        if (*t == "NONE")
          w.transformation = ResultTransformation::kNone;
        else if (*t == "COMPACT")
          w.transformation = ResultTransformation::kCompact;
        else if (*t == "FLATTEN")
          w.transformation = ResultTransformation::kFlatten;
        else
          ctx.error(cp + "/Transformation", "must be NONE, COMPACT or FLATTEN, got \"" + *t + "\"");
      }
      if (auto o = ctx.get_string(*it, cp, "OutputType")) {
        if (*o == "JSON")
          w.output_type = ResultOutputType::kJson;
        else if (*o == "JSONL")
          w.output_type = ResultOutputType::kJsonl;
        else
          ctx.error(cp + "/OutputType", "must be JSON or JSONL, got \"" + *o + "\"");
      }
      if (it->contains("OutputType") && !w.exports) {
        ctx.error(cp + "/OutputType",
                  std::string("needs Resource and ") + field + " (OutputType formats the exported files)");
      }
    }
  }
  if (ctx.error_count() != before) return std::nullopt;
  return w;
}

json ResultWriter::arguments_of(const EvalEnv& env, const json& effective) const {
  return arguments ? arguments->evaluate(env) : parameters.evaluate(effective, env.context, env.vars);
}

}  // namespace cosmicai::asl
