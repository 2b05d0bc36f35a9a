#pragma once
/// Read the items of a Distributed Map's ItemReader from the engine's stores.
#include <vector>

#include "asl/states/item_reader.hpp"
#include "common/json.hpp"
#include "engine/map_io/store_resolver.hpp"

namespace cosmicai::engine::map_io {

/// Return the items `reader` names: the object records of an s3:listObjectsV2 listing (every page),
/// or the items parsed from one s3:getObject object (JSON array, JSON Lines, CSV rows, or the rows of
/// an S3 inventory MANIFEST), at most MaxItems(Path) of them. `env` (the state input, $$, the
/// variables) feeds JSONata Arguments and MaxItems; `effective` the JSONPath Parameters and MaxItemsPath. Throws
/// asl::StatesError States.ItemReaderFailed with the bucket and key in the cause when the store, the object or its
/// content fails. Thread-safe.
std::vector<json> read_items(const asl::ItemReader& reader, const asl::EvalEnv& env, const json& effective,
                             const StoreResolver* stores);

/// Return the item AWS makes of one listed object: {"Etag","Key","LastModified","Size","StorageClass"}.
json object_record(const storage::ObjectInfo& info);

}  // namespace cosmicai::engine::map_io
