#pragma once
/// Model Inference (`cosmic-executor`): one rank's partitions through the model.
#include <string>

#include "common/json.hpp"
#include "common/result.hpp"
#include "cosmic/payload.hpp"
#include "cosmic/runtime.hpp"
#include "functions/cancel.hpp"

namespace cosmicai::cosmic {

/// Image + magnitude bits per sample as the original counts them: (5·32·32·4 + 5·8) bytes × 8.
inline constexpr double kInputBitsPerSample = 164160.0;

/// Return the model source for a rank: the payload's MODEL, else `--model`, else a model file in
/// the code folder (`S3_BUCKET`/`S3_OBJECT_NAME`/model.pt or any `*.ts.pt` under it; fetched to a
/// local file if the store is not local), else "builtin".
Result<std::string> resolve_model_source(const CosmicConfig& config, const RankTask& task);

/// Run one rank: load its partitions from DATA_BUCKET (reading the next while computing the
/// current), predict in batches of BATCH_SIZE (holding a gate slot while computing), and write
///  - `RESULT_PATH/predictions/<rank>.csv`: `sample,file,redshift,prediction` (sample = index in the file);
///  - `RESULT_PATH/<rank>.json`: the original keys, measured by wall clock:
///    `total_cpu_time (seconds)` = the rank's wall time without waiting for a compute slot,
///    `total_cpu_memory (MB)` = peak RSS of the process, `execution_time (seconds/batch)` =
///    compute time / batches, `throughput_bps` and `sample_persec` over `total_cpu_time`;
///    plus rank, world_size, samples, wall/gate-wait/model (getting the cached model; the first
///    call in a process loads it)/load/compute/write seconds, start/end times,
///    the model and the files read.
/// Returns {"statusCode":200,"body":{rank, samples, result, predictions, sample_persec}}.
/// On failure writes `RESULT_PATH/errors/<rank>.json` ({rank, error}) and returns an error whose
/// message names the rank, the file and the cause.
///
/// `cancel` (may be null) is checked before each partition and each micro-batch: once it is
/// cancelled the rank stops within one micro-batch, records `errors/<rank>.json` naming the
/// cancellation and returns an error (ErrorCode::kUnavailable) saying so.
Result<json> infer_rank(const CosmicConfig& config, ComputeGate& gate, const json& rank_dict,
                        const functions::CancelToken* cancel = nullptr);

/// What a rank leaves, kept in memory as well as written to the store (the MPI driver gathers it).
struct RankOutput {
  json response;                ///< infer_rank's return value
  json result;                  ///< the object written to `RESULT_PATH/<rank>.json`
  std::string predictions_csv;  ///< the text written to `RESULT_PATH/predictions/<rank>.csv`
};

/// infer_rank, also returning the rank's result object and predictions text. Same files, same errors.
Result<RankOutput> run_rank(const CosmicConfig& config, ComputeGate& gate, const json& rank_dict,
                            const functions::CancelToken* cancel = nullptr);

}  // namespace cosmicai::cosmic
