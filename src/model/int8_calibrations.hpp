#pragma once
/// Committed int8 calibrations: the activation ranges that AstroMaeNet's calibration pass (float32
/// network over kInt8CalibrationSamples synthetic samples of seed kInt8CalibrationSeed) records for
/// the bundled weights, so that opening those weights at Precision::kInt8 needs no calibration pass
/// (0.2-0.3 s of the load). Keyed by AstroMaeWeights::digest and the calibration set; any other
/// weights are calibrated at load as before. `model.Int8Calibration.*` recalibrates the bundled
/// weights and fails when a committed entry no longer matches (and prints the entry to commit).
/// Internal to src/model; torch-free.
#include <cstdint>
#include <span>
#include <string>

namespace cosmicai::model {

/// One int8 layer's input range (min, max) as the calibration pass recorded it.
struct CommittedLayerRange {
  const char* layer;  ///< state-dict name of the layer, e.g. "blocks.0.attn.qkv"
  float lo;
  float hi;
};

/// The calibration of one set of weights.
struct CommittedInt8Calibration {
  const char* weights;   ///< which weights, in words (provenance)
  std::uint64_t digest;  ///< AstroMaeWeights::digest() of those weights
  std::int64_t samples;  ///< calibration set: data::synthesize_partition(samples, seed)
  std::uint64_t seed;
  const char* cpu;                              ///< int8_calibration_cpu() of the machine that made it
  const char* made;                             ///< when and how the entry was made
  std::span<const CommittedLayerRange> ranges;  ///< every int8 layer, in the network's layer order
};

/// Return this machine's CPU for the entries' `cpu`: /proc/cpuinfo's model name and the widest of
/// avx512 / avx2 / baseline (what picks oneDNN's and our float32 kernels, hence the ranges' last
/// bits).
std::string int8_calibration_cpu();

/// Return every committed calibration.
std::span<const CommittedInt8Calibration> committed_int8_calibrations();

/// Return the committed calibration for weights with `digest` and the calibration set (samples,
/// seed), or nullptr.
const CommittedInt8Calibration* find_committed_int8_calibration(std::uint64_t digest, std::int64_t samples,
                                                                std::uint64_t seed);

}  // namespace cosmicai::model
