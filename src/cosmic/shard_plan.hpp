#pragma once
/// Initialize (`data-parallel-init`): list the partitions and split them over ranks.
#include <cstdint>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/result.hpp"
#include "cosmic/payload.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::cosmic {

/// Split `files` over `world_size` ranks as the original initializer does:
/// - world_size ≤ files: rank r takes the next ceil(files left / ranks left) files
///   (11 files on 4 ranks → 3, 3, 3, 2);
/// - world_size > files: every rank takes one file, rank r gets files[r % files]
///   (the over-subscription of the dynamodbstorage branch; no rank is left without data).
/// Precondition: files not empty, world_size ≥ 1.
std::vector<std::vector<std::string>> plan_shards(const std::vector<std::string>& files, std::int64_t world_size);

/// Return the `.pt` keys under `prefix` (taken as a folder: "100MB" lists "100MB/…") in numeric
/// order ("2.pt" before "10.pt"), following every listing page.
Result<std::vector<std::string>> list_partitions(const storage::ObjectStore& store, std::string_view bucket,
                                                 std::string_view prefix);

/// Build one rank dictionary per rank (the original keys, then RUN_ID, MODEL if given and the
/// payload's extra fields). DATA_PATH is a string for one file and a list for several.
json make_rank_dicts(const InitPayload& payload, const std::vector<std::vector<std::string>>& shards,
                     std::string_view run_id);

/// The Initialize handler body: parse the payload, list (every page) and limit the partitions, plan,
/// and return {"statusCode":200,"body":[rank dicts]}, writing nothing. With the payload's `items_key`
/// it writes the rank dicts to DATA_BUCKET/items_key as a JSON array instead and returns
/// {"statusCode":200,"body":{"items_bucket","items_key","world_size","run_id","data_bucket",
/// "data_prefix","result_path"}} (what Summarize accepts). Errors say what is wrong with the payload
/// or the data ("no .pt files under cosmicai-data/100MB/", "file_limit 11 exceeds …").
Result<json> initialize(storage::ObjectStore& store, const json& event);

/// Return a fresh random run id (16 hex digits).
std::string new_run_id();

}  // namespace cosmicai::cosmic
