#pragma once
/// ItemReader of a Distributed Map: where the items come from (an S3 listing or an S3 object).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asl/parse_context.hpp"
#include "asl/query/literal_or_path.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// ItemReader.Resource.
enum class ItemReaderResource {
  kListObjectsV2,  ///< arn:aws:states:::s3:listObjectsV2 — one item per object record
  kGetObject,      ///< arn:aws:states:::s3:getObject — items parsed from one object (ReaderConfig.InputType)
};

/// ReaderConfig.InputType.
enum class ItemInputType { kNone, kJson, kJsonl, kCsv, kManifest, kParquet };

/// ReaderConfig.CSVHeaderLocation.
enum class CsvHeaderLocation { kFirstRow, kGiven };

/// "The ItemReader field is a JSON object, which specifies a dataset and its location."
/// Parsed and validated once; immutable.
struct ItemReader {
  ItemReaderResource resource = ItemReaderResource::kGetObject;
  std::string resource_arn;
  PayloadTemplate parameters;  ///< JSONPath Parameters: Bucket, Key / Prefix, … (".$" keys allowed), compiled
  std::optional<JsonataValue> arguments;  ///< JSONata Arguments: the same fields, "{% %}" allowed, compiled
  ItemInputType input_type = ItemInputType::kNone;
  CsvHeaderLocation csv_header_location = CsvHeaderLocation::kFirstRow;
  std::vector<std::string> csv_headers;  ///< GIVEN only
  char csv_delimiter = ',';              ///< COMMA, PIPE, SEMICOLON, SPACE, TAB
  LiteralOrPath max_items;               ///< MaxItems(Path); 0 or absent = no limit

  /// Parse an ItemReader object at `pointer`; problems go to `ctx`.
  static std::optional<ItemReader> from_json(const json& v, const std::string& pointer, ParseContext& ctx);

  /// The Bucket, Key / Prefix, … object: JSONata Arguments evaluated in `env` ($states.input, the
  /// variables), or JSONPath Parameters on `effective` (with $$ and the variables). Throws
  /// StatesError (States.QueryEvaluationError, States.Runtime) as the field's evaluation does.
  json arguments_of(const EvalEnv& env, const json& effective) const;

  /// How many items to read at most (MaxItems(Path); 0 or absent: kMaxItemsLimit, larger values clipped
  /// to it); MaxItemsPath reads `effective`. Throws StatesError(States.ItemReaderFailed) for a bad value.
  std::size_t item_limit(const EvalEnv& env, const json& effective) const;
};

/// "Currently, you can specify a limit of up to 100,000,000" (ReaderConfig MaxItems).
inline constexpr std::int64_t kMaxItemsLimit = 100000000;

}  // namespace cosmicai::asl
