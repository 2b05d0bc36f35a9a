#pragma once
/// The Cosmic AI payloads: the execution input (seeds' format) and the per-rank dictionary.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/result.hpp"

namespace cosmicai::cosmic {

/// The execution payload, as in the seeds' `payloads/*.json`. Unknown fields are kept
/// (`extra`) and passed on to every rank.
struct InitPayload {
  std::string bucket;          ///< code bucket (`bucket`)
  std::optional<std::int64_t> file_limit;  ///< `file_limit`, string or number; absent = every file
  json batch_size;             ///< `batch_size` as given (passed on verbatim as BATCH_SIZE)
  std::int64_t batch_size_value = 0;  ///< `batch_size` as a number
  std::string object_type;     ///< `object_type`
  std::string object_name;     ///< `S3_object_name` (code folder)
  std::string script;          ///< `script`
  std::string result_path;     ///< `result_path`
  std::string data_bucket;     ///< `data_bucket`
  std::string data_prefix;     ///< `data_prefix`
  std::optional<std::int64_t> world_size;  ///< `world_size`, string or number; absent = one rank per file
  std::optional<std::string> model;        ///< `model`: model source for every rank (see ModelOptions::source)
  /// `items_key`: write the rank dictionaries to DATA_BUCKET/items_key (a JSON array) and return only where
  /// they are, for a Map with an ItemReader (no 256 KiB payload limit on the number of ranks). Absent: the
  /// seeds' behaviour, the rank dictionaries in the output's `body`.
  std::optional<std::string> items_key;
  json extra = json::object();             ///< every other field, in input order
};

/// Parse the execution payload. Errors name the field as a JSON pointer, e.g.
/// "payload /file_limit: must be a positive integer (string or number), got \"abc\"".
Result<InitPayload> parse_init_payload(const json& event);

/// One rank's work, as Initialize returns it (the original per-rank keys).
struct RankTask {
  std::string code_bucket;   ///< S3_BUCKET
  std::string object_name;   ///< S3_OBJECT_NAME
  std::string script;        ///< SCRIPT
  std::string object_type;   ///< S3_OBJECT_TYPE
  std::int64_t world_size = 0;  ///< WORLD_SIZE (a string in the dict)
  std::int64_t rank = 0;        ///< RANK (a string in the dict)
  std::string data_bucket;   ///< DATA_BUCKET
  std::string data_prefix;   ///< DATA_PREFIX
  std::vector<std::string> data_paths;  ///< DATA_PATH: a string for one file, a list for several
  std::string result_path;   ///< RESULT_PATH
  std::int64_t batch_size = 0;  ///< BATCH_SIZE
  std::optional<std::string> model;  ///< MODEL (our addition, only when the payload named a model)
  std::string run_id;        ///< RUN_ID (our addition: lets Summarize tell this run's results from stale ones)
};

/// Parse a per-rank dictionary; errors name the key ("rank dict /BATCH_SIZE: …").
Result<RankTask> parse_rank_task(const json& dict);

/// Parse a positive integer given as a JSON number or a decimal string. Errors name `pointer`.
Result<std::int64_t> parse_positive_integer(const json& value, std::string_view pointer);

/// Return `result_path` without trailing slashes, so keys join as "<path>/<rank>.json".
std::string trim_result_path(std::string_view result_path);
/// Key of rank `rank`'s result: "<result_path>/<rank>.json".
std::string rank_result_key(std::string_view result_path, std::int64_t rank);
/// Key of rank `rank`'s predictions: "<result_path>/predictions/<rank>.csv".
std::string rank_predictions_key(std::string_view result_path, std::int64_t rank);
/// Key of rank `rank`'s failure record: "<result_path>/errors/<rank>.json".
std::string rank_error_key(std::string_view result_path, std::int64_t rank);

}  // namespace cosmicai::cosmic
