#pragma once
/// ResultWriter: the results of a Map Run's child executions, reshaped (WriterConfig) and/or
/// exported to a store as AWS lays them out (manifest.json, SUCCEEDED_n / FAILED_n / PENDING_n).
#include <optional>
#include <string>
#include <vector>

#include "asl/states/result_writer.hpp"
#include "common/clock.hpp"
#include "common/json.hpp"
#include "engine/map_io/store_resolver.hpp"

namespace cosmicai::engine::map_io {

/// How one child execution (one item or batch) of a Map Run ended.
struct ChildRecord {
  enum class Status { kPending, kSucceeded, kFailed };
  Status status = Status::kPending;         ///< kPending: never started (the Map Run failed first)
  json input;                               ///< the child execution's input
  json output;                              ///< kSucceeded only
  std::optional<std::string> error, cause;  ///< kFailed only
  Clock::time_point start{}, stop{};
  std::string name;  ///< the child execution's name (a UUID)
};

/// The names of one Map Run.
struct MapRunNames {
  std::string map_run_arn;        ///< arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID
  std::string map_run_id;         ///< the UUID
  std::string state_machine_arn;  ///< the children's: arn:aws:states:REGION:ACCOUNT:stateMachine:MACHINE/LABEL
  std::string execution_prefix;   ///< children's execution ARN before the name: …:execution:MACHINE/LABEL:
};

/// Name a new Map Run of the Map state `label` in the execution `execution_arn` (…:execution:MACHINE:NAME).
MapRunNames make_map_run_names(const std::string& execution_arn, const std::string& label, const std::string& uuid);

/// Return a child's entry as ResultWriter's NONE transformation writes it (ExecutionArn, Input,
/// InputDetails, Name, Output, OutputDetails, RedriveCount, RedriveStatus, RedriveStatusReason,
/// StartDate, StateMachineArn, Status, StopDate; Error and Cause when it failed).
json child_metadata(const ChildRecord& child, const MapRunNames& names);

/// Return the Map state's result for a WriterConfig without export: the children's results in item
/// order, transformed (NONE: metadata; COMPACT: outputs; FLATTEN: outputs with arrays spliced in;
/// failed children as metadata in every mode).
json transform_results(const std::vector<ChildRecord>& children, const asl::ResultWriter& writer,
                       const MapRunNames& names);

/// Write the Map Run's results to the store: PREFIX/UUID/SUCCEEDED_n.json, FAILED_n.json,
/// PENDING_n.json (only the non-empty ones, rolled over at 5 GB) and manifest.json last. `params`
/// is the evaluated Parameters ({"Bucket":…, "Prefix":…}). Returns the Map state's result
/// {"MapRunArn":…, "ResultWriterDetails":{"Bucket":…, "Key": manifest key}}. Throws
/// asl::StatesError States.ResultWriterFailed naming bucket and key when a write fails.
json export_results(const std::vector<ChildRecord>& children, const asl::ResultWriter& writer, const json& params,
                    const MapRunNames& names, const StoreResolver* stores);

}  // namespace cosmicai::engine::map_io
