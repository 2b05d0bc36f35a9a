#pragma once
/// ResultWriter of a Distributed Map: export child execution results to S3 and/or reshape them.
#include <optional>
#include <string>

#include "asl/parse_context.hpp"
#include "asl/path/payload_template.hpp"
#include "asl/query/jsonata_field.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// WriterConfig.Transformation.
enum class ResultTransformation {
  kNone,     ///< the child executions' metadata with their input and output
  kCompact,  ///< the child executions' outputs
  kFlatten,  ///< the outputs, with array outputs flattened into the list
};

/// WriterConfig.OutputType.
enum class ResultOutputType { kJson, kJsonl };

/// "The ResultWriter field is a JSON object that provides options for the output results of the
/// child workflow executions started by a Distributed Map state." Immutable after parsing.
struct ResultWriter {
  bool exports = false;                   ///< Resource arn:aws:states:::s3:putObject with Parameters/Arguments given
  PayloadTemplate parameters;             ///< JSONPath Parameters: Bucket, Prefix (".$" keys allowed), compiled
  std::optional<JsonataValue> arguments;  ///< JSONata Arguments: the same fields, "{% %}" allowed, compiled
  bool has_writer_config = false;
  ResultTransformation transformation = ResultTransformation::kNone;
  ResultOutputType output_type = ResultOutputType::kJson;

  /// Parse a ResultWriter object at `pointer`; problems go to `ctx`.
  static std::optional<ResultWriter> from_json(const json& v, const std::string& pointer, ParseContext& ctx);

  /// The Bucket/Prefix object of an export: JSONata Arguments evaluated in `env`, or JSONPath
  /// Parameters on `effective`. Throws StatesError as the field's evaluation does.
  json arguments_of(const EvalEnv& env, const json& effective) const;
};

}  // namespace cosmicai::asl
